"""Partial metadata: declared columns win, the rest are detected (issue 22, item 1)."""

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth import Metadata


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    return pd.DataFrame({"status": rng.choice([0, 1, 2], 300), "age": rng.normal(50, 10, 300).round(1),
                         "city": rng.choice(["a", "b"], 300)})


def test_fit_with_partial_metadata_detects_the_rest(table):
    partial = {"columns": {"status": {"sdtype": "categorical"}}}
    synth = tabsynth.make("bayesian_network", random_state=0).fit(table, metadata=partial)
    assert synth.metadata_.sdtype("status") == "categorical"  # declared: wins over "numerical"
    assert synth.metadata_.sdtype("age") == "numerical" and synth.metadata_.sdtype("city") == "categorical"
    fake = synth.sample(500, random_state=0)
    assert set(fake["status"]) <= {0, 1, 2} and fake["status"].dtype == table["status"].dtype


def test_detect_with_overrides_equals_the_fit(table):
    overrides = Metadata({"status": {"sdtype": "categorical"}})
    detected = Metadata.detect(table, overrides)
    assert detected.to_dict() == Metadata.coerce(overrides, table).to_dict()
    assert list(detected.columns) == list(table.columns)
    assert Metadata.detect(table).sdtype("status") == "numerical"  # without overrides: detection's guess


def test_overrides_naming_columns_the_data_lacks_are_an_error(table):
    with pytest.raises(tabsynth.MetadataError, match=r"not in the data: \['nope'\]"):
        tabsynth.make("gaussian_copula").fit(table, metadata={"columns": {"nope": {"sdtype": "numerical"}}})


def test_a_sequence_fit_takes_partial_metadata():
    panel = pd.DataFrame({"id": np.repeat([1, 2, 3], 12), "t": np.tile(np.arange(12), 3),
                          "stage": np.tile([1, 2, 3, 4], 9), "x": np.arange(36.0)})
    synth = tabsynth.make("markov_chain", random_state=0).fit(
        panel, sequence_key="id", sequence_index="t", metadata={"columns": {"stage": {"sdtype": "categorical"}}})
    assert synth.metadata_.sdtype("stage") == "categorical" and synth.metadata_.sdtype("x") == "numerical"
