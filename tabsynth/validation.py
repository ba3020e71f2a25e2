"""Input checks shared by fit, sample and evaluate: clear errors before any work is done."""

from __future__ import annotations

import importlib
import math
import numbers

import numpy as np
import pandas as pd

from .errors import InvalidDataError, MissingDependencyError, param_error

_BAD_CELL_TYPES = (list, dict, set, tuple, np.ndarray, pd.Series, pd.DataFrame)


def check_table(data, what: str = "data") -> pd.DataFrame:
    """Check that ``data`` is a non-empty DataFrame a synthesizer can learn from; return it unchanged."""
    if not isinstance(data, pd.DataFrame):
        raise InvalidDataError(f"{what} must be a pandas DataFrame. Got {type(data).__name__} instead.")
    if data.shape[1] == 0:
        raise InvalidDataError(f"{what} has no columns; give a DataFrame with at least one column.")
    if data.shape[0] == 0:
        raise InvalidDataError(f"{what} has no rows; a synthesizer needs at least one row to learn from.")
    names = pd.Index(data.columns)
    if names.has_duplicates:
        dupes = sorted({str(c) for c in names[names.duplicated()]})
        raise InvalidDataError(f"{what} has duplicate column names {dupes}; rename them so each is unique.")
    not_str = [c for c in names if not isinstance(c, str)]
    if not_str:
        raise InvalidDataError(
            f"{what} has column names that are not strings: {not_str[:5]}. "
            "Rename them, e.g. data.columns = data.columns.astype(str)."
        )
    for name in data.columns:
        _check_column(data[name], name, what)
    return data


def _check_column(column: pd.Series, name: str, what: str) -> None:
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(values).any():
            raise InvalidDataError(
                f"Column {name!r} of {what} holds infinite values (+/-inf). Replace them with NaN "
                "(data.replace([np.inf, -np.inf], np.nan)) or with finite numbers."
            )
    elif column.dtype == object:
        kinds = {type(v) for v in column.dropna().to_numpy()}
        bad = [k for k in kinds if issubclass(k, _BAD_CELL_TYPES)]
        if bad:
            raise InvalidDataError(
                f"Column {name!r} of {what} holds cells of type {bad[0].__name__}; each cell must be a "
                "single value. Expand them into columns or convert them to strings."
            )
        if any(issubclass(k, float) for k in kinds) and np.isinf(
            pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        ).any():
            raise InvalidDataError(f"Column {name!r} of {what} holds infinite values; replace them with NaN.")


def check_num_rows(num_rows, owner: str = "sample") -> int:
    """A positive int (numpy ints too; bools and floats are refused)."""
    if isinstance(num_rows, bool) or not isinstance(num_rows, numbers.Integral) or num_rows <= 0:
        raise param_error(owner, "num_rows", "a positive int", num_rows)
    return int(num_rows)


def check_random_state(random_state, owner: str) -> int | None:
    """None or a non-negative int."""
    if random_state is None:
        return None
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral) or random_state < 0:
        raise param_error(owner, "random_state", "None or a non-negative int", random_state)
    return int(random_state)


def check_int(value, owner: str, name: str, minimum: int = 1, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        expected = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise param_error(owner, name, expected + (" or None" if allow_none else ""), value)
    return int(value)


def check_choice(value, owner: str, name: str, choices) -> str:
    if value not in choices:
        raise param_error(owner, name, "one of " + ", ".join(repr(c) for c in choices), value)
    return value


def check_bool(value, owner: str, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise param_error(owner, name, "a bool", value)
    return bool(value)


def import_optional(module: str, needed_by: str, extra: str):
    """Import an optional dependency, or raise :class:`MissingDependencyError` saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(f'{needed_by} needs {module}: pip install "tabsynth[{extra}]".') from None


# ---------------------------------------------------------------------- parameter constraints
# scikit-learn's pattern: a class declares ``_parameter_constraints = {name: [constraint, ...]}`` and
# ``validate_params`` checks every constructor parameter against it (a value passes if any constraint holds).
# A constraint is None (the value None), "boolean" (a bool), a type (isinstance), or a Constraint below.


class Constraint:
    """A rule a parameter value satisfies or not, with the words of the error message."""

    description = "a valid value"

    def is_satisfied_by(self, value) -> bool:
        raise NotImplementedError

    def invalid_examples(self) -> list:
        """Values that break this rule (the check-suite tries them)."""
        return []

    def __str__(self) -> str:
        return self.description


class Interval(Constraint):
    """Numbers of ``kind`` (``Integral`` or ``Real``; bools never) between ``left`` and ``right`` (None: unbounded).

    ``closed`` says which ends are included: "both", "left", "right" or "neither".
    """

    def __init__(self, kind, left, right, *, closed: str = "both"):
        if kind not in (numbers.Integral, numbers.Real) or closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"Interval({kind}, {left}, {right}, closed={closed!r}) is not a valid constraint")
        self.kind, self.left, self.right, self.closed = kind, left, right, closed
        self.description = self._describe()

    def is_satisfied_by(self, value) -> bool:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, self.kind):
            return False
        if self.kind is numbers.Real and not math.isfinite(value):
            return False
        left_ok = self.left is None or (value >= self.left if self.closed in ("both", "left") else value > self.left)
        right_ok = self.right is None or (
            value <= self.right if self.closed in ("both", "right") else value < self.right)
        return bool(left_ok and right_ok)

    def invalid_examples(self) -> list:
        out = ["1"]
        if self.left is not None:
            out.append(self.left - 1)
        if self.right is not None:
            out.append(self.right + 1)
        if self.kind is numbers.Integral:
            out.append(1.5)
        else:
            out.append(float("nan"))
        return out

    def _describe(self) -> str:
        noun = "an int" if self.kind is numbers.Integral else "a float"
        word = "int" if self.kind is numbers.Integral else "number"
        if self.right is None and self.left == 0:
            return f"a positive {word}" if self.closed in ("neither", "right") else f"a non-negative {word}"
        if self.right is None and self.left == 1 and self.kind is numbers.Integral and self.closed in ("both", "left"):
            return "a positive int"
        if self.right is None and self.left is not None:
            return f"{noun} {'>=' if self.closed in ('both', 'left') else '>'} {self.left}"
        if self.left is None and self.right is not None:
            return f"{noun} {'<=' if self.closed in ('both', 'right') else '<'} {self.right}"
        if self.left is None:
            return noun
        brackets = {"both": "[]", "left": "[)", "right": "(]", "neither": "()"}[self.closed]
        return f"{noun} in {brackets[0]}{self.left}, {self.right}{brackets[1]}"


class Options(Constraint):
    """One of a fixed set of values (compared with ``==``; strings usually)."""

    def __init__(self, *options):
        self.options = options
        self.description = "one of " + ", ".join(repr(o) for o in options)

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, (str, numbers.Number)) and value in self.options

    def invalid_examples(self) -> list:
        return ["not-an-option"]


class Satisfies(Constraint):
    """A value for which ``predicate(value)`` is true; ``description`` words it for the error message."""

    def __init__(self, predicate, description: str, invalid_examples=()):
        self.predicate, self.description, self._invalid = predicate, description, list(invalid_examples)

    def is_satisfied_by(self, value) -> bool:
        try:
            return bool(self.predicate(value))
        except Exception:  # noqa: BLE001 - a predicate that cannot judge a value rejects it
            return False

    def invalid_examples(self) -> list:
        return list(self._invalid)


def positive_ints(value) -> bool:
    """A non-empty tuple or list of positive ints (hidden layer widths)."""
    return isinstance(value, (tuple, list)) and len(value) > 0 and all(
        isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) and v > 0 for v in value)


def _satisfies(constraint, value) -> bool:
    if constraint is None:
        return value is None
    if constraint == "boolean":
        return isinstance(value, (bool, np.bool_))
    if isinstance(constraint, type):
        return isinstance(value, constraint)
    return constraint.is_satisfied_by(value)


def _describe(constraint) -> str:
    if constraint is None:
        return "None"
    if constraint == "boolean":
        return "a bool"
    if isinstance(constraint, type):
        return f"an instance of {constraint.__name__}"
    return str(constraint)


def describe_constraints(constraints: list) -> str:
    """The words for "must be ..." of the error message: the constraints joined with "or", in declared order."""
    return " or ".join(_describe(c) for c in constraints)


def validate_params(params: dict, constraints: dict, owner: str) -> None:
    """Check every parameter against its constraints; the first failure raises the one error template."""
    for name, value in params.items():
        if name not in constraints:
            raise TypeError(f"{owner} declares no constraint for its parameter {name!r}")  # a library bug
        options = constraints[name]
        if options == "no_validation":
            continue
        if not any(_satisfies(c, value) for c in options):
            raise param_error(owner, name, describe_constraints(options), value)


def invalid_values(constraints: list) -> list:
    """Values that satisfy none of ``constraints`` (for the check-suite): an object, then each rule's own."""
    candidates = [object(), *(v for c in constraints if isinstance(c, Constraint) for v in c.invalid_examples()),
                  "not-an-option", -1, 1.5, None]
    return [v for v in candidates if not any(_satisfies(c, v) for c in constraints)]
