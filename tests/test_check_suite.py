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

# Known model limitations, kept visible: strict, so the day one is fixed the suite says so.
_JOINT_MISSINGNESS = ("learns missing flags column by column: two columns that are always missing together "
                      "come out missing together far less often (measured at 2 to 300 epochs; see issue 5 note)")
KNOWN_FAILURES = {("ctgan", "check_missing_values"): _JOINT_MISSINGNESS,
                  ("tvae", "check_missing_values"): _JOINT_MISSINGNESS}


@pytest.mark.parametrize("check", TABLE_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", TABLE_SYNTHESIZERS)
def test_table_check_suite(name, check, tmp_path, request):
    reason = KNOWN_FAILURES.get((name, check.__name__))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    check(lambda seed: tabsynth.make(name, random_state=seed, **FAST_PARAMS[name]), tmp_path)
