"""Numbers of a sequence as tracks: smooth ones modeled as a first value and then step differences.

A number that moves less from one step to the next than across its values (its step differences spread
less than its values: a lag-1 autocorrelation above one half; the Markov chain's stricter one half of the
spread measured worse here, sequence detection on the bundled panels' training entities) is generated as a *start* (its value at the first
step) and *steps* (the change at every later step), on the log scale when it is positive and spans a
factor of 10 (population, GDP: their changes scale with their size). Drawn as a whole value at every
step, such a series jitters by the model's error at every step -- a detector sees that at once in the
spread of the differences; drawn as differences, its jitter is the real steps' own. The running value
stays inside the range seen. Every number's previous value (standardized, on its modeling scale) is
also an input of the next step: a one-hot mode and a scalar inside it are hard to read as a level.

With a datetime index, a number's level is taken relative to its seasonal baseline first: the mean
plus additive hour-of-day, weekday and month effects of the calendar (fitted by backfitting on the
training steps). The network then models the departures from it, which do not drift with the seasons
over a year-long series (a temperature's swing from winter to summer is the baseline's), and the
baseline of the sampled calendar is added back.

The two new columns ``<name>@start`` and ``<name>@step`` are encoded with the shared layout like any
numerical column; ``phase`` says at which steps each is scored and fed back (``start``: the first step
only, ``step``: the others, ``always``: every step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...schema.codecs import MISSING_SUFFIX
from ._sequence_data import PERIODS, magnitude, robust_center, robust_spread

SMOOTH_RATIO = 1.0  # steps spread less than the values (lag-1 autocorrelation above 1/2); 0.5 measured worse
MIN_DISTINCT = 40
LOG_RANGE = 10.0
START, STEP = "@start", "@step"


@dataclass(frozen=True)
class _Column:  # what TableTransformer reads of an encoded column
    name: str
    kind: str
    cardinality: int = 0


class NumberTracks:
    """Which numbers are smooth (start + steps) and the scales of every number's level input."""

    def fit(self, encoded: pd.DataFrame, columns, starts: np.ndarray, calendar: dict) -> NumberTracks:
        self.keys_ = sorted(k for k in calendar if k in PERIODS)
        self.tracks_, departures = [], {}
        for column in columns:
            if column.kind != "numerical":
                continue
            missing = missing_flags(encoded, column.name)
            observed = encoded[column.name].to_numpy(dtype=float)[~missing]
            if not len(observed):
                continue
            use_log = bool(observed.min() > 0 and observed.max() > LOG_RANGE * observed.min())
            level = self._level(encoded, column.name, use_log, starts)
            effects = _seasonal_effects(level, calendar, self.keys_, ~missing)
            bounds = [float(level[~missing].min()), float(level[~missing].max())]
            level = level - _baseline(effects, calendar, self.keys_)
            departures[column.name] = level
            with np.errstate(over="ignore", invalid="ignore"):  # values near 1e300: their steps overflow
                steps = np.delete(np.diff(level), starts[1:] - 1)
                smooth = bool(len(steps) > 1 and missing.mean() < 0.5 and len(np.unique(observed)) > MIN_DISTINCT
                              and np.all(np.isfinite(steps))
                              and robust_spread(steps) < SMOOTH_RATIO * robust_spread(level[~missing]))
            seen = level[~missing]
            center, scale = robust_center(seen), robust_spread(seen)
            self.tracks_.append({"name": column.name, "log": use_log, "smooth": smooth, "low": float(seen.min()),
                                 "high": float(seen.max()), "center": center, "scale": scale or 1.0,
                                 "effects": effects, "bounds": bounds})
        self._fitted = (encoded, departures)  # frame() of the same data reuses them (not saved)
        return self

    @staticmethod
    def _level(encoded, name, use_log, starts) -> np.ndarray:
        """The column on its modeling scale, missing values carried from the nearest present ones."""
        values = encoded[name].to_numpy(dtype=float).copy()
        values[missing_flags(encoded, name)] = np.nan
        if use_log:
            values = np.log(values)
        entity = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(values)]))
        forward = pd.Series(values).groupby(entity).ffill()
        filled = forward.groupby(entity).bfill()
        return filled.fillna(np.nanmean(values) if np.isfinite(values).any() else 0.0).to_numpy()

    @property
    def smooth(self) -> list[dict]:
        return [t for t in self.tracks_ if t["smooth"]]

    def columns(self, columns) -> list:
        """The encoded columns the layout is built on: each smooth number replaced by its start and steps."""
        smooth = {t["name"] for t in self.smooth}
        out = []
        for column in columns:
            if column.name in smooth:
                out += [_Column(column.name + START, "numerical"), _Column(column.name + STEP, "numerical")]
            else:
                out.append(column)
        return out

    def phase(self, name: str) -> str:
        return "start" if name.endswith(START) else "step" if name.endswith(STEP) else "always"

    def baselines(self, calendar: dict, shape) -> np.ndarray:
        """Every number's seasonal baseline at the steps of ``calendar``, shape ``(*shape, tracks)``."""
        out = [np.broadcast_to(_baseline(t["effects"], calendar, self.keys_), shape) for t in self.tracks_]
        return np.stack(out, axis=-1) if out else np.zeros((*shape, 0))

    def restore(self, residuals: np.ndarray, calendar: dict, shape) -> np.ndarray:
        """Levels from departures ``(*shape, tracks)``: the baseline added back, kept in the range seen."""
        levels = residuals + self.baselines(calendar, shape)
        low = np.array([t["bounds"][0] for t in self.tracks_])
        high = np.array([t["bounds"][1] for t in self.tracks_])
        return np.clip(levels, low, high)

    def frame(self, encoded: pd.DataFrame, starts: np.ndarray, calendar: dict) -> tuple[pd.DataFrame, np.ndarray]:
        """The encoded frame with starts and steps, and every number's standardized level, shape
        ``(rows, tracks)`` (the previous step's level is the next step's input)."""
        out = encoded.copy()
        levels = np.zeros((len(encoded), len(self.tracks_)), dtype=np.float32)
        fitted_on, departures = getattr(self, "_fitted", (None, {}))
        self._fitted = (None, {})
        for j, track in enumerate(self.tracks_):
            level = departures.get(track["name"]) if fitted_on is encoded else None
            if level is None:
                level = self._level(encoded, track["name"], track["log"], starts)
                level = level - _baseline(track["effects"], calendar, self.keys_)
            levels[:, j] = (level - track["center"]) / track["scale"]
            if track["smooth"]:
                steps = np.r_[0.0, np.diff(level)]
                steps[starts] = 0.0
                position = out.columns.get_loc(track["name"])
                out = out.drop(columns=track["name"])
                out.insert(position, track["name"] + STEP, steps)
                out.insert(position, track["name"] + START, level)
        return out, levels

    def to_state(self) -> dict:
        return {"tracks": self.tracks_, "keys": list(self.keys_)}

    @classmethod
    def from_state(cls, state: dict) -> NumberTracks:
        tracks = cls()
        tracks.tracks_ = [dict(t) for t in state["tracks"]]
        for track in tracks.tracks_:
            track["effects"] = {k: np.asarray(v, dtype=float) for k, v in track["effects"].items()}
        tracks.keys_ = [str(k) for k in state["keys"]]
        return tracks


def _seasonal_effects(level: np.ndarray, calendar: dict, keys: list, observed: np.ndarray) -> dict:
    """Additive calendar effects (mean departure per hour, weekday, month), by three rounds of backfitting."""
    effects = {k: np.zeros(PERIODS[k]) for k in keys}
    if not keys or not observed.any():
        return effects
    peak = magnitude(level[observed])  # fitted on scaled values: sums of numbers near 1e300 overflow
    level = level / peak
    for _ in range(3):
        for key in keys:
            codes = np.asarray(calendar[key])[observed]
            rest = level[observed] - np.mean(level[observed]) - sum(
                effects[j][np.asarray(calendar[j])[observed]] for j in keys if j != key)
            counts = np.bincount(codes, minlength=PERIODS[key])
            sums = np.bincount(codes, weights=rest, minlength=PERIODS[key])
            effects[key] = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return {k: v * peak for k, v in effects.items()}


def _baseline(effects: dict, calendar: dict, keys: list):
    """The sum of the calendar effects at the given steps (0 without calendar: no seasonal baseline)."""
    return sum((effects[k][np.asarray(calendar[k])] for k in keys), np.float64(0.0))


def missing_flags(encoded: pd.DataFrame, name: str) -> np.ndarray:
    """Where the encoded column ``name`` is missing (its schema flag is 1)."""
    flag = name + MISSING_SUFFIX
    if flag in encoded.columns:
        return encoded[flag].to_numpy() == 1
    return np.zeros(len(encoded), dtype=bool)
