"""Native threads are bounded to the idle cores (issue 22, item 3)."""

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from threadpoolctl import threadpool_info

import tabsynth
from tabsynth import _threads
from tabsynth.errors import InvalidParameterError
from tabsynth.testing import make_check_data


def _pool_sizes() -> set:
    return {pool["num_threads"] for pool in threadpool_info()}


def test_the_default_leaves_the_busy_cores(monkeypatch):
    monkeypatch.setattr(_threads, "cores", lambda: 4)
    for others, expected in [(0, 4), (1, 3), (3, 1), (9, 1)]:
        monkeypatch.setattr(_threads, "other_runnable", lambda others=others: others)
        assert _threads.resolve(None) == expected
    assert _threads.resolve(-1) == 4 and _threads.resolve(2) == 2


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_bad_n_jobs_is_refused(bad):
    with pytest.raises(InvalidParameterError, match="n_jobs"):
        _threads.resolve(bad)
    with pytest.raises(InvalidParameterError, match="n_jobs"):
        tabsynth.make("gaussian_copula", n_jobs=bad).fit(make_check_data(50))
    with pytest.raises(InvalidParameterError, match="n_jobs"):
        data = make_check_data(50)
        tabsynth.evaluate(data, data, metrics=["marginal"], n_jobs=bad)


@pytest.mark.skipif(not Path("/proc/loadavg").exists(), reason="the kernel does not report runnable tasks")
def test_a_running_process_is_counted():
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        assert _threads.other_runnable() >= 1
    finally:
        busy.kill()


def test_fit_and_evaluate_run_bounded_and_restore(monkeypatch):
    torch = pytest.importorskip("torch")
    before_pools, before_torch = _pool_sizes(), torch.get_num_threads()
    seen = []
    from tabsynth.synthesizers.neural.tvae import TVAESynthesizer

    real_fit = TVAESynthesizer._fit

    def spy(self, *args, **kwargs):
        seen.append((_pool_sizes(), torch.get_num_threads()))
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(TVAESynthesizer, "_fit", spy)
    tabsynth.make("tvae", epochs=1, batch_size=50, n_jobs=1, device="cpu").fit(make_check_data(60))
    assert seen == [({1}, 1)]
    assert _pool_sizes() == before_pools and torch.get_num_threads() == before_torch
    with _threads.thread_limit(1), _threads.thread_limit(2):  # a nested call keeps the outer bound
        assert _pool_sizes() == {1}


def test_a_torch_model_does_not_depend_on_the_load(monkeypatch):
    """Torch's results change with its thread count, so its default count must not follow the load:
    the same seed gives the same network whether or not another process is running."""
    pytest.importorskip("torch")
    monkeypatch.setattr(_threads, "cores", lambda: 2)
    data = make_check_data(120)
    samples = []
    for others in (0, 1):
        monkeypatch.setattr(_threads, "other_runnable", lambda others=others: others)
        synth = tabsynth.make("tvae", epochs=2, batch_size=40, random_state=0, device="cpu").fit(data)
        samples.append(synth.sample(200, random_state=0))
    assert _threads.resolve(None, reproducible=True) == 1
    pd.testing.assert_frame_equal(*samples)
