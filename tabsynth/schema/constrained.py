"""Constraints enforced by transformation: the model learns a space where the rule cannot be broken.

- Inequalities (``Inequality``, ``Range``, ``Positive``, ``Negative``) form a graph of columns; a
  column with lower bounds is learned as its distance above the largest one present (a column with
  a constant upper bound too: its position between the two), a column with only a constant upper
  bound as its distance below it (:class:`BoundedCodec`). Decoding runs in the graph's order, so a
  chain ``a <= b <= c`` decodes ``a``, then ``b`` from ``a``, then ``c`` from ``b``. Values are put
  on the column's grid (its decimals, datetime resolution or ``FixedIncrements`` step) *before* the
  final check, which moves a value that rounding pushed past a bound to the nearest grid value
  inside it.
- ``FixedCombinations`` and ``OneHot`` columns are learned as one categorical over the combinations
  seen (:class:`CombinationCodec`): an unseen combination cannot be sampled.
- ``FixedIncrements`` alone: the column is learned as its number of steps.

Conditions on a column whose value follows from other columns' values (the upper side of an
inequality on columns) raise :class:`ConditionError` naming the columns to condition on instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConditionError, InvalidParameterError
from .codecs import Codec, DatetimeCodec, NumericalCodec, _decimals, dtype_from_state, dtype_to_state, restore_dtype
from .constraints import Constraint, FixedCombinations, FixedIncrements, OneHot, _is_column, _values

GRID_TOLERANCE = 1e-9


class BoundedCodec(Codec):
    """A number or datetime kept within its bounds: ``lows`` (columns or constants) and a constant ``upper``."""

    def __init__(self, name: str, base: NumericalCodec, lows: list, upper: list | None, step: float | None):
        self.name = name
        self.base = base  # the column's own codec: dtype, range, missing values, decimals
        self.lows = [list(item) for item in lows]  # [bound, strict]
        self.upper = list(upper) if upper is not None else None  # [constant, strict]
        self.step = step  # a FixedIncrements step, else None (the column's own grid)

    @property
    def references(self) -> list[str]:
        return [bound for bound, _ in self.lows if _is_column(bound)]

    def fit(self, column: pd.Series, data: pd.DataFrame) -> BoundedCodec:
        low = self._low(data)
        present = low[~np.isnan(low)]
        self.fallback_low = float(np.median(present)) if len(present) else 0.0
        self.inner = NumericalCodec(self.name, self.base.enforce_min_max_values).fit(
            pd.Series(self._forward(self.base._to_float(column), data)))
        return self

    @property
    def outputs(self) -> list:
        return self.inner.outputs

    def encode(self, column: pd.Series) -> dict:
        raise TypeError("BoundedCodec encodes with its bounds: call encode_with(column, data).")

    def encode_with(self, column: pd.Series, data: pd.DataFrame) -> dict[str, np.ndarray]:
        return self.inner.encode(pd.Series(self._forward(self.base._to_float(column), data)))

    def decode_from(self, encoded: dict, data: pd.DataFrame) -> pd.Series:
        z = np.asarray(self.inner.decode(encoded).to_numpy(dtype=float, na_value=np.nan), dtype=float)
        low, upper = self._low(data), self._upper_value()
        x = self._backward(z, low, upper)
        if self.base.enforce_min_max_values:
            x = np.clip(x, self.base.minimum, self.base.maximum)
        x = self._fit_bounds(self._to_grid(x), low, upper)
        return self.base._from_float(x)

    def encode_condition(self, value) -> dict:
        if self.references and not pd.isna(value):
            raise ConditionError(
                f"Column {self.name!r} is learned as its distance above {self.references} (a constraint), so it "
                f"cannot be conditioned on directly: condition on {self.references} instead, or leave it free.")
        if pd.isna(value):
            return self.inner.encode_condition(value)
        x = self.base._to_float(pd.Series([value]))
        z = self._forward(x, pd.DataFrame(index=range(1)))
        if not np.isfinite(z[0]) or (self.step is not None and not _on_grid(x[0], self.step)):
            raise ConditionError(f"Condition {value!r} on column {self.name!r} breaks its constraint.")
        return self.inner.encode_condition(float(z[0]))

    # -------------------------------------------------------------- the transformation
    def _low(self, data: pd.DataFrame) -> np.ndarray:
        """The largest lower bound present in each row (NaN where none is)."""
        if not self.lows:
            return np.full(len(data), np.nan)
        stacked = np.column_stack([_bound_values(data, bound, self.base) for bound, _ in self.lows])
        largest = np.where(np.isnan(stacked), -np.inf, stacked).max(axis=1)
        return np.where(np.isinf(largest) & (largest < 0), np.nan, largest)

    def _upper_value(self) -> float | None:
        return None if self.upper is None else float(self.upper[0])

    def _forward(self, x: np.ndarray, data: pd.DataFrame) -> np.ndarray:
        low = self._low(data) if len(data) == len(x) else np.full(len(x), np.nan)
        low = np.where(np.isnan(low), self.fallback_low, low) if self.lows else low
        upper = self._upper_value()
        step = self.step or 1.0
        if not self.lows and upper is None:
            return x / step
        if not self.lows:
            return (upper - x) / step
        if upper is None:
            return (x - low) / step
        width = upper - low
        return np.where(width > 0, (x - low) / np.where(width > 0, width, 1.0), 0.0)

    def _backward(self, z: np.ndarray, low: np.ndarray, upper: float | None) -> np.ndarray:
        low = np.where(np.isnan(low), self.fallback_low, low) if self.lows else low
        step = self.step or 1.0
        if not self.lows and upper is None:
            return z * step
        if not self.lows:
            return upper - z * step
        if upper is None:
            return low + z * step
        return low + np.clip(z, 0.0, 1.0) * np.maximum(upper - low, 0.0)

    def _grid(self) -> float | None:
        if self.step is not None:
            return float(self.step)
        if isinstance(self.base, DatetimeCodec):
            return float(self.base.resolution)
        return None if self.base.decimals is None else 10.0 ** -self.base.decimals

    def _to_grid(self, x: np.ndarray) -> np.ndarray:
        grid = self._grid()
        return x if grid is None else self._snap(np.round(x / grid) * grid)

    def _snap(self, x: np.ndarray) -> np.ndarray:
        """Remove float noise from grid values (0.1 * 3 -> 0.3) so comparisons with bounds are exact."""
        decimals = _decimals(np.array([self._grid()])) if self._grid() is not None else None
        return np.round(x, decimals) if decimals is not None else x

    def _fit_bounds(self, x: np.ndarray, low: np.ndarray, upper: float | None) -> np.ndarray:
        """The final check after rounding: a value past a bound moves to the nearest grid value inside it."""
        grid = self._grid()
        strict_low = any(strict for _, strict in self.lows)
        if self.lows:
            with np.errstate(invalid="ignore"):
                below = (x <= low) if strict_low else (x < low)
            x = np.where(below, self._above(low, strict_low, grid), x)
        if upper is not None:
            strict_up = bool(self.upper[1])
            with np.errstate(invalid="ignore"):
                above = (x >= upper) if strict_up else (x > upper)
            x = np.where(above, self._below(upper, strict_up, grid), x)
        return x

    def _above(self, low: np.ndarray, strict: bool, grid: float | None) -> np.ndarray:
        if grid is None:
            return np.nextafter(low, np.inf) if strict else low
        steps = np.floor(low / grid + GRID_TOLERANCE) + 1 if strict else np.ceil(low / grid - GRID_TOLERANCE)
        return self._snap(steps * grid)

    def _below(self, upper: float, strict: bool, grid: float | None) -> float:
        if grid is None:
            return np.nextafter(upper, -np.inf) if strict else upper
        steps = np.ceil(upper / grid - GRID_TOLERANCE) - 1 if strict else np.floor(upper / grid + GRID_TOLERANCE)
        return float(self._snap(np.array([steps * grid]))[0])

    # -------------------------------------------------------------- state
    def to_state(self) -> dict:
        state = dict(vars(self))
        state["base"] = {"type": type(self.base).__name__, "state": self.base.to_state()}
        state["inner"] = self.inner.to_state()
        return state

    @classmethod
    def from_state(cls, state: dict) -> BoundedCodec:
        codec = super().from_state(state)
        base_type = {"NumericalCodec": NumericalCodec, "DatetimeCodec": DatetimeCodec}[state["base"]["type"]]
        codec.base = base_type.from_state(state["base"]["state"])
        codec.inner = NumericalCodec.from_state(state["inner"])
        return codec


def _bound_values(data: pd.DataFrame, bound, base: NumericalCodec) -> np.ndarray:
    if not _is_column(bound):
        return np.full(len(data), float(bound))
    return _values(data, bound)


def _on_grid(value: float, step: float) -> bool:
    ratio = value / step
    return abs(ratio - round(ratio)) <= GRID_TOLERANCE * max(1.0, abs(ratio))


class CombinationCodec(Codec):
    """Several categorical columns as one categorical over the combinations seen in the data."""

    def __init__(self, name: str, members: tuple[str, ...]):
        self.name = name  # the first member: the encoded column carries its name
        self.members = list(members)

    def fit(self, data: pd.DataFrame) -> CombinationCodec:
        frame = data[self.members]
        self.dtypes = [dtype_to_state(frame[c].dtype) for c in self.members]
        keys, self.combinations = self._factorize(frame)
        self.frequencies = np.bincount(keys, minlength=len(self.combinations[0])) / len(keys)
        return self

    def _factorize(self, frame: pd.DataFrame):
        objects = frame.astype(object).where(frame.notna(), None)
        index = pd.MultiIndex.from_frame(objects)
        keys, uniques = pd.factorize(index)
        return keys.astype(np.int64), [np.array(uniques.get_level_values(i).tolist(), dtype=object)
                                       for i in range(len(self.members))]

    @property
    def outputs(self) -> list:
        from .codecs import EncodedColumn

        return [EncodedColumn(self.name, "categorical", self.name, len(self.combinations[0]))]

    def encode_with(self, data: pd.DataFrame) -> dict[str, np.ndarray]:
        seen = pd.MultiIndex.from_arrays(self.combinations)
        objects = data[self.members].astype(object)
        codes = seen.get_indexer(pd.MultiIndex.from_frame(objects.where(objects.notna(), None)))
        if (codes < 0).any():  # a combination the codec was not fitted on: the most frequent one stands in
            codes = np.where(codes < 0, int(np.argmax(self.frequencies)), codes)
        return {self.name: codes.astype(np.int64)}

    def decode_members(self, encoded: dict) -> dict[str, pd.Series]:
        codes = np.asarray(encoded[self.name], dtype=np.int64)
        out = {}
        for member, values, dtype in zip(self.members, self.combinations, self.dtypes, strict=True):
            column = pd.Series(np.asarray(values, dtype=object)[codes], dtype=object)
            column = column.where(column.notna(), np.nan)
            out[member] = restore_dtype(column, dtype_from_state(dtype))
        return out

    def codes_matching(self, conditions: dict) -> np.ndarray:
        """The combinations that agree with ``conditions`` (member -> value)."""
        keep = np.ones(len(self.combinations[0]), dtype=bool)
        for member, value in conditions.items():
            values = self.combinations[self.members.index(member)]
            keep &= np.array([(v is None and pd.isna(value)) or (v is not None and v == value) for v in values])
        return np.flatnonzero(keep)

    def to_state(self) -> dict:
        state = dict(vars(self))
        state["combinations"] = [np.asarray(v, dtype=object) for v in self.combinations]
        return state


class MemberCodec(Codec):
    """A column decoded by its :class:`CombinationCodec` (named ``group``); the model sees nothing of its own."""

    outputs: tuple = ()

    def __init__(self, name: str, group: str):
        self.name, self.group = name, group

    def encode_condition(self, value) -> dict:  # handled jointly by the schema
        raise ConditionError(f"Column {self.name!r} is conditioned on with its group {self.group!r}.")


# ---------------------------------------------------------------------- planning
def constrained_columns(constraints: list[Constraint]) -> set[str]:
    return {c for rule in constraints for c in rule.columns}


def plan_codecs(constraints: list[Constraint], data: pd.DataFrame, metadata, base_codec) -> dict:
    """The codecs constrained columns get (column -> codec), checked against the data and the metadata.

    ``base_codec(name)`` fits the column's own codec (numerical or datetime). Columns of a rule that are
    free (the low side of every inequality they are in) are not in the result: they keep their codec.
    """
    check_rule_columns(constraints, data, metadata)
    codecs: dict = {}
    for rule in constraints:
        if isinstance(rule, (FixedCombinations, OneHot)):
            taken = [c for c in rule.columns if c in codecs]
            if taken:
                raise InvalidParameterError(f"Columns {taken} are in two combination constraints; merge them "
                                            "into one FixedCombinations.")
            group = CombinationCodec(rule.columns[0], rule.columns).fit(data)
            codecs[rule.columns[0]] = group
            codecs.update({c: MemberCodec(c, rule.columns[0]) for c in rule.columns[1:]})
    steps = {rule.column: float(rule.increment) for rule in constraints if isinstance(rule, FixedIncrements)}
    lows, uppers = _inequality_graph(constraints)
    clash = sorted((set(lows) | set(uppers) | set(steps)) & set(codecs))
    if clash:
        raise InvalidParameterError(f"Columns {clash} are in a combination constraint and a numeric one; a column "
                                    "may be in either kind, not both.")
    for name in _order(lows, constraints):
        if name in lows or name in uppers or name in steps:
            upper = uppers.get(name)
            if upper is not None and not _holds_upper(data, name, upper):
                upper = None
            if name not in lows and upper is None and name not in steps:
                continue
            codecs[name] = BoundedCodec(name, base_codec(name), lows.get(name, []), upper,
                                        steps.get(name)).fit(data[name], data)
    return codecs


def check_rule_columns(constraints, data: pd.DataFrame, metadata) -> None:
    """Each rule names columns of the data whose sdtypes it can speak of."""
    for rule in constraints:
        missing = [c for c in rule.columns if c not in data.columns]
        if missing:
            raise InvalidParameterError(f"{rule!r} names columns that are not in the data: {missing}.")
        numeric = rule.inequalities() or isinstance(rule, FixedIncrements)
        for column in rule.columns:
            sdtype = metadata.sdtype(column)
            allowed = ("numerical", "datetime") if numeric and not isinstance(rule, FixedIncrements) else (
                ("numerical",) if numeric else ("categorical", "boolean", "numerical"))
            if sdtype not in allowed:
                raise InvalidParameterError(f"{rule!r}: column {column!r} is {sdtype!r}; this rule takes "
                                            f"{' or '.join(allowed)} columns.")
        kinds = {metadata.sdtype(c) for rule_part in rule.inequalities() for c in rule_part.columns}
        if len(kinds) > 1:
            raise InvalidParameterError(f"{rule!r} compares a number with a datetime; compare like with like.")
        if any(metadata.sdtype(c) == "datetime" for part in rule.inequalities()
               for c in part.columns) and any(not _is_column(b) for part in rule.inequalities()
                                              for b in (part.low, part.high)):
            raise InvalidParameterError(f"{rule!r}: a datetime column is compared with a number; compare two "
                                        "datetime columns.")
    _inequality_graph(constraints)  # a cycle is an error before any real row is checked


def _inequality_graph(constraints) -> tuple[dict, dict]:
    """Column -> its lower bounds ``[bound, strict]`` (columns or constants); column -> its tightest constant upper."""
    lows: dict[str, list] = {}
    uppers: dict[str, list] = {}
    for rule in constraints:
        for part in rule.inequalities():
            if _is_column(part.high):
                lows.setdefault(part.high, []).append([part.low, bool(part.strict)])
            else:
                current = uppers.get(part.low)
                if current is None or float(part.high) < current[0] or (
                        float(part.high) == current[0] and part.strict):
                    uppers[part.low] = [float(part.high), bool(part.strict)]
    for name in reversed(_order(lows, constraints)):  # a <= b <= 10 also bounds a by 10
        for bound, _ in lows.get(name, []):
            if _is_column(bound) and name in uppers:
                mine = uppers.get(bound)
                if mine is None or uppers[name][0] < mine[0]:
                    uppers[bound] = [uppers[name][0], False]
    return lows, uppers


def _order(lows: dict, constraints) -> list[str]:
    """Columns in an order where each comes after its column lower bounds; a cycle is an error."""
    names = list(dict.fromkeys(c for rule in constraints for c in rule.columns))
    done: list[str] = []
    pending = list(names)
    while pending:
        ready = [n for n in pending if all(not _is_column(b) or b in done for b, _ in lows.get(n, []))]
        if not ready:
            raise InvalidParameterError(f"The inequality constraints form a cycle among {sorted(pending)}; a "
                                        "column cannot be above itself. Remove one of them.")
        done += ready
        pending = [n for n in pending if n not in ready]
    return done


def _holds_upper(data: pd.DataFrame, name: str, upper) -> bool:
    """A propagated upper bound is used only where every real value obeys it."""
    values = _values(data, name)
    values = values[~np.isnan(values)]
    return bool(np.all(values < upper[0]) if upper[1] else np.all(values <= upper[0]))
