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

# Missing rates need a few more steps than 2 epochs of 4 batches give the neural models; with early stopping (the
# default) a cap of 20 kept TVAE's epoch 9 (held-out score 0.746 against 0.761 at 40) and missed the rates.
CHECK_PARAMS = {("ctgan", "check_missing_values"): {"epochs": 40}, ("tvae", "check_missing_values"): {"epochs": 40}}
# Known model limitations, kept visible: strict, so the day one is fixed the suite says so.
KNOWN_FAILURES: dict = {}


@pytest.mark.parametrize("check", TABLE_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", TABLE_SYNTHESIZERS)
def test_table_check_suite(name, check, tmp_path, request):
    reason = KNOWN_FAILURES.get((name, check.__name__))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    params = {**FAST_PARAMS[name], **CHECK_PARAMS.get((name, check.__name__), {})}
    check(lambda seed: tabsynth.make(name, random_state=seed, **params), tmp_path)
