"""Reliability: fuzzed model files, threads, killed CLI runs."""

import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth.testing import make_check_data

from .test_check_suite import FAST_PARAMS, TABLE_SYNTHESIZERS

FUZZ_CASES = 300


@pytest.fixture(scope="module")
def fitted():
    return tabsynth.GaussianCopulaSynthesizer(random_state=0).fit(make_check_data())


@pytest.fixture(scope="module")
def model_bytes(fitted, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "model.tsyn"
    fitted.save(path)
    return path.read_bytes()


def _load_or_model_file_error(path):
    try:
        return tabsynth.load(path)
    except tabsynth.ModelFileError as exc:
        assert str(exc)
        return None


def test_random_byte_corruption_is_refused_or_harmless(model_bytes, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "fuzzed.tsyn"
    for _ in range(FUZZ_CASES):
        data = bytearray(model_bytes)
        for position in rng.integers(0, len(data), size=rng.integers(1, 8)):
            data[position] = rng.integers(0, 256)
        if rng.random() < 0.3:
            data = data[: rng.integers(0, len(data))]
        path.write_bytes(bytes(data))
        synth = _load_or_model_file_error(path)
        if synth is not None:  # corruption landed where it changes nothing: the model must still work
            assert len(synth.sample(5, random_state=0)) == 5


def _members(model_bytes):
    with zipfile.ZipFile(io.BytesIO(model_bytes)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _write(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _npz(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_tampered_json_and_arrays_are_refused(model_bytes, tmp_path):
    members = _members(model_bytes)
    document = json.loads(members["model.json"])
    with np.load(io.BytesIO(members["arrays.npz"])) as npz:
        arrays = {k: npz[k] for k in npz.files}
    key = document["state"]["model"]["correlation"]["__array__"]
    cases = {
        "not json": {**members, "model.json": b"{not json"},
        "json list": {**members, "model.json": b"[1, 2]"},
        "no state": {**members, "model.json": json.dumps({**document, "state": None}).encode()},
        "wrong shape": {**members, "arrays.npz": _npz({**arrays, key: np.eye(2)})},
        "text array": {**members, "arrays.npz": _npz({**arrays, key: np.array(["a", "b"])})},
        "missing array": {**members, "arrays.npz": _npz({k: v for k, v in arrays.items() if k != key})},
        "renamed member": {"model.json": members["model.json"], "weights.npz": members["arrays.npz"]},
        "params not a dict": {**members, "model.json": json.dumps(
            {**document, "state": {**document["state"], "params": [1]}}).encode()},
    }
    for label, case in cases.items():
        path = _write(tmp_path / f"{label}.tsyn", case)
        with pytest.raises(tabsynth.ModelFileError):
            tabsynth.load(path)


@pytest.mark.parametrize("name", TABLE_SYNTHESIZERS)
def test_threads_with_explicit_seeds_match_sequential_calls(name):
    synth = tabsynth.make(name, random_state=0, **FAST_PARAMS[name]).fit(make_check_data())
    seeds = list(range(8))
    sequential = [synth.sample(600, random_state=s) for s in seeds]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda s: synth.sample(600, random_state=s), seeds))
    for one, other in zip(sequential, threaded):
        pd.testing.assert_frame_equal(one, other)


def test_killed_sample_leaves_no_file_under_the_final_name(fitted, tmp_path):
    model = tmp_path / "model.tsyn"
    fitted.save(model)
    out = tmp_path / "big.csv"
    command = [sys.executable, "-m", "tabsynth.cli", "sample", str(model), "--rows", "50000000", "--output", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".big.csv.*.part")) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # it is now writing
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert not out.exists()
    assert list(tmp_path.glob("*.part")) == [], "a terminated run cleans up its temporary file"
    if os.name == "posix":
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(3)
        process.kill()  # SIGKILL: no chance to clean up, but still nothing under the final name
        process.wait(timeout=30)
        assert not out.exists()
