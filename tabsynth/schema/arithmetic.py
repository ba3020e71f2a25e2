"""Columns that are a product of two others, or a sum with a unit factor: found on the data like plain sums.

:mod:`~tabsynth.schema.sums` finds ``target = a + b (+ c)``. Two more arithmetic relations are common in
real tables and blur just as badly when each number is drawn in its own bin:

- a **product**, ``charges = months * fee`` (a quantity times a price, an area from two lengths);
- a **sum with a unit factor** on one part, ``sched_dep_time = 100 * hour + minute`` (a clock time written
  HHMM), ``seconds = 60 * minutes + rest``: the factor is one of :data:`UNIT_FACTORS`.

Both are accepted on the same terms as a sum: the relation holds, to the target's written rounding (the
parts taken as written), in at least ``MIN_SHARE`` of the rows where the target is not
zero; the target takes at least ``MIN_DISTINCT`` values; each part varies (no multiplying by a constant
1, which is a copy) and is non-zero in at least ``MIN_PART_SHARE`` of those rows. The schema then encodes
the target as its remainder (:class:`~tabsynth.schema.sums.SumCodec` with ``operation`` and ``weights``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .sums import MIN_PART_SHARE, MIN_ROWS, MIN_SHARE, _floats, _tolerance, screen_rows

UNIT_FACTORS = (10.0, 12.0, 24.0, 60.0, 100.0, 1000.0, 3600.0)
MAX_COLUMNS = 80  # the screen compares every ordered pair of columns


def detect_arithmetic(data: pd.DataFrame, candidates: list[str], taken: dict) -> dict[str, tuple]:
    """Map each target to ``(parts, weights, operation)`` among the numerical ``candidates``.

    Columns in ``taken`` (plain sum targets and parts) are neither targets nor parts here; a part is never a
    target, and a target never a part.
    """
    used = set(taken) | {p for parts in taken.values() for p in parts}
    names = [c for c in candidates if c not in used]
    if len(data) < MIN_ROWS or len(names) < 3 or len(names) > MAX_COLUMNS:
        return {}
    values = {name: _floats(data[name]) for name in names}
    tolerance = {name: _tolerance(v) for name, v in values.items()}
    found: dict[str, tuple] = {}
    for target in names:
        parts_used = {p for parts, _, _ in found.values() for p in parts}
        if target in parts_used:
            continue
        others = [c for c in names if c != target and c not in found]
        with np.errstate(over="ignore", invalid="ignore"):  # huge parts overflow to inf: no relation, no warning
            relation = _find(values, tolerance, target, others)
        if relation is not None:
            found[target] = relation
    return found


def _find(values: dict, tolerance: dict, target: str, others: list[str]) -> tuple | None:
    screened = screen_rows(values, target, others)
    if screened is None:
        return None
    informative, screen, parts = screened
    y = values[target]
    # the parts are taken as written and the target rounded to its own decimals, so a factor never widens the
    # tolerance (with each part's half unit times 100, 100 * hour + month passed for 100 * hour + minute)
    atol = tolerance[target]
    product = parts[:, :, None] * parts[:, None, :]
    candidates = [("product", (1.0, 1.0), (np.abs(y[screen][:, None, None] - product) <= atol).mean(axis=0))]
    for factor in UNIT_FACTORS:  # y = factor * a + b
        combined = factor * parts[:, :, None] + parts[:, None, :]
        candidates.append(("sum", (factor, 1.0), (np.abs(y[screen][:, None, None] - combined) <= atol).mean(axis=0)))
    for operation, weights, share in candidates:
        np.fill_diagonal(share, 0)
        if operation == "product":
            share = np.triu(share, 1)
        for a, b in zip(*np.nonzero(share >= MIN_SHARE - 0.2)):
            names = (others[a], others[b])
            if _accept(y, values, tolerance[target], names, weights, operation, informative):
                return names, weights, operation
    return None


def _accept(y, values, atol: float, names, weights, operation, rows) -> bool:
    a, b = (np.nan_to_num(values[n][rows]) for n in names)
    combined = a * b if operation == "product" else weights[0] * a + weights[1] * b
    holds = np.abs(y[rows] - combined) <= atol
    if holds.mean() < MIN_SHARE:
        return False
    for part in (a, b):
        kept = part[holds]
        if np.mean(kept != 0) < MIN_PART_SHARE or len(np.unique(kept)) < 2:
            return False
    return not (operation == "product" and (np.mean(a[holds] == 1) > 0.5 or np.mean(b[holds] == 1) > 0.5))
