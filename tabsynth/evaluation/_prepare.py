"""Input checks and the converted view of the real, synthetic and holdout frames that every metric reads.

Every metric family receives an :class:`EvaluationData`: copies of the frames restricted to the evaluated
columns (id columns dropped), with datetimes as ``datetime64[ns]``, numericals as numpy numbers (nullable
pandas dtypes become ``float64`` with NaN) and categoricals/booleans as ``object`` with NaN for missing.
The caller's frames are never modified.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InvalidDataError, InvalidParameterError, MetadataError
from ..schema.metadata import Metadata

FAMILIES = ("marginal", "joint", "utility", "detection", "privacy")
EVALUATED_SDTYPES = ("numerical", "datetime", "categorical", "boolean")
CONTINUOUS_SDTYPES = ("numerical", "datetime")


@dataclass
class EvaluationData:
    """Converted frames and metadata shared by all metric families.

    Attributes
    ----------
    metadata : Metadata
        Metadata of the real data (detected when none was given).
    real, synthetic : pandas.DataFrame
        Converted copies holding only the evaluated (non-id) columns, in metadata order.
    holdout : pandas.DataFrame or None
        Converted copy of the real rows the synthesizer never saw, if given.
    """

    metadata: Metadata
    real: pd.DataFrame
    synthetic: pd.DataFrame
    holdout: pd.DataFrame | None = None

    @property
    def columns(self) -> list[str]:
        """Evaluated column names (every non-id column), in metadata order."""
        return list(self.real.columns)

    def sdtype(self, name: str) -> str:
        """The sdtype of an evaluated column."""
        return self.metadata.sdtype(name)

    def is_continuous(self, name: str) -> bool:
        """Whether the column is numerical or datetime."""
        return self.sdtype(name) in CONTINUOUS_SDTYPES


def check_families(metrics: str | Sequence[str]) -> tuple[str, ...]:
    """Validate the ``metrics`` argument of :func:`evaluate` and return the families to compute."""
    if isinstance(metrics, str):
        metrics = FAMILIES if metrics == "all" else (metrics,)
    try:
        families = tuple(metrics)
    except TypeError:
        families = (metrics,)
    unknown = [f for f in families if f not in FAMILIES]
    if unknown or not families:
        raise InvalidParameterError(
            f"The 'metrics' parameter of evaluate must be 'all' or a list drawn from {list(FAMILIES)}. "
            f"Got {metrics!r} instead."
        )
    return tuple(f for f in FAMILIES if f in families)


def prepare(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    metadata=None,
    holdout: pd.DataFrame | None = None,
) -> EvaluationData:
    """Validate the inputs of :func:`evaluate` and convert them for the metrics.

    Parameters
    ----------
    real, synthetic : pandas.DataFrame
        The training data and the synthetic data; same column set.
    metadata : Metadata, dict or None
        Column sdtypes; detected from ``real`` when None.
    holdout : pandas.DataFrame, optional
        Real rows the synthesizer never saw; same column set.

    Returns
    -------
    EvaluationData

    Raises
    ------
    InvalidDataError
        When a frame is not a DataFrame, is empty, or the column sets differ.
    MetadataError
        When the metadata does not fit a frame (for example text in a numerical column).
    """
    _check_frame(real, "real")
    _check_frame(synthetic, "synthetic")
    _check_same_columns(real, synthetic, "synthetic")
    if holdout is not None:
        _check_frame(holdout, "holdout")
        _check_same_columns(real, holdout, "holdout")
    md = Metadata.coerce(metadata, real)
    columns = [c for c in md.column_names if md.sdtype(c) in EVALUATED_SDTYPES]
    if not columns:
        raise MetadataError(
            "Every column is an id column, so there is nothing to evaluate. "
            "Declare the non-key columns as numerical, categorical, boolean or datetime."
        )
    converted = _convert_frames({"real": real, "synthetic": synthetic, "holdout": holdout}, md, columns)
    for role in ("synthetic", "holdout"):
        if converted[role] is not None:
            _check_comparable(converted["real"], converted[role], md, role)
    _warn_all_missing(converted)
    return EvaluationData(md, converted["real"], converted["synthetic"], converted["holdout"])


def _convert_frames(frames: dict, md: Metadata, columns: list[str]) -> dict:
    """Validate the synthetic/holdout frames against the metadata and convert every frame's columns."""
    sub = Metadata({c: md.columns[c] for c in columns})
    converted = {}
    for role, frame in frames.items():
        if frame is None:
            converted[role] = None
            continue
        if role != "real":
            try:
                sub.validate(frame[columns])
            except MetadataError as exc:
                raise MetadataError(f"In the {role} data: {exc}") from exc
        converted[role] = pd.DataFrame(
            {c: _convert_column(frame[c], md.columns[c], c, role) for c in columns}, index=frame.index
        )
    return converted


def _check_frame(frame, role: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidDataError(
            f"The {role} data must be a pandas DataFrame. Got {type(frame).__name__} instead; "
            "read files with pandas.read_csv / read_parquet first."
        )
    if len(frame) == 0:
        raise InvalidDataError(f"The {role} data has no rows. Pass a DataFrame with at least one row.")
    if frame.columns.duplicated().any():
        dup = list(frame.columns[frame.columns.duplicated()])
        raise InvalidDataError(f"The {role} data has duplicate column names {dup}. Rename them.")


def _check_same_columns(real: pd.DataFrame, other: pd.DataFrame, role: str) -> None:
    missing = [c for c in real.columns if c not in other.columns]
    extra = [c for c in other.columns if c not in real.columns]
    if missing or extra:
        raise InvalidDataError(
            f"The {role} data must have the same columns as the real data. "
            f"Missing from the {role} data: {missing}; not in the real data: {extra}. "
            "Select the same columns in both frames."
        )


def _convert_column(col: pd.Series, spec: dict, name: str, role: str) -> pd.Series:
    sdtype = spec["sdtype"]
    if sdtype == "datetime":
        return _to_datetime(col, spec.get("datetime_format"), name, role)
    if sdtype == "numerical":
        if isinstance(col.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(col.dtype):
            return pd.to_numeric(col.astype(object), errors="raise").astype("float64")
        if pd.api.types.is_bool_dtype(col.dtype):
            return col.astype("float64")
        if pd.api.types.is_extension_array_dtype(col.dtype):
            return col.astype("float64")
        return col.copy()
    values = col.astype(object)
    return values.where(values.notna(), np.nan)


def _to_datetime(col: pd.Series, fmt: str | None, name: str, role: str) -> pd.Series:
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        out = col.dt.tz_convert("UTC").dt.tz_localize(None)
    elif pd.api.types.is_datetime64_any_dtype(col.dtype):
        out = col
    else:
        try:
            out = pd.to_datetime(col, format=fmt)
        except (ValueError, TypeError) as exc:
            raise MetadataError(
                f"Column {name!r} of the {role} data is declared datetime but does not parse"
                + (f" with the format {fmt!r}" if fmt else "")
                + f": {exc}. Give the right 'datetime_format' in the metadata or fix the values."
            ) from exc
        if isinstance(out.dtype, pd.DatetimeTZDtype):
            out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    return out.astype("datetime64[ns]")


def _value_kinds(col: pd.Series) -> set[str]:
    """Kinds of the non-missing values of a discrete column: text, number, flag (bool) or other."""
    values = col.dropna()
    if len(values) > 5000:
        values = values.iloc[:: len(values) // 5000]
    kinds = set()
    for t in set(values.map(type)):
        if issubclass(t, (bool, np.bool_)):
            kinds.add("flag")
        elif issubclass(t, str):
            kinds.add("text")
        elif issubclass(t, (int, float, np.number)):
            kinds.add("number")
        else:
            kinds.add("other")
    return kinds


def _check_comparable(real: pd.DataFrame, other: pd.DataFrame, md: Metadata, role: str) -> None:
    """Refuse discrete columns whose values are of disjoint kinds (e.g. '1' against 1): they never match."""
    for name in real.columns:
        if md.sdtype(name) not in ("categorical", "boolean"):
            continue
        kinds_r, kinds_o = _value_kinds(real[name]), _value_kinds(other[name])
        if kinds_r and kinds_o and not kinds_r & kinds_o:
            raise InvalidDataError(
                f"Column {name!r} holds {sorted(kinds_r)} values in the real data but {sorted(kinds_o)} values "
                f"in the {role} data, so no value can match. Cast both to the same type first, e.g. "
                f"{role}[{name!r}] = {role}[{name!r}].astype(real[{name!r}].dtype)."
            )


def _warn_all_missing(frames: dict) -> None:
    for role, frame in frames.items():
        if frame is None:
            continue
        empty = [c for c in frame.columns if frame[c].isna().all()]
        if empty:
            warnings.warn(
                f"Columns {empty} of the {role} data are entirely missing: their shape scores (and the "
                "pair scores that need them) are NaN and left out of the averages. Drop these columns or "
                "fill them to score them.",
                UserWarning,
                stacklevel=4,
            )


def continuous_values(col: pd.Series) -> np.ndarray:
    """Float64 values of a numerical or datetime column (datetimes as nanoseconds), NaN for missing."""
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        out = col.to_numpy(dtype="datetime64[ns]").view("int64").astype("float64")
        out[col.isna().to_numpy()] = np.nan
        return out
    return col.to_numpy(dtype="float64", na_value=np.nan)


def joint_codes(*columns: pd.Series) -> tuple[list[np.ndarray], int]:
    """Integer codes of discrete values shared across several columns; missing values get their own code.

    Returns
    -------
    codes : list of numpy.ndarray
        One int64 array per input column.
    n_levels : int
        Number of distinct values (missing counted as one value).
    """
    values = np.concatenate([np.asarray(c, dtype=object) for c in columns])
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    out, start = [], 0
    for c in columns:
        out.append(codes[start : start + len(c)].astype("int64"))
        start += len(c)
    return out, len(uniques)
