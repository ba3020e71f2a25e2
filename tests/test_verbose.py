"""verbose=True shows progress on every synthesizer's fit, through one helper; quiet by default (issue 22, item 6)."""

import pytest

import tabsynth
from tabsynth.testing import make_check_data, make_sequence_check_data

SEQUENCE_ROLES = {"sequence_key": "entity", "sequence_index": "when", "context_columns": ["kind"]}


@pytest.mark.parametrize("name, conditionals", [("bayesian_network", "tree"), ("bayesian_network", "table")])
def test_bayesian_network_reports_its_stages(name, conditionals, capsys):
    data = make_check_data(300)
    tabsynth.make(name, conditionals=conditionals, random_state=0).fit(data)
    assert capsys.readouterr().err == ""
    tabsynth.make(name, conditionals=conditionals, verbose=True, random_state=0).fit(data)
    err = capsys.readouterr().err
    assert "BayesianNetworkSynthesizer" in err and "structure" in err and "tables" in err
    assert ("trees" in err) == (conditionals == "tree")


def test_markov_chain_reports_its_variables(capsys):
    data = make_sequence_check_data(12)
    tabsynth.make("markov_chain", random_state=0).fit(data, **SEQUENCE_ROLES)
    assert capsys.readouterr().err == ""
    tabsynth.make("markov_chain", verbose=True, random_state=0).fit(data, **SEQUENCE_ROLES)
    assert "MarkovChainSynthesizer" in capsys.readouterr().err
