"""NeuralSequenceSynthesizer: the masked head, windows, tracks, early stopping, local randomness, devices."""

import numpy as np
import pandas as pd
import pytest

import tabsynth

torch = pytest.importorskip("torch")
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
SMALL = {"hidden_size": 32, "head_size": 32, "random_state": 0}


def walks(num_entities=30, length=25, seed=0):
    """Random walks with small steps (smooth), an iid number y = x-walk + small noise at each step, and
    an iid noise column (not smooth); two kinds of entity at different levels."""
    rng = np.random.default_rng(seed)
    frames = []
    for e in range(num_entities):
        kind = "high" if e % 2 else "low"
        walk = np.cumsum(rng.normal(0, 0.2, length)) + (50 if kind == "high" else 0) + rng.normal(0, 3)
        noise = rng.normal(0, 1, length)
        frames.append(pd.DataFrame({"id": e, "t": np.arange(length), "kind": kind, "walk": walk, "noise": noise,
                                    "echo": noise * 2 + rng.normal(0, 0.05, length)}))
    return pd.concat(frames, ignore_index=True)


ROLES = {"sequence_key": "id", "sequence_index": "t", "context_columns": ["kind"]}


@pytest.fixture(scope="module")
def fitted():
    return tabsynth.make("neural_sequence", epochs=60, **SMALL).fit(walks(), **ROLES)


def test_head_is_autoregressive_over_units():
    """A unit's outputs never depend on the step's own units at or after it (perturbing them changes nothing)."""
    from tabsynth.synthesizers.neural import _recurrent as R
    from tabsynth.synthesizers.neural._layout import Span

    spans = [Span(0, 1, "tanh", "x", "scalar"), Span(1, 3, "softmax", "x", "mode"), Span(4, 2, "softmax", "c", "category")]
    units = R.units_of(spans, lambda column: "always")
    assert [u["kind"] for u in units] == ["mode", "scalar", "category"]  # a mode before its scalar
    generator = torch.Generator().manual_seed(0)
    net = R.build(6, 0, 2, 1, 8, 1, 16, units, generator, "cpu")
    summary, rows = torch.randn(5, 8), torch.randn(5, 6)
    before = R.head_outputs(net, summary, rows)
    outputs_of = {"mode": [1, 2, 3], "scalar": [0, 6], "category": [4, 5]}  # 6: the scalar's log sigma
    for k, unit in enumerate(units):
        changed = rows.clone()
        changed[:, unit["start"]:unit["stop"]] += 3.0
        after = R.head_outputs(net, summary, changed)
        for earlier in units[:k + 1]:
            assert torch.allclose(before[:, outputs_of[earlier["kind"]]], after[:, outputs_of[earlier["kind"]]])
        if k + 1 < len(units):
            later = outputs_of[units[-1]["kind"]]
            assert not torch.allclose(before[:, later], after[:, later])


def test_windows_cover_every_step_once_with_burn_in():
    from tabsynth.synthesizers.neural._sequence_data import segments

    lengths = np.array([5, 200, 64])
    ranges = np.c_[np.arange(3), np.zeros(3, dtype=int), lengths]
    windows = segments(ranges, 64, 32, np.random.default_rng(0))
    for seq, length in enumerate(lengths):
        mine = windows[windows[:, 0] == seq]
        scored = np.concatenate([np.arange(lo, hi) for _, _, lo, hi in mine])
        assert np.array_equal(np.sort(scored), np.arange(length))
        assert (mine[:, 2] - mine[:, 1] <= 32).all() and (mine[:, 1] >= 0).all()
        assert ((mine[:, 3] - mine[:, 2]) <= 64).all()
    inner = segments(np.array([[1, 100, 150]]), 64, 32, None)
    assert inner.tolist() == [[1, 100, 100, 150]]  # training burn-in stays inside its range
    before = segments(np.array([[1, 100, 150]]), 64, 32, None, burn_before=True)
    assert before.tolist() == [[1, 68, 100, 150]]  # held-out blocks warm up on the real steps before them


def test_held_out_blocks_are_spread_and_disjoint_from_training():
    from tabsynth.synthesizers.neural._sequence_data import interleaved_blocks

    lengths = np.array([1000, 900, 37])
    train, held = interleaved_blocks(lengths, 0.15, 50, np.random.default_rng(0))
    for seq, length in enumerate(lengths):
        steps = np.zeros(length, dtype=int)
        for ranges in (train, held):
            for _, lo, hi in ranges[ranges[:, 0] == seq]:
                steps[lo:hi] += 1
        assert (steps == 1).all()  # every step in exactly one of them
    share = (held[:, 2] - held[:, 1]).sum() / lengths.sum()
    assert 0.1 < share < 0.2 and held[:, 1].min() >= 50 and len(np.unique(held[:, 0])) == 2


def test_smooth_numbers_are_tracks_and_keep_their_steps(fitted):
    smooth = {t["name"]: t["smooth"] for t in fitted.tracks_.tracks_}
    assert smooth["walk"] and not smooth["noise"]
    assert fitted.calibration_ == {}  # 25 steps: shorter than a window, no drift to calibrate
    real = walks()
    fake = fitted.sample(60, random_state=1)
    real_steps = real.groupby("id")["walk"].diff().std()
    fake_steps = fake.groupby("id")["walk"].diff().std()
    assert 0.5 * real_steps < fake_steps < 2.0 * real_steps  # a level model jitters by its error at every step
    assert fake["walk"].between(real["walk"].min(), real["walk"].max()).all()


def test_columns_of_one_step_keep_their_joint_distribution(fitted):
    fake = fitted.sample(60, random_state=2)
    assert np.corrcoef(fake["noise"], fake["echo"])[0, 1] > 0.9  # real: 0.9997; independent heads give ~0


def test_context_moves_the_level(fitted):
    fake = fitted.sample(60, random_state=3)
    means = fake.groupby("kind")["walk"].mean()
    assert means["high"] - means["low"] > 30  # real: 50


def test_early_stopping_restores_the_best_epoch():
    synth = tabsynth.make("neural_sequence", epochs=40, patience=5, **SMALL).fit(walks(), **ROLES)
    history = synth.loss_history_
    assert synth.best_epoch_ == int(history["validation_nll"].idxmin())
    assert len(history) <= 40 and (len(history) == 40 or len(history) - 1 - synth.best_epoch_ == 5)
    plain = tabsynth.make("neural_sequence", epochs=3, validation_fraction=None, calibrate=False, **SMALL)
    plain.fit(walks(), **ROLES)
    assert "validation_nll" not in plain.loss_history_ and len(plain.loss_history_) == 3
    assert plain.calibration_ == {} and plain.best_epoch_ == 2


def test_few_long_sequences_hold_out_blocks(tmp_path):
    data = walks(num_entities=3, length=150)
    synth = tabsynth.make("neural_sequence", epochs=3, window=32, **SMALL).fit(data, **ROLES)
    assert np.isfinite(synth.loss_history_["validation_nll"]).all()
    assert set(synth.calibration_) == {"walk"}  # long series drawn as steps: calibrated
    assert synth.sample(2, random_state=0).groupby("id").size().tolist() == [150, 150]
    path = tmp_path / "long.tsyn"
    synth.save(path)
    pd.testing.assert_frame_equal(tabsynth.load(path).sample(2, random_state=4), synth.sample(2, random_state=4))
    single = data.groupby("id").head(1)
    with pytest.raises(tabsynth.InvalidDataError, match="validation_fraction=None"):
        tabsynth.make("neural_sequence", epochs=2, **SMALL).fit(single, **ROLES)


def test_no_global_random_state_is_touched():
    torch_state, numpy_state = torch.random.get_rng_state(), np.random.get_state()[1].copy()
    synth = tabsynth.make("neural_sequence", epochs=2, **SMALL).fit(walks(10, 10), **ROLES)
    synth.sample(5, random_state=0)
    assert torch.equal(torch_state, torch.random.get_rng_state())
    assert np.array_equal(numpy_state, np.random.get_state()[1])


def test_same_seed_same_model():
    first = tabsynth.make("neural_sequence", epochs=3, **SMALL).fit(walks(12, 10), **ROLES)
    again = tabsynth.make("neural_sequence", epochs=3, **SMALL).fit(walks(12, 10), **ROLES)
    pd.testing.assert_frame_equal(first.sample(8, random_state=5), again.sample(8, random_state=5))


def test_irregular_gaps_are_inputs():
    rng = np.random.default_rng(0)
    data = walks(20, 15)
    data["t"] = data.groupby("id")["t"].transform(lambda s: np.cumsum(rng.choice([1, 5], len(s))))
    synth = tabsynth.make("neural_sequence", epochs=2, **SMALL).fit(data, **ROLES)
    assert synth.features_.median_gap_ > 0 and synth.features_.width == 6
    fake = synth.sample(5, random_state=0)
    assert set(np.unique(fake.groupby("id")["t"].diff().dropna())) <= {1, 5}


@needs_cuda
def test_models_move_between_cpu_and_cuda(tmp_path):
    data = walks(12, 10)
    for trained, opened in (("cuda", "cpu"), ("cpu", "cuda")):
        synth = tabsynth.make("neural_sequence", epochs=2, device=trained, **SMALL).fit(data, **ROLES)
        assert next(synth.network_.parameters()).device.type == trained
        synth.save(tmp_path / f"{trained}.tsyn")
        moved = tabsynth.load(tmp_path / f"{trained}.tsyn", device=opened)
        fake = moved.sample(6, random_state=3)
        assert list(fake.columns) == list(data.columns) and fake.dtypes.equals(data.dtypes)
