"""Sum columns (tabsynth.schema.sums): found on the data, learned as a remainder, exact in sampled rows."""

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth.errors import ConditionError
from tabsynth.schema.metadata import Metadata
from tabsynth.schema.sums import detect_sums
from tabsynth.schema.table import Schema


def _houses(n=600, seed=0, broken=0.04):
    rng = np.random.default_rng(seed)
    first = rng.integers(500, 2500, n)
    second = np.where(rng.random(n) < 0.5, 0, rng.integers(300, 1500, n))
    extra = np.where(rng.random(n) < broken, rng.integers(50, 400, n), 0)  # the rows where the sum does not hold
    return pd.DataFrame({
        "first": first, "second": second, "living": first + second + extra,
        "baths": rng.integers(0, 3, n), "kitchens": rng.integers(0, 2, n), "beds": rng.integers(0, 4, n),
        "style": rng.choice(["ranch", "colonial", "split"], n),
    })


def test_a_planted_sum_is_found_and_coincidences_among_small_counts_are_not():
    data = _houses()
    numbers = [c for c in data.columns if c != "style"]
    assert detect_sums(data, numbers) == {"living": ("first", "second")}
    zeros = pd.DataFrame({"a": np.zeros(200), "b": np.zeros(200), "c": np.r_[np.zeros(190), np.arange(1.0, 11)]})
    assert detect_sums(zeros, ["a", "b", "c"]) == {}  # 0 = 0 + 0 is no relation


def test_schema_round_trip_is_exact_with_missing_parts_and_targets():
    data = _houses().astype({"second": float, "living": float})
    data.loc[[3, 10], "second"] = np.nan  # a missing part counts as zero
    data.loc[[5], "living"] = np.nan
    schema = Schema.fit(data, Metadata.detect(data))
    assert schema.sums == {"living": ("first", "second")}
    encoded = schema.encode(data)
    assert (encoded["living"] == 0).mean() > 0.9  # the model sees the remainder
    decoded = schema.decode(encoded)
    pd.testing.assert_frame_equal(decoded, data)


@pytest.mark.parametrize("name", ["bayesian_network", "gaussian_copula"])
def test_sampled_rows_keep_the_sum_as_often_as_real_rows(name):
    data = _houses(n=1500)
    real_share = float(np.mean(data["living"] == data["first"] + data["second"]))
    fake = tabsynth.make(name, random_state=0).fit(data).sample(3000, random_state=1)
    share = float(np.mean(fake["living"] == fake["first"] + fake["second"]))
    assert real_share - 0.03 <= share <= 1.0
    assert fake["living"].dtype == data["living"].dtype


def test_a_condition_on_a_sum_column_says_to_condition_on_its_parts():
    data = _houses()
    synth = tabsynth.make("bayesian_network", random_state=0).fit(data)
    with pytest.raises(ConditionError, match="sum of \\['first', 'second'\\].*condition on its parts"):
        synth.sample(5, conditions={"living": 2000})
    rows = synth.sample(50, conditions={"second": 0}, random_state=0)
    assert (rows["second"] == 0).all() and (rows["living"] >= rows["first"]).all()


def test_a_model_with_a_sum_column_saves_and_loads(tmp_path):
    synth = tabsynth.make("bayesian_network", random_state=0).fit(_houses())
    synth.save(tmp_path / "houses.tsyn")
    again = tabsynth.load(tmp_path / "houses.tsyn")
    pd.testing.assert_frame_equal(again.sample(200, random_state=3), synth.sample(200, random_state=3))
