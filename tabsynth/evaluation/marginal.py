"""Marginal (per-column) fidelity: the shape of each column, its missingness and its coverage.

KSComplement and TVComplement reproduce sdmetrics 0.32 exactly (same rounding, same regularisation of
categories that only the synthetic data has), so the Column Shapes score is in sdmetrics' units.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from ._prepare import CONTINUOUS_SDTYPES, EvaluationData, continuous_values, joint_codes, prepare

# sdmetrics rounds numbers to this many decimals before its KS test; we do the same.
_KS_DECIMALS = sys.float_info.dig - 1
# sdmetrics gives categories seen only in the synthetic data this pseudo-count in the real data.
_TV_REGULARIZATION = 1e-6


def ks_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """One minus the two-sample Kolmogorov-Smirnov statistic of two numerical or datetime columns.

    Missing values are ignored; datetimes are compared as nanoseconds. Equals sdmetrics' KSComplement.

    Parameters
    ----------
    real, synthetic : pandas.Series
        The two columns.

    Returns
    -------
    float
        1.0 for identical empirical distributions, 0.0 for disjoint ones; NaN when a column has no values.

    Examples
    --------
    >>> ks_complement(pd.Series([1, 2, 3]), pd.Series([1, 2, 3]))
    1.0
    """
    a, b = _ks_values(real), _ks_values(synthetic)
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    a.sort()
    b.sort()
    pooled = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, pooled, side="right") / len(a)
    cdf_b = np.searchsorted(b, pooled, side="right") / len(b)
    return float(1.0 - np.max(np.abs(cdf_a - cdf_b)))


def _ks_values(col: pd.Series) -> np.ndarray:
    col = pd.Series(col).dropna()
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return col.astype("datetime64[ns]").to_numpy().view("int64").copy()
    values = col.to_numpy()
    if pd.api.types.is_float_dtype(values.dtype):
        return np.round(values, _KS_DECIMALS)
    return values.astype("float64") if values.dtype == object else values.copy()


def tv_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """One minus the total variation distance between the category frequencies of two columns.

    Missing values are ignored. Equals sdmetrics' TVComplement, including its tiny pseudo-count for
    categories that only the synthetic data has.

    Parameters
    ----------
    real, synthetic : pandas.Series
        The two columns (categorical or boolean values).

    Returns
    -------
    float
        Between 0 and 1; NaN when a column has no values.

    Examples
    --------
    >>> tv_complement(pd.Series(["a", "b"]), pd.Series(["a", "a"]))
    0.5
    """
    real, synthetic = pd.Series(real).dropna(), pd.Series(synthetic).dropna()
    if len(real) == 0 or len(synthetic) == 0:
        return float("nan")
    (code_r, code_s), n = joint_codes(real, synthetic)
    count_r = np.bincount(code_r, minlength=n).astype("float64")
    count_s = np.bincount(code_s, minlength=n).astype("float64")
    only_synthetic = (count_r == 0) & (count_s > 0)
    count_r[only_synthetic] = _TV_REGULARIZATION
    return float(1.0 - 0.5 * np.abs(count_s / count_s.sum() - count_r / count_r.sum()).sum())


def missing_value_similarity(real: pd.Series, synthetic: pd.Series) -> float:
    """One minus the absolute difference of the missing-value shares of two columns (as sdmetrics).

    Examples
    --------
    >>> missing_value_similarity(pd.Series([1, None]), pd.Series([1, 2]))
    0.5
    """
    return float(1.0 - abs(pd.Series(real).isna().mean() - pd.Series(synthetic).isna().mean()))


def category_coverage(real: pd.Series, synthetic: pd.Series) -> float:
    """Share of the real (non-missing) categories that occur in the synthetic column.

    Examples
    --------
    >>> category_coverage(pd.Series(["a", "b"]), pd.Series(["a", "a"]))
    0.5
    """
    real, synthetic = pd.Series(real).dropna(), pd.Series(synthetic).dropna()
    if len(real) == 0:
        return float("nan")
    (code_r, code_s), _ = joint_codes(real, synthetic)
    seen = np.unique(code_r)
    return float(np.isin(seen, code_s).mean())


def range_coverage(real: pd.Series, synthetic: pd.Series) -> float:
    """How much of the real range ``[min, max]`` the synthetic values span (sdmetrics' RangeCoverage).

    ``1 - (max(min_s - min_r, 0) + max(max_r - max_s, 0)) / (max_r - min_r)``, clipped at 0.

    Examples
    --------
    >>> range_coverage(pd.Series([0, 10]), pd.Series([0, 5]))
    0.5
    """
    r, s = continuous_values(pd.Series(real)), continuous_values(pd.Series(synthetic))
    r, s = r[~np.isnan(r)], s[~np.isnan(s)]
    if len(r) == 0 or len(s) == 0 or r.max() == r.min():
        return float("nan")
    gap = max(s.min() - r.min(), 0.0) + max(r.max() - s.max(), 0.0)
    return float(max(1.0 - gap / (r.max() - r.min()), 0.0))


def shapes_details(data: EvaluationData) -> pd.DataFrame:
    """Per-column marginal scores of prepared data.

    Returns
    -------
    pandas.DataFrame
        Columns ``Column``, ``sdtype``, ``Metric`` (KSComplement or TVComplement), ``Score``,
        ``Missing Value Similarity`` and ``Coverage`` (category coverage for discrete columns, range
        coverage for continuous ones).
    """
    rows = []
    for name in data.columns:
        real, synth = data.real[name], data.synthetic[name]
        continuous = data.sdtype(name) in CONTINUOUS_SDTYPES
        rows.append({
            "Column": name,
            "sdtype": data.sdtype(name),
            "Metric": "KSComplement" if continuous else "TVComplement",
            "Score": ks_complement(real, synth) if continuous else tv_complement(real, synth),
            "Missing Value Similarity": missing_value_similarity(real, synth),
            "Coverage": range_coverage(real, synth) if continuous else category_coverage(real, synth),
        })
    return pd.DataFrame(rows)


def column_shapes(real: pd.DataFrame, synthetic: pd.DataFrame, metadata=None) -> pd.DataFrame:
    """Per-column marginal scores (sdmetrics' "Column Shapes" plus missingness and coverage).

    Parameters
    ----------
    real, synthetic : pandas.DataFrame
        Same columns. Id columns are ignored.
    metadata : Metadata, dict or None
        Column sdtypes; detected from ``real`` when None.

    Returns
    -------
    pandas.DataFrame
        One row per evaluated column; see :func:`shapes_details`. The Column Shapes score is
        ``column_shapes(...)["Score"].mean()``.
    """
    return shapes_details(prepare(real, synthetic, metadata))


def column_distributions(data: EvaluationData, bins: int = 30, max_categories: int = 12) -> dict:
    """Binned real and synthetic distributions of every column, for plots.

    Continuous columns get ``bins`` shared equal-width bins over the real and synthetic values;
    discrete columns the ``max_categories`` most frequent real categories plus "(other)" and
    "(missing)". Frequencies are shares of all rows.

    Returns
    -------
    dict
        ``{column: {"kind": "continuous"|"discrete", "labels" or "edges", "real", "synthetic"}}``.
    """
    out = {}
    for name in data.columns:
        real, synth = data.real[name], data.synthetic[name]
        if data.sdtype(name) in CONTINUOUS_SDTYPES:
            out[name] = _continuous_distribution(real, synth, bins)
        else:
            out[name] = _discrete_distribution(real, synth, max_categories)
    return out


def _continuous_distribution(real: pd.Series, synth: pd.Series, bins: int) -> dict:
    r, s = continuous_values(real), continuous_values(synth)
    both = np.concatenate([r[~np.isnan(r)], s[~np.isnan(s)]])
    edges = np.histogram_bin_edges(both, bins=bins) if len(both) else np.linspace(0, 1, bins + 1)
    dist = {"kind": "continuous", "edges": edges.tolist(), "datetime": bool(real.dtype.kind == "M")}
    for role, values in (("real", r), ("synthetic", s)):
        counts, _ = np.histogram(values[~np.isnan(values)], bins=edges)
        dist[role] = (counts / len(values)).tolist()
        dist[role + "_missing"] = float(np.isnan(values).mean())
    return dist


def _discrete_distribution(real: pd.Series, synth: pd.Series, max_categories: int) -> dict:
    top = real.dropna().value_counts().index[:max_categories]
    labels = [str(v) for v in top]
    dist = {"kind": "discrete", "labels": labels + ["(other)", "(missing)"]}
    for role, col in (("real", real), ("synthetic", synth)):
        counts = col.dropna().value_counts()
        shares = [float(counts.get(v, 0)) / len(col) for v in top]
        other = float(counts.sum()) / len(col) - sum(shares)
        dist[role] = shares + [max(other, 0.0), float(col.isna().mean())]
    return dist
