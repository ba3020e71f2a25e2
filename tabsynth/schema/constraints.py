"""Business rules every synthetic row obeys: constraints as data.

A constraint is a small frozen value naming its columns: it says whether rows obey it
(:meth:`Constraint.is_valid`), writes itself as JSON (:meth:`Constraint.to_dict`,
:func:`constraint_from_dict`) and reads back. The schema enforces the built-in ones by
transformation (:mod:`~tabsynth.schema.constrained`: a model learns a space where the rule cannot
be broken); :class:`Custom` is enforced by rejection. A rule speaks of present values: a row with a
missing value in a constrained column obeys it.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from .metadata import detect_datetime_format

Bound = str | float  # a column name, or a constant


def _is_column(bound) -> bool:
    return isinstance(bound, str)


def _check_bound(owner: str, name: str, bound) -> None:
    if isinstance(bound, bool) or not (_is_column(bound) or isinstance(bound, numbers.Real)):
        raise InvalidParameterError(f"{owner}: {name!r} must be a column name or a number. Got {bound!r}.")


class Constraint:
    """Base of every rule: ``columns`` it speaks of (a tuple), ``is_valid(data)``, a JSON form."""

    def is_valid(self, data: pd.DataFrame) -> np.ndarray:
        """A boolean per row of ``data``: True where the row obeys the rule (missing values obey)."""
        raise NotImplementedError

    def to_dict(self) -> dict:
        """The JSON form: ``{"type": class name, ...fields}``, read back by :func:`constraint_from_dict`."""
        return {"type": type(self).__name__, **{k: (list(v) if isinstance(v, tuple) else v)
                                                for k, v in vars(self).items()}}

    def inequalities(self) -> list[Inequality]:
        """The pairwise inequalities this rule is made of (none for non-numeric rules)."""
        return []


def _values(data: pd.DataFrame, bound) -> np.ndarray:
    """A bound's values as floats (datetimes as seconds), NaN where missing."""
    if not _is_column(bound):
        return np.full(len(data), float(bound))
    column = data[bound]
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        if column.dt.tz is not None:
            column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        nanos = column.astype("datetime64[ns]").to_numpy().astype("int64").astype(float)
        return np.where(column.isna().to_numpy(), np.nan, nanos / 1e9)
    if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
        present = column.dropna()
        fmt = detect_datetime_format(present) if len(present) and present.map(type).eq(str).all() else None
        if fmt is not None:  # dates written as strings compare as dates, in the format they share
            return _values(pd.DataFrame({bound: pd.to_datetime(column, format=fmt, errors="coerce")}), bound)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


@dataclass(frozen=True)
class Inequality(Constraint):
    """``low <= high`` (``low < high`` when ``strict``); each side a numeric or datetime column, or a number."""

    low: Bound
    high: Bound
    strict: bool = False

    def __post_init__(self):
        _check_bound("Inequality", "low", self.low)
        _check_bound("Inequality", "high", self.high)
        if not (_is_column(self.low) or _is_column(self.high)):
            raise InvalidParameterError(f"Inequality needs at least one column. Got {self.low!r} and {self.high!r}.")
        if self.low == self.high:
            raise InvalidParameterError(f"Inequality compares {self.low!r} with itself; name two columns.")

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(b for b in (self.low, self.high) if _is_column(b))

    def is_valid(self, data: pd.DataFrame) -> np.ndarray:
        low, high = _values(data, self.low), _values(data, self.high)
        with np.errstate(invalid="ignore"):
            holds = high > low if self.strict else high >= low
        return holds | np.isnan(low) | np.isnan(high)

    def inequalities(self) -> list[Inequality]:
        return [self]


@dataclass(frozen=True)
class Range(Constraint):
    """``low <= middle <= high`` (strict: ``<``); ``low`` and ``high`` columns or numbers."""

    low: Bound
    middle: str
    high: Bound
    strict: bool = False

    def __post_init__(self):
        if not _is_column(self.middle):
            raise InvalidParameterError(f"Range: 'middle' must be a column name. Got {self.middle!r}.")
        self.inequalities()  # checks the bounds

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(b for b in (self.low, self.middle, self.high) if _is_column(b))

    def inequalities(self) -> list[Inequality]:
        return [Inequality(self.low, self.middle, self.strict), Inequality(self.middle, self.high, self.strict)]

    def is_valid(self, data: pd.DataFrame) -> np.ndarray:
        return np.logical_and.reduce([rule.is_valid(data) for rule in self.inequalities()])


@dataclass(frozen=True)
class _Sign(Constraint):
    """A bound of one column by zero; subclasses say which side."""

    column: str
    strict: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def is_valid(self, data: pd.DataFrame) -> np.ndarray:
        return self.inequalities()[0].is_valid(data)


@dataclass(frozen=True)
class Positive(_Sign):
    """``column >= 0`` (``> 0`` when ``strict``)."""

    def inequalities(self) -> list[Inequality]:
        return [Inequality(0.0, self.column, self.strict)]


@dataclass(frozen=True)
class Negative(_Sign):
    """``column <= 0`` (``< 0`` when ``strict``)."""

    def inequalities(self) -> list[Inequality]:
        return [Inequality(self.column, 0.0, self.strict)]


def _check_columns(owner: str, columns, minimum: int) -> tuple[str, ...]:
    columns = tuple(columns) if not isinstance(columns, str) else (columns,)
    if len(columns) < minimum or not all(isinstance(c, str) for c in columns) or len(set(columns)) < len(columns):
        raise InvalidParameterError(f"{owner} needs at least {minimum} distinct column names. Got {columns!r}.")
    return columns


@dataclass(frozen=True)
class FixedCombinations(Constraint):
    """Only the combinations of ``columns`` seen in the real data (e.g. city and country)."""

    columns: tuple[str, ...]

    def __init__(self, columns):
        object.__setattr__(self, "columns", _check_columns("FixedCombinations", columns, 2))

    def to_dict(self) -> dict:
        return {"type": "FixedCombinations", "columns": list(self.columns)}

    def is_valid(self, data: pd.DataFrame, reference: pd.DataFrame | None = None) -> np.ndarray:
        """Rows whose combination occurs in ``reference`` (the real rows); every row when it is not given."""
        if reference is None:
            return np.ones(len(data), dtype=bool)
        frame = data[list(self.columns)].astype(object)
        seen = pd.MultiIndex.from_frame(reference[list(self.columns)].astype(object).dropna())
        present = frame.notna().all(axis=1).to_numpy()
        return pd.MultiIndex.from_frame(frame).isin(seen) | ~present


@dataclass(frozen=True)
class OneHot(Constraint):
    """Exactly one of ``columns`` is 1 in each row, the others 0."""

    columns: tuple[str, ...]

    def __init__(self, columns):
        object.__setattr__(self, "columns", _check_columns("OneHot", columns, 2))

    def to_dict(self) -> dict:
        return {"type": "OneHot", "columns": list(self.columns)}

    def is_valid(self, data: pd.DataFrame) -> np.ndarray:
        values = np.column_stack([_values(data, c) for c in self.columns])
        missing = np.isnan(values).any(axis=1)
        ones = np.nan_to_num(values) == 1
        zeros = np.nan_to_num(values) == 0
        return missing | ((ones.sum(axis=1) == 1) & (ones | zeros).all(axis=1))


@dataclass(frozen=True)
class FixedIncrements(Constraint):
    """Every value of ``column`` is a whole multiple of ``increment`` (e.g. prices in steps of 5)."""

    column: str
    increment: float

    def __post_init__(self):
        if not isinstance(self.column, str):
            raise InvalidParameterError(f"FixedIncrements: 'column' must be a column name. Got {self.column!r}.")
        if isinstance(self.increment, bool) or not isinstance(self.increment, numbers.Real) or not (
                np.isfinite(self.increment) and self.increment > 0):
            raise InvalidParameterError(f"FixedIncrements: 'increment' must be a positive number. "
                                        f"Got {self.increment!r}.")

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def is_valid(self, data: pd.DataFrame) -> np.ndarray:
        values = _values(data, self.column)
        steps = values / self.increment
        return np.isnan(values) | (np.abs(steps - np.round(steps)) <= 1e-9 * np.maximum(1.0, np.abs(steps)))


@dataclass(frozen=True)
class Custom(Constraint):
    """Any rule as a Python callable ``is_valid(frame) -> boolean array`` (enforced by rejection).

    The callable is never written to a model file: pass it again when opening one,
    ``tabsynth.load(path, constraints=[Custom(fn, name=...)])``; ``name`` matches it.
    """

    check: Callable | None = field(compare=False, repr=False)
    name: str = "custom"

    def __post_init__(self):
        if self.check is not None and not callable(self.check):
            raise InvalidParameterError(f"Custom needs a callable is_valid(frame). Got {self.check!r}.")
        if not isinstance(self.name, str) or not self.name:
            raise InvalidParameterError(f"Custom: 'name' must be a non-empty string. Got {self.name!r}.")

    @property
    def columns(self) -> tuple[str, ...]:
        return ()

    def to_dict(self) -> dict:
        return {"type": "Custom", "name": self.name}

    def is_valid(self, data: pd.DataFrame) -> np.ndarray:
        if self.check is None:
            raise InvalidParameterError(
                f"The Custom constraint {self.name!r} has no callable (model files never store code): pass it "
                f"again, tabsynth.load(path, constraints=[Custom(is_valid, name={self.name!r})]).")
        mask = np.asarray(self.check(data.copy()), dtype=bool)
        if mask.shape != (len(data),):
            raise InvalidParameterError(f"The Custom constraint {self.name!r} must return one boolean per row "
                                        f"({len(data)}); it returned shape {mask.shape}.")
        return mask


CONSTRAINT_TYPES = {cls.__name__: cls for cls in (Inequality, Range, Positive, Negative, FixedCombinations,
                                                   OneHot, FixedIncrements, Custom)}


def constraint_from_dict(item: Mapping) -> Constraint:
    """A constraint from its JSON form (:meth:`Constraint.to_dict`)."""
    if not isinstance(item, Mapping) or item.get("type") not in CONSTRAINT_TYPES:
        raise InvalidParameterError(f"A constraint's JSON form needs a 'type' among {list(CONSTRAINT_TYPES)}. "
                                    f"Got {item!r}.")
    fields = {k: v for k, v in item.items() if k != "type"}
    if item["type"] == "Custom":
        return Custom(None, **fields)
    try:
        return CONSTRAINT_TYPES[item["type"]](**fields)
    except TypeError as exc:
        raise InvalidParameterError(f"Invalid {item['type']} constraint {dict(item)!r}: {exc}.") from None


def coerce_constraints(constraints) -> list[Constraint]:
    """The ``constraints`` parameter (None, or a list of constraints or their JSON forms) as constraints."""
    if constraints is None:
        return []
    if isinstance(constraints, (Constraint, Mapping, str)) or not hasattr(constraints, "__iter__"):
        raise InvalidParameterError(f"constraints must be a list of constraints. Got {constraints!r}.")
    return [c if isinstance(c, Constraint) else constraint_from_dict(c) for c in constraints]


def constraints_to_json(constraints) -> list[dict] | None:
    return None if constraints is None else [c.to_dict() for c in coerce_constraints(constraints)]


def read_constraints(path) -> list[Constraint]:
    """The rules in a JSON file: a list of ``Constraint.to_dict()`` forms (as ``tabsynth detect-constraints`` writes)."""
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            forms = json.load(handle)
    except OSError as exc:
        raise InvalidParameterError(f"Cannot read the constraints file {str(path)!r}: {exc.strerror}.") from None
    except json.JSONDecodeError as exc:
        raise InvalidParameterError(f"The constraints file {str(path)!r} is not valid JSON: {exc}.") from None
    if not isinstance(forms, list):
        raise InvalidParameterError(f"The constraints file {str(path)!r} must hold a JSON list of rules, e.g. "
                                    '[{"type": "Inequality", "low": "start", "high": "end"}].')
    return coerce_constraints(forms)
