"""MarkovChainSynthesizer on the bundled panels, its tables, and its CLI."""

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth.cli import main
from tabsynth.synthesizers.markov_chain._tables import BackoffTable

GAPMINDER = {"sequence_key": "country", "sequence_index": "year", "context_columns": ["continent"]}


@pytest.fixture(scope="module")
def gapminder_model():
    data = tabsynth.datasets.load_gapminder()
    return data, tabsynth.make("markov_chain", random_state=0).fit(data, **GAPMINDER)


def test_gapminder_schema_and_trends(gapminder_model):
    data, synth = gapminder_model
    fake = synth.sample(142, random_state=0)
    assert list(fake.columns) == list(data.columns) and fake.dtypes.equals(data.dtypes)
    assert (fake.groupby("country").size() == 12).all()
    assert sorted(fake["year"].unique()) == sorted(data["year"].unique())
    assert fake["lifeExp"].between(data["lifeExp"].min(), data["lifeExp"].max()).all()
    # trending series: life expectancy rises from 1952 to 2007 as in the data
    rise = fake.groupby("year")["lifeExp"].median()
    assert rise.loc[2007] - rise.loc[1952] > 15
    assert set(fake["continent"]) <= set(data["continent"])


def test_transition_tables_are_inspectable(gapminder_model):
    data, _ = gapminder_model
    synth = tabsynth.make("markov_chain", random_state=0, conditionals="table").fit(data, **GAPMINDER)
    tables = synth.transition_
    assert "lifeExp" in tables
    probabilities = tables["lifeExp"].filter(like="state ")
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert (probabilities.to_numpy() > 0).all(), "smoothed: no state has probability zero"


def test_backoff_table_matches_exact_probabilities():
    """Oracle: with plenty of data the table recovers a known transition matrix."""
    rng = np.random.default_rng(0)
    matrix = np.array([[0.9, 0.1], [0.3, 0.7]])
    previous = rng.integers(0, 2, 20000)
    target = (rng.random(20000) < matrix[previous, 1]).astype(np.int64)
    table = BackoffTable(2, alpha=2.0).fit(target, {"prev": previous}, {"prev": 2}, ["prev"], 3)
    assert table.parents == ["prev"]
    got = table.predict({"prev": np.array([0, 1])}, 2)
    np.testing.assert_allclose(got, matrix, atol=0.02)
    unseen = BackoffTable(2, alpha=2.0).fit(target, {"prev": previous}, {"prev": 3}, ["prev"], 3)
    assert np.isclose(unseen.predict({"prev": np.array([2])}, 1).sum(), 1.0)  # unseen parent: backs off


def test_calibration_brings_the_pooled_marginal_onto_the_real_one(gapminder_model):
    from scipy.stats import ks_2samp

    data, calibrated = gapminder_model
    raw = tabsynth.make("markov_chain", random_state=0, calibrate=False).fit(data, **GAPMINDER)
    # many sequences, so the score measures the model's bias, not the noise of a small sample
    ks = {name: max(ks_2samp(data[c], synth.sample(2000, random_state=1)[c]).statistic for c in ("pop", "gdpPercap"))
          for name, synth in (("calibrated", calibrated), ("raw", raw))}
    assert ks["calibrated"] < 0.04 and ks["calibrated"] < 0.7 * ks["raw"], ks


def test_calibration_survives_save_and_load(gapminder_model, tmp_path):
    _, synth = gapminder_model
    synth.save(tmp_path / "chain.tsyn")
    same = tabsynth.load(tmp_path / "chain.tsyn")
    pd.testing.assert_frame_equal(same.sample(20, random_state=3), synth.sample(20, random_state=3))


def test_bad_parameters():
    data = tabsynth.datasets.load_gapminder()
    for params in ({"order": 0}, {"n_bins": 1}, {"alpha": -1}, {"context_synthesizer": "nope"}):
        with pytest.raises(tabsynth.InvalidParameterError):
            tabsynth.make("markov_chain", **params).fit(data, **GAPMINDER)


@pytest.mark.slow
def test_weather_long_irregular_series():
    data = tabsynth.datasets.load_weather()
    synth = tabsynth.make("markov_chain", random_state=0).fit(data, sequence_key="origin", sequence_index="time_hour")
    fake = synth.sample(3, random_state=0)
    assert fake.dtypes.equals(data.dtypes)
    local = fake["time_hour"].dt.tz_convert("America/New_York")
    assert (fake["hour"] == local.dt.hour).all() and (fake["month"] == local.dt.month).all()
    assert abs(fake["wind_gust"].isna().mean() - data["wind_gust"].isna().mean()) < 0.02
    steps = fake.groupby("origin")["time_hour"].diff().dropna().dt.total_seconds() / 3600
    assert set(steps.unique()) <= {1.0, 2.0, 3.0, 6.0}


def test_cli_fit_sample_evaluate(tmp_path, capsys):
    data = tabsynth.datasets.load_gapminder()
    real, model, out = tmp_path / "real.csv", tmp_path / "m.tsyn", tmp_path / "fake.csv"
    data.to_csv(real, index=False)
    assert main(["fit", str(real), "--synthesizer", "markov_chain", "--sequence-key", "country",
                 "--sequence-index", "year", "--context", "continent", "--output", str(model)]) == 0
    assert main(["sample", str(model), "--sequences", "20", "--output", str(out), "--seed", "1"]) == 0
    fake = pd.read_csv(out)
    assert fake["country"].nunique() == 20 and list(fake.columns) == list(data.columns)
    assert main(["evaluate", str(real), str(out), "--sequence-key", "country", "--sequence-index", "year",
                 "--context", "continent"]) == 0
    assert "Sequence fidelity score" in capsys.readouterr().out
    # a sequence model without its roles, and --rows on a sequence model: one-line errors, exit 2
    assert main(["fit", str(real), "--synthesizer", "markov_chain", "--output", str(model)]) == 2
    assert main(["sample", str(model), "--rows", "5", "--output", str(out)]) == 2
    assert "error" in capsys.readouterr().err


# ---------------------------------------------------------------------- memory: tree conditionals
def _levels_panel(entities=80, steps=12, seed=0):
    rng = np.random.default_rng(seed)
    levels = rng.normal(0, 10, entities)
    return pd.DataFrame({"id": np.repeat(np.arange(entities), steps), "t": np.tile(np.arange(steps), entities),
                         "x": np.repeat(levels, steps) + rng.normal(0, 1, entities * steps)})


def _within_share(frame):
    """Mean within-sequence spread over the pooled spread: small when each entity keeps its own level."""
    return frame.groupby("id")["x"].std().mean() / frame["x"].std()


def test_memory_features_are_the_same_in_fit_and_in_sampling():
    from tabsynth.synthesizers.markov_chain._history import running_means, update_memory

    rng = np.random.default_rng(3)
    lengths = np.array([5, 1, 7])
    states = rng.integers(0, 4, lengths.sum())
    position = np.concatenate([np.arange(n) for n in lengths])
    var = {"name": "x", "kind": "level", "flag": "x_missing", "card": 4}  # state 3 = missing: not in the mean
    fitted = running_means(states, states < 3, position)
    grid = np.full((3, 7), 3)
    for e, (start, n) in enumerate(zip(np.r_[0, np.cumsum(lengths)[:-1]], lengths)):
        grid[e, :n] = states[start:start + n]
    own = {"S": grid, "L": grid, "M": np.zeros((3, 7)), "F": np.zeros((3, 7)), "N": np.zeros((3, 7)),
           "Q": np.zeros((3, 7), dtype=int), "P": np.zeros((3, 7), dtype=int), "sum": np.zeros(3),
           "count": np.zeros(3), "missing": np.zeros(3)}
    for t in range(7):
        update_memory(var, own, t)
    sampled = own["M"][np.arange(7)[None, :] < lengths[:, None]]
    np.testing.assert_allclose(np.nan_to_num(fitted, nan=-1.0), sampled)
    np.testing.assert_array_equal(own["F"][:, 3], grid[:, 0])
    shares = running_means((states == 3).astype(float), np.ones(len(states), dtype=bool), position)
    np.testing.assert_allclose(shares, own["N"][np.arange(7)[None, :] < lengths[:, None]])


def test_tree_chain_keeps_each_entity_at_its_own_level():
    panel = _levels_panel()
    fakes = {kind: tabsynth.make("markov_chain", random_state=0, conditionals=kind)
             .fit(panel, sequence_key="id", sequence_index="t").sample(200, random_state=1)
             for kind in ("tree", "table")}
    real = _within_share(panel)  # 0.09
    assert _within_share(fakes["tree"]) < 1.4 * real
    assert _within_share(fakes["tree"]) < 0.8 * _within_share(fakes["table"])


def test_tree_chain_model_file_round_trip(tmp_path):
    synth = tabsynth.make("markov_chain", random_state=0, conditionals="tree")
    synth.fit(_levels_panel(entities=30), sequence_key="id", sequence_index="t")
    assert [v["conditional"] for v in synth.variables_] == ["tree"]
    assert all(name.endswith("@start") for name in synth.transition_)  # trees are no transition tables
    synth.save(tmp_path / "tree.tsyn")
    same = tabsynth.load(tmp_path / "tree.tsyn")
    pd.testing.assert_frame_equal(same.sample(10, random_state=4), synth.sample(10, random_state=4))
    assert same.get_params()["conditionals"] == "tree"


def test_memory_keeps_each_entitys_missing_rate():
    # half the entities are rarely missing, half missing every other step: a chain that re-draws missingness
    # from the last step alone pulls every entity towards the pooled rate
    rng = np.random.default_rng(0)
    rows = []
    for e in range(100):
        level, p = rng.normal(0, 10), (0.05 if e % 2 else 0.5)
        for t in range(15):
            rows.append({"id": e, "t": t, "x": level + rng.normal(0, 1) if rng.random() > p else np.nan,
                         "y": float(rng.integers(0, 20)) if rng.random() > p else np.nan})
    panel = pd.DataFrame(rows)

    def spread(frame, column):  # spread of the per-entity missing rates
        return frame.groupby("id")[column].apply(lambda s: s.isna().mean()).std()

    fakes = {kind: tabsynth.make("markov_chain", random_state=0, conditionals=kind)
             .fit(panel, sequence_key="id", sequence_index="t").sample(300, random_state=1)
             for kind in ("table", "auto", "tree")}
    for column in ("x", "y"):
        assert spread(fakes["tree"], column) > 0.85 * spread(panel, column)
        assert spread(fakes["auto"], column) > spread(fakes["table"], column)
