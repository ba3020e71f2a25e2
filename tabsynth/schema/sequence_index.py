"""The sequence index: its kind, start points and step sizes, calendar features and columns derived from it.

An index is an integer, a float or a datetime (naive or tz-aware). Internally it is a number:
int64 for integers, float64 for floats, int64 nanoseconds since the epoch (UTC) for datetimes.
A sequence's index is its start plus cumulated steps, steps drawn from the steps seen in the
data, so a regular index stays regular and irregular gaps (weather's 2-6 h holes) come back at
their real frequency. Columns that are functions of a datetime index (weather's ``year``,
``month``, ``day``, ``hour`` in local time) are detected and recomputed from the sampled index.
"""

from __future__ import annotations

import zoneinfo

import numpy as np
import pandas as pd

from ..errors import InvalidDataError, InvalidParameterError

MAX_STEP_VALUES = 256
_ATTRIBUTES = {  # attribute -> (min, max) of its values, a cheap filter before comparing
    "hour": (0, 23), "day": (1, 31), "month": (1, 12), "year": (1, 9999), "minute": (0, 59),
    "dayofweek": (0, 6), "dayofyear": (1, 366), "quarter": (1, 4), "second": (0, 59),
}
_COMMON_TZ = ("UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
              "Europe/London", "Europe/Paris", "Europe/Berlin", "Asia/Tokyo", "Asia/Shanghai", "Asia/Kolkata",
              "Australia/Sydney")
_CHECK_ROWS = 400
MIN_ROWS_FOR_FUNCTION = 24  # fewer rows: an integer column matches some attribute in some zone by chance


class IndexCodec:
    """Converts one sequence-index column to numbers and back, and learns its starts and steps.

    Attributes
    ----------
    kind : {'int', 'float', 'datetime'}
    tz : str or None
        Time zone of a tz-aware datetime index.
    step_values, step_probabilities : ndarray
        The distinct steps seen between consecutive rows of a sequence, and their frequencies.
    functions : dict of str to (str, str or None)
        Derived column -> (datetime attribute, time zone it is read in).
    unit : {'month_start', 'month_end'} or None
        The calendar unit of a datetime index whose every stamp is midnight on the first (or last)
        day of a month, in its own time zone: its steps are whole months (28-31 days), counted and
        drawn in months, so a sampled index stays on the calendar. None: steps are durations.
    """

    def __init__(self, name: str):
        self.name = name

    # ------------------------------------------------------------------ conversion
    def fit(self, column: pd.Series) -> IndexCodec:
        from .codecs import dtype_to_state

        dtype = column.dtype
        if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
            self.kind = "datetime"
            self.tz = str(column.dt.tz) if column.dt.tz is not None else None
        elif pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            self.kind, self.tz = "int", None
        elif pd.api.types.is_float_dtype(dtype):
            self.kind, self.tz = "float", None
        else:
            raise InvalidDataError(
                f"The sequence index {self.name!r} must hold integers, floats or datetimes. Got dtype {dtype}; "
                "convert it, e.g. data[col] = pd.to_datetime(data[col])."
            )
        if column.isna().any():
            raise InvalidDataError(
                f"The sequence index {self.name!r} has missing values; every row needs its position. "
                "Drop or fill those rows."
            )
        self.dtype = dtype_to_state(dtype)
        self.functions = {}
        return self

    def encode(self, column: pd.Series) -> np.ndarray:
        if self.kind == "datetime":
            stamps = column.dt.tz_convert("UTC").dt.tz_localize(None) if self.tz is not None else column
            return stamps.astype("datetime64[ns]").to_numpy().astype(np.int64)
        if self.kind == "int":
            return column.to_numpy(dtype=np.int64)
        return column.to_numpy(dtype=np.float64)

    def decode(self, values: np.ndarray) -> pd.Series:
        from .codecs import dtype_from_state

        dtype = dtype_from_state(self.dtype)
        if self.kind == "datetime":
            stamps = pd.Series(pd.to_datetime(np.asarray(values, dtype=np.int64), unit="ns"))
            if self.tz is not None:
                stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(self.tz)
            return stamps.astype(dtype)
        return pd.Series(values).astype(dtype)

    # ------------------------------------------------------------------ steps
    def fit_steps(self, numbers: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> None:
        """Learn the distribution of steps between consecutive rows of the same sequence."""
        self.unit = self._calendar_unit(numbers)
        if self.unit is not None:
            numbers = self._to_months(numbers)
        steps = np.diff(numbers)
        within = np.ones(len(numbers), dtype=bool)
        within[starts] = False
        steps = steps[within[1:]]
        if len(steps) == 0:
            steps = np.ones(1, dtype=numbers.dtype)
        values, counts = np.unique(steps, return_counts=True)
        if len(values) > MAX_STEP_VALUES:  # many distinct (continuous) steps: keep their quantiles
            values = np.quantile(steps, np.linspace(0, 1, MAX_STEP_VALUES))
            values = np.round(values).astype(numbers.dtype) if self.kind != "float" else values
            counts = np.ones(len(values))
        self.step_values = values
        self.step_probabilities = counts / counts.sum()

    def sample_index(self, starts: np.ndarray, lengths: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Index numbers of shape (num_sequences, max(lengths)): start plus cumulated drawn steps."""
        width = int(lengths.max()) if len(lengths) else 0
        unit = getattr(self, "unit", None)  # model files of tabsynth 0.1.0 have none
        if unit is not None:
            starts = self._to_months(np.asarray(starts, dtype=np.int64))
        self._check_headroom(starts, width)
        drawn = rng.choice(len(self.step_values), size=(len(starts), max(width - 1, 0)), p=self.step_probabilities)
        steps = self.step_values[drawn]
        first = np.asarray(starts, dtype=self.step_values.dtype)[:, None]
        grid = np.concatenate([first, first + np.cumsum(steps, axis=1)], axis=1)
        return self._from_months(grid) if unit is not None else grid

    # ------------------------------------------------------------------ calendar units
    def _wall_clock(self, numbers: np.ndarray) -> pd.DatetimeIndex:
        """The stamps as the index's own time zone reads them (naive)."""
        stamps = pd.DatetimeIndex(pd.to_datetime(np.asarray(numbers, dtype=np.int64).ravel(), unit="ns"))
        return stamps if self.tz is None else stamps.tz_localize("UTC").tz_convert(self.tz).tz_localize(None)

    def _calendar_unit(self, numbers: np.ndarray) -> str | None:
        if self.kind != "datetime" or len(numbers) < 2:
            return None
        wall = self._wall_clock(numbers)
        if (wall != wall.normalize()).any():
            return None
        if (wall.day == 1).all():
            return "month_start"
        return "month_end" if wall.is_month_end.all() else None

    def _to_months(self, numbers: np.ndarray) -> np.ndarray:
        wall = self._wall_clock(numbers)
        return (wall.year.to_numpy() * 12 + wall.month.to_numpy() - 1).astype(np.int64).reshape(np.shape(numbers))

    def _from_months(self, months: np.ndarray) -> np.ndarray:
        """Nanoseconds (UTC) of midnight on the first or last day of each month ordinal."""
        years, month = np.divmod(np.asarray(months, dtype=np.int64).ravel(), 12)
        first = pd.to_datetime(pd.DataFrame({"year": years, "month": month + 1, "day": 1}))
        if self.unit == "month_end":
            first = first + pd.to_timedelta(first.dt.days_in_month - 1, unit="D")
        if self.tz is not None:
            first = first.dt.tz_localize(self.tz, ambiguous=True, nonexistent="shift_forward")
            first = first.dt.tz_convert("UTC").dt.tz_localize(None)
        return first.astype("datetime64[ns]").to_numpy().astype(np.int64).reshape(np.shape(months))

    def _check_headroom(self, starts: np.ndarray, width: int) -> None:
        """Refuse sequences whose index would pass the largest int64 (nanoseconds for datetimes): no wrap-around."""
        if self.kind == "float" or width < 2 or not len(starts):
            return
        last = int(np.max(starts)) + (width - 1) * int(np.max(self.step_values))  # Python ints: exact
        limit = 2262 * 12 if getattr(self, "unit", None) is not None else np.iinfo(np.int64).max  # months
        if last > limit:
            what = "datetime (year 2262)" if self.kind == "datetime" else "int64"
            raise InvalidParameterError(
                f"Sequences of {width} steps would run the sequence index {self.name!r} past the largest {what} "
                "value, so it would wrap around. Ask for shorter sequences (sequence_length) or shift the index."
            )

    # ------------------------------------------------------------------ calendar
    def calendar(self, numbers: np.ndarray) -> dict[str, np.ndarray]:
        """Integer calendar features of a datetime index (hour, weekday, month) the model may condition on."""
        if self.kind != "datetime" or numbers.size == 0:
            return {}
        step = float(np.median(self.step_values)) / 1e9
        if getattr(self, "unit", None) is not None:
            step *= 1e9 * 30.4 * 86400  # the steps are months
        stamps = pd.DatetimeIndex(pd.to_datetime(numbers.ravel(), unit="ns")).tz_localize("UTC")
        zone = next((tz for _, tz in self.functions.values() if tz), None) or self.tz
        if zone is not None:
            stamps = stamps.tz_convert(zone)
        out = {}
        if step < 86400:
            out["@hour"] = stamps.hour.to_numpy()
        if step <= 7 * 86400:
            out["@dayofweek"] = stamps.dayofweek.to_numpy()
        if step <= 31 * 86400:
            out["@month"] = stamps.month.to_numpy() - 1
        return {k: v.astype(np.int64).reshape(numbers.shape) for k, v in out.items()}

    # ------------------------------------------------------------------ derived columns
    def detect_functions(self, data: pd.DataFrame, candidates: list[str], numbers: np.ndarray) -> None:
        """Find integer columns that equal a datetime attribute of the index in some time zone."""
        self.functions = {}
        if self.kind != "datetime" or len(data) < MIN_ROWS_FOR_FUNCTION:  # on a few rows a match is chance
            return
        found_zones: list[str] = []
        for name in candidates:
            column = data[name]
            if (not pd.api.types.is_integer_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype)
                    or column.isna().any()):  # a function of the index is never missing (nullable Int64 may be)
                continue
            match = _find_function(column.to_numpy(dtype=np.int64), numbers, found_zones + [self.tz or "UTC"])
            if match is not None:
                self.functions[name] = match
                if match[1] not in found_zones:
                    found_zones.insert(0, match[1])
        self.function_dtypes = {}
        for name in self.functions:
            from .codecs import dtype_to_state

            self.function_dtypes[name] = dtype_to_state(data[name].dtype)

    def derive(self, numbers: np.ndarray) -> dict[str, pd.Series]:
        """The derived columns, recomputed from index numbers."""
        from .codecs import dtype_from_state

        out = {}
        for name, (attribute, zone) in self.functions.items():
            stamps = pd.DatetimeIndex(pd.to_datetime(numbers, unit="ns")).tz_localize("UTC").tz_convert(zone)
            values = pd.Series(getattr(stamps, attribute).to_numpy().astype(np.int64))
            out[name] = values.astype(dtype_from_state(self.function_dtypes[name]))
        return out

    def to_state(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self).items()}

    @classmethod
    def from_state(cls, state: dict) -> IndexCodec:
        codec = cls.__new__(cls)
        codec.__dict__.update(state)
        codec.functions = {k: tuple(v) for k, v in state.get("functions", {}).items()}
        return codec


def _find_function(values: np.ndarray, numbers: np.ndarray, preferred: list[str]) -> tuple[str, str] | None:
    """(attribute, zone) such that ``values`` equals that attribute of the index read in that zone, or None."""
    lo, hi = values.min(), values.max()
    attributes = [a for a, (amin, amax) in _ATTRIBUTES.items() if amin <= lo and hi <= amax]
    if not attributes:
        return None
    pick = np.unique(np.r_[np.linspace(0, len(values) - 1, _CHECK_ROWS).astype(int), np.argsort(numbers)[[0, -1]]])
    utc = pd.DatetimeIndex(pd.to_datetime(numbers[pick], unit="ns")).tz_localize("UTC")
    zones = list(dict.fromkeys([*preferred, *_COMMON_TZ, *sorted(zoneinfo.available_timezones())]))
    for zone in zones:
        local = _convert(utc, zone)
        if local is None:
            continue
        for attribute in attributes:
            if np.array_equal(getattr(local, attribute).to_numpy(), values[pick]) and _matches_all(
                    values, numbers, attribute, zone):
                return attribute, zone
    return None


def _convert(utc: pd.DatetimeIndex, zone: str) -> pd.DatetimeIndex | None:
    """``utc`` in ``zone``, or None for a zone name the installed tz database does not know."""
    try:
        return utc.tz_convert(zone)
    except (KeyError, ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


def _matches_all(values: np.ndarray, numbers: np.ndarray, attribute: str, zone: str) -> bool:
    local = pd.DatetimeIndex(pd.to_datetime(numbers, unit="ns")).tz_localize("UTC").tz_convert(zone)
    return bool(np.array_equal(getattr(local, attribute).to_numpy(), values))
