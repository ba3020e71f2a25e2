"""Column sdtypes: detection from a DataFrame, user overrides, and the SDV/sdmetrics dict format."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import MetadataError
from .pii import NUMERIC_PII, PII_SDTYPES, detect_pii

SDTYPES = ("numerical", "categorical", "boolean", "datetime", "id", *PII_SDTYPES)

# Date formats tried, in order, on string columns; the first that parses every value and
# writes each value back unchanged is learned, so sampled dates come back in the same format.
DATETIME_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%Y%m%d",
)
_KEY_NAME = re.compile(r"(^|[_\W])(id|key|uuid|guid|pk)$|^(id|key|uuid|guid|pk)([_\W]|$)|Id$|ID$")
_DETECT_SAMPLE = 1000


class Metadata:
    """The sdtype of every column of a table, and its primary key.

    Parameters
    ----------
    columns : dict of str to dict
        ``{name: {"sdtype": ..., **options}}``; sdtypes are ``numerical``, ``categorical``,
        ``boolean``, ``datetime`` and ``id``. A datetime held as strings carries ``datetime_format``.
    primary_key : str, optional
        The id column that identifies a row.

    Examples
    --------
    >>> md = Metadata.detect(df)                                  # doctest: +SKIP
    >>> md.update_column("zip", sdtype="categorical")             # doctest: +SKIP
    >>> Metadata.from_dict({"columns": {"age": {"sdtype": "numerical"}}})
    Metadata(columns={'age': {'sdtype': 'numerical'}}, primary_key=None)
    """

    def __init__(self, columns: Mapping[str, Mapping] | None = None, primary_key: str | None = None):
        self.columns: dict[str, dict] = {}
        for name, spec in (columns or {}).items():
            self.update_column(name, **dict(spec))
        self.primary_key = primary_key
        if primary_key is not None:
            self._check_primary_key()

    def __repr__(self) -> str:
        return f"Metadata(columns={self.columns!r}, primary_key={self.primary_key!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Metadata) and self.to_dict() == other.to_dict()

    # ------------------------------------------------------------------ access
    @property
    def column_names(self) -> list[str]:
        return list(self.columns)

    def sdtype(self, name: str) -> str:
        if name not in self.columns:
            raise MetadataError(f"Column {name!r} is not in the metadata. Known columns: {self.column_names}.")
        return self.columns[name]["sdtype"]

    def columns_of(self, *sdtypes: str) -> list[str]:
        """Names of the columns whose sdtype is one of ``sdtypes``, in metadata order."""
        return [name for name, spec in self.columns.items() if spec["sdtype"] in sdtypes]

    def update_column(self, name: str, sdtype: str, **options) -> Metadata:
        """Set (or override) the sdtype of one column; returns self."""
        if not isinstance(name, str):
            raise MetadataError(f"Column names must be strings. Got {name!r} instead; rename the column.")
        if sdtype not in SDTYPES:
            warnings.warn(
                f"Column {name!r} has sdtype {sdtype!r}, which tabsynth does not model specially; "
                "it is treated as 'categorical'. Declare one of "
                f"{list(SDTYPES)} to silence this warning.",
                UserWarning,
                stacklevel=2,
            )
            options = {"original_sdtype": sdtype, **options}
            sdtype = "categorical"
        self.columns[name] = {"sdtype": sdtype, **options}
        return self

    def _check_primary_key(self) -> None:
        if self.primary_key not in self.columns:
            raise MetadataError(
                f"The primary key {self.primary_key!r} is not one of the columns {self.column_names}."
            )
        self.columns[self.primary_key]["sdtype"] = "id"

    # ------------------------------------------------------------------ dict interop
    def to_dict(self) -> dict:
        """The SDV/sdmetrics single-table dict: ``{"columns": {...}, "primary_key": ...}``."""
        out: dict = {"columns": {}}
        for name, spec in self.columns.items():
            spec = dict(spec)
            if "original_sdtype" in spec:  # give SDV users back what they declared
                spec["sdtype"] = spec.pop("original_sdtype")
            out["columns"][name] = spec
        if self.primary_key is not None:
            out["primary_key"] = self.primary_key
        return out

    def to_sdmetrics_dict(self) -> dict:
        """Like :meth:`to_dict`, but with tabsynth's own sdtypes (what sdmetrics' reports expect)."""
        out = {"columns": {n: dict(s) for n, s in self.columns.items()}}
        for spec in out["columns"].values():
            spec.pop("original_sdtype", None)
        if self.primary_key is not None:
            out["primary_key"] = self.primary_key
        return out

    @classmethod
    def from_dict(cls, data: Mapping) -> Metadata:
        """Build from the SDV/sdmetrics single-table dict."""
        if not isinstance(data, Mapping) or not isinstance(data.get("columns"), Mapping):
            raise MetadataError(
                "Metadata dicts look like {'columns': {'age': {'sdtype': 'numerical'}, ...}}. "
                f"Got {type(data).__name__} without a 'columns' mapping."
            )
        for name, spec in data["columns"].items():
            if not isinstance(spec, Mapping) or "sdtype" not in spec:
                raise MetadataError(f"Column {name!r} of the metadata dict needs an 'sdtype'. Got {spec!r}.")
        return cls(data["columns"], primary_key=data.get("primary_key"))

    @classmethod
    def coerce(cls, metadata: Metadata | Mapping | None, data: pd.DataFrame) -> Metadata:
        """Return a validated :class:`Metadata` for ``data``: detect when None, convert dicts."""
        if metadata is None:
            return cls.detect(data)
        if isinstance(metadata, Mapping):
            metadata = cls.from_dict(metadata)
        if not isinstance(metadata, Metadata):
            raise MetadataError(
                f"metadata must be a tabsynth.Metadata, an SDV-style dict or None. Got {type(metadata).__name__}."
            )
        if any(c not in metadata.columns for c in data.columns):  # partial metadata: detect the rest
            metadata = cls.detect(data, overrides=metadata)
        metadata.validate(data)
        return metadata

    # ------------------------------------------------------------------ detection
    @classmethod
    def detect(cls, data: pd.DataFrame, overrides: Metadata | Mapping | None = None,
               primary_key: str | None = None) -> Metadata:
        """Infer every column's sdtype from the data; columns described in ``overrides`` keep that description.

        Integers and floats are numerical; bools boolean; datetime dtypes and strings that parse
        as dates are datetime; an integer or string column whose values are all distinct and whose
        name looks like a key (``id``, ``user_id``, ``customerId``...) is an id; the rest categorical.
        ``overrides`` (a :class:`Metadata` or an SDV-style dict, for some of the columns) wins where it
        speaks, its primary key included: describe only what detection gets wrong, e.g. integer-coded
        categories ``Metadata.detect(df, {"columns": {"stage": {"sdtype": "categorical"}}})``. Columns it
        names that the data lacks are an error.
        """
        if isinstance(overrides, Mapping):
            overrides = cls.from_dict(overrides)
        declared = dict(overrides.columns) if overrides is not None else {}
        unknown = [c for c in declared if c not in data.columns]
        if unknown:
            raise MetadataError(f"The metadata names columns that are not in the data: {unknown}. "
                                "Remove them from the metadata or add them to the data.")
        if primary_key is None and overrides is not None:
            primary_key = overrides.primary_key
        md = cls()
        for name in data.columns:
            if name in declared:
                spec = dict(declared[name])
                md.update_column(name, spec.pop("sdtype"), **spec)
                continue
            sdtype, options = _detect_column(name, data[name])
            md.update_column(name, sdtype, **options)
        if primary_key is None and overrides is not None and overrides.columns_of("id"):
            return md  # the user declared their ids; no key is guessed beside them
        if primary_key is None:
            ids = md.columns_of("id")
            primary_key = ids[0] if len(ids) == 1 else None
        md.primary_key = primary_key
        if primary_key is not None:
            md._check_primary_key()
        return md

    # ------------------------------------------------------------------ validation
    def validate(self, data: pd.DataFrame) -> None:
        """Check that ``data`` has exactly these columns and that values fit their sdtypes."""
        missing = [c for c in self.columns if c not in data.columns]
        if missing:
            raise MetadataError(
                f"The metadata names columns that are not in the data: {missing}. "
                "Remove them from the metadata or add them to the data."
            )
        extra = [c for c in data.columns if c not in self.columns]
        if extra:
            raise MetadataError(
                f"The data has columns that the metadata does not describe: {extra}. "
                "Add them to the metadata (update_column) or drop them from the data."
            )
        for name, spec in self.columns.items():
            _validate_column(name, spec, data[name])
        if self.primary_key is not None and data[self.primary_key].duplicated().any():
            raise MetadataError(
                f"The primary key {self.primary_key!r} has duplicate values; a key must be unique. "
                "Declare another key or set primary_key=None."
            )


def _detect_column(name: str, col: pd.Series) -> tuple[str, dict]:
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean", {}
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime", {}
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical", {}
    if pd.api.types.is_integer_dtype(dtype):
        if _looks_like_key(name, col):
            return "id", {}
        kind = detect_pii(name, col)  # card numbers, phone numbers, postcodes stored as integers
        if kind in NUMERIC_PII:
            return kind, {"pii": True}
        return "numerical", {}
    if pd.api.types.is_numeric_dtype(dtype):
        return "numerical", {}
    values = col.dropna()
    if len(values) and values.map(type).isin([bool, np.bool_]).all():
        return "boolean", {}
    if len(values) and values.map(type).eq(str).all():
        fmt = detect_datetime_format(values)
        if fmt is not None:
            return "datetime", {"datetime_format": fmt}
        if _looks_like_key(name, col):
            return "id", {}
        kind = detect_pii(name, values)
        if kind is not None:  # personal data: generated fresh, never copied (schema.pii)
            return kind, {"pii": True}
    return "categorical", {}


def _looks_like_key(name: str, col: pd.Series) -> bool:
    return bool(_KEY_NAME.search(str(name))) and col.notna().all() and col.is_unique


def detect_datetime_format(values: pd.Series) -> str | None:
    """The first format of :data:`DATETIME_FORMATS` that parses every value and writes it back unchanged."""
    sample = values.drop_duplicates()
    sample = sample.iloc[:: max(1, len(sample) // _DETECT_SAMPLE)].astype(str)
    if not sample.str.contains(r"\d", regex=True).all():
        return None
    for fmt in DATETIME_FORMATS:
        parsed = pd.to_datetime(sample, format=fmt, errors="coerce")
        if parsed.isna().any():
            continue
        if (parsed.dt.strftime(fmt) == sample).all():
            return fmt
    return None


def _validate_column(name: str, spec: Mapping, col: pd.Series) -> None:
    sdtype = spec["sdtype"]
    if sdtype == "numerical" and not pd.api.types.is_numeric_dtype(col.dtype):
        numeric = pd.to_numeric(col.dropna(), errors="coerce")
        if numeric.isna().any() or pd.api.types.is_bool_dtype(col.dtype):
            bad = col.dropna()[numeric.isna()].iloc[0] if numeric.isna().any() else col.iloc[0]
            raise MetadataError(
                f"Column {name!r} is declared numerical but holds non-numeric values such as {bad!r}. "
                "Declare it 'categorical' or convert it with pd.to_numeric."
            )
    if sdtype == "datetime" and not pd.api.types.is_datetime64_any_dtype(col.dtype):
        fmt = spec.get("datetime_format")
        values = col.dropna()
        parsed = pd.to_datetime(values, format=fmt, errors="coerce") if len(values) else values
        if len(values) and parsed.isna().any():
            bad = values[parsed.isna()].iloc[0]
            raise MetadataError(
                f"Column {name!r} is declared datetime but {bad!r} does not parse as a date"
                + (f" in the format {fmt!r}" if fmt else "")
                + ". Fix the value, give the right 'datetime_format', or declare the column categorical."
            )
