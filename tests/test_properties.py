"""Property-based tests: messy generated tables either fit and sample honouring the schema, or raise a
TabsynthError that names the problem. Never a deep traceback, never silently wrong output."""

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tabsynth
from tabsynth import TabsynthError

from ._values import assert_values_honour
from .test_check_suite import FAST_PARAMS, TABLE_SYNTHESIZERS

MAX_EXAMPLES = int(os.environ.get("TABSYNTH_PROPERTY_EXAMPLES", "40"))
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=False, width=64),
                   st.sampled_from([0.0, -0.0, 1e-300, -1e300, 1e300, 5e-324]))


def _column(kind: str, n: int):
    """A strategy for one column of ``n`` values of the given kind, possibly with missing values."""
    if kind == "float":
        return st.lists(FLOATS, min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype="float64"))
    if kind == "int":
        return st.lists(st.integers(-(2**40), 2**40), min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype="int64"))
    if kind == "Int64":
        return st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), min_size=n, max_size=n).map(
            lambda v: pd.Series(pd.array(v, dtype="Int64")))
    if kind == "text":
        return st.lists(st.one_of(st.none(), TEXT), min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype=object))
    if kind == "bool":
        return st.lists(st.booleans(), min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype=bool))
    if kind == "boolean":
        return st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n).map(
            lambda v: pd.Series(pd.array(v, dtype="boolean")))
    if kind == "datetime":
        stamps = st.one_of(st.none(), st.integers(0, 2_000_000_000))
        return st.lists(stamps, min_size=n, max_size=n).map(
            lambda v: pd.Series(pd.to_datetime(v, unit="s", utc=True)).dt.tz_convert("America/New_York"))
    return st.just(pd.Series([np.nan] * n, dtype="float64"))  # all missing


KINDS = ["float", "int", "Int64", "text", "bool", "boolean", "datetime", "all_missing"]


@st.composite
def tables(draw):
    n = draw(st.integers(1, 30))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=5))
    return pd.DataFrame({f"c{i}_{kind}": draw(_column(kind, n)) for i, kind in enumerate(kinds)})


def _assert_honours_schema(real: pd.DataFrame, fake: pd.DataFrame, num_rows: int) -> None:
    assert len(fake) == num_rows
    assert list(fake.columns) == list(real.columns)
    assert fake.dtypes.to_dict() == real.dtypes.to_dict()
    assert_values_honour(real, fake, real.columns)


@pytest.mark.parametrize("name", TABLE_SYNTHESIZERS)
def test_generated_tables_fit_and_sample_or_fail_clearly(name):
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(real=tables())
    def check(real):
        before = real.copy(deep=True)
        try:
            synth = tabsynth.make(name, random_state=0, **FAST_PARAMS[name]).fit(real)
            fake = synth.sample(25)
        except TabsynthError as exc:
            assert str(exc)
            return
        finally:
            pd.testing.assert_frame_equal(real, before)
        _assert_honours_schema(real, fake, 25)

    check()
