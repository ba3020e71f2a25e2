"""Rows pinned before the architecture refactor (tabsynth 0.1.0): same seeds, same rows; 0.1.0 files still open.

The pins were written by ``tests/fixtures/make_pinned.py`` at 623ae39. A failure here means behaviour changed:
either a bug, or a deliberate change that must be explained and the pins rewritten on purpose.

Deliberate changes since, each with its refit pin in ``fixtures/pinned_rows/refit/`` (the 0.1.0 model files still
give the 0.1.0 rows): ``bayesian_network`` — tree leaves of at least 20 rows (issue 18; the 1,500-row case had
15-row leaves), so small tables are not memorized. ``ctgan``/``tvae`` — early stopping became the default (issue 22);
their cases pass ``validation_fraction=None``, 0.1.0's behaviour, and keep the 0.1.0 pins.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tabsynth

from .pinned_cases import CASES, fit_case

FIXTURES = Path(__file__).parent / "fixtures"
NEURAL = {"ctgan", "tvae"}


def _pinned(name: str, refit: bool = False) -> pd.DataFrame:
    path = FIXTURES / "pinned_rows" / "refit" / f"{name}.pkl.gz"
    if not (refit and path.exists()):
        path = FIXTURES / "pinned_rows" / f"{name}.pkl.gz"
    return pd.read_pickle(path)  # the test's own fixture, never user data


def _assert_same_rows(got: pd.DataFrame, expected: pd.DataFrame, name: str) -> None:
    assert list(got.columns) == list(expected.columns)
    assert got.dtypes.equals(expected.dtypes)
    if name not in NEURAL:
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        return
    # Neural fits run float32 kernels whose last bits depend on the CPU's vector unit: numbers agree to
    # float precision (an integer such as Adult's fnlwgt ~ 3e5 may round one unit apart), categories exactly.
    for column in expected.columns:
        dtype = expected[column].dtype
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            one_unit = 1.0 if pd.api.types.is_integer_dtype(dtype) else 0.0
            np.testing.assert_allclose(got[column].astype(float), expected[column].astype(float),
                                       rtol=1e-5, atol=one_unit, equal_nan=True, err_msg=column)
        else:
            pd.testing.assert_series_equal(got[column], expected[column], check_exact=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_refit_gives_the_pinned_rows(name):
    if name in NEURAL:
        pytest.importorskip("torch")
    _assert_same_rows(CASES[name].sample(fit_case(name)), _pinned(name, refit=True), name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_file_of_0_1_0_loads_and_samples_the_pinned_rows(name):
    if name in NEURAL:
        pytest.importorskip("torch")
    synth = tabsynth.load(FIXTURES / "models_0_1_0" / f"{name}.tsyn")
    assert synth.registry_name == name.removesuffix("_table")
    _assert_same_rows(CASES[name].sample(synth), _pinned(name), name)
