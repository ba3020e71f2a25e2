"""Exact relations between columns: a column that is a function of another is derived, not learned.

Adult's ``education`` and ``education-num`` are one-to-one; flights' ``hour`` is a function of
``sched_dep_time``. A model that learns both sides of such a pair spends capacity on a relation it
can only approximate; the schema keeps one side (the determinant) and derives the other through
the mapping seen in the data, so the relation holds exactly in every sampled row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConditionError
from .codecs import Codec, dtype_from_state, dtype_to_state, restore_dtype

MAX_DETERMINANT_VALUES = 1000
MIN_ROWS = 50
MIN_ROWS_PER_VALUE = 5  # a determinant with few repeats "explains" anything by chance


class DerivedCodec(Codec):
    """Writes a column from the decoded values of its determinant through a stored mapping."""

    outputs: tuple = ()

    def __init__(self, name: str, determinant: str):
        self.name = name
        self.determinant = determinant

    def fit(self, column: pd.Series, determinant: pd.Series) -> DerivedCodec:
        pairs = pd.DataFrame({"key": determinant.astype(object), "value": column.astype(object)})
        pairs = pairs.drop_duplicates("key")
        self.dtype = dtype_to_state(column.dtype)
        self.keys = np.array(pairs["key"].tolist(), dtype=object)
        self.values = np.array(pairs["value"].tolist(), dtype=object)
        # A missing determinant is a key of its own; the others still snap to the nearest seen number (gss_wages'
        # occ10 is 6 % missing: without snapping, 92 % of the synthetic occrecode came out missing).
        self.numeric_keys = bool(pd.api.types.is_numeric_dtype(determinant.dtype))
        return self

    def encode(self, column: pd.Series) -> dict:
        return {}

    def decode_from(self, determinant: pd.Series) -> pd.Series:
        index = pd.Index(self.keys).get_indexer(pd.Index(determinant.astype(object)))
        if self.numeric_keys:
            unseen = (index < 0) & determinant.notna().to_numpy()
            if unseen.any():
                index[unseen] = self._nearest_keys(determinant.to_numpy(dtype=float, na_value=np.nan)[unseen])
        values = pd.Series(self.values[index], dtype=object)
        values[index < 0] = np.nan
        return restore_dtype(values, dtype_from_state(self.dtype))

    def _nearest_keys(self, wanted: np.ndarray) -> np.ndarray:
        """Positions in ``keys`` of the seen number nearest to each wanted one (a numerical determinant can
        take a value between seen ones)."""
        keys = pd.to_numeric(pd.Series(self.keys), errors="coerce").to_numpy(dtype=float)
        order = np.flatnonzero(~np.isnan(keys))
        if not len(order):
            return np.full(len(wanted), -1)
        order = order[np.argsort(keys[order])]
        ordered = keys[order]
        right = np.clip(np.searchsorted(ordered, wanted), 1, len(ordered) - 1) if len(ordered) > 1 else np.zeros(
            len(wanted), dtype=np.int64)
        left = np.maximum(right - 1, 0)
        return order[np.where(wanted - ordered[left] <= ordered[right] - wanted, left, right)]

    def determinant_values_for(self, value) -> list:
        """The determinant values that give ``value``: how a condition on this column is translated."""
        matches = pd.Index(self.values).get_indexer_for([value])
        if len(matches) == 0 or matches[0] < 0:
            raise ConditionError(f"Value {value!r} never occurs in column {self.name!r}, so it cannot be a condition.")
        return [self.keys[i] for i in matches]


def detect_relations(data: pd.DataFrame, candidates: list[str]) -> dict[str, str]:
    """Map each derivable column to its determinant, among ``candidates`` (in column order).

    A pair needs at least ``MIN_ROWS`` rows and ``MIN_ROWS_PER_VALUE`` rows per determinant value;
    one-to-one pairs keep the earlier column. A determinant is never itself derived.
    """
    if len(data) < MIN_ROWS:
        return {}
    codes, sizes = {}, {}
    for name in candidates:
        code, uniques = pd.factorize(data[name], use_na_sentinel=False)
        if 2 <= len(uniques) <= min(MAX_DETERMINANT_VALUES, len(data) // MIN_ROWS_PER_VALUE):
            codes[name], sizes[name] = code.astype(np.int64), len(uniques)
    derived: dict[str, str] = {}
    for target, target_codes in codes.items():
        if target in derived.values():
            continue
        for source, source_codes in codes.items():
            if source == target or source in derived or sizes[source] < sizes[target]:
                continue
            if not _determines(source_codes, target_codes):
                continue
            earlier = candidates.index(source) < candidates.index(target)
            if sizes[source] == sizes[target] and not earlier:
                continue  # one-to-one: the earlier column will determine this one instead
            derived[target] = source
            break
    return derived


def _determines(source: np.ndarray, target: np.ndarray) -> bool:
    width = int(target.max()) + 1
    combined = source * width + target
    return len(np.unique(combined)) == int(source.max()) + 1
