"""The chain's view of a sequence's past: lagged states, memory features, and their held-out scoring.

Fitting sees whole sequences at once (arrays in entity order, with each row's ``position``);
sampling sees them one step at a time (``history``: per variable, arrays of shape ``(sequences,
steps)``). The functions here compute the same features both ways: lags, the entity's memory (the
mean of a number's states so far, its first level), and the two halves used to choose between a
tree and a table on held-out entities.
"""

from __future__ import annotations

import functools

import numpy as np

from ._step_trees import MISSING_FEATURE


class LazyFeatures:
    """Parent values at step t, computed only when a table asks for them (a dict-like view)."""

    def __init__(self, model, t, history, static, size):
        self.model, self.t, self.history, self.static, self.size = model, t, history, static, size

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self.static:
            return self.static[name]
        column, kind, lag, pad = parse_feature(name, self.model.cards_[name])
        if self.t - lag < 0:
            return np.full(self.size, pad, dtype=np.int64)
        return self.history[column][kind][:, self.t - lag]


@functools.lru_cache(maxsize=4096)
def parse_feature(name: str, card: int) -> tuple[str, str, int, int]:
    column, lag_text = name.rsplit("|", 1)
    return column, lag_text[0], int(lag_text[1:]), card - 1


def folds(position: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Two halves for held-out scoring: alternate entities, or, with few entities, early and late steps."""
    entity = np.repeat(np.arange(len(lengths)), lengths)
    if len(lengths) >= 10:
        return entity % 2
    return (position >= np.repeat(lengths, lengths) / 2).astype(np.int64)


def held_out_loglik(build, target: np.ndarray, features: dict, fold: np.ndarray) -> float:
    """Mean log-probability of each half's targets under a model built on the other half."""
    total = 0.0
    for k in (0, 1):
        test = fold == k
        if not test.any() or test.all():
            return float("-inf")
        probs = build(~test).predict(subset(features, test), int(test.sum()))
        total += float(np.log(np.maximum(probs[np.arange(int(test.sum())), target[test]], 1e-12)).sum())
    return total / len(target)


def memory_limit(var: dict) -> int:
    """States at or above this are no observation (missing, or a diff column's first-step pad)."""
    return var["card"] - 1 if has_missing_state(var) else var["card"]


def running_means(values: np.ndarray, valid: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Mean of each sequence's valid values up to and including each row (NaN before the first)."""
    first = np.flatnonzero(position == 0)
    lengths = np.diff(np.r_[first, len(values)])
    sums, counts = np.cumsum(np.where(valid, values, 0)), np.cumsum(valid)
    before_sum = np.repeat(np.r_[0, sums[first[1:] - 1]], lengths)
    before_count = np.repeat(np.r_[0, counts[first[1:] - 1]], lengths)
    count = counts - before_count
    return np.where(count > 0, (sums - before_sum) / np.maximum(count, 1), np.nan)


def has_missing_state(var: dict) -> bool:
    """A level number or a category whose last state means missing."""
    return var["kind"] == "level" and bool(var["flag"])


SHARE_CODES = 5  # missing shares as codes: 0-20 %, ..., 80-100 %
MEMORY_KINDS = ("level", "diff", "flag")  # variables whose past the step models see summarized


def fit_memory(variables, states, levels, position, features, cards) -> None:
    """The entity's memory of each number up to the previous step: its mean state, first level and
    share of missing steps, as floats for the trees (``M1``, ``F1``, ``N1``) and codes for the tables
    (``Q1``, ``P1``).

    A number's bins are ordered, so the mean state index of the steps so far says where the
    sequence has lived (its level; for a ``diff`` column its usual step, i.e. its trend); the
    missing share says how often this entity is unobserved (missing flags: their own mean).
    Sampling computes the same, step by step (:func:`update_memory`).
    """
    for var in variables:
        if var["kind"] not in MEMORY_KINDS:
            continue
        name = var["name"]
        valid = states[name] < memory_limit(var)
        means = np.nan_to_num(running_means(states[name], valid, position), nan=MISSING_FEATURE)
        features[f"{name}|M1"] = lagged(means, position, 1)
        first = np.repeat(levels[name][position == 0], np.bincount(np.cumsum(position == 0) - 1))
        features[f"{name}|F1"] = lagged(first.astype(float), position, 1)
        cards[f"{name}|M1"] = cards[f"{name}|F1"] = 0  # pad = -1: no memory yet
        if has_missing_state(var):
            missing = (states[name] == var["card"] - 1).astype(float)
            shares = running_means(missing, np.ones(len(missing), dtype=bool), position)
            features[f"{name}|N1"], cards[f"{name}|N1"] = lagged(shares, position, 1), 0
        for feature, (codes, card) in memory_codes(var, features[f"{name}|M1"], features.get(f"{name}|N1")).items():
            features[feature], cards[feature] = codes, card


def memory_candidates(variables, i: int | None, coded: bool = False) -> list[str]:
    """The memory features variable ``i`` may use: floats for a tree, or codes for a table (``coded``)."""
    names = []
    for j, var in enumerate(variables):
        if var["kind"] not in MEMORY_KINDS:
            continue
        missing = has_missing_state(var)
        if coded:
            names += [f"{var['name']}|Q1"] + ([f"{var['name']}|P1"] if missing else [])
        else:
            names += [f"{var['name']}|M1"] + ([f"{var['name']}|N1"] if missing else [])
            names += [f"{var['name']}|F1"] if j == i else []
    return names


def memory_codes(var: dict, means: np.ndarray, shares: np.ndarray | None) -> dict:
    """Memory features as table parents: ``name|Q1`` the mean state rounded, ``name|P1`` the missing share
    in fifths; the last code of each is 'no memory yet'. Returns {feature: (codes, cardinality)}."""
    name, pad = var["name"], var["card"]
    out = {f"{name}|Q1": (np.where(means < 0, pad, np.clip(np.rint(means), 0, pad - 1)).astype(np.int64), pad + 1)}
    if shares is not None:
        codes = np.where(shares < 0, SHARE_CODES,
                         np.minimum((np.maximum(shares, 0) * SHARE_CODES).astype(np.int64), SHARE_CODES - 1))
        out[f"{name}|P1"] = (codes.astype(np.int64), SHARE_CODES + 1)
    return out


def update_memory(var: dict, own: dict, t: int) -> None:
    """The memory features after step ``t`` (as :func:`running_means` gives them in fit)."""
    state = own["S"][:, t]
    valid = state < memory_limit(var)
    own["sum"] += np.where(valid, state, 0)
    own["count"] += valid
    own["M"][:, t] = np.where(own["count"] > 0, own["sum"] / np.maximum(own["count"], 1), MISSING_FEATURE)
    if has_missing_state(var):
        own["missing"] += state == var["card"] - 1
        own["N"][:, t] = own["missing"] / (t + 1)
    shares = own["N"][:, t] if has_missing_state(var) else None
    for feature, (codes, _) in memory_codes(var, own["M"][:, t], shares).items():
        own[feature.rsplit("|", 1)[1][0]][:, t] = codes  # 'Q' or 'P'
    if t == 0:
        own["F"][:] = own["L"][:, :1]


def subset(features: dict, rows: np.ndarray) -> dict:
    return {name: values[rows] for name, values in features.items()}


def lagged(values: np.ndarray, position: np.ndarray, lag: int, pad=MISSING_FEATURE) -> np.ndarray:
    """Each row's value ``lag`` steps earlier in its sequence; ``pad`` before the start (int states
    stay int64, float memories float64)."""
    if lag == 0:
        return values
    out = np.full(len(values), pad, dtype=np.int64 if np.issubdtype(np.asarray(values).dtype, np.integer)
                  else np.float64)
    ok = position >= lag
    out[ok] = values[np.flatnonzero(ok) - lag]
    return out


def interpolate_missing(values, missing, starts, lengths) -> np.ndarray:
    """Fill missing values by linear interpolation within each sequence (ends: nearest observed)."""
    if not missing.any():
        return values
    out = values.copy()
    fallback = float(np.median(values[~missing])) if (~missing).any() else 0.0
    for start, length in zip(starts, lengths):
        gap = missing[start:start + length]
        if not gap.any():
            continue
        seen = np.flatnonzero(~gap)
        segment = out[start:start + length]
        if len(seen) == 0:
            segment[:] = fallback
        else:
            segment[gap] = np.interp(np.flatnonzero(gap), seen, segment[seen])
    return out


def within_diffs(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    diffs = np.diff(values)
    keep = np.ones(len(values), dtype=bool)
    keep[starts] = False
    return diffs[keep[1:]]
