"""Every registered table synthesizer passes the shared check-suite (tabsynth.testing)."""

import pytest

import tabsynth
from tabsynth.testing import TABLE_CHECKS

# Small settings so the suite stays fast on 2 cores; the synthesizers' defaults are benchmarked.
FAST_PARAMS = {
    "gaussian_copula": {},
    "bayesian_network": {},
    "ctgan": {"epochs": 2, "batch_size": 100},
    "tvae": {"epochs": 2, "batch_size": 100},
}
TABLE_SYNTHESIZERS = [name for name in tabsynth.available() if name in FAST_PARAMS]


@pytest.mark.parametrize("check", TABLE_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", TABLE_SYNTHESIZERS)
def test_table_check_suite(name, check, tmp_path):
    check(lambda seed: tabsynth.make(name, random_state=seed, **FAST_PARAMS[name]), tmp_path)
