"""Mode-specific normalization: a number as a scalar inside one mode of a Gaussian mixture.

Xu et al. (2019) fit a variational Gaussian mixture to each numerical column, keep the modes
with weight above a threshold, and represent a value ``x`` by a mode ``k`` drawn from the
posterior over modes plus the scalar ``(x - mean_k) / (4 std_k)``. The mixture is fitted here on
a bounded subsample with few iterations: the modes of a column are found as well from a few
thousand values as from all of them, and fitting stops being the slow step.
"""

from __future__ import annotations

import warnings

import numpy as np

_STD_FLOOR = 1e-6


class ModeSpecificNormalizer:
    """A variational Gaussian mixture over one column, used to normalize values per mode.

    Parameters
    ----------
    max_modes : int, default 10
        Components of the mixture before pruning.
    weight_threshold : float, default 0.005
        Modes whose weight is below this are dropped.
    max_fit_rows : int, default 2000
        The mixture is fitted on a random subsample of at most this many values.
    max_iter : int, default 100
        Variational EM iterations.

    Attributes
    ----------
    means_, stds_, weights_ : ndarray of shape (n_modes,)
        The kept modes (weights renormalized to sum to one).
    """

    def __init__(self, max_modes: int = 10, weight_threshold: float = 0.005, max_fit_rows: int = 2000,
                 max_iter: int = 100):
        self.max_modes = max_modes
        self.weight_threshold = weight_threshold
        self.max_fit_rows = max_fit_rows
        self.max_iter = max_iter

    @property
    def n_modes(self) -> int:
        return len(self.means_)

    def fit(self, values: np.ndarray, rng: np.random.Generator) -> ModeSpecificNormalizer:
        """Fit the mixture to ``values`` (1-d, finite) using draws from ``rng``."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.mixture import BayesianGaussianMixture

        values = np.asarray(values, dtype=float)
        if len(values) > self.max_fit_rows:
            values = rng.choice(values, size=self.max_fit_rows, replace=False)
        # Work in units of the largest magnitude: values near 1e300 would overflow squares and stds.
        self.unit_ = float(np.max(np.abs(values))) if len(values) and np.max(np.abs(values)) > 0 else 1.0
        values = values / self.unit_
        center, scale = float(values.mean()), float(values.std()) or 1.0
        standardized = ((values - center) / scale).reshape(-1, 1)
        components = int(min(self.max_modes, len(np.unique(standardized))))
        if components < 2:
            self._set_modes(np.array([center]) * self.unit_, np.array([max(scale, _STD_FLOOR)]) * self.unit_,
                            np.array([1.0]))
            return self
        mixture = BayesianGaussianMixture(
            n_components=components, weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=0.001, max_iter=self.max_iter, n_init=1,
            random_state=int(rng.integers(0, 2**31 - 1)),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mixture.fit(standardized)
        keep = mixture.weights_ > self.weight_threshold
        if not keep.any():
            keep = mixture.weights_ == mixture.weights_.max()
        means = mixture.means_[keep, 0] * scale + center
        stds = np.sqrt(mixture.covariances_[keep].reshape(-1)) * scale
        self._set_modes(means * self.unit_, np.maximum(stds, _STD_FLOOR * scale) * self.unit_, mixture.weights_[keep])
        return self

    def _set_modes(self, means: np.ndarray, stds: np.ndarray, weights: np.ndarray) -> None:
        self.means_ = np.asarray(means, dtype=float)
        self.stds_ = np.asarray(stds, dtype=float)
        self.weights_ = np.asarray(weights, dtype=float) / np.sum(weights)

    def posterior(self, values: np.ndarray) -> np.ndarray:
        """Probability of each kept mode given each value, shape (n, n_modes)."""
        means, stds = self.means_ / self.unit_, self.stds_ / self.unit_  # unit scale: no overflow near 1e300
        z = (np.asarray(values, dtype=float)[:, None] / self.unit_ - means) / stds
        log_p = -0.5 * z**2 - np.log(stds) + np.log(self.weights_)
        with np.errstate(invalid="ignore", over="ignore"):
            log_p -= log_p.max(axis=1, keepdims=True)
        p = np.nan_to_num(np.exp(log_p), nan=1.0)  # a value far from every mode: all modes alike
        return p / p.sum(axis=1, keepdims=True)

    def transform(self, values: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Scalars in [-1, 1] and mode indices (drawn from the posterior), one per value."""
        values = np.asarray(values, dtype=float)
        cumulative = np.cumsum(self.posterior(values), axis=1)
        draws = rng.random(len(values))[:, None] * cumulative[:, -1:]
        modes = np.minimum((cumulative < draws).sum(axis=1), self.n_modes - 1)
        scalars = (values / self.unit_ - self.means_[modes] / self.unit_) / (4 * self.stds_[modes] / self.unit_)
        return np.clip(scalars, -0.99, 0.99), modes

    def inverse_transform(self, scalars: np.ndarray, modes: np.ndarray) -> np.ndarray:
        """Values from scalars and mode indices."""
        scalars = np.clip(np.asarray(scalars, dtype=float), -1.0, 1.0)
        modes = np.asarray(modes, dtype=np.int64)
        return scalars * 4 * self.stds_[modes] + self.means_[modes]

    def to_state(self) -> dict:
        return {"means": self.means_, "stds": self.stds_, "weights": self.weights_, "unit": self.unit_}

    @classmethod
    def from_state(cls, state: dict) -> ModeSpecificNormalizer:
        normalizer = cls()
        normalizer._set_modes(state["means"], state["stds"], state["weights"])
        normalizer.unit_ = float(state.get("unit", 1.0))
        return normalizer
