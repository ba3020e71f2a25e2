"""Per-column codecs: how one real column becomes model columns and comes back.

A codec is fitted on one column and then turns it into encoded columns (numerical float64 values
or categorical int64 codes) and back. Nulls become a missing flag (numericals, datetimes) or a
category of their own (categoricals), so models learn missingness jointly with everything else.
Every codec serializes itself to plain values and numeric arrays (``to_state``/``from_state``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConditionError

MISSING_SUFFIX = "#missing"
RARE_SUFFIX = "#rare"  # sampled rare categories travel beside the model output under this suffix
FILL_SEED = 20240601  # fixed: encoding the same data twice gives the same model input


@dataclass(frozen=True)
class EncodedColumn:
    """One column the model sees: ``kind`` is 'numerical' (float64) or 'categorical' (int64 codes)."""

    name: str
    kind: str
    source: str
    cardinality: int = 0


# ---------------------------------------------------------------------- dtypes
def dtype_to_state(dtype) -> dict:
    if isinstance(dtype, pd.CategoricalDtype):
        return {"name": "category", "categories": dtype.categories.to_numpy(dtype=object), "ordered": dtype.ordered}
    return {"name": str(dtype)}


def dtype_from_state(state: dict):
    if state["name"] == "category":
        return pd.CategoricalDtype(list(state["categories"]), ordered=bool(state["ordered"]))
    return pd.api.types.pandas_dtype(state["name"])


_NULLABLE = {"int8": "Int8", "int16": "Int16", "int32": "Int32", "int64": "Int64", "uint8": "UInt8",
             "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "bool": "boolean"}


def restore_dtype(values: pd.Series, dtype, has_missing: bool | None = None) -> pd.Series:
    """Cast decoded values to the input column's dtype (its nullable twin if nulls appear).

    ``has_missing`` may be given when the caller already knows it (a missing test on strings is slow).
    """
    if isinstance(dtype, pd.CategoricalDtype):
        return values.astype(object).astype(dtype)
    if pd.api.types.is_object_dtype(dtype):
        return values if values.dtype == object else values.astype(object)
    if has_missing is None:
        has_missing = bool(values.isna().any())
    if has_missing and str(dtype) in _NULLABLE:
        dtype = _NULLABLE[str(dtype)]
    return values.astype(dtype)


class Codec:
    """Shared plumbing: a codec's learned state is its attributes (plain values and arrays)."""

    def to_state(self) -> dict:
        return dict(vars(self))

    @classmethod
    def from_state(cls, state: dict):
        codec = cls.__new__(cls)
        codec.__dict__.update(state)
        return codec


# ---------------------------------------------------------------------- numerical
class NumericalCodec(Codec):
    """A number (or datetime, via a subclass) as a float value plus a missing flag when nulls were seen."""

    sdtype = "numerical"

    def __init__(self, name: str, enforce_min_max_values: bool = True):
        self.name = name
        self.enforce_min_max_values = enforce_min_max_values

    def fit(self, column: pd.Series) -> NumericalCodec:
        values = self._to_float(column)
        observed = values[~np.isnan(values)]
        self.dtype = dtype_to_state(column.dtype)
        self.has_nulls = bool(len(observed) < len(values))
        self.minimum, self.maximum = float(observed.min()), float(observed.max())
        self.decimals = _decimals(observed)
        return self

    @property
    def outputs(self) -> list[EncodedColumn]:
        out = [EncodedColumn(self.name, "numerical", self.name)]
        if self.has_nulls:
            out.append(EncodedColumn(self.name + MISSING_SUFFIX, "categorical", self.name, 2))
        return out

    def _to_float(self, column: pd.Series) -> np.ndarray:
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    def encode(self, column: pd.Series) -> dict[str, np.ndarray]:
        values = self._to_float(column)
        missing = np.isnan(values)
        out = {}
        if self.has_nulls:
            observed = values[~missing]
            # Missing cells get a draw from the observed values: the model learns a clean marginal,
            # and the flag (learned jointly) says which rows come back empty.
            fill = np.random.default_rng(FILL_SEED).choice(observed, size=int(missing.sum()))
            values = values.copy()
            values[missing] = fill
            out[self.name + MISSING_SUFFIX] = missing.astype(np.int64)
        elif missing.any():
            values = np.where(missing, np.nanmedian(values), values)
        out[self.name] = values
        return out

    def decode(self, encoded: dict[str, np.ndarray]) -> pd.Series:
        values = np.asarray(encoded[self.name], dtype=float)
        if self.enforce_min_max_values:
            values = np.clip(values, self.minimum, self.maximum)
        if self.decimals is not None:
            values = np.round(values, self.decimals)
            if self.enforce_min_max_values:  # rounding (decimals found within a tolerance) may step past a bound
                values = np.clip(values, self.minimum, self.maximum)
        if self.has_nulls:
            values = np.where(np.asarray(encoded[self.name + MISSING_SUFFIX]) == 1, np.nan, values)
        return self._from_float(values)

    def _from_float(self, values: np.ndarray) -> pd.Series:
        return restore_dtype(pd.Series(values), dtype_from_state(self.dtype))

    def encode_condition(self, value) -> dict:
        if pd.isna(value):
            if not self.has_nulls:
                raise ConditionError(f"Column {self.name!r} had no missing values; it cannot be conditioned on NaN.")
            return {self.name + MISSING_SUFFIX: 1}
        number = float(self._to_float(pd.Series([value]))[0])
        if np.isnan(number):
            raise ConditionError(f"Condition {value!r} on column {self.name!r} is not a {self.sdtype} value.")
        out = {self.name: number}
        if self.has_nulls:
            out[self.name + MISSING_SUFFIX] = 0
        return out


def _decimals(values: np.ndarray, max_decimals: int = 6) -> int | None:
    """The fewest decimals that write every value exactly, or None past ``max_decimals``."""
    sample = values[:: max(1, len(values) // 5000)]
    for d in range(max_decimals + 1):
        if np.allclose(np.round(sample, d), sample, rtol=0, atol=1e-9 * max(1.0, np.abs(sample).max())):
            return d
    return None


class DatetimeCodec(NumericalCodec):
    """Datetimes (naive, tz-aware, or strings in a learned format) as float seconds since the epoch."""

    sdtype = "datetime"

    def __init__(self, name: str, enforce_min_max_values: bool = True, datetime_format: str | None = None):
        super().__init__(name, enforce_min_max_values)
        self.datetime_format = datetime_format

    def fit(self, column: pd.Series) -> DatetimeCodec:
        parsed = self._parse(column)
        self.tz = str(parsed.dt.tz) if parsed.dt.tz is not None else None
        super().fit(column)
        self.decimals = None
        seconds = self._to_float(column)
        self.resolution = _datetime_resolution(seconds[~np.isnan(seconds)])
        return self

    def _parse(self, column: pd.Series) -> pd.Series:
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            return column
        return pd.to_datetime(column, format=self.datetime_format, errors="coerce")

    def _to_float(self, column: pd.Series) -> np.ndarray:
        parsed = self._parse(column)
        if parsed.dt.tz is not None:
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        nanos = parsed.astype("datetime64[ns]").to_numpy().astype("int64").astype(float)
        return np.where(parsed.isna().to_numpy(), np.nan, nanos / 1e9)

    def _from_float(self, values: np.ndarray) -> pd.Series:
        values = np.round(values / self.resolution) * self.resolution
        nanos = np.where(np.isnan(values), 0, values * 1e9).astype("int64")
        stamps = pd.Series(pd.to_datetime(nanos, unit="ns"))
        stamps[np.isnan(values)] = pd.NaT
        if self.tz is not None:
            stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(self.tz)
        if self.datetime_format is not None:
            text = stamps.dt.strftime(self.datetime_format)
            return restore_dtype(text.where(stamps.notna(), np.nan), dtype_from_state(self.dtype))
        return stamps.astype(dtype_from_state(self.dtype))


def _datetime_resolution(seconds: np.ndarray) -> float:
    for step in (86400.0, 3600.0, 60.0, 1.0, 1e-3, 1e-6):
        if np.all(np.mod(seconds, step) == 0):
            return step
    return 1e-9


# ---------------------------------------------------------------------- categorical
class CategoricalCodec(Codec):
    """Categories (and booleans) as int64 codes, plus a missing flag when nulls were seen.

    A flag rather than a "missing" category: missingness shared by several columns (Adult's
    ``workclass`` and ``occupation``) is then one strong binary association models can learn.

    With ``max_categories`` (for models whose cost grows with a column's categories, such as
    one-hot networks), a column with more categories keeps its ``max_categories - 1`` most frequent
    ones and maps the rest to one "other" state (the last code); a sampled "other" becomes one of the
    rare categories, drawn by their empirical frequencies (:meth:`draw_rare`, with the sampling
    block's generator). ``frequencies`` are those of the codes, "other" included.
    """

    max_categories = None  # class defaults: a codec from an older model file has no cap and no rare set
    rare_categories = None

    def __init__(self, name: str, max_categories: int | None = None):
        self.name = name
        self.max_categories = max_categories

    def fit(self, column: pd.Series) -> CategoricalCodec:
        counts = column.astype(object).value_counts(dropna=True, sort=True)
        self.dtype = dtype_to_state(column.dtype)
        self.has_nulls = bool(column.isna().any())
        categories = np.array(counts.index.tolist(), dtype=object)
        frequencies = counts.to_numpy(dtype=float) / counts.sum()
        keep = len(categories)
        if self.max_categories is not None and keep > self.max_categories:
            keep = self.max_categories - 1
            rare = frequencies[keep:]
            self.rare_categories, self.rare_frequencies = categories[keep:], rare / rare.sum()
            frequencies = np.r_[frequencies[:keep], rare.sum()]
        self.categories, self.frequencies = categories[:keep], frequencies
        return self

    @property
    def cardinality(self) -> int:
        """Number of codes: the kept categories, plus the "other" state when rare ones were merged."""
        return len(self.categories) + (self.rare_categories is not None)

    @property
    def outputs(self) -> list[EncodedColumn]:
        out = [EncodedColumn(self.name, "categorical", self.name, self.cardinality)]
        if self.has_nulls:
            out.append(EncodedColumn(self.name + MISSING_SUFFIX, "categorical", self.name, 2))
        return out

    def _codes(self, column: pd.Series) -> np.ndarray:
        return pd.Index(self.categories).get_indexer(pd.Index(column.astype(object)))

    def encode(self, column: pd.Series) -> dict[str, np.ndarray]:
        codes = self._codes(column).astype(np.int64)
        missing = column.isna().to_numpy()
        if self.rare_categories is not None:
            codes[(codes < 0) & ~missing] = len(self.categories)  # a rare category: the "other" state
        out = {}
        if self.has_nulls:
            # As for numbers: missing cells get a draw from the seen categories, the flag marks them.
            rng = np.random.default_rng(FILL_SEED)
            codes[missing] = rng.choice(self.cardinality, size=int(missing.sum()), p=self.frequencies)
            out[self.name + MISSING_SUFFIX] = missing.astype(np.int64)
        out[self.name] = codes
        return out

    def draw_rare(self, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """For each "other" code, the index of a rare category drawn by frequency; -1 elsewhere."""
        codes = np.asarray(codes, dtype=np.int64)
        out = np.full(len(codes), -1, dtype=np.int64)
        other = codes >= len(self.categories)
        out[other] = rng.choice(len(self.rare_categories), size=int(other.sum()), p=self.rare_frequencies)
        return out

    def decode(self, encoded: dict[str, np.ndarray]) -> pd.Series:
        codes = np.asarray(encoded[self.name], dtype=np.int64)
        if self.rare_categories is None:
            values = np.asarray(self.categories, dtype=object)[codes]
        else:
            if self.name + RARE_SUFFIX not in encoded:
                raise KeyError(f"{self.name + RARE_SUFFIX}: decoding a capped column needs Schema.draw_rare first")
            kept = np.minimum(codes, len(self.categories) - 1)
            rare = np.asarray(encoded[self.name + RARE_SUFFIX], dtype=np.int64)
            values = np.where(codes >= len(self.categories), np.asarray(self.rare_categories, dtype=object)[
                np.maximum(rare, 0)], np.asarray(self.categories, dtype=object)[kept])
        missing = np.asarray(encoded[self.name + MISSING_SUFFIX]) == 1 if self.has_nulls else None
        if missing is not None:
            values[missing] = np.nan
        has_missing = missing is not None and bool(missing.any())
        return restore_dtype(pd.Series(values, dtype=object, copy=False), dtype_from_state(self.dtype), has_missing)

    def encode_condition(self, value) -> dict:
        if pd.isna(value):
            if not self.has_nulls:
                raise ConditionError(f"Column {self.name!r} had no missing values; it cannot be conditioned on NaN.")
            return {self.name + MISSING_SUFFIX: 1}
        code = int(self._codes(pd.Series([value], dtype=object))[0])
        if code < 0 and self.rare_categories is not None and value in set(self.rare_categories):
            raise ConditionError(
                f"Value {value!r} is one of the {len(self.rare_categories)} rare categories of column {self.name!r} "
                f"that share one state (the synthesizer keeps its {len(self.categories)} most frequent ones), so "
                "it cannot be a condition. Condition on a frequent value, or use a synthesizer without a "
                "category cap (BayesianNetworkSynthesizer)."
            )
        if code < 0:
            shown = ", ".join(repr(c) for c in self.categories[:10])
            raise ConditionError(
                f"Value {value!r} never occurs in column {self.name!r}, so it cannot be a condition. "
                f"Seen values include: {shown}."
            )
        return {self.name: code, **({self.name + MISSING_SUFFIX: 0} if self.has_nulls else {})}


# ---------------------------------------------------------------------- not learned
class ConstantCodec(Codec):
    """A column with a single value (or only nulls): not learned, written back as it was."""

    outputs: tuple = ()

    def __init__(self, name: str):
        self.name = name

    def fit(self, column: pd.Series) -> ConstantCodec:
        self.dtype = dtype_to_state(column.dtype)
        self.value = np.array(column.iloc[:1].astype(object).tolist(), dtype=object)
        return self

    def encode(self, column: pd.Series) -> dict[str, np.ndarray]:
        return {}

    def decode(self, encoded: dict, num_rows: int) -> pd.Series:
        values = pd.Series(np.repeat(self.value, num_rows), dtype=object)
        return restore_dtype(values, dtype_from_state(self.dtype))

    def encode_condition(self, value) -> dict:
        same = (pd.isna(value) and pd.isna(self.value[0])) or value == self.value[0]
        if not same:
            raise ConditionError(
                f"Column {self.name!r} is constant ({self.value[0]!r}); it cannot be conditioned on {value!r}."
            )
        return {}


class IdCodec(Codec):
    """An id column: fresh unique ids are generated, never learned (fresh ids are meant to differ)."""

    outputs: tuple = ()

    def __init__(self, name: str):
        self.name = name

    def fit(self, column: pd.Series) -> IdCodec:
        self.dtype = dtype_to_state(column.dtype)
        values = column.dropna()
        self.numeric = bool(pd.api.types.is_numeric_dtype(column.dtype))
        if self.numeric:
            self.start = int(values.max()) + 1 if len(values) else 0
            self.prefix, self.width = "", 0
        else:
            text = values.astype(str)
            prefix = _common_prefix(text.tolist())
            self.prefix = prefix.rstrip("0123456789")
            self.width = int(text.str.len().max() - len(self.prefix)) if len(text) else 1
            self.start = 0
        return self

    def encode(self, column: pd.Series) -> dict[str, np.ndarray]:
        return {}

    def decode(self, encoded: dict, num_rows: int, row_offset: int = 0) -> pd.Series:
        numbers = np.arange(row_offset, row_offset + num_rows, dtype=np.int64) + self.start
        if self.numeric:
            return restore_dtype(pd.Series(numbers), dtype_from_state(self.dtype))
        text = pd.Series(numbers.astype(str), dtype=object).str.zfill(self.width)
        return restore_dtype(self.prefix + text, dtype_from_state(self.dtype))

    def encode_condition(self, value) -> dict:
        raise ConditionError(f"Column {self.name!r} is an id column: ids are generated, not conditioned on.")


def _common_prefix(texts: list[str]) -> str:
    if not texts:
        return ""
    low, high = min(texts), max(texts)
    size = 0
    while size < min(len(low), len(high)) and low[size] == high[size]:
        size += 1
    return low[:size]
