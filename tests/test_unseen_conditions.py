"""Conditions never seen together in the real rows warn with the count of real rows that match (issue 22)."""

import warnings

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth.schema.support import ConditionSupport


def _houses(n=600, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stories = rng.choice([1, 2], n)
    bedrooms = np.where(stories == 1, rng.integers(1, 4, n), rng.integers(2, 7, n))  # 6 bedrooms: two stories only
    return pd.DataFrame({"stories": stories, "bedrooms": bedrooms,
                         "style": np.where(stories == 1, rng.choice(["ranch", "modern"], n),
                                           rng.choice(["ranch", "colonial"], n)),  # no one-story colonial
                         "area": rng.normal(150, 30, n) + 20 * bedrooms})


@pytest.fixture(scope="module")
def fitted():
    real = _houses()
    return real, tabsynth.make("bayesian_network", random_state=0).fit(real)


def test_counts_are_exact_for_one_and_two_columns():
    real = _houses()
    support = ConditionSupport.fit(real, list(real.columns), {"stories": "numerical", "bedrooms": "numerical",
                                                              "style": "categorical", "area": "numerical"})
    assert "area" not in support.values  # continuous: an exact value matches no row, not counted
    for stories, bedrooms, style in [(1, 2, "ranch"), (2, 6, "colonial"), (1, 6, "ranch"), (2, 4, "modern")]:
        rows = real[(real.stories == stories) & (real.bedrooms == bedrooms)]
        assert support.matching({"stories": stories, "bedrooms": bedrooms}) == (len(rows), True)
        assert support.matching({"style": style}) == ((real["style"] == style).sum(), True)
        count, exact = support.matching({"stories": stories, "bedrooms": bedrooms, "style": style})
        assert not exact and count >= len(rows[rows["style"] == style])  # an upper bound from the pairs
    assert support.matching({"bedrooms": 5.5}) == (0, True)  # a value of a counted number never seen
    assert support.matching({"area": 151.0}) is None


def test_a_combination_no_real_row_has_warns_with_the_count(fitted):
    _, synth = fitted
    with pytest.warns(UserWarning, match=r"'stories': 1, 'bedrooms': 6.*match 0 of the 600 training rows"):
        fake = synth.sample(50, conditions={"stories": 1, "bedrooms": 6})
    assert ((fake["stories"] == 1) & (fake["bedrooms"] == 6)).all()  # generated anyway, as documented
    conditions = pd.DataFrame({"stories": [2, 1, 1], "style": ["colonial", "colonial", "ranch"]})
    with pytest.warns(UserWarning, match=r"'stories': 1, 'style': 'colonial'"):
        synth.sample(conditions=conditions)


def test_seen_combinations_and_continuous_values_do_not_warn(fitted, tmp_path):
    _, synth = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        synth.sample(20, conditions={"stories": 2, "bedrooms": 6})
        synth.sample(20, conditions={"style": "ranch", "area": 171.3})
        synth.save(tmp_path / "houses.tsyn")
    with pytest.warns(UserWarning, match="match 0 of the 600"):  # the counts survive the model file
        tabsynth.load(tmp_path / "houses.tsyn").sample(5, conditions={"stories": 1, "bedrooms": 6})
