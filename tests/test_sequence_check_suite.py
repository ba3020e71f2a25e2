"""Every registered sequence synthesizer passes the shared sequence check-suite (tabsynth.testing)."""

import pytest

import tabsynth
from tabsynth.testing import SEQUENCE_CHECKS

SEQUENCE_SYNTHESIZERS = ["markov_chain"]


@pytest.mark.parametrize("check", SEQUENCE_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", SEQUENCE_SYNTHESIZERS)
def test_sequence_check_suite(name, check, tmp_path):
    check(lambda seed: tabsynth.make(name, random_state=seed), tmp_path)
