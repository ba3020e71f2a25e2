"""Sequence metrics: does synthetic long-format data move like the real sequences?

Every metric is a small function of two long-format frames (one row per entity and step) and
their roles (``sequence_key``, ``sequence_index``, ``context_columns``). Similarities are in
[0, 1], 1 meaning identical; the shapes of per-sequence statistics (lengths, autocorrelations,
cross-correlations, step differences) are compared with the KS complement, as sdmetrics compares
columns; per-sequence correlations (autocorrelations, cross-correlations) with a KS complement that
forgives shifts below ``CORRELATION_TOLERANCE``, so that two sets of nearly constant correlations
that agree to two decimals (a column rising by one each step) score 1, not 0. For a few long sequences (weather: three stations over a year) give ``window``: each
sequence is cut into consecutive windows of that many rows, and the windows are the units.
The sequence key is never compared (fresh keys are meant to differ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InvalidDataError, InvalidParameterError
from .marginal import ks_complement, tv_complement

MAX_LAG = 3
CORRELATION_TOLERANCE = 0.02  # per-sequence correlations closer than this count as equal
NEAREST_REPEATS = 10
FORECAST_MAX_ROWS = 5_000


@dataclass
class Sequences:
    """A long-format frame cut into sequences (or windows): rows sorted, one unit id per row."""

    frame: pd.DataFrame
    unit: np.ndarray
    numeric: list[str]
    categorical: list[str]
    context: list[str]

    @property
    def starts(self) -> np.ndarray:
        return np.flatnonzero(np.r_[True, self.unit[1:] != self.unit[:-1]])

    def groups(self):
        return self.frame.groupby(self.unit, sort=False)


def split_sequences(data: pd.DataFrame, sequence_key: str, sequence_index: str, context_columns=(),
                    window: int | None = None) -> Sequences:
    """Sort ``data`` by key and index and number its sequences (or windows of ``window`` rows)."""
    if not isinstance(data, pd.DataFrame):
        raise InvalidDataError(f"Sequence data must be a pandas DataFrame. Got {type(data).__name__} instead.")
    missing = [c for c in (sequence_key, sequence_index, *context_columns) if c not in data.columns]
    if missing:
        raise InvalidParameterError(f"Columns {missing} are not in the data; check sequence_key, sequence_index "
                                    "and context_columns.")
    if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window < 2):
        raise InvalidParameterError(f"The 'window' parameter must be an int >= 2 or None. Got {window!r} instead.")
    frame = data.sort_values([sequence_key, sequence_index], kind="stable").reset_index(drop=True)
    entity = pd.factorize(frame[sequence_key])[0]
    unit = entity.astype(np.int64)
    if window is not None:
        starts = np.flatnonzero(np.r_[True, entity[1:] != entity[:-1]])
        position = np.arange(len(frame)) - np.repeat(starts, np.diff(np.r_[starts, len(frame)]))
        unit = pd.factorize(pd.Series(entity).astype(str) + ":" + pd.Series(position // window).astype(str))[0]
    values = [c for c in frame.columns if c not in (sequence_key, sequence_index, *context_columns)]
    numeric = [c for c in values if _is_numeric(frame[c])]
    for name in numeric:
        frame[name] = _as_float(frame[name])
    categorical = [c for c in values if c not in numeric]
    return Sequences(frame, unit, numeric, categorical, list(context_columns))


def _is_numeric(column: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype)) or \
        pd.api.types.is_datetime64_any_dtype(column.dtype)


def _as_float(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        if getattr(column.dt, "tz", None) is not None:
            column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        nanos = column.astype("datetime64[ns]").to_numpy().astype("int64").astype(float)
        return pd.Series(np.where(column.isna(), np.nan, nanos / 1e9), index=column.index)
    return pd.Series(column.to_numpy(dtype=float, na_value=np.nan), index=column.index)


# ---------------------------------------------------------------------- shapes
def value_shapes(real: Sequences, synthetic: Sequences) -> pd.DataFrame:
    """Per time-varying column: KS complement (numbers) or TV complement (categories) over all rows."""
    rows = [{"Column": c, "Metric": "KSComplement", "Score": ks_complement(real.frame[c], synthetic.frame[c])}
            for c in real.numeric]
    rows += [{"Column": c, "Metric": "TVComplement", "Score": tv_complement(real.frame[c], synthetic.frame[c])}
             for c in real.categorical]
    rows += [{"Column": c, "Metric": "MissingValueSimilarity",
              "Score": 1 - abs(real.frame[c].isna().mean() - synthetic.frame[c].isna().mean())}
             for c in real.numeric + real.categorical if real.frame[c].isna().any()]
    return pd.DataFrame(rows, columns=["Column", "Metric", "Score"])


def context_shapes(real: Sequences, synthetic: Sequences) -> pd.DataFrame:
    """Per context column, on one row per sequence: KS or TV complement."""
    rows = []
    for name in real.context:
        a, b = real.frame[name].iloc[real.starts], synthetic.frame[name].iloc[synthetic.starts]
        numeric = _is_numeric(a)
        score = ks_complement(_as_float(a), _as_float(b)) if numeric else tv_complement(a, b)
        rows.append({"Column": name, "Metric": "KSComplement" if numeric else "TVComplement", "Score": score})
    return pd.DataFrame(rows, columns=["Column", "Metric", "Score"])


def length_similarity(real: Sequences, synthetic: Sequences) -> float:
    """KS complement of the sequence lengths."""
    return ks_complement(pd.Series(np.bincount(real.unit)), pd.Series(np.bincount(synthetic.unit)))


def step_difference_shapes(real: Sequences, synthetic: Sequences) -> pd.DataFrame:
    """Per numerical column: KS complement of the differences between consecutive steps of a sequence."""
    rows = [{"Column": c, "Score": ks_complement(pd.Series(_diffs(real, c)), pd.Series(_diffs(synthetic, c)))}
            for c in real.numeric]
    return pd.DataFrame(rows, columns=["Column", "Score"])


def _diffs(data: Sequences, column: str) -> np.ndarray:
    values = data.frame[column].to_numpy(dtype=float)
    keep = np.ones(len(values), dtype=bool)
    keep[data.starts] = False
    return np.diff(values)[keep[1:]]


# ---------------------------------------------------------------------- dynamics
def per_sequence_autocorrelation(data: Sequences, column: str, lag: int = 1) -> np.ndarray:
    """The lag-``lag`` autocorrelation of ``column`` within each sequence (NaN where undefined)."""
    values = data.frame[column].to_numpy(dtype=float)
    out = []
    for idx in data.groups().indices.values():
        x = values[idx]
        x = x[~np.isnan(x)]
        out.append(_autocorrelation(x, lag))
    return np.array(out)


def _autocorrelation(x: np.ndarray, lag: int) -> float:
    if len(x) <= lag + 1:
        return np.nan
    centered = x - x.mean()
    denominator = float((centered ** 2).sum())
    if denominator == 0:
        return np.nan
    return float((centered[lag:] * centered[:-lag]).sum() / denominator)


def ks_complement_within(a: np.ndarray, b: np.ndarray, tolerance: float) -> float:
    """One minus the largest gap between two empirical CDFs once either may shift by ``tolerance``.

    ``max over x of F_a(x - tol) - F_b(x)`` and the same with a and b swapped (a Levy-type distance):
    0 when one sample is the other moved by at most ``tolerance``, the KS statistic when
    ``tolerance`` is 0. NaNs are ignored; NaN when either side has no values.
    """
    a, b = np.sort(a[np.isfinite(a)]), np.sort(b[np.isfinite(b)])
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    points = np.concatenate([a, b, a + tolerance, b + tolerance])

    def cdf(sample, x):
        return np.searchsorted(sample, x, side="right") / len(sample)

    gap = max(np.max(cdf(a, points - tolerance) - cdf(b, points)),
              np.max(cdf(b, points - tolerance) - cdf(a, points)), 0.0)
    return float(1.0 - gap)


def autocorrelation_similarity(real: Sequences, synthetic: Sequences, max_lag: int = MAX_LAG) -> pd.DataFrame:
    """Per numerical column and lag: KS complement of the per-sequence autocorrelations."""
    rows = []
    for column in real.numeric:
        for lag in range(1, max_lag + 1):
            a = per_sequence_autocorrelation(real, column, lag)
            b = per_sequence_autocorrelation(synthetic, column, lag)
            rows.append({"Column": column, "Lag": lag, "Score": ks_complement_within(a, b, CORRELATION_TOLERANCE),
                         "Real mean": np.nanmean(a) if np.isfinite(a).any() else np.nan,
                         "Synthetic mean": np.nanmean(b) if np.isfinite(b).any() else np.nan})
    return pd.DataFrame(rows, columns=["Column", "Lag", "Score", "Real mean", "Synthetic mean"])


def cross_correlation_similarity(real: Sequences, synthetic: Sequences) -> pd.DataFrame:
    """Per pair of numerical columns: KS complement of their per-sequence correlations of step differences."""
    rows = []
    for i, a in enumerate(real.numeric):
        for b in real.numeric[i + 1:]:
            r, s = _pair_correlations(real, a, b), _pair_correlations(synthetic, a, b)
            rows.append({"Column 1": a, "Column 2": b, "Score": ks_complement_within(r, s, CORRELATION_TOLERANCE)})
    return pd.DataFrame(rows, columns=["Column 1", "Column 2", "Score"])


def _pair_correlations(data: Sequences, a: str, b: str) -> np.ndarray:
    x, y = data.frame[a].to_numpy(dtype=float), data.frame[b].to_numpy(dtype=float)
    out = []
    for idx in data.groups().indices.values():
        dx, dy = np.diff(x[idx]), np.diff(y[idx])
        ok = ~(np.isnan(dx) | np.isnan(dy))
        if ok.sum() < 3 or dx[ok].std() == 0 or dy[ok].std() == 0:
            out.append(np.nan)
            continue
        out.append(float(np.corrcoef(dx[ok], dy[ok])[0, 1]))
    return np.array(out)


# ---------------------------------------------------------------------- features for detection / privacy
def sequence_features(data: Sequences, categories: dict | None = None) -> pd.DataFrame:
    """Summary features of each sequence: length, per-column moments, ends, trend, lag-1 autocorrelation,
    missing share, category shares and context."""
    groups = data.groups()
    features = {"length": groups.size().to_numpy(dtype=float)}
    for column in data.numeric:
        g = groups[column]
        features.update({f"{column}:{stat}": getattr(g, stat)().to_numpy(dtype=float)
                         for stat in ("mean", "std", "min", "max", "first", "last")})
        features[f"{column}:missing"] = g.apply(lambda s: s.isna().mean()).to_numpy(dtype=float)
        diffs = pd.Series(np.r_[np.nan, np.diff(data.frame[column].to_numpy(dtype=float))])
        diffs[data.starts] = np.nan
        dg = diffs.groupby(data.unit, sort=False)
        features[f"{column}:diff_mean"] = dg.mean().to_numpy(dtype=float)
        features[f"{column}:diff_std"] = dg.std().to_numpy(dtype=float)
        features[f"{column}:acf1"] = per_sequence_autocorrelation(data, column, 1)
    categories = categories or {}
    for column in data.categorical + data.context:
        for value in categories.get(column, []):
            hit = (data.frame[column].astype(object) == value).astype(float)
            features[f"{column}={value}"] = hit.groupby(data.unit, sort=False).mean().to_numpy()
    return pd.DataFrame(features)


def top_categories(data: Sequences, top: int = 8) -> dict:
    return {c: data.frame[c].astype(object).value_counts().index[:top].tolist()
            for c in data.categorical + data.context}


def sequence_detection(real: Sequences, synthetic: Sequences, folds: int = 5, random_state: int = 0) -> float:
    """ROC AUC of a random forest telling real from synthetic sequences by their summary features (k-fold).

    The classifier sees one row per sequence (or window), :func:`sequence_features`: the length; per
    numerical column the mean, standard deviation, minimum, maximum, first and last value, missing
    share, mean and standard deviation of the step differences and the lag-1 autocorrelation; per
    categorical and context column the share of each of its 8 most frequent real categories. It is a
    200-tree random forest (leaves of at least 2, median imputation), scored by out-of-fold
    probabilities over ``folds`` stratified folds. 0.5 means indistinguishable, 1.0 trivially told
    apart. The classes are balanced by subsampling the larger side; features constant over both
    sides are dropped.
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    categories = top_categories(real)
    a, b = sequence_features(real, categories), sequence_features(synthetic, categories)
    rng = np.random.default_rng(random_state)
    n = min(len(a), len(b))
    if n < folds:
        return float("nan")
    a, b = a.iloc[rng.permutation(len(a))[:n]], b.iloc[rng.permutation(len(b))[:n]]
    X = pd.concat([a, b], ignore_index=True)
    X = X.loc[:, X.nunique(dropna=True) > 1].to_numpy(dtype=float)  # no information in constant features
    if X.shape[1] == 0:
        return 0.5
    y = np.r_[np.zeros(n), np.ones(n)]
    model = make_pipeline(SimpleImputer(strategy="median"),
                          RandomForestClassifier(n_estimators=200, min_samples_leaf=2, n_jobs=1,
                                                 random_state=random_state))
    cv = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    proba = cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, proba))


# ---------------------------------------------------------------------- holdout: utility and privacy
def _lagged(data: Sequences, columns: list[str], lags: int = 2) -> pd.DataFrame:
    """Columns at t-1..t-lags (NaN before a sequence's start), for one-step-ahead forecasting."""
    position = np.arange(len(data.frame)) - np.repeat(data.starts, np.diff(np.r_[data.starts, len(data.frame)]))
    out = {}
    for column in columns:
        values = data.frame[column].to_numpy(dtype=float)
        for lag in range(1, lags + 1):
            shifted = np.full(len(values), np.nan)
            shifted[lag:] = values[:-lag]
            shifted[position < lag] = np.nan
            out[f"{column}@t-{lag}"] = shifted
    return pd.DataFrame(out)


def forecasting_utility(real: Sequences, synthetic: Sequences, holdout: Sequences, random_state: int = 0
                        ) -> pd.DataFrame:
    """One-step-ahead forecasting of each numerical column, trained on synthetic (TSTR) or real (TRTR)
    sequences and tested on holdout sequences: R^2 per column."""
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.metrics import r2_score
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(random_state)
    frames = {role: (_lagged(d, real.numeric), d.frame[real.numeric])
              for role, d in (("real", real), ("synthetic", synthetic), ("holdout", holdout))}
    rows = []
    for column in real.numeric:
        X_test, y_test = frames["holdout"][0], frames["holdout"][1][column].to_numpy(dtype=float)
        ok_test = ~np.isnan(y_test)
        for role in ("synthetic", "real"):
            X, y = frames[role][0], frames[role][1][column].to_numpy(dtype=float)
            keep = np.flatnonzero(~np.isnan(y))
            if len(keep) > FORECAST_MAX_ROWS:
                keep = np.sort(rng.choice(keep, FORECAST_MAX_ROWS, replace=False))
            score = np.nan
            if len(keep) >= 10 and ok_test.sum() >= 2:
                model = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                      RandomForestRegressor(n_estimators=50, min_samples_leaf=5, n_jobs=1,
                                                            random_state=random_state))
                model.fit(X.iloc[keep], y[keep])
                score = float(r2_score(y_test[ok_test], model.predict(X_test[ok_test])))
            rows.append({"Column": column, "Train": role, "R2": score})
    return pd.DataFrame(rows, columns=["Column", "Train", "R2"])


def trajectory_vectors(data: Sequences, reference: Sequences, points: int = 12) -> np.ndarray:
    """Each sequence as a fixed-size vector: every numerical column, mapped through the reference's
    empirical CDF, interpolated at ``points`` evenly spaced positions (missing: 0.5)."""
    parts = []
    for column in data.numeric:
        sorted_ref = np.sort(reference.frame[column].dropna().to_numpy(dtype=float))
        values = data.frame[column].to_numpy(dtype=float)
        ranks = np.searchsorted(sorted_ref, values, side="right") / max(len(sorted_ref), 1)
        ranks[np.isnan(values)] = 0.5
        block = []
        for idx in data.groups().indices.values():
            grid = np.linspace(0, len(idx) - 1, points)
            block.append(np.interp(grid, np.arange(len(idx)), ranks[idx]))
        parts.append(np.array(block))
    return np.hstack(parts) if parts else np.zeros((len(np.unique(data.unit)), 0))


def nearest_trajectory_share(real: Sequences, synthetic: Sequences, holdout: Sequences,
                             random_state: int = 0) -> float:
    """Share of synthetic sequences nearer to a training sequence than to a holdout one.

    The training sequences are subsampled to the holdout's size (averaged over repeats), so 0.5 is what a
    model that generalizes gives and 1.0 means the synthetic sequences replay training ones.
    """
    from scipy.spatial import cKDTree

    train, test = trajectory_vectors(real, real), trajectory_vectors(holdout, real)
    fake = trajectory_vectors(synthetic, real)
    if len(test) == 0 or len(train) == 0 or train.shape[1] == 0:
        return float("nan")
    d_test = cKDTree(test).query(fake)[0]
    rng = np.random.default_rng(random_state)
    shares = []
    for _ in range(NEAREST_REPEATS):
        pick = rng.choice(len(train), size=min(len(test), len(train)), replace=False)
        d_train = cKDTree(train[pick]).query(fake)[0]
        shares.append(np.mean(np.where(d_train == d_test, 0.5, d_train < d_test)))
    return float(np.mean(shares))
