"""Sequence mistakes a new user makes get a TabsynthError that says what to pass (issue 22, item 5)."""

import pandas as pd
import pytest

import tabsynth


@pytest.fixture
def panel():
    return pd.DataFrame({"id": [1, 1, 2, 2], "t": [0, 1, 0, 1], "x": [0.1, 0.2, 0.3, 0.4]})


@pytest.mark.parametrize("given, missing", [({}, "sequence_key and sequence_index"),
                                            ({"sequence_key": "id"}, "sequence_index"),
                                            ({"sequence_index": "t"}, "sequence_key")])
def test_a_sequence_synthesizer_without_its_roles_says_which(panel, given, missing):
    with pytest.raises(tabsynth.InvalidParameterError, match=f"needs {missing}") as caught:
        tabsynth.make("markov_chain").fit(panel, **given)
    assert isinstance(caught.value, tabsynth.TabsynthError) and "bayesian_network" in str(caught.value)


@pytest.mark.parametrize("name", ["bayesian_network", "gaussian_copula"])
def test_sequence_roles_on_a_table_synthesizer_name_the_sequence_synthesizers(panel, name):
    with pytest.raises(tabsynth.InvalidParameterError, match="models tables") as caught:
        tabsynth.make(name).fit(panel, sequence_key="id", sequence_index="t")
    assert "'markov_chain'" in str(caught.value) and "'neural_sequence'" in str(caught.value)
    with pytest.raises(tabsynth.InvalidParameterError, match=r"unknown arguments \['epochz'\]"):
        tabsynth.make(name).fit(panel, epochz=3)
