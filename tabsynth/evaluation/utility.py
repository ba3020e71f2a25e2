"""Machine-learning utility: train on synthetic, test on real (TSTR) beside train on real, test on real (TRTR).

Both models are tested on ``holdout``, real rows the synthesizer never saw. Without a holdout the utility
is NaN with a warning: testing on the training rows would reward memorisation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import InvalidDataError, InvalidParameterError
from ._models import MODELS, aligned_proba, encode, fit_quietly, make_model
from ._prepare import EvaluationData, joint_codes, prepare

CLASSIFICATION_METRICS = ("roc_auc", "f1_macro", "accuracy")
REGRESSION_METRICS = ("r2", "rmse")


MAX_CLASS_LEVELS = 10  # an integer target with at most this many distinct values is a class label
TASKS = ("classification", "regression")


def task_of(data: EvaluationData, target: str, task: str | None = None) -> str:
    """``"classification"`` or ``"regression"`` for ``target``; raises when it cannot be a target.

    ``task=None`` decides: categorical and boolean targets are classes; a numerical target is classes when
    every real value is an integer and there are at most ``MAX_CLASS_LEVELS`` of them (a status 0/1/2, a
    stage 1-4: codes, not quantities), else regression. ``task`` overrides that for a numerical target.
    """
    if target not in data.metadata.columns:
        raise InvalidParameterError(
            f"The 'target' parameter of evaluate must be one of the columns {data.metadata.column_names}. "
            f"Got {target!r} instead."
        )
    if task is not None and task not in TASKS:
        raise InvalidParameterError(f"The 'task' parameter of evaluate must be one of {list(TASKS)} or None. "
                                    f"Got {task!r} instead.")
    sdtype = data.metadata.sdtype(target)
    if sdtype in ("categorical", "boolean"):
        if task == "regression":
            raise InvalidParameterError(f"The target {target!r} is {sdtype}, so it cannot be regressed; use "
                                        "task='classification' or declare it numerical in the metadata.")
        chosen = "classification"
    elif sdtype == "numerical":
        chosen = task or ("classification" if _looks_like_codes(data.real[target]) else "regression")
    else:
        raise InvalidParameterError(
            f"The target column {target!r} has sdtype {sdtype!r}; utility needs a categorical, boolean or "
            "numerical target. Pick another target or change its sdtype in the metadata."
        )
    if data.real[target].nunique(dropna=True) < 2:
        raise InvalidDataError(
            f"The target column {target!r} has fewer than two distinct values in the real data, so there is "
            "nothing to predict. Pick another target."
        )
    return chosen


def _looks_like_codes(column: pd.Series) -> bool:
    values = pd.to_numeric(column, errors="coerce").dropna().to_numpy(dtype=float)
    return bool(len(values) and np.all(values == np.round(values)) and len(np.unique(values)) <= MAX_CLASS_LEVELS)


def _nan_rows(models, task: str) -> pd.DataFrame:
    metrics = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    rows = [{"Model": m, "Train": t, "Metric": k, "Score": np.nan}
            for m in models for t in ("synthetic", "real") for k in metrics]
    return pd.DataFrame(rows, columns=["Model", "Train", "Metric", "Score"])


def utility_details(data: EvaluationData, target: str, models=MODELS, random_state=0,
                    task: str | None = None) -> pd.DataFrame:
    """TSTR and TRTR scores of prepared data.

    Rows whose target is missing are left out of training and testing. Every model is tested on the
    holdout; ROC AUC is binary, or the macro one-vs-rest mean over the classes present in the holdout.

    Returns
    -------
    pandas.DataFrame
        Columns ``Model`` (hgb, linear), ``Train`` (synthetic = TSTR, real = TRTR), ``Metric`` (roc_auc,
        f1_macro, accuracy; or r2, rmse) and ``Score``. All NaN, with a warning, without a holdout.
    """
    task = task_of(data, target, task)
    if data.holdout is None:
        warnings.warn(
            "Utility (TSTR/TRTR) needs real rows the synthesizer never saw: pass holdout=... "
            "(for Adult, its test split). The utility scores are NaN.",
            UserWarning,
            stacklevel=3,
        )
        return _nan_rows(models, task)
    frames = {role: getattr(data, role).loc[lambda f: f[target].notna()] for role in
              ("real", "synthetic", "holdout")}
    if task == "classification":
        codes, _ = joint_codes(*(f[target] for f in frames.values()))
        labels = dict(zip(frames, codes))
        n_classes = int(max(c.max() for c in codes)) + 1
    else:
        labels = {role: f[target].to_numpy(dtype=float) for role, f in frames.items()}
        n_classes = 0
    features = [c for c in data.columns if c != target]
    continuous = {c for c in features if data.is_continuous(c)}
    rows = []
    for kind in models:
        for train in ("synthetic", "real"):
            scores = _train_and_test(kind, task, frames[train][features], labels[train],
                                     frames["holdout"][features], labels["holdout"], continuous,
                                     n_classes, random_state, target, train)
            rows += [{"Model": kind, "Train": train, "Metric": k, "Score": v} for k, v in scores.items()]
    return pd.DataFrame(rows, columns=["Model", "Train", "Metric", "Score"])


def _train_and_test(kind, task, X_train, y_train, X_test, y_test, continuous, n_classes, random_state,
                    target, train_role) -> dict:
    metrics = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    if len(np.unique(y_train)) < 2:
        warnings.warn(
            f"The target {target!r} has a single value in the {train_role} data, so no model can be trained "
            f"on it; its {kind} utility scores are NaN. The synthesizer did not reproduce the classes of "
            f"{target!r}: check it or sample more rows.",
            UserWarning,
            stacklevel=4,
        )
        return dict.fromkeys(metrics, np.nan)
    Xtr, Xte = encode(kind, X_train, [X_test], continuous)
    cont = [c for c in X_train.columns if c in continuous]
    disc = [c for c in X_train.columns if c not in continuous]
    model = fit_quietly(make_model(kind, task, cont, disc, random_state), Xtr, y_train)
    if task == "regression":
        return _regression_scores(y_test, model.predict(Xte))
    return classification_scores(y_test, aligned_proba(model, Xte, n_classes))


def classification_scores(y_true: np.ndarray, proba: np.ndarray) -> dict:
    """ROC AUC (binary; macro one-vs-rest for more classes), macro F1 and accuracy.

    Parameters
    ----------
    y_true : numpy.ndarray of int
        True class codes ``0 .. n_classes - 1``.
    proba : numpy.ndarray
        ``(n, n_classes)`` predicted probabilities.
    """
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    present = [c for c in range(proba.shape[1]) if 0 < (y_true == c).sum() < len(y_true)]
    if len(present) < 1:
        auc = np.nan
    elif proba.shape[1] == 2:
        auc = roc_auc_score(y_true == 1, proba[:, 1])
    else:
        auc = float(np.mean([roc_auc_score(y_true == c, proba[:, c]) for c in present]))
    pred = proba.argmax(axis=1)
    return {
        "roc_auc": float(auc),
        "f1_macro": float(f1_score(y_true, pred, average="macro", labels=np.unique(y_true))),
        "accuracy": float(accuracy_score(y_true, pred)),
    }


def _regression_scores(y_true: np.ndarray, pred: np.ndarray) -> dict:
    from sklearn.metrics import r2_score

    return {"r2": float(r2_score(y_true, pred)), "rmse": float(np.sqrt(np.mean((y_true - pred) ** 2)))}


def ml_utility(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, target: str,
               metadata=None, *, models=MODELS, random_state=0) -> pd.DataFrame:
    """Train on synthetic / test on holdout (TSTR) and train on real / test on holdout (TRTR).

    Parameters
    ----------
    real, synthetic, holdout : pandas.DataFrame
        Training data of the synthesizer, its synthetic data, and real rows it never saw.
    target : str
        Column to predict: categorical/boolean (classification) or numerical (regression).
    metadata : Metadata, dict or None
        Column sdtypes; detected from ``real`` when None.
    models : sequence of str
        Among ``"hgb"`` (histogram gradient boosting, the primary model) and ``"linear"``.
    random_state : int
        Seed of the models.

    Returns
    -------
    pandas.DataFrame
        See :func:`utility_details`.
    """
    return utility_details(prepare(real, synthetic, metadata, holdout), target, models, random_state)
