"""Marginal calibration of running values built from step differences (the Markov chain's ``diff``
columns, the neural sequence model's smooth tracks).

A chain over step differences reproduces the dynamics of a series, but its pooled values drift a
little away from the real marginal: every step adds a difference drawn from a coarse bin, and the
errors accumulate along a trajectory. After fitting, the chain is run on the training contexts and
grid, and a monotone map from the chain's own quantiles to the real quantiles is stored (``KNOTS``
points, linear in between). Sampled values go through it on the way out; the chain itself keeps
running on its uncalibrated values, so the learned dynamics are untouched, and a monotone map keeps
every trajectory's ups and downs in order. The map is fixed at fit time: the rows of a seeded
sample do not depend on how many sequences are drawn with it.
"""

from __future__ import annotations

import numpy as np

KNOTS = 101
TARGET_SEQUENCES = 2000  # calibration runs at least this many sequences ...
MAX_STEPS = 100_000  # ... unless that would be more steps than this


def repeats_for(lengths: np.ndarray) -> int:
    """How many times to run the training contexts through the chain for a stable calibration."""
    by_count = -(-TARGET_SEQUENCES // len(lengths))
    by_steps = max(1, MAX_STEPS // int(lengths.sum()))
    return int(max(1, min(by_count, by_steps)))


def padded(flat: dict, starts: np.ndarray, lengths: np.ndarray) -> dict:
    """Per-row arrays (long format) as ``(sequences, longest length)`` arrays, zero past each end."""
    rows = np.repeat(np.arange(len(lengths)), lengths)
    steps = np.arange(int(lengths.sum())) - np.repeat(starts, lengths)
    out = {}
    for name, values in flat.items():
        grid = np.zeros((len(lengths), int(lengths.max())), dtype=np.asarray(values).dtype)
        grid[rows, steps] = values
        out[name] = grid
    return out


def fit_map(chain_values: np.ndarray, real_values: np.ndarray) -> dict:
    """The monotone map from the chain's quantiles to the real ones (strictly increasing knots)."""
    levels = np.linspace(0.0, 1.0, KNOTS)
    source = np.quantile(chain_values, levels)
    target = np.quantile(real_values, levels)
    source, first = np.unique(source, return_index=True)
    return {"source": source, "target": target[first]}


def apply_map(values: np.ndarray, mapping: dict | None) -> np.ndarray:
    if mapping is None or len(mapping["source"]) < 2:
        return values
    return np.interp(values, mapping["source"], mapping["target"])
