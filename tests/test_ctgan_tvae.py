"""CTGAN and TVAE: the shared encoding, reproducibility without global state, model files."""

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

import tabsynth
from tabsynth.errors import ConditionError, InvalidDataError, InvalidParameterError, MissingDependencyError
from tabsynth.schema.codecs import EncodedColumn
from tabsynth.synthesizers.neural import ModeSpecificNormalizer, TableTransformer
from tabsynth.synthesizers.neural._conditional import ConditionalSampler
from tabsynth.testing import make_check_data

TINY = {
    "ctgan": {"epochs": 1, "batch_size": 50, "embedding_dim": 8, "generator_dim": (16, 16),
              "discriminator_dim": (16, 16), "device": "cpu"},
    "tvae": {"epochs": 1, "batch_size": 50, "embedding_dim": 8, "compress_dims": (16,),
             "decompress_dims": (16,), "device": "cpu"},
}


def _bimodal(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    return np.where(rng.random(n) < 0.3, rng.normal(-5, 0.5, n), rng.normal(5, 1.0, n))


def _encoded_frame(n=500, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": _bimodal(n, seed), "c": rng.integers(0, 3, n), "f": rng.integers(0, 2, n)})
    columns = [EncodedColumn("x", "numerical", "x"), EncodedColumn("c", "categorical", "c", 3),
               EncodedColumn("f", "categorical", "f", 2)]
    return frame, columns


def test_normalizer_finds_the_modes():
    normalizer = ModeSpecificNormalizer().fit(_bimodal(), np.random.default_rng(0))
    left = normalizer.means_ < 0
    assert np.abs(normalizer.means_[left] + 5).max() < 0.5 and np.abs(normalizer.means_[~left] - 5).max() < 1.5
    assert abs(normalizer.weights_[left].sum() - 0.3) < 0.03
    assert normalizer.n_modes <= 10 and np.isclose(normalizer.weights_.sum(), 1.0)


def _zero_inflated(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    return np.where(rng.random(n) < 0.8, 0.0, rng.lognormal(3.0, 1.0, n))


def test_normalizer_gives_frequent_values_an_exact_mode():
    values = _zero_inflated()
    normalizer = ModeSpecificNormalizer().fit(values, np.random.default_rng(0))
    assert normalizer.n_atoms_ == 1 and normalizer.means_[0] == 0.0 and normalizer.stds_[0] == 0.0
    scalars, modes = normalizer.encode(values, np.random.default_rng(1))
    assert (modes == 0).sum() == (values == 0).sum() and (modes[values > 0] > 0).all()
    back = normalizer.decode(np.random.default_rng(2).uniform(-1, 1, len(values)), modes)
    assert (back[values == 0] == 0.0).all()  # an atom decodes exactly, whatever the scalar
    same = ModeSpecificNormalizer.from_state(normalizer.to_state())
    np.testing.assert_array_equal(same.decode(scalars, modes), normalizer.decode(scalars, modes))
    old = {k: v for k, v in normalizer.to_state().items() if k != "atoms"}  # a model file from before atoms
    assert ModeSpecificNormalizer.from_state(old).n_atoms_ == 0


def test_normalizer_with_only_atoms_round_trips_exactly():
    values = np.random.default_rng(0).choice([1.5, 7.0, 40.0], size=500, p=[0.2, 0.3, 0.5])
    normalizer = ModeSpecificNormalizer().fit(values, np.random.default_rng(0))
    assert normalizer.n_atoms_ == normalizer.n_modes == 3 and len(normalizer.weights_) == 0
    scalars, modes = normalizer.encode(values, np.random.default_rng(1))
    np.testing.assert_array_equal(normalizer.decode(scalars, modes), values)
    assert ModeSpecificNormalizer(atom_share=None).fit(values, np.random.default_rng(0)).n_atoms_ == 0


@pytest.mark.parametrize("name", ["ctgan", "tvae"])
def test_zero_inflated_column_keeps_its_exact_zeros(name):
    real = pd.DataFrame({"x": _zero_inflated(), "c": np.random.default_rng(1).choice(["a", "b"], 2000)})
    params = {**TINY[name], "epochs": 30, "batch_size": 100}
    fake = tabsynth.make(name, random_state=0, **params).fit(real).sample(2000, random_state=0)
    # Without the atom a decoded zero is 0 plus the mode's spread: exact zeros ~never come out.
    assert 0.5 < (fake["x"] == 0).mean() < 0.95 and (fake["x"] > 0).mean() > 0.05


def test_tvae_atom_rows_leave_the_scalar_sigma_alone():
    real = pd.DataFrame({"x": _zero_inflated(), "c": np.random.default_rng(1).choice(["a", "b"], 2000)})
    synth = tabsynth.make("tvae", random_state=0, **TINY["tvae"]).fit(real)
    data = torch.as_tensor(synth.transformer_.encode(synth.schema_.encode(real), np.random.default_rng(0)))
    sigma, scalars = synth.vae_.sigma, synth._layout.scalars
    for rows, moves in ((real["x"].to_numpy() == 0, False), (real["x"].to_numpy() > 0, True)):
        batch = data[torch.as_tensor(rows)]
        sigma.grad = None
        reconstruction, _ = synth._losses(batch, synth._layout.targets(batch), torch.Generator().manual_seed(0))
        reconstruction.backward()
        assert bool((sigma.grad[scalars] != 0).all()) is moves  # the value of an atom row is its mode


def test_transformer_layout_and_round_trip():
    frame, columns = _encoded_frame()
    transformer = TableTransformer().fit(frame, columns, np.random.default_rng(0))
    modes = transformer.normalizers_["x"].n_modes
    layout = [(s.column, s.kind, s.width, s.activation) for s in transformer.spans]
    assert layout == [("x", "scalar", 1, "tanh"), ("x", "mode", modes, "softmax"),
                      ("c", "category", 3, "softmax"), ("f", "category", 2, "softmax")]
    assert transformer.output_dim == sum(s.width for s in transformer.spans) == 1 + modes + 5
    assert [s.start for s in transformer.spans] == [0, 1, 1 + modes, 4 + modes]
    matrix = transformer.encode(frame, np.random.default_rng(1))
    assert matrix.dtype == np.float32 and matrix.shape == (len(frame), transformer.output_dim)
    for span in transformer.spans[1:]:
        np.testing.assert_array_equal(matrix[:, span.start:span.stop].sum(axis=1), 1.0)
    assert np.abs(matrix[:, 0]).max() <= 0.99
    back = transformer.decode_matrix(matrix)
    pd.testing.assert_frame_equal(back[["c", "f"]], frame[["c", "f"]])
    np.testing.assert_allclose(back["x"], frame["x"], atol=1e-9)
    same = TableTransformer.from_state(transformer.to_state())
    np.testing.assert_array_equal(same.encode(frame, np.random.default_rng(1)), matrix)


def _flags(n=400, seed=0):
    rng = np.random.default_rng(seed)
    together = (rng.random(n) < 0.3).astype(np.int64)
    frame = pd.DataFrame({"a#missing": together, "c": rng.integers(0, 3, n), "b#missing": together,
                          "d#missing": (rng.random(n) < 0.5).astype(np.int64)})
    columns = [EncodedColumn(name, "categorical", name.split("#")[0], 2 if "#" in name else 3) for name in frame]
    return frame, columns


def test_missing_flags_share_one_pattern_span():
    frame, columns = _flags()
    transformer = TableTransformer().fit(frame, columns, np.random.default_rng(0))
    layout = [(s.column, s.width) for s in transformer.spans]
    assert layout == [("#missing-pattern", 4), ("c", 3)]  # the patterns seen: a=b, d free
    assert transformer.pattern_flags_ == ["a#missing", "b#missing", "d#missing"]
    matrix = transformer.encode(frame, np.random.default_rng(0))
    pd.testing.assert_frame_equal(transformer.decode_matrix(matrix)[list(frame)], frame)
    same = TableTransformer.from_state(transformer.to_state())
    np.testing.assert_array_equal(same.encode(frame, np.random.default_rng(0)), matrix)
    assert transformer.pattern_code({"a#missing": 1, "d#missing": 0}) == 2  # rows of patterns_: sorted
    assert transformer.pattern_code({"a#missing": 1}) is None  # two patterns fit: no single category to name
    assert transformer.pattern_code({"c": 1}) is None


def test_many_independent_flags_keep_one_span_each():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"v{i}#missing": rng.integers(0, 2, 2000) for i in range(8)})  # 256 patterns
    columns = [EncodedColumn(name, "categorical", name[:2], 2) for name in frame]
    transformer = TableTransformer().fit(frame, columns, np.random.default_rng(0))
    assert transformer.pattern_flags_ == [] and [s.column for s in transformer.spans] == list(frame)


def _mixed_spans():
    from tabsynth.synthesizers.neural._layout import Span

    widths = [("tanh", 1), ("softmax", 3), ("softmax", 41), ("tanh", 1), ("softmax", 2), ("softmax", 9)]
    spans, start = [], 0
    for activation, width in widths:
        spans.append(Span(start, width, activation, f"c{start}", "scalar" if activation == "tanh" else "category"))
        start += width
    return spans, start


def test_fused_layout_matches_per_span_softmax():
    from tabsynth.synthesizers.neural._torch import FusedLayout

    spans, start = _mixed_spans()
    layout, raw = FusedLayout(spans, torch.device("cpu")), torch.randn(7, start, dtype=torch.float64)
    expected = torch.cat([torch.tanh(raw[:, s.start:s.stop]) if s.activation == "tanh"
                          else torch.softmax(raw[:, s.start:s.stop], dim=1) for s in spans], dim=1)
    torch.testing.assert_close(layout.activate(raw), expected)
    log_probs, soft = layout.log_probs(raw), [s for s in spans if s.activation == "softmax"]
    for s in soft:
        block = log_probs[:, layout.flat_start[s.start]:layout.flat_start[s.start] + s.width]
        torch.testing.assert_close(block, torch.log_softmax(raw[:, s.start:s.stop], dim=1))
    one_hot = torch.zeros_like(raw)
    hot = [torch.randint(0, s.width, (7,)) for s in soft]
    for s, h in zip(soft, hot):
        one_hot[torch.arange(7), s.start + h] = 1.0
    positions = layout.targets(one_hot)
    assert sorted(positions[0].tolist()) == sorted(layout.flat_start[s.start] + int(h[0]) for s, h in zip(soft, hot))



def test_fused_layout_draws_codes_at_their_softmax_probabilities():
    from tabsynth.synthesizers.neural._torch import FusedLayout

    spans, start = _mixed_spans()
    layout, n = FusedLayout(spans, torch.device("cpu")), 200_000
    row = torch.randn(1, start, generator=torch.Generator().manual_seed(0)) * 2
    row[0, 4] = 60.0  # a block whose largest logit would overflow exp() unshifted
    scalars, codes = layout.draw(row.expand(n, start), torch.Generator().manual_seed(1))
    per_span = layout.per_span(scalars, codes)
    for span, values in zip(spans, per_span):
        if span.activation == "tanh":
            np.testing.assert_allclose(values, np.tanh(row[0, span.start].item()), rtol=1e-6)
            continue
        probs = torch.softmax(row[0, span.start:span.stop].double(), dim=0).numpy()
        freqs = np.bincount(values, minlength=span.width) / n
        assert len(freqs) == span.width  # no code past the block
        assert np.all(np.abs(freqs - probs) <= 4 * np.sqrt(probs * (1 - probs) / n) + 1e-4), (span, freqs, probs)

def test_conditional_sampler_rows_match_their_condition():
    rng = np.random.default_rng(0)
    codes = [rng.choice(3, 1000, p=[0.9, 0.09, 0.01]), rng.integers(0, 2, 1000)]
    sampler = ConditionalSampler.from_codes(codes, [3, 2], 1000)
    cond, columns, rows = sampler.sample_train(20_000, rng)
    assert cond.shape == (20_000, 5) and np.all(cond.sum(axis=1) == 1)
    for j, code in enumerate(codes):
        picked = columns == j
        category = cond[picked, sampler.offsets[j]:sampler.offsets[j + 1]].argmax(axis=1)
        np.testing.assert_array_equal(code[rows[picked]], category)
    rare = (cond[columns == 0, 2] == 1).mean()  # log-frequency: the 1 % category is seen far more often
    expected = np.log1p(10) / np.log1p(np.bincount(codes[0])).sum()
    assert abs(rare - expected) < 0.02


@pytest.mark.parametrize("name", ["ctgan", "tvae"])
def test_reproducible_without_global_rng(name):
    data = make_check_data(200)
    torch_state, numpy_state = torch.random.get_rng_state(), np.random.get_state()[1].copy()
    first = tabsynth.make(name, random_state=3, **TINY[name]).fit(data)
    second = tabsynth.make(name, random_state=3, **TINY[name]).fit(data)
    pd.testing.assert_frame_equal(first.sample(300, random_state=1), second.sample(300, random_state=1))
    pd.testing.assert_frame_equal(first.loss_history_, second.loss_history_)
    assert torch.equal(torch.random.get_rng_state(), torch_state), "torch's global generator was used"
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)
    other = tabsynth.make(name, random_state=4, **TINY[name]).fit(data)
    assert not first.sample(300, random_state=1).equals(other.sample(300, random_state=1))
    assert list(first.loss_history_["epoch"]) == [0]


@pytest.mark.parametrize("name", ["ctgan", "tvae"])
def test_weights_round_trip_through_model_file(name, tmp_path):
    synth = tabsynth.make(name, random_state=0, **TINY[name]).fit(make_check_data(200))
    synth.save(tmp_path / "model.tsyn")
    same = tabsynth.load(tmp_path / "model.tsyn")
    nets = ("generator_", "critic_") if name == "ctgan" else ("vae_",)
    for net in nets:
        before, after = getattr(synth, net).state_dict(), getattr(same, net).state_dict()
        assert before.keys() == after.keys()
        for key in before:
            assert torch.equal(before[key], after[key]), key
    pd.testing.assert_frame_equal(synth.loss_history_, same.loss_history_)


@pytest.mark.parametrize("params", [{"batch_size": 55}, {"device": "tpu"}, {"generator_dim": (0,)},
                                    {"generator_lr": -1.0}, {"pac": 0}])
def test_ctgan_bad_params(params):
    with pytest.raises(InvalidParameterError, match="CTGANSynthesizer"):
        tabsynth.make("ctgan", **{**TINY["ctgan"], **params}).fit(make_check_data(50))


def test_missing_torch_says_how_to_install(monkeypatch):
    import importlib.util

    from tabsynth import registry
    from tabsynth.synthesizers.neural import _torch

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(registry.importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real_find_spec(name, *a))
    with pytest.raises(MissingDependencyError, match=r'pip install "tabsynth\[torch\]"'):
        tabsynth.make("ctgan")
    monkeypatch.undo()
    monkeypatch.setitem(__import__("sys").modules, "torch", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "tabsynth\[torch\]"'):
        _torch.import_torch()


# ---------------------------------------------------------------------- early stopping
EARLY = {"epochs": 40, "validation_fraction": 0.3, "patience": 2}
PEAKS_SOON = {"ctgan": {}, "tvae": {"learning_rate": 1e-2}}  # the held-out score peaks within the 40 epochs


def _record_weights(monkeypatch):
    """Capture every network's weights after each early-stopping check (epoch -> list of state dicts)."""
    from tabsynth.synthesizers.neural import _early_stopping

    seen, check = {}, _early_stopping.EarlyStopping.check

    def spy(self, epoch, record, sample, modules):
        stop = check(self, epoch, record, sample, modules)
        seen[epoch] = [{k: v.clone() for k, v in m.state_dict().items()} for m in modules]
        return stop

    monkeypatch.setattr(_early_stopping.EarlyStopping, "check", spy)
    return seen


@pytest.mark.parametrize("name", ["ctgan", "tvae"])
def test_early_stopping_stops_and_restores_the_best_weights(name, monkeypatch):
    seen = _record_weights(monkeypatch)
    synth = tabsynth.make(name, random_state=0, **{**TINY[name], **EARLY, **PEAKS_SOON[name]}).fit(make_check_data(400))
    history = synth.loss_history_
    assert len(history) < EARLY["epochs"], "did not stop early"
    assert history["validation_score"].between(0, 1).all()
    scores = history["validation_score_smoothed"]  # the mean of the last 5 scores
    np.testing.assert_allclose(scores, history["validation_score"].rolling(5, min_periods=1).mean())
    best = int(history["epoch"][scores.idxmax()])
    assert int(history["epoch"].iloc[-1]) - best == EARLY["patience"]  # stopped after `patience` worse checks
    assert (scores.iloc[best + 1:] <= scores[best]).all()
    modules = [synth.generator_, synth.critic_] if name == "ctgan" else [synth.vae_]
    for module, best_weights, last_weights in zip(modules, seen[best], seen[int(history["epoch"].iloc[-1])]):
        final = module.state_dict()
        assert all(torch.equal(final[k], best_weights[k]) for k in final), "best weights not restored"
        assert not all(torch.equal(final[k], last_weights[k]) for k in final)


@pytest.mark.parametrize("name", ["ctgan", "tvae"])
def test_early_stopping_is_reproducible(name):
    data = make_check_data(400)
    first = tabsynth.make(name, random_state=5, **{**TINY[name], **EARLY}).fit(data)
    second = tabsynth.make(name, random_state=5, **{**TINY[name], **EARLY}).fit(data)
    pd.testing.assert_frame_equal(first.loss_history_, second.loss_history_)
    pd.testing.assert_frame_equal(first.sample(200, random_state=1), second.sample(200, random_state=1))
    plain = tabsynth.make(name, random_state=5, **{**TINY[name], "validation_fraction": None}).fit(data)
    assert "validation_score" not in plain.loss_history_


@pytest.mark.parametrize("name", ["ctgan", "tvae"])
def test_early_stopping_is_the_default(name, monkeypatch):
    from tabsynth.synthesizers.neural import _early_stopping

    held = []
    real_split = _early_stopping.split
    monkeypatch.setattr(_early_stopping, "split", lambda encoded, *a: held.append(len(encoded)) or real_split(
        encoded, *a))
    assert tabsynth.make(name).get_params()["validation_fraction"] == "auto"
    synth = tabsynth.make(name, random_state=0, **{**TINY[name], "epochs": 3}).fit(make_check_data(400))
    assert "validation_score" in synth.loss_history_
    assert held == [400]
    for rows, scored in [(60, True), (49, False)]:  # 60 rows: 6 are 10 %, so 10 are held out; 49: too few
        synth = tabsynth.make(name, random_state=0, **TINY[name]).fit(make_check_data(rows))
        assert ("validation_score" in synth.loss_history_) is scored


def test_auto_holds_out_at_least_ten_rows(monkeypatch):
    from tabsynth.synthesizers.neural import _early_stopping

    seen = []
    monkeypatch.setattr(_early_stopping, "EarlyStopping", lambda held_out, *a: seen.append(len(held_out))
                        or (_ for _ in ()).throw(RuntimeError("stop")))
    for rows, expected in [(60, 10), (400, 40)]:
        with pytest.raises(RuntimeError, match="stop"):
            tabsynth.make("tvae", random_state=0, **TINY["tvae"]).fit(make_check_data(rows))
        assert seen[-1] == expected


@pytest.mark.parametrize("name", ["ctgan", "tvae"])
@pytest.mark.parametrize("params", [{"validation_fraction": 0.0}, {"validation_fraction": 1.0},
                                    {"validation_fraction": "0.2"}, {"validation_fraction": True},
                                    {"validation_fraction": 0.2, "patience": 0},
                                    {"validation_fraction": 0.2, "patience": 2.5}])
def test_early_stopping_bad_params(name, params):
    with pytest.raises(InvalidParameterError, match="validation_fraction|patience"):
        tabsynth.make(name, **{**TINY[name], **params}).fit(make_check_data(50))


def test_early_stopping_needs_enough_held_out_rows():
    with pytest.raises(InvalidDataError, match="held-out rows"):
        tabsynth.make("tvae", validation_fraction=0.01, **TINY["tvae"]).fit(make_check_data(200))


# ---------------------------------------------------------------------- conditional vector
def _rare_data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    kind = rng.choice(["common", "mid", "rare"], n, p=[0.9, 0.09, 0.01])
    return pd.DataFrame({"kind": kind, "x": rng.normal(size=n) + (kind == "rare") * 3.0,
                         "other": rng.choice(["u", "v"], n)})


@pytest.fixture(scope="module")
def rare_ctgan():
    params = {**TINY["ctgan"], "epochs": 10, "batch_size": 100, "generator_lr": 1e-2}  # learns the condition fast
    return tabsynth.make("ctgan", random_state=0, **params).fit(_rare_data())


def _count_draws(synth, monkeypatch):
    """Rows passed through the generator (context rows of a conditional batch included)."""
    drawn, forward = [], synth.generator_.forward
    monkeypatch.setattr(synth.generator_, "forward", lambda h: drawn.append(len(h)) or forward(h))
    return drawn


def test_ctgan_conditions_are_always_met(rare_ctgan):
    fake = rare_ctgan.sample(300, conditions={"kind": "rare", "other": "v"})
    assert (fake["kind"] == "rare").all() and (fake["other"] == "v").all()
    wanted = pd.DataFrame({"kind": ["rare", "mid", "common"] * 20})
    fake = rare_ctgan.sample(conditions=wanted, random_state=3)
    assert fake["kind"].tolist() == wanted["kind"].tolist()
    pd.testing.assert_frame_equal(fake, rare_ctgan.sample(conditions=wanted, random_state=3))  # block/seed rule


def test_ctgan_missing_flag_condition_goes_through_the_conditional_vector():
    synth = tabsynth.make("ctgan", random_state=0, **TINY["ctgan"]).fit(make_check_data(300))
    target = synth.schema_.encode_conditions(pd.DataFrame({"job": [np.nan]})).iloc[0].to_dict()
    j, code = synth._named_condition(target)
    assert synth.transformer_.category_spans[j].column == "#missing-pattern"  # job and hours: missing together
    assert synth.sampler_.frequency(j, code) < 0.25  # rare enough to be steered by the conditional vector
    fake = synth.sample(100, conditions={"job": np.nan}, random_state=0)
    assert fake["job"].isna().all()


def test_ctgan_rare_category_needs_far_fewer_draws_than_rejection(rare_ctgan, monkeypatch):
    from tabsynth.synthesizers import Synthesizer

    drawn = _count_draws(rare_ctgan, monkeypatch)
    target = {rare_ctgan.schema_.columns[0].name: float(
        rare_ctgan.schema_.encode_conditions(pd.DataFrame({"kind": ["rare"]}))["kind"][0])}
    rows = rare_ctgan._rejection_rows(500, np.random.default_rng(0), target)
    guided, drawn[:] = sum(drawn), []
    plain = Synthesizer._rejection_rows(rare_ctgan, 500, np.random.default_rng(0), target)
    assert len(rows) == len(plain) == 500
    assert guided * 10 <= sum(drawn), (guided, sum(drawn))


def test_ctgan_unreachable_condition_raises(rare_ctgan):
    synth = rare_ctgan
    code = int(synth.schema_.encode_conditions(pd.DataFrame({"kind": ["rare"]}))["kind"][0])
    span = next(s for s in synth.transformer_.category_spans if s.column == "kind")
    bias = synth.generator_.out.bias
    saved = bias.detach().clone()
    with torch.no_grad():  # a hand-made generator that never outputs the rare category
        bias[span.start:span.stop] += 1e4
        bias[span.start + code] -= 2e4
    try:
        with pytest.raises(ConditionError, match="out of this model's reach"):
            synth.sample(conditions=pd.DataFrame({"kind": ["rare"] * 10}), random_state=0)
    finally:
        with torch.no_grad():
            bias.copy_(saved)


# ---------------------------------------------------------------------- generator normalization
def test_ctgan_generated_rows_do_not_depend_on_their_batch(rare_ctgan):
    inputs = torch.randn((64, rare_ctgan.embedding_dim + rare_ctgan.sampler_.width),
                         generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        together, alone = rare_ctgan.generator_(inputs)[:3], rare_ctgan.generator_(inputs[:3])
    torch.testing.assert_close(together, alone)


def _first_layer_mean(synth, draw_conditions, batches=400):
    rng, generator = np.random.default_rng(1), torch.Generator().manual_seed(1)
    layer, total = synth.generator_.blocks[0][0], 0.0
    with torch.no_grad():
        for _ in range(batches):
            cond = torch.as_tensor(draw_conditions(synth.batch_size, rng))
            noise = torch.randn((len(cond), synth.embedding_dim), generator=generator)
            total = total + layer(torch.cat([noise, cond], dim=1)).mean(dim=0)
    return total / batches


def test_ctgan_normalization_statistics_are_those_of_training_batches(rare_ctgan):
    # Training batches draw conditions by log-frequency, so their statistics differ from those of
    # batches whose conditions follow the data; the generator learned under the former.
    running = rare_ctgan.generator_.blocks[0][1].running_mean
    trained = _first_layer_mean(rare_ctgan, lambda n, rng: rare_ctgan.sampler_.sample_train(n, rng)[0])
    data = _first_layer_mean(rare_ctgan, rare_ctgan.sampler_.sample_original)
    assert (running - trained).abs().max() < 0.25 * (data - trained).abs().max()


def test_ctgan_model_file_without_normalization_statistics_uses_batch_statistics(rare_ctgan, monkeypatch, tmp_path):
    def older_state():  # the generator of a model file written before population statistics
        state = type(rare_ctgan)._get_state(rare_ctgan)
        state["generator"] = {k: v for k, v in state["generator"].items()
                              if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))}
        return state

    monkeypatch.setattr(rare_ctgan, "_get_state", older_state)
    rare_ctgan.save(tmp_path / "old.tsyn")
    old = tabsynth.load(tmp_path / "old.tsyn")
    assert not old.generator_.population_norm
    fake = old.sample(conditions=pd.DataFrame({"kind": ["rare"] * 20}), random_state=0)
    assert (fake["kind"] == "rare").all()


def _folded_matches_network(synth, rows=64):
    from tabsynth.synthesizers.neural._networks import FoldedGenerator

    torch_rng = torch.Generator().manual_seed(0)
    noise = torch.randn((rows, synth.embedding_dim), generator=torch_rng)
    index = synth.sampler_.sample_original_index(rows, np.random.default_rng(0))
    width = synth.sampler_.width
    cond = torch.as_tensor(np.eye(width, dtype=np.float32)[index] if width else np.zeros((rows, 0), np.float32))
    folded = FoldedGenerator(synth.generator_, synth.embedding_dim, synth.sampler_.width)
    with torch.no_grad():
        expected = synth.generator_(torch.cat([noise, cond], dim=1))
        got = folded(noise, None if index is None else torch.as_tensor(index))
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


def test_ctgan_folded_generator_equals_the_network(rare_ctgan):
    _folded_matches_network(rare_ctgan)
    numbers = pd.DataFrame({"x": _bimodal(300), "y": np.arange(300.0)})  # no conditional vector at all
    params = {**TINY["ctgan"], "generator_dim": (16, 8, 4)}
    synth = tabsynth.make("ctgan", random_state=0, **params).fit(numbers)
    _folded_matches_network(synth)
    assert synth.sample(50, random_state=1).shape == (50, 2)


def test_ctgan_critic_padding_changes_nothing(monkeypatch):
    from tabsynth.synthesizers.neural import _torch as T
    from tabsynth.synthesizers.neural._networks import network_classes

    _, Critic = network_classes()
    generator = torch.Generator().manual_seed(0)
    critic = Critic(13, (8, 8), 3, lambda i, o: T.linear(i, o, generator, torch.device("cpu"))).eval()
    x = torch.randn((12, 13), generator=generator, requires_grad=True)  # packs of 39 columns
    results = []
    for pad_to in (16, 1):
        monkeypatch.setattr(Critic, "pad_to", pad_to)
        score = critic(x, generator).sum()
        (gradient,) = torch.autograd.grad(score, x, create_graph=True)
        weight_gradient = torch.autograd.grad(gradient.norm(), critic.hidden[0].weight)[0]
        results.append((score, gradient, weight_gradient))
    for padded, plain in zip(*results):
        torch.testing.assert_close(padded, plain)
