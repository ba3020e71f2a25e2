"""Aggregate benchmark runs: mean and t-interval over seeds, paired per-seed differences."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError

METRICS = ("quality", "shapes", "trends", "tstr", "trtr", "detection_auc", "detection_score", "dcr_share",
           "exact_copy_rate", "fit_s", "sample_s", "rows_per_s", "peak_rss_mb")


def summarize(runs: pd.DataFrame, metrics: Sequence[str] = METRICS, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval half-width over seeds of every synthesizer x data set.

    Parameters
    ----------
    runs : pandas.DataFrame
        What :func:`benchmark` returned.
    metrics : sequence of str
        Columns to summarise.
    confidence : float, default 0.95
        Level of the Student-t interval ``mean ± t * sd / sqrt(n)`` over the successful seeds.

    Returns
    -------
    pandas.DataFrame
        Index (dataset, synthesizer); columns ``runs``, ``ok``, and per metric ``<metric>`` (mean) and
        ``<metric>_ci`` (half-width; NaN with one seed). Failed cells count in ``runs``, not in the means.
    """
    from scipy import stats

    ok = runs[runs["status"] == "ok"]
    metrics = [m for m in metrics if m in runs.columns]
    rows = []
    for (dataset, synth), group in runs.groupby(["dataset", "synthesizer"], sort=False):
        good = ok[(ok["dataset"] == dataset) & (ok["synthesizer"] == synth)]
        row = {"dataset": dataset, "synthesizer": synth, "runs": len(group), "ok": len(good)}
        for m in metrics:
            values = pd.to_numeric(good[m], errors="coerce").dropna().to_numpy()
            row[m] = values.mean() if len(values) else np.nan
            row[f"{m}_ci"] = (stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * values.std(ddof=1)
                              / np.sqrt(len(values)) if len(values) > 1 else np.nan)
        rows.append(row)
    return pd.DataFrame(rows).set_index(["dataset", "synthesizer"])


def compare(runs: pd.DataFrame, a: str, b: str, metric: str = "quality", confidence: float = 0.95) -> pd.DataFrame:
    """Paired per-seed differences ``a - b`` of one metric, per data set, with a t-interval.

    Cells of the same data set and seed share their split and their metric seeds, so the paired difference
    removes that shared noise; compare synthesizers this way, not by overlapping intervals.

    Parameters
    ----------
    runs : pandas.DataFrame
        What :func:`benchmark` returned.
    a, b : str
        Synthesizer labels.
    metric : str, default "quality"
        A numeric column of ``runs``.
    confidence : float, default 0.95
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        Index dataset; columns ``pairs``, ``mean_diff``, ``ci_low``, ``ci_high``, ``p_value`` (paired t-test).

    Raises
    ------
    InvalidParameterError
        If ``a``, ``b`` or ``metric`` is not in ``runs``.
    """
    from scipy import stats

    for label in (a, b):
        if label not in set(runs["synthesizer"]):
            raise InvalidParameterError(f"No runs of {label!r}. Synthesizers: {sorted(set(runs['synthesizer']))}.")
    if metric not in runs.columns:
        raise InvalidParameterError(f"Unknown metric {metric!r}. Choose among {list(METRICS)}.")
    ok = runs[runs["status"] == "ok"]
    wide = ok.pivot_table(index=["dataset", "seed"], columns="synthesizer", values=metric)
    rows = []
    for dataset, group in wide.groupby(level="dataset", sort=False):
        diff = (group.get(a) - group.get(b)).dropna().to_numpy() if a in group and b in group else np.array([])
        n, mean = len(diff), diff.mean() if len(diff) else np.nan
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * diff.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        p = stats.ttest_1samp(diff, 0.0).pvalue if n > 1 and diff.std() > 0 else np.nan
        rows.append({"dataset": dataset, "pairs": n, "mean_diff": mean, "ci_low": mean - half,
                     "ci_high": mean + half, "p_value": p})
    return pd.DataFrame(rows).set_index("dataset")
