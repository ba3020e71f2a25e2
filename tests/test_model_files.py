"""Model files are safe to open: no code runs, and every defect is a ModelFileError."""

import json
import pickle
import zipfile

import numpy as np
import pytest

import tabsynth
from tabsynth.io import FORMAT_VERSION, from_typed_json, to_typed_json
from tabsynth.testing import make_check_data


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "model.tsyn"
    tabsynth.GaussianCopulaSynthesizer(random_state=0).fit(make_check_data()).save(path)
    return path


def rewrite(source, target, document=None, extra=None, npz=None):
    with zipfile.ZipFile(source) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    if document is not None:
        members["model.json"] = json.dumps(document).encode()
    if npz is not None:
        members["arrays.npz"] = npz
    members.update(extra or {})
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return target


def read_document(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("model.json"))


class Boom:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_typed_json_round_trip():
    value = {"a": (1, "1", 1.0), "b": [float("nan"), float("inf")], 3: np.arange(4), "c": np.array(["x", None, 2],
             dtype=object)}
    body, arrays = to_typed_json(value)
    json.dumps(body, allow_nan=False)
    back = from_typed_json(json.loads(json.dumps(body)), arrays)
    assert back["a"] == (1, "1", 1.0) and type(back["a"][1]) is str
    assert np.isnan(back["b"][0]) and back["b"][1] == float("inf")
    assert back[3].tolist() == [0, 1, 2, 3]
    assert back["c"].tolist() == ["x", None, 2]


def test_pickle_payload_is_refused_and_runs_nothing(model_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = pickle.dumps(Boom())
    as_npz = rewrite(model_file, tmp_path / "npz.tsyn", npz=payload)
    extra_member = rewrite(model_file, tmp_path / "extra.tsyn", extra={"payload.pkl": payload})
    object_array = tmp_path / "obj.npz"
    np.save(object_array, np.array([Boom()], dtype=object), allow_pickle=True)
    as_array = rewrite(model_file, tmp_path / "arr.tsyn", npz=object_array.with_suffix(".npz.npy").read_bytes()
                       if object_array.with_suffix(".npz.npy").exists() else object_array.read_bytes())
    for path in (as_npz, extra_member, as_array):
        with pytest.raises(tabsynth.ModelFileError):
            tabsynth.load(path)
    assert not (tmp_path / "PWNED").exists()


def test_unknown_class_and_newer_format_are_refused(model_file, tmp_path):
    document = read_document(model_file)
    unknown = rewrite(model_file, tmp_path / "unknown.tsyn", {**document, "synthesizer": "os.system"})
    with pytest.raises(tabsynth.ModelFileError, match="not registered"):
        tabsynth.load(unknown)
    newer = rewrite(model_file, tmp_path / "newer.tsyn", {**document, "format_version": FORMAT_VERSION + 1})
    with pytest.raises(tabsynth.ModelFileError, match="newer"):
        tabsynth.load(newer)


def test_tampered_state_and_missing_file_are_refused(model_file, tmp_path):
    document = read_document(model_file)
    document["state"]["params"]["max_quantiles"] = "many"
    with pytest.raises(tabsynth.ModelFileError):
        tabsynth.load(rewrite(model_file, tmp_path / "tampered.tsyn", document))
    document = read_document(model_file)
    del document["state"]["model"]
    with pytest.raises(tabsynth.ModelFileError):
        tabsynth.load(rewrite(model_file, tmp_path / "missing.tsyn", document))
    with pytest.raises(tabsynth.ModelFileError, match="No model file"):
        tabsynth.load(tmp_path / "nothing.tsyn")
    (tmp_path / "text.tsyn").write_text("hello")
    with pytest.raises(tabsynth.ModelFileError):
        tabsynth.load(tmp_path / "text.tsyn")
