"""Feature encodings and the two model families used by the utility and detection metrics.

- ``hgb``: scikit-learn's histogram gradient boosting with native categorical support
  (``categorical_features="from_dtype"``, ``random_state=0``); numericals as they are (missing values are
  handled natively), datetimes as nanoseconds, discrete columns as pandas categoricals whose categories
  (at most 250, the most frequent of the training rows; rarer ones count as missing) are shared by the
  training and the test frame.
- ``linear``: logistic / ridge regression on standardised numericals (median-imputed, with missing
  indicators) and one-hot discrete columns (missing is a category; at most 50 levels per column).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._prepare import continuous_values

MODELS = ("hgb", "linear")
_MAX_HGB_CATEGORIES = 250
_MISSING = "__missing__"


def hgb_frames(train: pd.DataFrame, others: list[pd.DataFrame], continuous: set[str]) -> list[pd.DataFrame]:
    """Encode ``train`` and each of ``others`` for the gradient-boosting model (shared categories)."""
    out = [{} for _ in range(1 + len(others))]
    for name in train.columns:
        if name in continuous:
            for i, frame in enumerate([train, *others]):
                out[i][name] = continuous_values(frame[name])
            continue
        top = train[name].dropna().astype(str).value_counts().index[:_MAX_HGB_CATEGORIES]
        dtype = pd.CategoricalDtype(categories=sorted(top))
        for i, frame in enumerate([train, *others]):
            values = frame[name].astype(str).where(frame[name].notna(), None)
            out[i][name] = pd.Categorical(values, dtype=dtype)
    return [pd.DataFrame(d, index=f.index) for d, f in zip(out, [train, *others])]


def linear_frame(frame: pd.DataFrame, continuous: set[str]) -> pd.DataFrame:
    """Numerical columns as float (NaN kept for the imputer), discrete columns as strings."""
    out = {}
    for name in frame.columns:
        if name in continuous:
            out[name] = continuous_values(frame[name])
        else:
            out[name] = frame[name].astype(str).where(frame[name].notna(), _MISSING).to_numpy(dtype=object)
    return pd.DataFrame(out, index=frame.index)


def make_model(kind: str, task: str, continuous: list[str], discrete: list[str], random_state: int = 0):
    """A fresh scikit-learn estimator for ``kind`` in :data:`MODELS` and task classification/regression."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    if kind == "hgb":
        cls = HistGradientBoostingClassifier if task == "classification" else HistGradientBoostingRegressor
        return cls(categorical_features="from_dtype", random_state=random_state)
    return _linear_pipeline(task, continuous, discrete)


def _linear_pipeline(task: str, continuous: list[str], discrete: list[str]):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts = []
    if continuous:
        numeric = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
        parts.append(("numeric", numeric, continuous))
    if discrete:
        onehot = OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=50)
        parts.append(("discrete", onehot, discrete))
    pre = ColumnTransformer(parts, sparse_threshold=1.0)
    model = LogisticRegression(max_iter=500) if task == "classification" else Ridge(alpha=1.0)
    return make_pipeline(pre, model)


def fit_quietly(model, X, y):
    """Fit ``model``, silencing convergence warnings (the score tells how well it did)."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def aligned_proba(model, X, n_classes: int) -> np.ndarray:
    """Class probabilities of ``model`` on ``X`` as an ``(n, n_classes)`` array (absent classes get 0)."""
    raw = model.predict_proba(X)
    out = np.zeros((len(X), n_classes))
    out[:, np.asarray(model.classes_, dtype=int)] = raw
    return out


def encode(kind: str, train: pd.DataFrame, others: list[pd.DataFrame], continuous: set[str]):
    """Encode a training frame and test frames for ``kind``."""
    if kind == "hgb":
        return hgb_frames(train, others, continuous)
    return [linear_frame(f, continuous) for f in [train, *others]]
