"""Constraint adherence: the share of rows that obey each business rule, real and synthetic side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..schema.constraints import FixedCombinations, coerce_constraints


def adherence_details(real: pd.DataFrame, synthetic: pd.DataFrame, constraints) -> pd.DataFrame:
    """One row per rule: ``Constraint`` (its repr), ``Real`` and ``Synthetic`` (shares of rows that obey it).

    A fixed combination is judged against the combinations of ``real``. A missing value obeys every rule.
    """
    rules = coerce_constraints(constraints)
    rows = []
    for rule in rules:
        missing = [c for c in rule.columns if c not in real.columns]
        if missing:
            raise InvalidParameterError(f"{rule!r} names columns that are not in the data: {missing}.")
        rows.append({"Constraint": repr(rule), "Real": _share(rule, real, real),
                     "Synthetic": _share(rule, synthetic, real)})
    return pd.DataFrame(rows, columns=["Constraint", "Real", "Synthetic"])


def _share(rule, frame: pd.DataFrame, real: pd.DataFrame) -> float:
    if not len(frame):
        return float("nan")
    valid = rule.is_valid(frame, real) if isinstance(rule, FixedCombinations) else rule.is_valid(frame)
    return float(np.mean(np.asarray(valid, dtype=bool)))
