"""Constraints: every sampled row obeys every rule, on every table synthesizer, with conditions and model files."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth import ConditionError, InvalidParameterError
from tabsynth.constraints import (
    Custom,
    FixedCombinations,
    FixedIncrements,
    Inequality,
    Negative,
    OneHot,
    Positive,
    Range,
    constraint_from_dict,
)
from tabsynth.errors import ConstraintViolationError

from .test_check_suite import FAST_PARAMS, TABLE_SYNTHESIZERS


def _table(n=600, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
    low = rng.normal(10, 3, n).round(2)
    middle = np.ceil((low + rng.exponential(2, n)) * 10) / 10
    city = rng.choice(["Paris", "Lyon", "Berlin", "Munich"], n)
    hot = rng.integers(0, 3, n)
    frame = pd.DataFrame({
        "start": start, "end": start + pd.to_timedelta(rng.integers(0, 30, n), unit="D"),
        "low": low, "middle": middle, "high": np.ceil(middle + rng.exponential(1, n)).astype(int),
        "city": city, "country": np.where(np.isin(city, ["Paris", "Lyon"]), "FR", "DE"),
        "price": rng.integers(1, 40, n) * 5, "amount": rng.exponential(3, n).round(2) + 0.01,
        "debt": -rng.exponential(3, n).round(1),
        **{f"hot{i}": (hot == i).astype(int) for i in range(3)},
    })
    frame.loc[::13, "middle"] = np.nan  # a missing value obeys every rule
    return frame


RULES = [Inequality("start", "end"), Range("low", "middle", "high"), FixedCombinations(["city", "country"]),
         FixedIncrements("price", 5), Positive("amount", strict=True), Negative("debt"),
         OneHot(["hot0", "hot1", "hot2"]), Custom(lambda f: (f["price"] < 150) | (f["city"] != "Paris"), name="cheap")]


def _data(rules=RULES):
    frame = _table()
    return frame[rules[-1].check(frame)].reset_index(drop=True) if isinstance(rules[-1], Custom) else frame


def _broken(rules, sampled, real):
    counts = {}
    for rule in rules:
        valid = rule.is_valid(sampled, real) if isinstance(rule, FixedCombinations) else rule.is_valid(sampled)
        counts[repr(rule)] = int((~valid).sum())
    return counts


@pytest.mark.parametrize("name", TABLE_SYNTHESIZERS)
def test_every_rule_holds_in_every_sampled_row(name):
    data = _data()
    synth = tabsynth.make(name, constraints=RULES, random_state=0, **FAST_PARAMS[name]).fit(data)
    sampled = synth.sample(3000)
    assert set(_broken(RULES, sampled, data).values()) == {0}
    assert sampled.dtypes.to_dict() == data.dtypes.to_dict()
    assert sampled["middle"].isna().any()  # missingness is learned as before


def test_without_constraints_the_same_model_breaks_them():
    data = _data()
    sampled = tabsynth.make("gaussian_copula", random_state=0).fit(data).sample(3000)
    broken = _broken(RULES, sampled, data)
    assert broken["Inequality(low='start', high='end', strict=False)"] > 100
    assert broken[repr(RULES[1])] > 100


def test_conditions_on_free_and_combined_columns_are_exact_and_obey():
    data = _data()
    synth = tabsynth.make("bayesian_network", constraints=RULES, random_state=0).fit(data)
    rows = synth.sample(400, conditions={"low": 12.5, "city": "Paris"})
    assert (rows["low"] == 12.5).all() and (rows["country"] == "FR").all()
    assert set(_broken(RULES, rows, data).values()) == {0}
    assert ((rows["middle"] >= 12.5) | rows["middle"].isna()).all()
    one_hot = synth.sample(200, conditions={"hot1": 1})
    assert (one_hot["hot1"] == 1).all() and (one_hot[["hot0", "hot2"]] == 0).all().all()
    with pytest.raises(ConditionError, match="low"):
        synth.sample(10, conditions={"middle": 12.0})
    with pytest.raises(ConditionError, match="matches none"):
        synth.sample(10, conditions={"city": "Paris", "country": "DE"})
    with pytest.raises(ConditionError, match="breaks"):
        synth.sample(10, conditions={"price": 7})
    assert (synth.sample(50, conditions={"price": 35})["price"] == 35).all()


@pytest.mark.parametrize("name", ["bayesian_network", "gaussian_copula"])
def test_a_condition_several_combinations_meet_keeps_the_model_s_own_shares(name):
    data = _data()
    synth = tabsynth.make(name, constraints=RULES, random_state=0).fit(data)
    french = synth.sample(6000, conditions={"country": "FR"}, random_state=1)
    assert (french["country"] == "FR").all() and set(french["city"]) == {"Paris", "Lyon"}
    assert set(_broken(RULES, french, data).values()) == {0}
    free = synth.sample(40_000, random_state=2)
    expected = (free.loc[free.country == "FR", "city"] == "Paris").mean()  # the model's P(Paris | FR)
    share = (french["city"] == "Paris").mean()
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) * (1 / 6000 + 1 / (free.country == "FR").sum()))


def test_rounding_happens_before_the_final_check():
    rng = np.random.default_rng(1)
    low = rng.uniform(0, 10, 800).round(3)
    data = pd.DataFrame({"low": low, "high": np.floor(low + rng.exponential(1, 800)).astype(int) + 1})
    rule = Inequality("low", "high", strict=True)
    for name in ("gaussian_copula", "bayesian_network"):
        sampled = tabsynth.make(name, constraints=[rule], random_state=0).fit(data).sample(20_000)
        assert rule.is_valid(sampled).all() and sampled["high"].dtype == np.int64


def test_a_chain_of_inequalities_decodes_in_order():
    rng = np.random.default_rng(2)
    a = rng.normal(0, 1, 500).round(2)
    b = (a + rng.exponential(1, 500)).round(2)
    data = pd.DataFrame({"c": (b + rng.exponential(1, 500)).round(2), "b": b, "a": a})
    rules = [Inequality("b", "c"), Inequality("a", "b"), Inequality("a", "c")]
    sampled = tabsynth.make("gaussian_copula", constraints=rules, random_state=0).fit(data).sample(5000)
    assert all(rule.is_valid(sampled).all() for rule in rules)
    with pytest.raises(InvalidParameterError, match="cycle"):
        tabsynth.make("gaussian_copula", constraints=rules + [Inequality("c", "a")]).fit(data)


def test_real_rows_that_break_a_rule_raise_or_are_dropped_with_a_warning():
    data = _data()
    data.loc[:4, "end"] = data.loc[:4, "start"] - pd.Timedelta(days=1)
    with pytest.raises(ConstraintViolationError, match="5 of"):
        tabsynth.make("gaussian_copula", constraints=[Inequality("start", "end")]).fit(data)
    before = data.copy()
    with pytest.warns(UserWarning, match="dropped 5 of"):
        synth = tabsynth.make("gaussian_copula", constraints=[Inequality("start", "end")],
                              on_violation="drop").fit(data)
    pd.testing.assert_frame_equal(data, before)  # the caller's frame is not modified
    assert Inequality("start", "end").is_valid(synth.sample(1000)).all()


def test_bad_rules_are_clear_errors():
    data = _data()
    with pytest.raises(InvalidParameterError, match="not in the data"):
        tabsynth.make("gaussian_copula", constraints=[Inequality("low", "nope")]).fit(data)
    with pytest.raises(InvalidParameterError, match="datetime"):
        tabsynth.make("gaussian_copula", constraints=[Inequality("low", "end")]).fit(data)
    with pytest.raises(InvalidParameterError, match="'constraints' parameter"):
        tabsynth.make("gaussian_copula", constraints="low <= high").fit(data)
    with pytest.raises(InvalidParameterError, match="positive number"):
        FixedIncrements("price", 0)
    with pytest.raises(InvalidParameterError, match="two combination"):
        tabsynth.make("gaussian_copula", constraints=[FixedCombinations(["city", "country"]),
                                                      FixedCombinations(["country", "price"])]).fit(data)


def test_constraints_are_json_data_with_a_readable_repr():
    for rule in RULES[:-1]:
        assert constraint_from_dict(json.loads(json.dumps(rule.to_dict()))) == rule
        assert all(column in repr(rule) for column in rule.columns)
    assert repr(RULES[-1]) == "Custom(name='cheap')"
    synth = tabsynth.make("bayesian_network", constraints=[r.to_dict() for r in RULES[:2]])
    assert synth.get_params()["constraints"][0]["type"] == "Inequality"


def test_missing_values_obey_every_rule():
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [0.0, 5.0, np.nan], "c": [np.nan, 1, 0]})
    assert Inequality("a", "b").is_valid(frame).tolist() == [False, True, True]
    assert OneHot(["b", "c"]).is_valid(frame).tolist() == [True, False, True]


def test_model_files_keep_constraints_and_never_store_code(tmp_path):
    data = _data()
    synth = tabsynth.make("bayesian_network", constraints=RULES, random_state=0).fit(data)
    path = tmp_path / "model.tsyn"
    synth.save(path)
    with pytest.raises(InvalidParameterError, match="cheap"):
        tabsynth.load(path).sample(10)
    loaded = tabsynth.load(path, constraints=[RULES[-1]])
    pd.testing.assert_frame_equal(loaded.sample(500, random_state=4), synth.sample(500, random_state=4))
    with pytest.raises(InvalidParameterError, match="not fitted with"):
        tabsynth.load(path, constraints=[Custom(lambda f: f["low"] > 0, name="other")])


def test_chunked_and_ranged_sampling_give_the_same_obeying_rows(tmp_path):
    data = _data()
    synth = tabsynth.make("gaussian_copula", constraints=RULES, random_state=0).fit(data)
    whole = synth.sample(9000, random_state=7)
    path = tmp_path / "rows.parquet"
    synth.sample_to_file(path, 9000, chunk_size=2500, random_state=7)
    pd.testing.assert_frame_equal(pd.read_parquet(path), whole, check_dtype=False)
    pd.testing.assert_frame_equal(synth.sample_rows(4000, 5000, 7), whole.iloc[4000:5000].reset_index(drop=True))


def test_custom_rule_that_the_model_cannot_reach_is_a_clear_error():
    data = _data()
    impossible = Custom(lambda f: f["low"] > 1e9, name="never")
    synth = tabsynth.make("gaussian_copula", constraints=[impossible], on_violation="drop")
    with warnings.catch_warnings(), pytest.raises(ConstraintViolationError, match="Every real row"):
        warnings.simplefilter("ignore")
        synth.fit(data)


def test_dask_sampling_obeys_and_a_dask_fit_refuses_constraints_clearly():
    dd = pytest.importorskip("dask.dataframe")
    data = _data(RULES[:-1])
    synth = tabsynth.make("gaussian_copula", constraints=RULES[:-1], random_state=0).fit(data)
    frame = tabsynth.dask.sample(synth, 3000, npartitions=3, random_state=2).compute(scheduler="synchronous")
    assert sum(_broken(RULES[:-1], frame, data).values()) == 0
    with pytest.raises(InvalidParameterError, match="Dask fit does not enforce constraints"):
        tabsynth.make("bayesian_network", constraints=RULES[:2]).fit(dd.from_pandas(data, npartitions=2))
