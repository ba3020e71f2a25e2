"""The report plots the worst-kept pairs, real beside synthetic (issue 22, item 8)."""

import numpy as np
import pandas as pd
import pytest

from tabsynth.evaluation import evaluate, pair_plots


def _frames(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], n)
    real = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(0, 0.1, n), "colour": colour,
                         "size": np.where(colour == "red", "big", "small"), "noise": rng.normal(size=n)})
    fake = real.copy()
    fake["y"] = rng.permutation(fake["y"].to_numpy())        # the x-y relation broken
    fake["size"] = rng.permutation(fake["size"].to_numpy())  # the colour-size relation broken
    fake.loc[:99, "colour"] = np.nan
    return real, fake


def test_the_broken_relations_are_plotted_first_with_shares_that_add_up():
    real, fake = _frames()
    report = evaluate(real, fake, metrics=["marginal", "joint"], random_state=0)
    plotted = report.plot_data["worst_pairs"]
    assert len(plotted) == pair_plots.WORST_PAIRS
    assert {frozenset(p["columns"]) for p in plotted[:2]} == {frozenset({"x", "y"}), frozenset({"colour", "size"})}
    assert [p["score"] for p in plotted] == sorted(p["score"] for p in plotted)
    points = next(p for p in plotted if set(p["columns"]) == {"x", "y"})
    assert points["kind"] == "points"
    for role in ("real", "synthetic"):
        assert len(points[role][0]) == len(points[role][1]) == pair_plots.MAX_POINTS
    shares = next(p for p in plotted if set(p["columns"]) == {"colour", "size"})
    assert shares["kind"] == "shares" and shares["x_labels"][-1] == "(missing)"
    for role in ("real", "synthetic"):
        table = np.asarray(shares[role])
        assert table.shape == (len(shares["y_labels"]), len(shares["x_labels"]))
        assert table.sum() == pytest.approx(1.0)
    colour_side = np.asarray(shares["synthetic"]).sum(axis=0) if shares["columns"][0] == "colour" \
        else np.asarray(shares["synthetic"]).sum(axis=1)
    assert colour_side[-1] == pytest.approx(100 / 3000)  # the synthetic rows' missing colours


def test_numbers_beside_categories_are_binned_at_the_real_quantiles_and_seeded():
    real, fake = _frames()
    data_pairs = pd.DataFrame({"Column 1": ["x"], "Column 2": ["colour"], "Score": [0.5]})
    from tabsynth.evaluation._prepare import prepare

    data = prepare(real, fake, None, None)
    first = pair_plots.worst_pairs(data, data_pairs, random_state=1)
    assert first == pair_plots.worst_pairs(data, data_pairs, random_state=1)
    assert "(missing)" not in first[0]["x_labels"]  # no x is missing on either side: the level is not shown
    real_side = np.asarray(first[0]["real"]).sum(axis=0)  # the x bins
    assert real_side == pytest.approx(np.full(8, 1 / 8), abs=0.002)
