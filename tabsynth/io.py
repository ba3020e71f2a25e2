"""Model files and table files.

A model file is a zip holding ``model.json`` (format version, class name, params, learned state)
and ``arrays.npz`` (every numeric array). It is read with :mod:`json` and
``numpy.load(allow_pickle=False)`` only, so opening a file from a stranger runs no code. This
module knows the file format and nothing about classes: the registry resolves the class name.

JSON is ambiguous about some Python values, so they are written with an explicit type tag:
NaN/inf floats, tuples, timestamps, timedeltas, numpy arrays (stored in ``arrays.npz``; object
arrays are written inline as typed lists) and dicts whose keys are not strings.
"""

from __future__ import annotations

import io as _io
import json
import math
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InvalidDataError, ModelFileError

FORMAT_VERSION = 1
_MEMBERS = {"model.json", "arrays.npz"}
MAX_UNCOMPRESSED_BYTES = 8 * 2**30  # refuse decompression bombs before reading
_ARRAY_KINDS = "biufcmM"  # numeric, bool, datetime64/timedelta64: never object


# ---------------------------------------------------------------------- typed JSON
class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
            return int(value)
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, (float, np.floating)):
            value = float(value)
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if isinstance(value, np.ndarray):
            return self._encode_array(value)
        if isinstance(value, pd.Timestamp):
            return {"__timestamp__": value.isoformat()}
        if isinstance(value, pd.Timedelta):
            return {"__timedelta__": int(value.value)}
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v) for v in value]}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, dict):
            if all(isinstance(k, str) and not k.startswith("__") for k in value):
                return {k: self.encode(v) for k, v in value.items()}
            return {"__dict__": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if value is pd.NA or value is pd.NaT:
            return {"__na__": "NaT" if value is pd.NaT else "NA"}
        raise TypeError(f"Cannot store a value of type {type(value).__name__} in a model file: {value!r}")

    def _encode_array(self, array: np.ndarray) -> Any:
        if array.dtype.kind in _ARRAY_KINDS:
            key = f"a{len(self.arrays)}"
            self.arrays[key] = array
            return {"__array__": key}
        return {"__objects__": [self.encode(v) for v in array.tolist()], "shape": list(array.shape)}


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays

    def decode(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__float__" in value:
            return float(value["__float__"])
        if "__array__" in value:
            key = value["__array__"]
            if key not in self.arrays:
                raise ModelFileError(f"The model file refers to an array {key!r} that arrays.npz does not hold.")
            return self.arrays[key]
        if "__objects__" in value:
            array = np.empty(len(value["__objects__"]), dtype=object)
            array[:] = [self.decode(v) for v in value["__objects__"]]
            return array
        if "__timestamp__" in value:
            return pd.Timestamp(value["__timestamp__"])
        if "__timedelta__" in value:
            return pd.Timedelta(int(value["__timedelta__"]))
        if "__tuple__" in value:
            return tuple(self.decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {_hashable(self.decode(k)): self.decode(v) for k, v in value["__dict__"]}
        if "__na__" in value:
            return pd.NaT if value["__na__"] == "NaT" else pd.NA
        return {k: self.decode(v) for k, v in value.items()}


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def to_typed_json(value: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """Split ``value`` into a JSON-able structure and the numeric arrays it references."""
    encoder = _Encoder()
    return encoder.encode(value), encoder.arrays


def from_typed_json(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    """Inverse of :func:`to_typed_json`."""
    return _Decoder(arrays).decode(value)


# ---------------------------------------------------------------------- model files
def write_model_file(path: str | os.PathLike, header: dict, state: Any) -> None:
    """Write ``header`` (plain JSON values) and ``state`` (typed) to one zip file, atomically."""
    body, arrays = to_typed_json(state)
    document = {"format_version": FORMAT_VERSION, **header, "state": body}
    npz = _io.BytesIO()
    np.savez_compressed(npz, **arrays)
    path = Path(path)
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.json", json.dumps(document, allow_nan=False))
        zf.writestr("arrays.npz", npz.getvalue())


def read_model_file(path: str | os.PathLike) -> tuple[dict, Any]:
    """Read a model file: returns ``(header, state)``; any defect raises :class:`ModelFileError`."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"No model file at {str(path)!r}. Check the path; models are written by save().")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if sum(info.file_size for info in zf.infolist()) > MAX_UNCOMPRESSED_BYTES:
                raise ModelFileError(f"{str(path)!r} declares more than {MAX_UNCOMPRESSED_BYTES:,} bytes of content.")
            if names != _MEMBERS:
                raise ModelFileError(
                    f"{str(path)!r} is not a tabsynth model file: it holds {sorted(names)}, "
                    f"expected exactly {sorted(_MEMBERS)}."
                )
            document = json.loads(zf.read("model.json").decode("utf-8"))
            with np.load(_io.BytesIO(zf.read("arrays.npz")), allow_pickle=False) as npz:
                arrays = {key: npz[key] for key in npz.files}
    except ModelFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - untrusted bytes: zipfile/zlib/numpy raise a dozen types
        raise ModelFileError(
            f"{str(path)!r} is not a readable tabsynth model file (truncated or corrupted?): {exc}"
        ) from None
    return _check_document(path, document, arrays)


def _check_document(path: Path, document: Any, arrays: dict) -> tuple[dict, Any]:
    if not isinstance(document, dict) or not isinstance(document.get("format_version"), int):
        raise ModelFileError(f"{str(path)!r} has no valid 'format_version' in model.json; it is not a model file.")
    version = document["format_version"]
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{str(path)!r} was written in model-file format {version}, newer than this tabsynth "
            f"understands ({FORMAT_VERSION}). Upgrade tabsynth (pip install -U tabsynth) to open it."
        )
    for key, array in arrays.items():
        if array.dtype.kind not in _ARRAY_KINDS:
            raise ModelFileError(f"Array {key!r} in {str(path)!r} has a non-numeric dtype {array.dtype}.")
    header = {k: v for k, v in document.items() if k != "state"}
    try:
        state = from_typed_json(document.get("state"), arrays)
    except (TypeError, ValueError, KeyError) as exc:
        raise ModelFileError(f"The learned state in {str(path)!r} is malformed: {exc}") from None
    return header, state


class atomic_path:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Path:
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent or ".")
        os.close(fd)
        self.tmp = Path(name)
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)



# ---------------------------------------------------------------------- tables
def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV (optionally compressed) or parquet file into a DataFrame, with clear errors."""
    path = Path(path)
    if not path.is_file():
        raise InvalidDataError(f"No data file at {str(path)!r}. Check the path.")
    suffixes = "".join(path.suffixes[-2:]).lower()
    try:
        if suffixes.endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
        if any(suffixes.endswith(ext) for ext in (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz", ".tsv")):
            return pd.read_csv(path, sep="\t" if ".tsv" in suffixes else ",")
    except Exception as exc:  # noqa: BLE001 - pandas/pyarrow raise many unrelated types for malformed files
        raise InvalidDataError(f"Could not read {str(path)!r} as a table: {exc}") from None
    raise InvalidDataError(f"Unknown table format for {str(path)!r}: use a .csv(.gz) or .parquet file.")


def write_table(data: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a DataFrame to CSV or parquet (by extension), atomically: a temporary name, then renamed."""
    path = Path(path)
    kind = table_format(path)
    with atomic_path(path) as tmp:
        if kind == "parquet":
            data.to_parquet(tmp, index=False)
        else:
            data.to_csv(tmp, index=False)


def table_format(path: str | os.PathLike) -> str:
    """'csv' or 'parquet' from a file name; anything else is an error that says what is accepted."""
    name = str(path).lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith(".csv"):
        return "csv"
    raise InvalidDataError(f"Output {str(path)!r} must end in .csv or .parquet.")


class TableWriter:
    """Append DataFrame chunks to one CSV or parquet file (one parquet row group per chunk)."""

    def __init__(self, path: Path, kind: str):
        self.path, self.kind, self.writer, self.schema = path, kind, None, None

    def __enter__(self):
        return self

    def write(self, frame: pd.DataFrame) -> None:
        if self.kind == "csv":
            frame.to_csv(self.path, mode="a" if self.writer else "w", header=self.writer is None, index=False)
            self.writer = True
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False, schema=self.schema)
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(table)

    def __exit__(self, *exc) -> None:
        if self.kind == "parquet" and self.writer is not None:
            self.writer.close()
