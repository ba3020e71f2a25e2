"""CTGAN's conditional vector and training-by-sampling, with array operations only.

For training, a categorical column is picked uniformly, one of its categories with probability
proportional to the log of its frequency (rare categories get seen), and a real row holding that
category uniformly. For sampling, the category follows its empirical frequency. The conditional
vector is the one-hot of the picked category over all categorical columns side by side.
"""

from __future__ import annotations

import numpy as np


class ConditionalSampler:
    """Conditional vectors and matching real rows for the categorical columns of a table.

    Parameters
    ----------
    counts : list of ndarray
        Category counts of each categorical column (the order of the conditional vector).
    log_frequency : bool, default True
        Draw training categories by log-frequency (else by frequency).
    """

    def __init__(self, counts: list, log_frequency: bool = True):
        self.counts = [np.asarray(c, dtype=np.int64) for c in counts]
        self.log_frequency = log_frequency
        widths = np.array([len(c) for c in self.counts], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(widths)])
        self.width = int(self.offsets[-1])
        self._train_cumulative = self._cumulative(lambda c: np.log1p(c) if log_frequency else c)
        self._sample_cumulative = self._cumulative(lambda c: c)

    @classmethod
    def from_codes(cls, codes: list, cardinalities: list, num_rows: int, log_frequency: bool = True) -> ConditionalSampler:
        """Count categories and index the real rows by category (needed for training)."""
        counts = [np.bincount(np.asarray(c, dtype=np.int64), minlength=k) for c, k in zip(codes, cardinalities)]
        sampler = cls(counts, log_frequency)
        sampler._n_rows = num_rows
        # rows grouped by (column, category): the rows of global category g are
        # rows_[row_start_[g] : row_start_[g] + counts[g]]
        sampler.rows_ = np.concatenate([np.argsort(c, kind="stable") for c in codes]) if codes else np.zeros(0, int)
        flat = np.concatenate(sampler.counts) if codes else np.zeros(0, int)
        column_base = np.repeat(np.arange(len(codes)) * num_rows,
                                [len(c) for c in sampler.counts]).astype(np.int64)
        within = np.concatenate([np.concatenate([[0], np.cumsum(c)[:-1]]) for c in sampler.counts]) if codes else flat
        sampler.row_start_ = column_base + within
        sampler.flat_counts_ = flat
        return sampler

    def _cumulative(self, weigh) -> np.ndarray:
        """Per-column cumulative probabilities, padded to the widest column with ones."""
        if not self.counts:
            return np.zeros((0, 0))
        widest = max(len(c) for c in self.counts)
        table = np.ones((len(self.counts), widest))
        for j, c in enumerate(self.counts):
            weights = weigh(c.astype(float))
            table[j, :len(c)] = np.cumsum(weights) / weights.sum()
        return table

    def _draw(self, size: int, rng: np.random.Generator, cumulative: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        columns = rng.integers(0, len(self.counts), size=size)
        uniform = rng.random(size)[:, None]
        categories = (cumulative[columns] < uniform).sum(axis=1)
        widths = np.diff(self.offsets)[columns]
        return columns, np.minimum(categories, widths - 1)

    def _vectors(self, columns: np.ndarray, categories: np.ndarray) -> np.ndarray:
        vectors = np.zeros((len(columns), self.width), dtype=np.float32)
        vectors[np.arange(len(columns)), self.offsets[columns] + categories] = 1.0
        return vectors

    def sample_train(self, size: int, rng: np.random.Generator):
        """Conditional vectors, chosen columns and matching real row indices, for one training batch."""
        if not self.counts:
            return np.zeros((size, 0), dtype=np.float32), np.zeros(size, int), rng.integers(0, self._n_rows, size)
        columns, categories = self._draw(size, rng, self._train_cumulative)
        flat = self.offsets[columns] + categories
        picks = (rng.random(size) * self.flat_counts_[flat]).astype(np.int64)
        rows = self.rows_[self.row_start_[flat] + picks]
        return self._vectors(columns, categories), columns, rows

    def sample_original(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Conditional vectors with categories at their empirical frequencies (for generation)."""
        if not self.counts:
            return np.zeros((size, 0), dtype=np.float32)
        return self._vectors(*self._draw(size, rng, self._sample_cumulative))

    def sample_original_index(self, size: int, rng: np.random.Generator) -> np.ndarray | None:
        """The hot position of :meth:`sample_original`'s vectors (the same draws); None without columns."""
        if not self.counts:
            return None
        columns, categories = self._draw(size, rng, self._sample_cumulative)
        return self.offsets[columns] + categories

    def frequency(self, column: int, category: int) -> float:
        """Share of the training rows holding ``category`` in categorical column ``column``."""
        counts = self.counts[column]
        return float(counts[category] / max(counts.sum(), 1))

    def to_state(self) -> dict:
        return {"counts": list(self.counts), "log_frequency": self.log_frequency}

    @classmethod
    def from_state(cls, state: dict) -> ConditionalSampler:
        return cls([np.asarray(c) for c in state["counts"]], bool(state["log_frequency"]))
