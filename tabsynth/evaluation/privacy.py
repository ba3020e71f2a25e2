"""Privacy: how close do synthetic rows come to the training rows, compared with fresh real rows?

Distance between two rows, as sdmetrics defines it for its DCR metrics: the mean over the evaluated columns
of ``min(|a - b| / range, 1)`` for numerical and datetime columns (range of the real column; a constant
column gives 0/1; missing against present is 1, missing against missing 0) and of 0/1 inequality for
categorical and boolean columns (missing equals missing).

- ``exact_copy_rate``: share of synthetic rows identical to some training row (all evaluated columns),
  beside ``holdout_copy_rate``, the share of holdout rows that happen to equal a training row — what
  chance alone gives.
- ``dcr_share``: share of synthetic rows nearer to a subsample of ``real`` than to an equal-size subsample of
  ``holdout`` (ties count one half). 0.5 is ideal; near 1 means the synthetic rows sit on the training rows.
- ``dcr_real_median`` / ``dcr_holdout_median``: median distance of the synthetic rows to those subsamples.
- ``nndr_median``: median ratio of the nearest to the second-nearest training-row distance (0/0 counts as 1);
  small values single out individual training rows.

The distances need ``holdout``; without it they are NaN with a warning. Subsamples are seeded by
``random_state``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._prepare import EvaluationData, continuous_values, joint_codes, prepare

DEFAULT_SYNTHETIC_ROWS = 2_000
DEFAULT_REFERENCE_ROWS = 20_000
_ONEHOT_MAX_LEVELS = 64
_CHUNK = 500


class _Encoded:
    """Row encodings of several frames in one distance space."""

    def __init__(self, data: EvaluationData, frames: list[pd.DataFrame]):
        self.n_columns = len(data.columns)
        self.numeric, self.onehot, self.codes = [[] for _ in frames], [[] for _ in frames], [[] for _ in frames]
        self.ranges = []
        for name in data.columns:
            if data.is_continuous(name):
                values = [continuous_values(f[name]) for f in frames]
                real = continuous_values(data.real[name])
                real = real[~np.isnan(real)]
                self.ranges.append(float(real.max() - real.min()) if len(real) else 0.0)
                for i, v in enumerate(values):
                    self.numeric[i].append(v)
                continue
            codes, n = joint_codes(*(f[name] for f in frames))
            for i, c in enumerate(codes):
                if n <= _ONEHOT_MAX_LEVELS:
                    self.onehot[i].append(np.eye(n, dtype=np.float32)[c])
                else:
                    self.codes[i].append(c)
        self.numeric = [np.column_stack(v) if v else None for v in self.numeric]
        self.onehot = [np.hstack(v) if v else None for v in self.onehot]
        self.n_onehot_columns = sum(1 for name in data.columns if not data.is_continuous(name)) - (
            len(self.codes[0]))
        self.codes = [np.column_stack(v) if v else None for v in self.codes]
        self.ranges = np.asarray(self.ranges)

    def distances(self, i: int, rows: np.ndarray, j: int) -> np.ndarray:
        """Distance matrix between rows ``rows`` of frame ``i`` and every row of frame ``j``."""
        total = np.zeros((len(rows), self._n_rows(j)), dtype=np.float32)
        if self.onehot[i] is not None:
            total += self.n_onehot_columns - self.onehot[i][rows] @ self.onehot[j].T
        if self.codes[i] is not None:
            for k in range(self.codes[i].shape[1]):
                total += self.codes[i][rows, k][:, None] != self.codes[j][None, :, k]
        if self.numeric[i] is not None:
            for k, rng in enumerate(self.ranges):
                _numeric_distance(self.numeric[i][rows, k], self.numeric[j][:, k], rng, total)
        total /= np.float32(self.n_columns)
        return total

    def _n_rows(self, j: int) -> int:
        for block in (self.onehot[j], self.codes[j], self.numeric[j]):
            if block is not None:
                return len(block)
        return 0


def _numeric_distance(a: np.ndarray, b: np.ndarray, value_range: float, out: np.ndarray) -> None:
    """Add the per-column distances between ``a`` (rows) and ``b`` (columns) to ``out`` in place."""
    diff = np.subtract.outer(a.astype(np.float32), b.astype(np.float32))
    np.abs(diff, out=diff)
    if value_range == 0:
        diff = (diff > 0).astype(np.float32)
    else:
        diff *= np.float32(1.0 / value_range)
        np.minimum(diff, np.float32(1.0), out=diff)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if nan_a.any() or nan_b.any():
        either = nan_a[:, None] | nan_b[None, :]
        diff[either] = (nan_a[:, None] != nan_b[None, :])[either]
    out += diff


def nearest_distances(enc: _Encoded, i: int, j: int, k: int = 2) -> np.ndarray:
    """The ``k`` smallest distances from each row of frame ``i`` to the rows of frame ``j``, sorted."""
    n = enc._n_rows(i)
    out = np.empty((n, k))
    for start in range(0, n, _CHUNK):
        rows = np.arange(start, min(start + _CHUNK, n))
        dist = enc.distances(i, rows, j)
        kk = min(k, dist.shape[1])
        part = np.partition(dist, kk - 1, axis=1)[:, :kk]
        out[rows, :kk] = np.sort(part, axis=1)
        out[rows, kk:] = np.nan
    return out


def _row_keys(data: EvaluationData, frames: list[pd.DataFrame]) -> list[np.ndarray]:
    """A 64-bit hash per row, equal for rows with equal values in every evaluated column."""
    columns = [{} for _ in frames]
    for name in data.columns:
        if data.is_continuous(name):
            for i, f in enumerate(frames):
                columns[i][name] = continuous_values(f[name])
        else:
            codes, _ = joint_codes(*(f[name] for f in frames))
            for i, c in enumerate(codes):
                columns[i][name] = c
    return [pd.util.hash_pandas_object(pd.DataFrame(c), index=False).to_numpy() for c in columns]


def _subsample(frame: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    return frame.iloc[np.sort(rng.choice(len(frame), min(n, len(frame)), replace=False))]


def privacy_details(data: EvaluationData, random_state=0, synthetic_rows: int = DEFAULT_SYNTHETIC_ROWS,
                    reference_rows: int = DEFAULT_REFERENCE_ROWS) -> pd.DataFrame:
    """Privacy scores of prepared data, one row per metric (columns ``Metric``, ``Score``)."""
    keys = _row_keys(data, [data.real, data.synthetic] + ([data.holdout] if data.holdout is not None else []))
    scores = {"exact_copy_rate": float(np.isin(keys[1], keys[0]).mean()),
              "holdout_copy_rate": float(np.isin(keys[2], keys[0]).mean()) if len(keys) > 2 else np.nan}
    names = ["dcr_share", "dcr_real_median", "dcr_holdout_median", "nndr_median"]
    if data.holdout is None:
        warnings.warn(
            "The privacy distances (DCR share, NNDR) need real rows the synthesizer never saw: pass "
            "holdout=... . They are NaN; the exact-copy rate is still reported.",
            UserWarning,
            stacklevel=3,
        )
        scores.update(dict.fromkeys(names, np.nan))
    else:
        scores.update(_distance_scores(data, np.random.default_rng(random_state), synthetic_rows,
                                       reference_rows))
    return pd.DataFrame({"Metric": list(scores), "Score": list(scores.values())})


def _distance_scores(data: EvaluationData, rng, synthetic_rows: int, reference_rows: int) -> dict:
    m = min(len(data.real), len(data.holdout), reference_rows)
    frames = [_subsample(data.synthetic, synthetic_rows, rng), _subsample(data.real, m, rng),
              _subsample(data.holdout, m, rng)]
    enc = _Encoded(data, frames)
    to_real = nearest_distances(enc, 0, 1, k=2)
    to_holdout = nearest_distances(enc, 0, 2, k=1)[:, 0]
    d1, d2 = to_real[:, 0], to_real[:, 1]
    share = np.mean((d1 < to_holdout) + 0.5 * (d1 == to_holdout))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(d2 == 0, 1.0, d1 / d2)
    return {"dcr_share": float(share), "dcr_real_median": float(np.median(d1)),
            "dcr_holdout_median": float(np.median(to_holdout)), "nndr_median": float(np.nanmedian(ratio))}


def privacy(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None = None,
            metadata=None, *, random_state=0, synthetic_rows: int = DEFAULT_SYNTHETIC_ROWS,
            reference_rows: int = DEFAULT_REFERENCE_ROWS) -> pd.DataFrame:
    """Distance-to-closest-record and exact-copy privacy scores.

    Parameters
    ----------
    real, synthetic : pandas.DataFrame
        The synthesizer's training data and its synthetic data.
    holdout : pandas.DataFrame, optional
        Real rows the synthesizer never saw; without it the distance scores are NaN (with a warning).
    metadata : Metadata, dict or None
        Column sdtypes; detected from ``real`` when None.
    random_state : int or None
        Seeds the subsamples.
    synthetic_rows, reference_rows : int
        Sizes of the synthetic subsample and of the equal-size real and holdout subsamples.

    Returns
    -------
    pandas.DataFrame
        Columns ``Metric`` and ``Score``; metrics as in the module docstring.
    """
    return privacy_details(prepare(real, synthetic, metadata, holdout), random_state, synthetic_rows,
                           reference_rows)


def pii_leakage(real: pd.DataFrame, synthetic: pd.DataFrame, metadata) -> pd.DataFrame:
    """Per personal-data column (a PII sdtype or ``pii: True``): the share of synthetic values seen in the
    real column. tabsynth's synthesizers never emit one, so anything but 0 means the rows came from
    elsewhere or the column was not declared personal."""
    from ..schema.pii import is_pii

    rows = []
    for name, spec in metadata.columns.items():
        if not is_pii(spec) or name not in real.columns or name not in synthetic.columns:
            continue
        fake = synthetic[name].dropna().astype(str)
        seen = set(real[name].dropna().astype(str))
        rows.append({"Column": name, "Sdtype": spec["sdtype"],
                     "Leaked share": float(fake.isin(seen).mean()) if len(fake) else 0.0})
    return pd.DataFrame(rows, columns=["Column", "Sdtype", "Leaked share"])
