"""Input checks shared by fit, sample and evaluate: clear errors before any work is done."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from .errors import InvalidDataError, param_error

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
