"""Detection: can a classifier tell real rows from synthetic ones? (classifier two-sample test)

Equal numbers of real and synthetic rows (at most ``max_rows`` of each, drawn with ``random_state``) are
labelled 0/1; each model predicts every row out of fold in a seeded, stratified 5-fold split, and the ROC AUC
of those pooled out-of-fold predictions is reported. 0.5 means indistinguishable. The detection score is
``1 - 2 * (max(AUC) - 0.5)`` clipped to ``[0, 1]`` over the models (1 = indistinguishable), the same mapping
as sdmetrics' detection metrics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._models import MODELS, encode, fit_quietly, make_model
from ._prepare import EvaluationData, prepare

DEFAULT_MAX_ROWS = 10_000
N_FOLDS = 5


def detection_score(auc: float) -> float:
    """Map a detection ROC AUC to a 0..1 score (1 = the classifier cannot tell the rows apart).

    Examples
    --------
    >>> detection_score(0.5), detection_score(0.75), detection_score(1.0)
    (1.0, 0.5, 0.0)
    """
    if np.isnan(auc):
        return float("nan")
    return float(min(max(1.0 - 2.0 * (auc - 0.5), 0.0), 1.0))


def _balanced_sample(data: EvaluationData, max_rows: int, rng: np.random.Generator):
    n = min(len(data.real), len(data.synthetic), max_rows)
    real = data.real.iloc[np.sort(rng.choice(len(data.real), n, replace=False))]
    synth = data.synthetic.iloc[np.sort(rng.choice(len(data.synthetic), n, replace=False))]
    frame = pd.concat([real, synth], ignore_index=True)
    labels = np.r_[np.zeros(n, dtype=int), np.ones(n, dtype=int)]
    return frame, labels


def detection_details(data: EvaluationData, models=MODELS, random_state=0,
                      max_rows: int = DEFAULT_MAX_ROWS) -> pd.DataFrame:
    """Detection ROC AUC of each model on prepared data.

    Returns
    -------
    pandas.DataFrame
        Columns ``Model``, ``ROC AUC``, ``AUC 95% low``/``AUC 95% high`` (a cross-validation interval: see
        :func:`fold_interval`) and ``Detection Score`` (``1 - 2 * (AUC - 0.5)``, clipped).
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    rng = np.random.default_rng(random_state)
    frame, labels = _balanced_sample(data, max_rows, rng)
    continuous = {c for c in data.columns if data.is_continuous(c)}
    cont = [c for c in data.columns if c in continuous]
    disc = [c for c in data.columns if c not in continuous]
    folds = StratifiedKFold(N_FOLDS, shuffle=True, random_state=int(rng.integers(2**31 - 1)))
    split = list(folds.split(np.zeros(len(labels)), labels)) if len(labels) >= 2 * N_FOLDS else []
    rows = []
    for kind in models:
        oof, per_fold = np.full(len(labels), np.nan), []
        for train_idx, test_idx in split:
            Xtr, Xte = encode(kind, frame.iloc[train_idx], [frame.iloc[test_idx]], continuous)
            model = fit_quietly(make_model(kind, "classification", cont, disc, random_state=0),
                                Xtr, labels[train_idx])
            oof[test_idx] = model.predict_proba(Xte)[:, 1]
            per_fold.append(roc_auc_score(labels[test_idx], oof[test_idx]))
        auc = float(roc_auc_score(labels, oof)) if split else float("nan")
        low, high = fold_interval(auc, per_fold)
        rows.append({"Model": kind, "ROC AUC": auc, "AUC 95% low": low, "AUC 95% high": high,
                     "Detection Score": detection_score(auc)})
    return pd.DataFrame(rows, columns=COLUMNS)


COLUMNS = ["Model", "ROC AUC", "AUC 95% low", "AUC 95% high", "Detection Score"]


def fold_interval(auc: float, per_fold: list) -> tuple[float, float]:
    """A 95 % interval around the pooled ``auc`` from the spread of the folds' own AUCs (Student t, k-1 degrees of
    freedom), clipped to [0, 1]. On ~100 rows an AUC of 0.35 comes with an interval reaching past 0.5: noise, not
    rows more real than real ones."""
    from scipy import stats

    if len(per_fold) < 2 or np.isnan(auc):
        return float("nan"), float("nan")
    half = stats.t.ppf(0.975, len(per_fold) - 1) * np.std(per_fold, ddof=1) / np.sqrt(len(per_fold))
    return float(max(auc - half, 0.0)), float(min(auc + half, 1.0))


def detection(real: pd.DataFrame, synthetic: pd.DataFrame, metadata=None, *, models=MODELS,
              random_state=0, max_rows: int = DEFAULT_MAX_ROWS) -> pd.DataFrame:
    """Classifier two-sample test of real against synthetic rows.

    Parameters
    ----------
    real, synthetic : pandas.DataFrame
        Same columns. Id columns are ignored.
    metadata : Metadata, dict or None
        Column sdtypes; detected from ``real`` when None.
    models : sequence of str
        Among ``"hgb"`` (histogram gradient boosting) and ``"linear"`` (logistic regression).
    random_state : int or None
        Seeds the row subsample and the folds.
    max_rows : int
        At most this many rows of each frame are used (speed); the smaller frame sets the balance.

    Returns
    -------
    pandas.DataFrame
        See :func:`detection_details`.
    """
    return detection_details(prepare(real, synthetic, metadata), models, random_state, max_rows)
