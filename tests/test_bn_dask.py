"""BayesianNetworkSynthesizer.fit on a Dask DataFrame, on a real distributed.LocalCluster, small data."""

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth.errors import InvalidDataError, InvalidParameterError
from tabsynth.io import to_typed_json
from tabsynth.testing import make_check_data

pytest.importorskip("dask.distributed")
dd = pytest.importorskip("dask.dataframe")
bn_dask = pytest.importorskip("tabsynth.synthesizers.bayesian_network._dask")
dask_schema = pytest.importorskip("tabsynth.schema.distributed")


def _frame(num_rows: int = 1200, numeric_nulls: bool = False) -> pd.DataFrame:
    """The check table; without numerical nulls unless asked (their fill draws differ, see bayesian_network._dask)."""
    data = make_check_data(num_rows, seed=3)
    if not numeric_nulls:
        data["hours"] = data["hours"].fillna(25)
    return data


def _to_dask(data: pd.DataFrame, npartitions: int = 4):
    import dask

    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_pandas(data, npartitions=npartitions, sort=False)


def _assert_same_network(fitted, reference, trees: bool = False) -> None:
    assert fitted.network_ == reference.network_
    assert list(fitted.cardinalities_) == list(reference.cardinalities_)
    for got, expected in zip(fitted.tables_, reference.tables_):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    if trees:
        for got, expected in zip(fitted.trees_, reference.trees_):
            for key in expected:
                np.testing.assert_allclose(got[key], expected[key], rtol=1e-12)


def test_dask_fit_equals_in_memory_fit(client):
    data = _frame()
    fitted = tabsynth.BayesianNetworkSynthesizer(random_state=0).fit(_to_dask(data))
    reference = tabsynth.BayesianNetworkSynthesizer(random_state=0).fit(data)
    # every row fits in the samples here: bins, schema and trees are exact too
    states = [s.schema_.to_state() for s in (fitted, reference)]  # condition counts included: exact on Dask too
    (got, got_arrays), (expected, expected_arrays) = (to_typed_json(s) for s in states)
    assert got == expected and got_arrays.keys() == expected_arrays.keys()
    for key, array in expected_arrays.items():
        np.testing.assert_array_equal(got_arrays[key], array)
    _assert_same_network(fitted, reference, trees=True)
    pd.testing.assert_frame_equal(fitted.sample(300, random_state=2), reference.sample(300, random_state=2))


def test_sampled_schema_and_approximate_bins_with_the_same_edges(client, monkeypatch):
    monkeypatch.setattr(dask_schema, "SAMPLE_ROWS", 300)
    monkeypatch.setattr(bn_dask, "SAMPLE_ROWS", 300)
    monkeypatch.setattr(bn_dask, "MAX_EXACT_VALUES", 50)  # 'x' and 'when' are binned on the sample
    data = _frame(3000)
    fitted = tabsynth.BayesianNetworkSynthesizer(conditionals="table", random_state=0).fit(_to_dask(data, 5))
    assert len(fitted.bins_["x"]["uniques"]) <= 300  # in-bin values from the sample
    reference = tabsynth.BayesianNetworkSynthesizer(conditionals="table", bin_edges=dict(fitted.bin_edges_),
                                                    random_state=0).fit(data)
    _assert_same_network(fitted, reference)
    job = fitted.schema_.codecs["job"]  # category set and frequencies are exact, not from the sample
    counts = data["job"].value_counts()
    np.testing.assert_allclose(job.frequencies, counts[list(job.categories)].to_numpy() / counts.sum())
    assert fitted.schema_.codecs["x"].minimum == data["x"].min()
    assert fitted.schema_.codecs["key_id"].start == data["key_id"].max() + 1


def test_tree_conditionals_fit_on_a_seeded_sample(client, monkeypatch):
    monkeypatch.setattr(bn_dask, "TREE_SAMPLE_ROWS", 500)
    data = _frame(2000)
    first = tabsynth.BayesianNetworkSynthesizer(random_state=0).fit(_to_dask(data))
    second = tabsynth.BayesianNetworkSynthesizer(random_state=0).fit(_to_dask(data))
    reference = tabsynth.BayesianNetworkSynthesizer(random_state=0).fit(data)
    _assert_same_network(first, reference)  # the tables still come from every row
    for got, expected in zip(first.trees_, second.trees_):
        np.testing.assert_array_equal(got["table"], expected["table"])


def test_dask_fit_samples_valid_rows_and_survives_save_load(client, tmp_path):
    data = _frame(1500, numeric_nulls=True)
    synth = tabsynth.BayesianNetworkSynthesizer(random_state=1).fit(_to_dask(data, 3))
    fake = synth.sample(3000, random_state=5)
    assert list(fake.columns) == list(data.columns)
    assert (fake.dtypes == data.dtypes).all()
    assert fake["x"].between(data["x"].min(), data["x"].max()).all()
    assert set(fake["job"].dropna()) <= set(data["job"].dropna())
    assert fake["key_id"].is_unique and (fake["constant"] == "same").all()
    missing = fake["job"].isna()
    assert abs(missing.mean() - data["job"].isna().mean()) < 0.04
    assert (fake.loc[missing, "hours"].isna().mean()) > 0.9  # joint missingness is learned
    synth.save(tmp_path / "dask.tsyn")
    loaded = tabsynth.load(tmp_path / "dask.tsyn")
    pd.testing.assert_frame_equal(loaded.sample(200, random_state=3), synth.sample(200, random_state=3))


def test_arrow_strings_and_conditions(client):
    data = _frame(800)
    frame = dd.from_pandas(data, npartitions=2)  # Dask's default: strings as pyarrow strings
    synth = tabsynth.BayesianNetworkSynthesizer(conditionals="table", random_state=0).fit(frame)
    rich = synth.sample(200, conditions={"group": "c"}, random_state=0)
    assert (rich["group"] == "c").all()


def test_bad_input_is_refused_clearly(client, monkeypatch):
    data = _frame(200)
    with pytest.raises(InvalidDataError, match="no rows"):
        tabsynth.BayesianNetworkSynthesizer().fit(_to_dask(data.iloc[:0], 1))
    with pytest.raises(InvalidParameterError, match="bin_edges"):
        tabsynth.BayesianNetworkSynthesizer(bin_edges={"x": [2.0, 1.0]}).fit(_to_dask(data))
    with pytest.raises(InvalidParameterError, match="not numerical model columns"):
        tabsynth.BayesianNetworkSynthesizer(bin_edges={"group": [1.0]}).fit(_to_dask(data))
    with pytest.raises(InvalidDataError, match="not strings"):
        tabsynth.BayesianNetworkSynthesizer().fit(_to_dask(data.rename(columns={"x": 7})))
    with pytest.raises(InvalidDataError, match="pandas or Dask DataFrame"):
        tabsynth.BayesianNetworkSynthesizer().fit(_to_dask(data)["x"])
    infinite = data.assign(x=data["x"].where(data.index != 150, np.inf))
    with monkeypatch.context() as patch:
        patch.setattr(bn_dask, "SAMPLE_ROWS", 20)  # found by the exact reduction, not in the sample
        with pytest.raises(InvalidDataError, match="infinite"):
            tabsynth.BayesianNetworkSynthesizer().fit(_to_dask(infinite))
    with pytest.raises(tabsynth.MetadataError, match="not in the data"):
        tabsynth.BayesianNetworkSynthesizer().fit(_to_dask(data), metadata={"columns": {"nope": {"sdtype": "numerical"}}})


def test_given_bin_edges_in_memory_and_empty_bins(tmp_path):
    data = _frame(600)
    edges = {"x": [-1.0, 0.0, 1.0, 50.0, 60.0], "count": [0.5, 2.5, 100.0]}  # (50, 60] is empty
    synth = tabsynth.BayesianNetworkSynthesizer(bin_edges=edges, conditionals="table", random_state=0).fit(data)
    np.testing.assert_array_equal(synth.bin_edges_["x"], edges["x"])
    assert synth.cardinalities_[[c.name for c in synth.schema_.columns].index("x")] == 5
    fake = synth.sample(2000, random_state=0)
    assert fake["x"].between(data["x"].min(), data["x"].max()).all()
    uniform = tabsynth.BayesianNetworkSynthesizer(bin_edges=edges, continuous="uniform", random_state=0).fit(data)
    assert uniform.sample(500, random_state=0)["x"].notna().all()
    synth.save(tmp_path / "edges.tsyn")
    loaded = tabsynth.load(tmp_path / "edges.tsyn")
    assert loaded.get_params()["bin_edges"] == edges
    pd.testing.assert_frame_equal(loaded.sample(100, random_state=1), synth.sample(100, random_state=1))


def test_empty_partitions_and_a_partition_without_observed_numbers(client):
    data = _frame(900, numeric_nulls=True)
    data.loc[300:599, "hours"] = pd.NA  # the second partition observes no 'hours' at all
    frame = _to_dask(data, 4)
    frame = frame[frame["key_id"] < data["key_id"].iloc[675]]  # the last partition is empty
    synth = tabsynth.BayesianNetworkSynthesizer(conditionals="table", random_state=0).fit(frame)
    kept = data[data["key_id"] < data["key_id"].iloc[675]]
    assert synth.schema_.codecs["hours"].maximum == kept["hours"].max()
    fake = synth.sample(2000, random_state=0)
    assert abs(fake["hours"].isna().mean() - kept["hours"].isna().mean()) < 0.05
    assert fake["hours"].dropna().between(kept["hours"].min(), kept["hours"].max()).all()
