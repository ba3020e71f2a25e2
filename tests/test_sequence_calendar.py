"""A calendar index stays on its calendar: monthly stamps step in months, not in drawn durations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth.schema.sequence_index import IndexCodec


def _monthly_panel(freq: str, tz: str | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for city in range(12):
        dates = pd.date_range(pd.Timestamp(2000 + city % 3, 1 + city % 5, 1), periods=40, freq=freq, tz=tz)
        level = rng.normal(100, 20)
        rows += [{"city": f"c{city}", "date": d, "year": d.year, "month": d.month,
                  "sales": level + i + rng.normal(0, 3)} for i, d in enumerate(dates)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("freq", "tz", "unit"), [("MS", None, "month_start"), ("MS", "America/Chicago", "month_start"),
                                                  ("ME", None, "month_end")])
def test_monthly_index_samples_only_calendar_months(freq, tz, unit):
    panel = _monthly_panel(freq, tz)
    synth = tabsynth.make("markov_chain", random_state=0).fit(panel, sequence_key="city", sequence_index="date")
    assert synth.index_.unit == unit
    fake = synth.sample(60, random_state=1)
    assert fake["date"].dtype == panel["date"].dtype
    local = fake["date"] if tz is None else fake["date"].dt.tz_convert(tz)
    assert (local == local.dt.normalize()).all()
    assert (local.dt.day == 1).all() if unit == "month_start" else local.dt.is_month_end.all()
    # the columns derived from the index agree with it on every row
    assert (fake["month"] == local.dt.month).all() and (fake["year"] == local.dt.year).all()
    steps = fake.groupby("city")["date"].apply(lambda s: (s.dt.year * 12 + s.dt.month).diff().dropna())
    assert set(steps.astype(int)) <= {1}  # every real step is one month


def test_durations_stay_durations():
    hourly = pd.Series(pd.date_range("2021-03-01", periods=50, freq="h"))
    codec = IndexCodec("t").fit(hourly)
    numbers = codec.encode(hourly)
    codec.fit_steps(numbers, np.array([0]), np.array([50]))
    assert codec.unit is None
    np.testing.assert_array_equal(codec.step_values, [3600 * 10**9])


def test_month_ordinals_round_trip():
    stamps = pd.Series(pd.date_range("1999-11-01", periods=30, freq="MS", tz="Europe/Berlin"))
    codec = IndexCodec("t").fit(stamps)
    numbers = codec.encode(stamps)
    codec.fit_steps(numbers, np.array([0]), np.array([30]))
    np.testing.assert_array_equal(codec._from_months(codec._to_months(numbers)), numbers)
