"""What the neural sequence model reads besides the encoded steps: step features, context, windows.

* :class:`StepFeatures` -- per step: where it lies in its sequence (log position, share of the
  length, log steps left), the calendar of a datetime index as sine/cosine pairs, the gap to the
  previous step and the time since the start (in median steps, log scale): the sequence index's
  irregular gaps are inputs, so a step after a long gap may move more; and the index itself
  (standardized), since entities of a panel share the shocks of calendar time (a recession year).
* :class:`ContextEncoder` -- per sequence: its context columns (numbers standardized with a missing
  flag, categories one-hot over the most frequent) and its log length, which is known before the
  steps are generated (the context model draws it first).
* :func:`segments` -- training windows: a long sequence is cut into windows of ``window`` steps at
  a random offset each epoch, each run from ``burn_in`` steps before it (the loss counts only the
  window), so the recurrent state a window starts from has seen its recent past;
  :func:`interleaved_blocks` holds out blocks spread over a few long sequences for early stopping.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

PERIODS = {"@hour": 24, "@dayofweek": 7, "@month": 12}
MAX_CONTEXT_CATEGORIES = 50


class StepFeatures:
    """Float features of every step, fitted on the training index (its longest sequence, median gap)."""

    def fit(self, lengths: np.ndarray, calendar: dict) -> StepFeatures:
        self.max_length_ = int(lengths.max())
        self.keys_ = sorted(k for k in calendar if k in PERIODS)
        gaps = calendar.get("@gap")
        positive = np.asarray(gaps, dtype=float)[np.asarray(gaps) > 0] if gaps is not None else np.zeros(0)
        self.median_gap_ = float(np.median(positive)) if len(positive) else 0.0
        times = np.asarray(calendar.get("@time", np.zeros(1)), dtype=float)
        self.time_center_, self.time_scale_ = float(times.mean()), float(times.std()) or 1.0
        return self

    @property
    def width(self) -> int:
        return 4 + 2 * len(self.keys_) + (2 if self.median_gap_ > 0 else 0)

    def transform(self, position: np.ndarray, length: np.ndarray, calendar: dict) -> np.ndarray:
        """Features of steps at ``position`` of sequences of ``length`` (arrays of one shape)."""
        scale = np.log1p(self.max_length_)
        parts = [np.log1p(position) / scale, position / np.maximum(length - 1, 1),
                 np.log1p(np.maximum(length - 1 - position, 0)) / scale]
        time = np.asarray(calendar.get("@time", np.full(np.shape(position), self.time_center_)), dtype=float)
        parts.append(np.clip((time - self.time_center_) / self.time_scale_, -5, 5))
        for key in self.keys_:
            angle = 2 * np.pi * np.asarray(calendar[key], dtype=float) / PERIODS[key]
            parts += [np.sin(angle), np.cos(angle)]
        if self.median_gap_ > 0:
            gaps = np.asarray(calendar["@gap"], dtype=float) / self.median_gap_
            elapsed = _cumulative_within(gaps, position)
            parts += [np.log1p(np.clip(gaps, 0, 1e6)) - np.log(2.0), np.log1p(elapsed) / scale]
        return np.stack(parts, axis=-1).astype(np.float32)

    def to_state(self) -> dict:
        return {"max_length": self.max_length_, "keys": list(self.keys_), "median_gap": self.median_gap_,
                "time": [self.time_center_, self.time_scale_]}

    @classmethod
    def from_state(cls, state: dict) -> StepFeatures:
        features = cls()
        features.max_length_ = int(state["max_length"])
        features.keys_ = [str(k) for k in state["keys"]]
        features.median_gap_ = float(state["median_gap"])
        features.time_center_, features.time_scale_ = (float(v) for v in state["time"])
        return features


def _cumulative_within(gaps: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Running sum of ``gaps`` restarting where ``position`` is 0 (flat arrays or one row per sequence)."""
    if gaps.ndim == 2:
        return np.cumsum(gaps, axis=1)
    total = np.cumsum(gaps)
    starts = np.flatnonzero(position == 0)
    offsets = np.repeat(total[starts] - gaps[starts], np.diff(np.r_[starts, len(gaps)]))
    return total - offsets


def magnitude(values: np.ndarray) -> float:
    peak = float(np.max(np.abs(values))) if len(values) else 0.0
    return peak if peak > 0 else 1.0


def robust_center(values: np.ndarray) -> float:
    """The mean, computed on values scaled to at most 1 (a plain mean of numbers near 1e300 overflows)."""
    peak = magnitude(values)
    return float(np.mean(values / peak) * peak) if len(values) else 0.0


def robust_spread(values: np.ndarray) -> float:
    """The standard deviation, computed on scaled values for the same reason (the squares overflow)."""
    peak = magnitude(values)
    return float(np.std(values / peak) * peak) if len(values) else 0.0


class ContextEncoder:
    """Context columns and the log length of each sequence as one float vector."""

    def fit(self, context: pd.DataFrame, lengths: np.ndarray) -> ContextEncoder:
        self.columns_ = []
        for name in context.columns:
            column = context[name]
            if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
                values = column.to_numpy(dtype=float, na_value=np.nan)
                finite = values[np.isfinite(values)]
                center, scale = robust_center(finite), robust_spread(finite) or 1.0
                self.columns_.append({"name": name, "numeric": True, "center": center, "scale": scale,
                                      "flag": bool(np.isnan(values).any())})
            else:
                counts = column.astype(object).value_counts(dropna=False)
                values = np.array(counts.index[:MAX_CONTEXT_CATEGORIES], dtype=object)
                self.columns_.append({"name": name, "numeric": False, "categories": values})
        logs = np.log(np.maximum(lengths, 1))
        self.length_center_, self.length_scale_ = float(logs.mean()), float(logs.std()) or 1.0
        return self

    @property
    def width(self) -> int:
        return 1 + sum(1 + c["flag"] if c["numeric"] else len(c["categories"]) + 1 for c in self.columns_)

    def transform(self, context: pd.DataFrame, lengths: np.ndarray) -> np.ndarray:
        parts = [(np.log(np.maximum(lengths, 1)) - self.length_center_) / self.length_scale_]
        for spec in self.columns_:
            column = context[spec["name"]]
            if spec["numeric"]:
                values = column.to_numpy(dtype=float, na_value=np.nan)
                missing = np.isnan(values)
                parts.append(np.where(missing, 0.0, (values - spec["center"]) / spec["scale"]))
                if spec["flag"]:
                    parts.append(missing.astype(float))
            else:
                codes = _category_codes(column, spec["categories"])
                parts.extend(np.eye(len(spec["categories"]) + 1)[codes].T)  # the last slot: any other value
        return np.stack(parts, axis=1).astype(np.float32)

    def to_state(self) -> dict:
        return {"columns": self.columns_, "length": [self.length_center_, self.length_scale_]}

    @classmethod
    def from_state(cls, state: dict) -> ContextEncoder:
        encoder = cls()
        encoder.columns_ = [dict(c) for c in state["columns"]]
        for spec in encoder.columns_:
            if not spec["numeric"]:
                spec["categories"] = np.asarray(spec["categories"], dtype=object)
        encoder.length_center_, encoder.length_scale_ = (float(v) for v in state["length"])
        return encoder


def _category_codes(column: pd.Series, categories: np.ndarray) -> np.ndarray:
    values = column.astype(object).to_numpy()
    codes = np.full(len(values), len(categories), dtype=np.int64)
    for code, category in enumerate(categories):
        hit = pd.isna(values) if _is_missing(category) else values == category
        codes[hit & (codes == len(categories))] = code
    return codes


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def segments(ranges: np.ndarray, window: int, burn_in: int, rng: np.random.Generator | None,
             burn_before: bool = False) -> np.ndarray:
    """Windows over ``ranges`` (rows ``(sequence, begin, end)``): rows ``(sequence, run_from, loss_from,
    stop)``, steps ``[run_from, stop)`` run, ``[loss_from, stop)`` scored. A range longer than ``window``
    is cut at a random offset (``rng``; None: offset 0). The burn-in stays inside the range unless
    ``burn_before`` (held-out ranges warm up on the real steps before them)."""
    out = []
    for seq, begin, stop in np.asarray(ranges, dtype=np.int64).reshape(-1, 3):
        if stop <= begin:
            continue
        floor = 0 if burn_before else begin
        if stop - begin <= window:
            out.append((seq, max(floor, begin - burn_in), begin, stop))
            continue
        offset = int(rng.integers(0, window)) if rng is not None else 0
        bounds = np.unique(np.r_[begin, np.arange(begin + offset, stop, window), stop])
        out += [(seq, max(floor, lo - burn_in), lo, hi) for lo, hi in itertools.pairwise(bounds)]
    return np.asarray(out, dtype=np.int64).reshape(-1, 4)


def interleaved_blocks(lengths: np.ndarray, fraction: float, block: int, rng: np.random.Generator):
    """Held-out blocks of ``block`` steps spread over each sequence (about ``fraction`` of its steps, none
    at its first block), and the training ranges around them: ``(training ranges, held-out ranges)``. A
    tail would hold out one season of a year-long series, which the model never trained on."""
    train, held = [], []
    for seq, length in enumerate(lengths):
        count = int(length) // block
        chosen = np.zeros(count, dtype=bool)
        if count >= 2:
            picks = max(1, round(fraction * count))
            chosen[1 + rng.choice(count - 1, min(picks, count - 1), replace=False)] = True
        edges = np.r_[np.arange(count) * block, length]
        for i in range(count):
            (held if chosen[i] else train).append((seq, edges[i], edges[i + 1]))
        if count == 0:
            train.append((seq, 0, int(length)))
    return np.asarray(train, dtype=np.int64).reshape(-1, 3), np.asarray(held, dtype=np.int64).reshape(-1, 3)
