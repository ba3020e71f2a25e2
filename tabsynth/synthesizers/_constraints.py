"""Constraints on the synthesizer side: real rows checked at fit, sampled rows checked before they leave.

The schema enforces the built-in rules by transformation; what remains here is the check of the
real rows (``on_violation``) and the final check of every sampled block, which replaces the rare
rows that break a rule (always for :class:`~tabsynth.schema.constraints.Custom`, enforced only so)
by new draws with the same conditions, within a bounded budget.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import ConstraintViolationError
from ..schema.constraints import FixedCombinations, coerce_constraints

SHOWN_ROWS = 5
MAX_ROUNDS = 12
MAX_COPIES = 256


def fitted_rules(constraints) -> list:
    """The ``constraints`` parameter as constraint objects (JSON forms read back)."""
    return coerce_constraints(constraints)


def checked_rules(rules: list) -> list:
    """The rules a sampled row is checked against (fixed combinations hold by construction)."""
    return [rule for rule in rules if not isinstance(rule, FixedCombinations)]


def check_real_rows(rules: list, data: pd.DataFrame, on_violation: str, owner: str) -> pd.DataFrame:
    """``data`` when every row obeys every rule; else an error, or (``on_violation="drop"``) the obeying rows."""
    broken = np.zeros(len(data), dtype=bool)
    counts = {}
    for rule in checked_rules(rules):
        bad = ~rule.is_valid(data)
        if bad.any():
            counts[repr(rule)] = int(bad.sum())
            broken |= bad
    if not broken.any():
        return data
    summary = "; ".join(f"{rule}: {n} rows" for rule, n in counts.items())
    if on_violation == "drop":
        warnings.warn(f"{owner}: dropped {int(broken.sum())} of {len(data)} real rows that break a constraint "
                      f"({summary}) before fitting (on_violation='drop').", UserWarning, stacklevel=5)
        if broken.all():
            raise ConstraintViolationError(f"Every real row breaks a constraint ({summary}); nothing is left to fit.")
        return data.loc[~broken]
    columns = list(dict.fromkeys(c for rule in rules for c in rule.columns)) or list(data.columns)
    shown = data.loc[broken, columns].head(SHOWN_ROWS).to_string()
    raise ConstraintViolationError(
        f"{int(broken.sum())} of {len(data)} real rows break the constraints given to {owner} ({summary}). "
        f"The first of them:\n{shown}\nFix those rows, remove the constraint, or pass on_violation='drop' to "
        "fit on the rows that obey it.")


def obeying(rules: list, decoded: pd.DataFrame) -> np.ndarray:
    """True for each decoded row that obeys every checked rule."""
    mask = np.ones(len(decoded), dtype=bool)
    for rule in checked_rules(rules):
        mask &= rule.is_valid(decoded)
    return mask


def meets(decoded: pd.DataFrame, wanted: pd.DataFrame) -> np.ndarray:
    """True for each row whose values equal the wanted ones (a missing wanted value asks for nothing)."""
    mask = np.ones(len(decoded), dtype=bool)
    for name in wanted.columns:
        want = wanted[name].astype(object)
        mask &= (want.isna() | (decoded[name].astype(object).reset_index(drop=True) == want)).to_numpy()
    return mask


def replace_broken(rows: dict, broken: np.ndarray, redraw, check) -> dict:
    """``rows`` (encoded column arrays) with each broken row replaced by a new draw that passes ``check``.

    ``redraw(positions)`` draws one new encoded row per position (with that row's conditions);
    ``check(rows, positions)`` says which encoded rows (drawn for those positions) obey the rules. Copies per row double each round.
    """
    rows = {name: np.array(values, copy=True) for name, values in rows.items()}
    todo = np.flatnonzero(broken)
    copies = 1
    for _ in range(MAX_ROUNDS):
        if not len(todo):
            return rows
        positions = np.repeat(todo, copies)
        drawn = redraw(positions)
        good = check(drawn, positions)
        first = pd.Series(np.flatnonzero(good)).groupby(positions[good]).first() if good.any() else pd.Series(
            dtype=int)
        for name in rows:
            rows[name][first.index.to_numpy()] = np.asarray(drawn[name])[first.to_numpy()]
        todo = np.setdiff1d(todo, first.index.to_numpy())
        copies = min(copies * 2, MAX_COPIES)
    raise ConstraintViolationError(
        f"{len(todo)} sampled rows still broke a constraint after {MAX_ROUNDS} rounds of new draws: the model gives "
        "rows obeying every constraint (with these conditions) too rarely. Check a Custom rule against the real "
        "data, or loosen the conditions.")
