"""Validity: is every synthetic value one the real data allows? (like sdmetrics' DiagnosticReport)

Per column, the share of synthetic values that are valid: numbers and datetimes inside the real range
(sdmetrics' BoundaryAdherence), categories among the real ones (CategoryAdherence); missing values are
valid when the real column has missing values too. Then the primary key's uniqueness and the row count.
1 everywhere means a system that validates its input against the real data accepts every synthetic row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._prepare import EvaluationData

COLUMNS = ["Check", "Column", "Score", "Detail"]


def validity_details(synthetic: pd.DataFrame, data: EvaluationData) -> pd.DataFrame:
    """One row per check: ``Check``, ``Column``, ``Score`` (share valid, 0..1) and ``Detail``."""
    rows = [_column_row(name, data) for name in data.columns]
    key = data.metadata.primary_key
    if key is not None and key in synthetic.columns:
        duplicated = int(synthetic[key].duplicated().sum())
        missing = int(synthetic[key].isna().sum())
        rows.append({"Check": "Primary key unique", "Column": key,
                     "Score": 1.0 - (duplicated + missing) / max(len(synthetic), 1),
                     "Detail": f"{duplicated} repeated, {missing} missing"})
    rows.append({"Check": "Row count", "Column": "", "Score": np.nan,
                 "Detail": f"{len(synthetic):,} synthetic rows, {len(data.real):,} real rows"})
    return pd.DataFrame(rows, columns=COLUMNS)


def _column_row(name: str, data: EvaluationData) -> dict:
    real, synthetic = data.real[name], data.synthetic[name]
    missing_ok = bool(real.isna().any())
    present = synthetic.notna()
    if data.is_continuous(name):
        low, high = real.min(), real.max()
        inside = synthetic[present].between(low, high) if pd.notna(low) else synthetic[present].isna()
        check, detail = "Inside the real range", f"[{low}, {high}]"
    else:
        seen = set(real.dropna().unique())
        inside = synthetic[present].isin(seen)
        check, detail = "Among the real categories", f"{len(seen)} categories"
    valid = int(inside.sum()) + (int((~present).sum()) if missing_ok else 0)
    bad_missing = 0 if missing_ok else int((~present).sum())
    if bad_missing:
        detail += f"; {bad_missing} missing, never missing in the real data"
    return {"Check": check, "Column": name, "Score": valid / max(len(synthetic), 1), "Detail": detail}
