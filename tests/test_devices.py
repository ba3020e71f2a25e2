"""Where a neural model runs: CPU here; CUDA paths run only on a machine that has a GPU (skipped otherwise)."""

import pandas as pd
import pytest

import tabsynth
from tabsynth.testing import make_check_data

torch = pytest.importorskip("torch")
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
TINY = {"epochs": 2, "batch_size": 100, "random_state": 0}


@pytest.fixture(scope="module")
def data():
    return make_check_data(300)


def test_runtime_settings_can_be_overridden_when_opening(data, tmp_path):
    synth = tabsynth.make("tvae", device="cpu", **TINY).fit(data)
    expected = synth.sample(50, random_state=1)
    path = tmp_path / "model.tsyn"
    synth.set_params(device="cuda").save(path)  # as if trained on a GPU machine
    if not torch.cuda.is_available():
        with pytest.raises(tabsynth.DeviceUnavailableError, match="device='cpu'"):
            tabsynth.load(path)
    opened = tabsynth.load(path, device="cpu", verbose=False)
    assert opened.device == "cpu"
    pd.testing.assert_frame_equal(opened.sample(50, random_state=1), expected)
    with pytest.raises(tabsynth.InvalidParameterError, match="override only"):
        tabsynth.load(path, epochs=5)


@needs_cuda
@pytest.mark.parametrize("name", ["ctgan", "tvae"])
def test_fit_and_sample_on_cuda(data, name):
    synth = tabsynth.make(name, device="cuda", **TINY).fit(data)
    first, again = synth.sample(200, random_state=3), synth.sample(200, random_state=3)
    pd.testing.assert_frame_equal(first, again)
    assert list(first.columns) == list(data.columns) and first.dtypes.equals(data.dtypes)
    network = synth.generator_ if name == "ctgan" else synth.vae_
    assert next(network.parameters()).is_cuda


@needs_cuda
@pytest.mark.parametrize("name", ["ctgan", "tvae"])
def test_models_move_between_cpu_and_cuda(data, name, tmp_path):
    for trained, opened in (("cuda", "cpu"), ("cpu", "cuda")):
        synth = tabsynth.make(name, device=trained, **TINY).fit(data)
        synth.save(tmp_path / f"{trained}.tsyn")
        moved = tabsynth.load(tmp_path / f"{trained}.tsyn", device=opened)
        fake = moved.sample(200, random_state=3)
        assert list(fake.columns) == list(data.columns) and fake.dtypes.equals(data.dtypes)
        for name_, expected in synth.loss_history_.items():
            pd.testing.assert_series_equal(moved.loss_history_[name_], expected)
