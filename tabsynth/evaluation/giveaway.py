"""What gives synthetic rows away: the columns and pairs of columns a detector tells apart best.

The detection family says *whether* a classifier tells real rows from synthetic ones; this says
*where*. For every column, and every pair of columns, a one-feature (or two-feature) detector
scores each row by the log ratio of synthetic to real frequencies of its cell (numbers and
datetimes in ``BINS`` quantile bins of the pooled values, ``PAIR_BINS`` for pairs; categories as
they are, the rarest sharing one cell; missing values a cell of their own), cross-fitted on two
halves so a cell's ratio never scores its own rows, and its ROC AUC is reported (0.5 = the column
gives nothing away). A pair is listed by how much it adds beyond its two columns alone
(``Beyond columns``: the pair's AUC less the larger single-column AUC): a relation between two
columns that the synthesizer blurred.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ._prepare import EvaluationData

BINS, PAIR_BINS, MAX_CATEGORIES = 20, 8, 50
TOP_PAIRS = 10
MAX_ROWS = 10_000


def giveaway_details(data: EvaluationData, random_state=0, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """Single-column AUCs of every column, then the ``TOP_PAIRS`` pairs that add most beyond their columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``Columns`` (a name, or ``'a & b'``), ``ROC AUC`` and ``Beyond columns`` (NaN for single
        columns), single columns first, each part sorted from most to least telling.
    """
    rng = np.random.default_rng(random_state)
    n = min(len(data.real), len(data.synthetic), max_rows)
    real = data.real.iloc[np.sort(rng.choice(len(data.real), n, replace=False))]
    fake = data.synthetic.iloc[np.sort(rng.choice(len(data.synthetic), n, replace=False))]
    labels = np.r_[np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64)]
    half = rng.permutation(2 * n) % 2
    fine, coarse = {}, {}
    for name in data.columns:
        both = pd.concat([real[name], fake[name]], ignore_index=True)
        fine[name] = _cells(both, data.is_continuous(name), BINS)
        coarse[name] = _cells(both, data.is_continuous(name), PAIR_BINS)
    single = {name: _auc(codes, labels, half) for name, codes in fine.items()}
    rows = [{"Columns": name, "ROC AUC": auc, "Beyond columns": np.nan}
            for name, auc in sorted(single.items(), key=lambda item: -item[1])]
    pairs = []
    for a, b in itertools.combinations(data.columns, 2):
        auc = _auc(coarse[a] * (int(coarse[b].max()) + 1) + coarse[b], labels, half)
        pairs.append({"Columns": f"{a} & {b}", "ROC AUC": auc, "Beyond columns": auc - max(single[a], single[b])})
    pairs.sort(key=lambda row: -row["Beyond columns"])
    return pd.DataFrame(rows + pairs[:TOP_PAIRS], columns=["Columns", "ROC AUC", "Beyond columns"])


def _cells(values: pd.Series, continuous: bool, bins: int) -> np.ndarray:
    """Each value's cell: a quantile bin (numbers, datetimes) or a category code; missing is the last cell."""
    missing = values.isna().to_numpy()
    if continuous:
        if values.dtype.kind == "M":  # datetime64[ns]: nanoseconds (NaT is masked by ``missing``)
            numbers = values.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)
        else:
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        observed = numbers[~missing]
        edges = np.unique(np.quantile(observed, np.linspace(0, 1, bins + 1)[1:-1])) if len(observed) else []
        codes = np.searchsorted(edges, np.nan_to_num(numbers), side="right")
        top = len(edges) + 1
    else:
        counts = values.astype(object)[~missing].value_counts()
        keep = pd.Index(counts.index[:MAX_CATEGORIES])
        codes = keep.get_indexer(pd.Index(values.astype(object)))
        codes = np.where(codes < 0, len(keep), codes)
        top = len(keep) + 1
    return np.where(missing, top, codes).astype(np.int64)


def _auc(codes: np.ndarray, labels: np.ndarray, half: np.ndarray) -> float:
    """ROC AUC of the cross-fitted log frequency ratio of each row's cell (1 = synthetic)."""
    size = int(codes.max()) + 1
    scores = np.empty(len(codes))
    for k in (0, 1):
        fit, score = half != k, half == k
        synthetic = np.bincount(codes[fit & (labels == 1)], minlength=size) + 0.5
        real = np.bincount(codes[fit & (labels == 0)], minlength=size) + 0.5
        scores[score] = np.log(synthetic / synthetic.sum())[codes[score]] - np.log(real / real.sum())[codes[score]]
    ranks = rankdata(scores)
    positives = labels == 1
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
