"""CTGAN and TVAE: the shared encoding, reproducibility without global state, model files."""

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

import tabsynth
from tabsynth.columns import EncodedColumn
from tabsynth.errors import InvalidParameterError, MissingDependencyError
from tabsynth.synthesizers._conditional import ConditionalSampler
from tabsynth.testing import make_check_data
from tabsynth.transforms import ModeSpecificNormalizer, TableTransformer

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


def test_transformer_layout_and_round_trip():
    frame, columns = _encoded_frame()
    transformer = TableTransformer().fit(frame, columns, np.random.default_rng(0))
    modes = transformer.normalizers_["x"].n_modes
    layout = [(s.column, s.kind, s.width, s.activation) for s in transformer.spans]
    assert layout == [("x", "scalar", 1, "tanh"), ("x", "mode", modes, "softmax"),
                      ("c", "category", 3, "softmax"), ("f", "category", 2, "softmax")]
    assert transformer.output_dim == sum(s.width for s in transformer.spans) == 1 + modes + 5
    assert [s.start for s in transformer.spans] == [0, 1, 1 + modes, 4 + modes]
    matrix = transformer.transform(frame, np.random.default_rng(1))
    assert matrix.dtype == np.float32 and matrix.shape == (len(frame), transformer.output_dim)
    for span in transformer.spans[1:]:
        np.testing.assert_array_equal(matrix[:, span.start:span.stop].sum(axis=1), 1.0)
    assert np.abs(matrix[:, 0]).max() <= 0.99
    back = transformer.inverse_transform(matrix)
    pd.testing.assert_frame_equal(back[["c", "f"]], frame[["c", "f"]])
    np.testing.assert_allclose(back["x"], frame["x"], atol=1e-9)
    same = TableTransformer.from_state(transformer.to_state())
    np.testing.assert_array_equal(same.transform(frame, np.random.default_rng(1)), matrix)


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
    nets = ("generator_", "critic_") if name == "ctgan" else ("network_",)
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
    from tabsynth.synthesizers import _torch

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(registry.importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real_find_spec(name, *a))
    with pytest.raises(MissingDependencyError, match=r'pip install "tabsynth\[torch\]"'):
        tabsynth.make("ctgan")
    monkeypatch.undo()
    monkeypatch.setitem(__import__("sys").modules, "torch", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "tabsynth\[torch\]"'):
        _torch.import_torch()
