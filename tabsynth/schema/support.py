"""How many real rows match a condition: counts kept at fit so that conditions never seen together warn.

A user who asks for ``bedrooms=6, stories=1`` when no real house has both gets rows the model extrapolates
from what it learned of each column and pair apart, with nothing real behind them. The schema counts, at
fit, every pair of *countable* columns: categorical and boolean ones, and numerical ones with at most
``MAX_NUMBER_VALUES`` distinct values (counts, ratings, codes: a condition on them names one of those
values). A continuous number's condition value matches almost no row exactly, so it is not counted.

Counts are aggregates (like the Bayesian network's own tables), never rows: a one-column condition is
counted exactly, a two-column one too, and one on more columns gets the smallest of its pairs' counts, an
upper bound (zero when any two of its values never occur together, which is what the warning needs).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

MAX_NUMBER_VALUES = 30    # a numerical column with at most this many distinct values is counted
MAX_CATEGORIES = 1000     # a categorical column with more is not (free text, ids)
MAX_PAIR_CELLS = 200_000  # a pair's dense count table above this many cells is skipped
MAX_TOTAL_CELLS = 2_000_000  # nonzero cells kept over all pairs (wide tables keep the first pairs)


class ConditionSupport:
    """Per-column value lists and per-pair counts of the real rows (see the module docs)."""

    def __init__(self, num_rows: int, values: dict, counts: dict, pairs: dict):
        self.num_rows, self.values, self.counts, self.pairs = num_rows, values, counts, pairs

    @classmethod
    def fit(cls, data: pd.DataFrame, columns: list[str], kinds: dict) -> ConditionSupport:
        """Count ``columns`` of ``data`` (``kinds``: column -> sdtype) that are countable."""
        values, codes = {}, {}
        for name in columns:
            found = _codes(data[name], kinds[name])
            if found is not None:
                codes[name], values[name] = found
        return cls.from_tables(len(data), values, pair_tables(codes, values))

    @classmethod
    def from_tables(cls, num_rows: int, values: dict, tables: dict) -> ConditionSupport:
        """From dense per-column (``tables[name]``) and per-pair (``tables[(a, b)]``) counts over ``values``."""
        counts = {name: tables[name] for name in values}
        pairs, total = {}, 0
        for key in itertools.combinations(values, 2):
            if key not in tables or total >= MAX_TOTAL_CELLS:
                continue
            cells = np.flatnonzero(tables[key])
            pairs[key] = (cells, tables[key][cells])
            total += len(cells)
        return cls(num_rows, values, counts, pairs)

    def matching(self, condition: dict) -> tuple[int, bool] | None:
        """``(count, exact)`` of real rows with every counted value of ``condition`` (None: none counted)."""
        codes = {}
        for name, value in condition.items():
            if name not in self.values or is_missing(value):
                continue
            position = _position(self.values[name], value)
            if position is None:
                return 0, True
            codes[name] = position
        if not codes:
            return None
        best = min(int(self.counts[name][code]) for name, code in codes.items())
        checked = 0
        for a, b in itertools.combinations(codes, 2):
            key = (a, b) if (a, b) in self.pairs else (b, a)
            if key not in self.pairs:
                continue
            cells, numbers = self.pairs[key]
            cell = codes[key[0]] * len(self.values[key[1]]) + codes[key[1]]
            at = np.searchsorted(cells, cell)
            best = min(best, int(numbers[at]) if at < len(cells) and cells[at] == cell else 0)
            checked += 1
        return best, len(codes) == 1 or (len(codes) == 2 and checked == 1)

    # ------------------------------------------------------------------ state
    def to_state(self) -> dict:
        return {"num_rows": self.num_rows,
                "values": {name: list(v) for name, v in self.values.items()},
                "counts": {name: c for name, c in self.counts.items()},
                "pairs": [[a, b, cells, numbers] for (a, b), (cells, numbers) in self.pairs.items()]}

    @classmethod
    def from_state(cls, state: dict) -> ConditionSupport:
        pairs = {(str(a), str(b)): (np.asarray(cells, dtype=np.int64), np.asarray(numbers, dtype=np.int64))
                 for a, b, cells, numbers in state["pairs"]}
        counts = {str(n): np.asarray(c, dtype=np.int64) for n, c in state["counts"].items()}
        return cls(int(state["num_rows"]), {str(n): list(v) for n, v in state["values"].items()}, counts, pairs)


def pair_tables(codes: dict, values: dict) -> dict:
    """Dense counts of every counted column and pair (pairs above ``MAX_PAIR_CELLS`` cells skipped)."""
    tables = {name: np.bincount(c[c >= 0], minlength=len(values[name])) for name, c in codes.items()}
    for a, b in itertools.combinations(codes, 2):
        width = len(values[b])
        if len(values[a]) * width > MAX_PAIR_CELLS:
            continue
        present = (codes[a] >= 0) & (codes[b] >= 0)
        tables[(a, b)] = np.bincount(codes[a][present] * width + codes[b][present], minlength=len(values[a]) * width)
    return tables


# ---------------------------------------------------------------------- partitions (a Dask fit)
def partition_values(frame: pd.DataFrame, columns: list[str], kinds: dict) -> dict:
    """A partition's distinct values of each column that is countable there (None: not countable)."""
    return {name: (None if (found := _codes(frame[name], kinds[name])) is None else set(found[1]))
            for name in columns}


def combine_values(a: dict, b: dict, kinds: dict) -> dict:
    """Union of two partitions' value sets; a column over its limit in either, or together, is not counted."""
    out = {}
    for name, mine in a.items():
        union = None if mine is None or b[name] is None else mine | b[name]
        limit = MAX_NUMBER_VALUES if kinds[name] == "numerical" else MAX_CATEGORIES
        out[name] = union if union is not None and len(union) <= limit else None
    return out


def ordered_values(values: dict) -> dict:
    """The counted columns' global value lists (sorted where they can be, so every partition codes alike)."""
    out = {}
    for name, found in values.items():
        if found:
            listed = list(found)
            out[name] = [listed[i] for i in _sorted_positions(listed)]
    return out


def partition_tables(frame: pd.DataFrame, values: dict, kinds: dict) -> dict:
    """A partition's counts over the global value lists (``ordered_values``)."""
    codes = {}
    for name, known in values.items():
        column = frame[name]
        keys = pd.to_numeric(column, errors="coerce").astype(float) if kinds[name] == "numerical" \
            else column.astype(object)
        codes[name] = pd.Index(known).get_indexer(keys).astype(np.int64)  # -1: missing (never a counted value)
    return pair_tables(codes, values)


def add_tables(a: dict, b: dict) -> dict:
    return {key: a[key] + b[key] for key in a}


def _codes(column: pd.Series, sdtype: str):
    """``(codes, values)`` of a countable column (-1: missing), or None."""
    if sdtype == "numerical":
        numbers = pd.to_numeric(column, errors="coerce").astype(float)
        uniques = np.unique(numbers[np.isfinite(numbers)])
        if not 0 < len(uniques) <= MAX_NUMBER_VALUES:
            return None
        codes = np.searchsorted(uniques, numbers.to_numpy())
        return np.where(np.isfinite(numbers.to_numpy()), codes, -1), [float(u) for u in uniques]
    if sdtype not in ("categorical", "boolean"):
        return None
    codes, uniques = pd.factorize(column.astype(object), use_na_sentinel=True)
    if not 0 < len(uniques) <= MAX_CATEGORIES:
        return None
    plain = [_plain(u) for u in uniques]
    order = _sorted_positions(plain)  # sorted, as a Dask fit orders the values it gathers over partitions
    remap = np.empty(len(plain), dtype=np.int64)
    remap[order] = np.arange(len(plain))
    return np.where(codes >= 0, remap[np.maximum(codes, 0)], -1), [plain[i] for i in order]


def _sorted_positions(values: list) -> list[int]:
    """Positions of ``values`` in sorted order (by representation where the types do not compare)."""
    try:
        return sorted(range(len(values)), key=values.__getitem__)
    except TypeError:
        return sorted(range(len(values)), key=lambda i: repr(values[i]))


def _plain(value):
    """A JSON-safe scalar (numpy scalars become Python ones)."""
    return value.item() if isinstance(value, np.generic) else value


def is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _position(values: list, value):
    """Where ``value`` is among a column's counted values (numbers compared as floats), or None."""
    for i, seen in enumerate(values):
        if seen == value or (isinstance(seen, float) and _as_float(value) == seen):
            return i
    return None


def _as_float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
