"""Joint (pairwise) fidelity: does each pair of columns keep its trend?

Reproduces sdmetrics 0.32's QualityReport "Column Pair Trends":

- two continuous columns (numerical/datetime): CorrelationSimilarity, ``1 - |r_real - r_synth| / 2`` with
  Pearson's r on the rows where both are present; a pair where any side is constant scores NaN;
- otherwise ContingencySimilarity, ``1 - TVD`` of the two-way frequency tables (missing is a value). A
  continuous column in such a pair is first cut into the 10 equal-width bins of
  ``numpy.histogram_bin_edges``, computed separately on the real and on the synthetic column, exactly as
  sdmetrics does (missing values land in the top bin, as they do there);
- only pairs whose real association is strong enough count toward the report score: ``|r_real| > 0.5``
  for correlations and Cramér's V (no continuity correction) ``> 0.3`` for contingency tables.

Every pair's score is kept (the threshold only selects), so the mean over all pairs (what older published
results report) comes from the same table. Above 50,000 rows sdmetrics subsamples contingency pairs
without a seed; we subsample once with ``random_state`` so results repeat.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ._prepare import EvaluationData, continuous_values, joint_codes, prepare

REAL_CORRELATION_THRESHOLD = 0.5
REAL_ASSOCIATION_THRESHOLD = 0.3
NUM_ROWS_SUBSAMPLE = 50_000
_N_BINS = 10


def correlation_similarity(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """``1 - |r_real - r_synth| / 2`` for the first two columns of each frame (Pearson's r).

    Rows with a missing value in either column are dropped; datetimes count as nanoseconds.

    Parameters
    ----------
    real, synthetic : pandas.DataFrame
        Two numerical/datetime columns each, same names.

    Returns
    -------
    float
        Between 0 and 1; NaN when a column is constant or fewer than two complete rows remain.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1, 2, 3], "y": [2, 4, 7]})
    >>> correlation_similarity(df, df)
    1.0
    """
    cols = list(real.columns[:2])
    r = [continuous_values(real[c]) for c in cols]
    s = [continuous_values(synthetic[c]) for c in cols]
    return _correlation_score(r[0], r[1], s[0], s[1])[0]


def contingency_similarity(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """``1 - TVD`` of the two-way frequency tables of the first two columns (missing is a value).

    Examples
    --------
    >>> df = pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})
    >>> contingency_similarity(df, df)
    1.0
    """
    cols = list(real.columns[:2])
    (r1, s1), n1 = joint_codes(real[cols[0]], synthetic[cols[0]])
    (r2, s2), n2 = joint_codes(real[cols[1]], synthetic[cols[1]])
    return _contingency_score(r1, r2, s1, s2, n1, n2)[0]


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if len(x) < 2 or x.min() == x.max() or y.min() == y.max():
        return float("nan")
    xm, ym = x - x.mean(), y - y.mean()
    r = np.dot(xm, ym) / np.sqrt(np.dot(xm, xm) * np.dot(ym, ym))
    return float(np.clip(r, -1.0, 1.0))


def _n_unique(x: np.ndarray) -> int:
    return len(np.unique(x[~np.isnan(x)]))


def _correlation_score(xr, yr, xs, ys) -> tuple[float, float, float]:
    if 1 in (_n_unique(xr), _n_unique(yr), _n_unique(xs), _n_unique(ys)):
        return float("nan"), float("nan"), float("nan")
    r, s = _pearson(xr, yr), _pearson(xs, ys)
    return 1.0 - abs(r - s) / 2.0, r, s


def _contingency_score(r1, r2, s1, s2, n1: int, n2: int) -> tuple[float, float]:
    table_r = np.bincount(r1 * n2 + r2, minlength=n1 * n2)
    table_s = np.bincount(s1 * n2 + s2, minlength=n1 * n2)
    score = 1.0 - 0.5 * np.abs(table_r / len(r1) - table_s / len(s1)).sum()
    table = table_r.reshape(n1, n2)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.sum() == 0 or min(table.shape) < 2:
        return float(score), float("nan")
    from scipy.stats.contingency import association

    return float(score), float(association(table, method="cramer"))


def _discretize(values: np.ndarray) -> np.ndarray:
    """sdmetrics' binning of a continuous column for mixed pairs (missing goes to the top bin)."""
    edges = np.histogram_bin_edges(values[~np.isnan(values)], bins=_N_BINS)
    return np.digitize(values, bins=edges).astype("int64")


class _PairInputs:
    """Per-column arrays computed once for all pairs."""

    def __init__(self, data: EvaluationData, rng: np.random.Generator):
        self.data = data
        self.values, self.codes, self.levels = {}, {}, {}
        n_r, n_s = len(data.real), len(data.synthetic)
        self.rows_r, self.rows_s = np.arange(n_r), np.arange(n_s)
        if max(n_r, n_s) > NUM_ROWS_SUBSAMPLE:
            self.rows_r = np.sort(rng.choice(n_r, min(n_r, NUM_ROWS_SUBSAMPLE), replace=False))
            self.rows_s = np.sort(rng.choice(n_s, min(n_s, NUM_ROWS_SUBSAMPLE), replace=False))
        for name in data.columns:
            real, synth = data.real[name], data.synthetic[name]
            if data.is_continuous(name):
                vr, vs = continuous_values(real), continuous_values(synth)
                self.values[name] = (vr, vs)
                self.codes[name] = (_discretize(vr)[self.rows_r], _discretize(vs)[self.rows_s])
                self.levels[name] = _N_BINS + 2
            else:
                (cr, cs), n = joint_codes(real, synth)
                self.codes[name] = (cr[self.rows_r], cs[self.rows_s])
                self.levels[name] = n

    def score(self, a: str, b: str) -> dict:
        if self.data.is_continuous(a) and self.data.is_continuous(b):
            (ar, as_), (br, bs) = self.values[a], self.values[b]
            score, r, s = _correlation_score(ar, br, as_, bs)
            meets = not np.isnan(r) and abs(r) > REAL_CORRELATION_THRESHOLD
            return {"Metric": "CorrelationSimilarity", "Score": score, "Real Correlation": r,
                    "Synthetic Correlation": s, "Real Association": np.nan, "Meets Threshold?": meets}
        (ar, as_), (br, bs) = self.codes[a], self.codes[b]
        score, assoc = _contingency_score(ar, br, as_, bs, self.levels[a], self.levels[b])
        meets = not np.isnan(assoc) and assoc > REAL_ASSOCIATION_THRESHOLD
        return {"Metric": "ContingencySimilarity", "Score": score, "Real Correlation": np.nan,
                "Synthetic Correlation": np.nan, "Real Association": assoc, "Meets Threshold?": meets}


def pair_trends_details(data: EvaluationData, random_state=0) -> pd.DataFrame:
    """Per-pair trend scores of prepared data.

    Returns
    -------
    pandas.DataFrame
        Columns ``Column 1``, ``Column 2``, ``Metric``, ``Score``, ``Real Correlation``,
        ``Synthetic Correlation``, ``Real Association`` and ``Meets Threshold?`` (whether the pair
        counts toward sdmetrics' Column Pair Trends score).
    """
    inputs = _PairInputs(data, np.random.default_rng(random_state))
    rows = [
        {"Column 1": a, "Column 2": b, **inputs.score(a, b)}
        for a, b in itertools.combinations(data.columns, 2)
    ]
    columns = ["Column 1", "Column 2", "Metric", "Score", "Real Correlation", "Synthetic Correlation",
               "Real Association", "Meets Threshold?"]
    return pd.DataFrame(rows, columns=columns).astype({"Meets Threshold?": bool})


def column_pair_trends(real: pd.DataFrame, synthetic: pd.DataFrame, metadata=None, *,
                       random_state=0) -> pd.DataFrame:
    """Per-pair trend scores (sdmetrics' "Column Pair Trends").

    Parameters
    ----------
    real, synthetic : pandas.DataFrame
        Same columns. Id columns are ignored.
    metadata : Metadata, dict or None
        Column sdtypes; detected from ``real`` when None.
    random_state : int or None
        Seeds the row subsample used above 50,000 rows.

    Returns
    -------
    pandas.DataFrame
        See :func:`pair_trends_details`. The report score is
        ``df.loc[df["Meets Threshold?"], "Score"].mean()``; the all-pairs mean is ``df["Score"].mean()``.
    """
    return pair_trends_details(prepare(real, synthetic, metadata), random_state)


def trends_scores(details: pd.DataFrame) -> tuple[float, float]:
    """The thresholded (sdmetrics) and the all-pairs mean of a pair-trends table."""
    if details.empty:
        return float("nan"), float("nan")
    meets = details["Meets Threshold?"].astype(bool)
    thresholded = details.loc[meets, "Score"].mean() if meets.any() else float("nan")
    return float(thresholded), float(details["Score"].mean())


def pair_matrix(details: pd.DataFrame, columns: list[str], value: str = "Score") -> pd.DataFrame:
    """Square matrix of a pair-trends value (diagonal 1 for scores), for heat maps."""
    matrix = pd.DataFrame(np.nan, index=columns, columns=columns)
    for a, b, v in zip(details["Column 1"], details["Column 2"], details[value]):
        matrix.loc[a, b] = matrix.loc[b, a] = v
    if value == "Score":
        np.fill_diagonal(matrix.values, 1.0)
    return matrix
