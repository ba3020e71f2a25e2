"""Every registered sequence synthesizer passes the shared sequence check-suite (tabsynth.testing)."""

import pytest

import tabsynth
from tabsynth.testing import SEQUENCE_CHECKS

# name -> parameters that keep the suite fast (the checks are about the contract, not fidelity)
SEQUENCE_SYNTHESIZERS = {"markov_chain": {}, "neural_sequence": {"epochs": 6, "hidden_size": 16, "head_size": 16}}


@pytest.mark.parametrize("check", SEQUENCE_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", SEQUENCE_SYNTHESIZERS)
def test_sequence_check_suite(name, check, tmp_path):
    params = SEQUENCE_SYNTHESIZERS[name]
    check(lambda seed: tabsynth.make(name, random_state=seed, **params), tmp_path)
