"""Numbers inside their bin come from the training values of their tree leaf (issue 18)."""

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth.synthesizers.bayesian_network import _leaf_values as leaf_values


def _within_bin_dependence(n=4000, seed=0):
    """Two quantile bins of x, [1, 2] and [3, 4]; inside each the category picks the value."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(["low", "high"], n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, 3.0, 1.0) + (kind == "high") + rng.normal(0, 0.01, n)
    return pd.DataFrame({"kind": kind, "x": x})


@pytest.mark.parametrize("in_bin, expected", [("leaf", (0.97, 1.0)), ("bin", (0.40, 0.60))])
def test_the_value_inside_a_bin_follows_the_earlier_columns(in_bin, expected):
    data = _within_bin_dependence()
    synth = tabsynth.make("bayesian_network", n_bins=2, structure=[("kind", "x")], in_bin=in_bin,
                          random_state=0).fit(data)
    fake = synth.sample(4000, random_state=1)
    in_upper_half = (np.round(fake["x"]) % 2 == 0) == (fake["kind"] == "high")  # 2 and 4 belong to "high"
    low, high = expected
    assert low <= in_upper_half.mean() <= high


def test_cells_hold_every_present_training_value_once_and_small_cells_fall_back():
    values = np.array([5.0, 1.0, 2.0, 9.0, 3.0])
    states = np.array([1, 0, 0, 1, 0])
    leaves = np.array([0, 0, 1, 1, 1])
    present = np.array([True, True, True, True, False])
    cells = leaf_values.fit(values, states, leaves, n_leaves=2, card=2, present=present)
    assert cells["values"].tolist() == [1.0, 5.0, 2.0, 9.0]  # by (leaf, bin), the missing stand-in left out
    assert cells["offsets"].tolist() == [0, 1, 2, 3, 4]
    bins = {"expanded": np.array([10.0, 11.0, 12.0, 20.0]), "start": np.array([0, 3]), "stop": np.array([3, 4])}
    prepared = leaf_values.sampler(cells, bins, card=2)
    drawn = leaf_values.draw(prepared, np.array([0, 1, 1, 1]), np.array([1, 0, 0, 1]), 2,
                             np.array([0.2, 0.1, 0.9, 0.9]))
    assert drawn.tolist() == [20.0, 10.0, 12.0, 20.0]  # one-value cells are below MIN_CELL: the whole bin's values
    big = leaf_values.fit(np.arange(40.0), np.zeros(40, int), np.repeat([0, 1], 20), 2, 1, np.ones(40, bool))
    whole = {"expanded": np.arange(40.0), "start": np.array([0]), "stop": np.array([40])}
    drawn = leaf_values.draw(leaf_values.sampler(big, whole, card=1), np.array([1, 0]), np.array([0, 0]), 1,
                             np.array([0.5, 0.999]))
    assert drawn.tolist() == [30.0, 19.0]  # each leaf's own 20 values


def test_a_model_file_with_broken_cells_is_refused(tmp_path):
    from tabsynth.errors import TabsynthError

    synth = tabsynth.make("bayesian_network", n_bins=2, random_state=0).fit(_within_bin_dependence(600))
    assert synth.leaf_values_, "the fit should keep in-leaf values for x"
    path = tmp_path / "bn.tabsynth"
    synth.save(path)
    pd.testing.assert_frame_equal(tabsynth.load(path).sample(50, random_state=0), synth.sample(50, random_state=0))
    j = next(iter(synth.leaf_values_))
    synth.leaf_values_[j]["offsets"] = synth.leaf_values_[j]["offsets"][:-1]
    synth.save(tmp_path / "broken.tabsynth")
    with pytest.raises(TabsynthError, match="in-leaf values"):
        tabsynth.load(tmp_path / "broken.tabsynth")
