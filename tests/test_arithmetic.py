"""Products and unit-factor sums (tabsynth.schema.arithmetic): found on the data, exact in sampled rows (issue 18)."""

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth.errors import ConditionError
from tabsynth.schema.arithmetic import detect_arithmetic
from tabsynth.schema.metadata import Metadata
from tabsynth.schema.table import Schema


def _accounts(n=1200, seed=0):
    rng = np.random.default_rng(seed)
    months = rng.integers(1, 72, n)
    fee = np.round(rng.uniform(18, 120, n), 2)
    hour, minute = rng.integers(5, 23, n), rng.integers(0, 60, n)
    return pd.DataFrame({
        "months": months, "fee": fee, "charges": np.round(months * fee, 2),
        "hour": hour, "minute": minute, "opened": 100 * hour + minute,
        "calls": rng.integers(0, 9, n), "score": np.round(rng.normal(600, 50, n), 1),
        "plan": rng.choice(["basic", "plus"], n),
    })


def test_a_product_and_an_hhmm_time_are_found_and_coincidences_are_not():
    data = _accounts()
    numbers = [c for c in data.columns if c != "plan"]
    found = detect_arithmetic(data, numbers, {})
    assert found == {"charges": (("months", "fee"), (1.0, 1.0), "product"),
                     "opened": (("hour", "minute"), (100.0, 1.0), "sum")}
    rng = np.random.default_rng(1)
    noise = pd.DataFrame({c: rng.integers(1, 60, 500) for c in "abcd"})
    assert detect_arithmetic(noise, list("abcd"), {}) == {}
    flagged = pd.DataFrame({"x": rng.integers(1, 900, 500), "on": np.ones(500, int), "y": rng.integers(1, 9, 500)})
    flagged["copy"] = flagged["x"] * flagged["on"]
    assert detect_arithmetic(flagged, ["x", "on", "y", "copy"], {}) == {}  # times a constant 1 is a copy


def test_schema_round_trip_is_exact_and_the_formula_is_readable():
    data = _accounts()
    data.loc[[4, 9], "fee"] = np.nan
    schema = Schema.fit(data, Metadata.detect(data))
    assert schema.arithmetic == {"charges": "charges = months * fee", "opened": "opened = 100 * hour + minute"}
    assert (schema.encode(data)["charges"].iloc[10:] == 0).mean() > 0.99  # the model sees the remainder
    pd.testing.assert_frame_equal(schema.decode(schema.encode(data)), data)


@pytest.mark.parametrize("name", ["bayesian_network", "gaussian_copula"])
def test_sampled_rows_keep_the_relations_and_survive_a_model_file(name, tmp_path):
    data = _accounts()
    synth = tabsynth.make(name, random_state=0).fit(data)
    fake = synth.sample(2000, random_state=1)
    assert np.allclose(fake["charges"], np.round(fake["months"] * fake["fee"], 2), atol=1e-6)
    assert (fake["opened"] == 100 * fake["hour"] + fake["minute"]).all()
    assert fake.dtypes.equals(data.dtypes)
    synth.save(tmp_path / "m.tsyn")
    pd.testing.assert_frame_equal(tabsynth.load(tmp_path / "m.tsyn").sample(300, random_state=2),
                                  synth.sample(300, random_state=2))


def test_a_condition_on_a_product_says_to_condition_on_its_parts():
    synth = tabsynth.make("bayesian_network", random_state=0).fit(_accounts())
    with pytest.raises(ConditionError, match=r"product of \['months', 'fee'\].*charges = months \* fee"):
        synth.sample(5, conditions={"charges": 100.0})
    rows = synth.sample(50, conditions={"months": 12}, random_state=0)
    assert (rows["months"] == 12).all() and np.allclose(rows["charges"], np.round(12 * rows["fee"], 2))
