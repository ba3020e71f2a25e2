"""The pairs of columns whose trend the synthetic rows keep worst, real beside synthetic, for the report.

A pair score says *that* a relation is off; a plot says *how* (a relation blurred, a mode missing, a
combination over-produced). For the lowest-scoring pairs this keeps what a plot needs and no more:
two numbers (or dates) as a seeded subsample of points; otherwise a table of shares over the real
data's categories (the most frequent few, then "(other)", "(missing)") or quantile bins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._prepare import EvaluationData, continuous_values

WORST_PAIRS = 4
MAX_POINTS = 1_500
_LEVELS = 8  # categories or quantile bins a side of a table


def worst_pairs(data: EvaluationData, pair_trends: pd.DataFrame, random_state=None,
                count: int = WORST_PAIRS) -> list[dict]:
    """Plot data for the ``count`` pairs with the lowest scores (pairs scored NaN left out).

    Returns
    -------
    list of dict
        Per pair: ``columns`` (two names), ``score``, ``kind`` ("points" or "shares") and, for
        points, ``real``/``synthetic`` as two lists of x and y values; for shares, ``x_labels``,
        ``y_labels`` and ``real``/``synthetic`` as nested lists of shares of all rows.
    """
    scored = pair_trends.dropna(subset=["Score"]).sort_values("Score", kind="stable").head(count)
    rng = np.random.default_rng(random_state)
    out = []
    for a, b, score in zip(scored["Column 1"], scored["Column 2"], scored["Score"]):
        entry = {"columns": [a, b], "score": float(score)}
        if data.is_continuous(a) and data.is_continuous(b):
            entry.update(kind="points", **{role: _points(frame, a, b, rng) for role, frame in
                                           (("real", data.real), ("synthetic", data.synthetic))})
        else:
            entry.update(_shares(data, a, b))
        out.append(entry)
    return out


def _points(frame: pd.DataFrame, a: str, b: str, rng: np.random.Generator) -> list[list[float]]:
    x, y = continuous_values(frame[a]), continuous_values(frame[b])
    keep = np.flatnonzero(~(np.isnan(x) | np.isnan(y)))
    if len(keep) > MAX_POINTS:
        keep = np.sort(rng.choice(keep, MAX_POINTS, replace=False))
    return [x[keep].tolist(), y[keep].tolist()]


def _shares(data: EvaluationData, a: str, b: str) -> dict:
    levels = {name: _levels(data, name) for name in (a, b)}
    tables = {}
    for role, frame in (("real", data.real), ("synthetic", data.synthetic)):
        xa, xb = (_code(levels[name], frame[name]) for name in (a, b))
        counts = np.zeros((len(levels[b]["labels"]), len(levels[a]["labels"])))
        np.add.at(counts, (xb, xa), 1.0)
        tables[role] = counts / max(len(frame), 1)
    both = tables["real"] + tables["synthetic"]
    keep_x, keep_y = (_shown(levels[name]["labels"], both.sum(axis=axis)) for name, axis in ((a, 0), (b, 1)))
    return {"kind": "shares", "x_labels": [levels[a]["labels"][i] for i in keep_x],
            "y_labels": [levels[b]["labels"][i] for i in keep_y],
            **{role: table[np.ix_(keep_y, keep_x)].tolist() for role, table in tables.items()}}


def _shown(labels: list, totals: np.ndarray) -> list[int]:
    """Every level, except "(other)" and "(missing)" where neither side has a row."""
    return [i for i, label in enumerate(labels) if totals[i] > 0 or label not in ("(other)", "(missing)")]


def _levels(data: EvaluationData, name: str) -> dict:
    """One side's labels: quantile bins of the real values (``edges``), or the top real categories (``top``)."""
    if data.is_continuous(name):
        real = continuous_values(data.real[name])
        present = real[~np.isnan(real)]
        edges = np.unique(np.quantile(present, np.linspace(0, 1, _LEVELS + 1)[1:-1])) if len(present) else np.array([])
        dates = pd.api.types.is_datetime64_any_dtype(data.real[name].dtype)
        labels = [f"<= {_fmt(e, dates)}" for e in edges] + [f"> {_fmt(edges[-1], dates)}" if len(edges) else "all"]
        return {"labels": labels + ["(missing)"], "edges": edges}
    top = list(data.real[name].dropna().value_counts().index[:_LEVELS])
    return {"labels": [str(v) for v in top] + ["(other)", "(missing)"], "top": top}


def _code(levels: dict, col: pd.Series) -> np.ndarray:
    """Each value's level: its bin or category, then "(other)", then "(missing)" last."""
    missing = len(levels["labels"]) - 1
    if "edges" in levels:
        values = continuous_values(col)
        return np.where(np.isnan(values), missing, np.searchsorted(levels["edges"], values, side="left"))
    found = pd.Index(levels["top"]).get_indexer(col)
    return np.where(col.isna().to_numpy(), missing, np.where(found < 0, missing - 1, found))


def _fmt(value: float, dates: bool) -> str:
    return str(pd.Timestamp(int(value)).date()) if dates else f"{value:.4g}"
