"""Helpers shared by the table and sequence check-suites."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InvalidParameterError
from ..registry import load
from ..validation import invalid_values


def expect(error: type, action, label: str = "") -> None:
    """Run ``action`` and assert it raises ``error`` with a message; ``label`` names the case."""
    try:
        action()
    except error as exc:
        assert str(exc), f"{error.__name__} without a message ({label})"
        return
    raise AssertionError(f"expected {error.__name__} ({label})")


def expect_parameter_checks(factory, fit) -> None:
    """Every constructor parameter has a constraint, and each value breaking it makes ``fit(synth)`` raise the
    one error template (scikit-learn's ``check_param_validation``)."""
    synth = factory(0)
    owner, constraints = type(synth).__name__, type(synth)._parameter_constraints
    names = synth._param_names()
    undeclared = [name for name in names if name not in constraints]
    assert not undeclared, f"{owner} declares no constraint for {undeclared}"
    unknown = [name for name in constraints if name not in names]
    assert not unknown, f"{owner} constrains {unknown}, which are not constructor parameters"
    for name in names:
        values = invalid_values(constraints[name])
        assert values, f"no invalid value to try for {owner}'s {name!r}"
        for value in values:
            try:
                fit(factory(0).set_params(**{name: value}))
            except InvalidParameterError as exc:
                wanted = f"The {name!r} parameter of {owner} must be "
                assert str(exc).startswith(wanted), f"{name}={value!r}: {exc}"
                continue
            raise AssertionError(f"{owner} accepted {name}={value!r}")


def expect_round_trip(synth, path: Path, size: int):
    """Save ``synth`` to ``path`` and load it back: the same class and parameters, the same seeded
    sample of ``size``, and the own generator continued where it stood. Returns the loaded model."""
    synth.save(path)
    same = load(path)
    assert type(same) is type(synth) and same.get_params() == synth.get_params()
    pd.testing.assert_frame_equal(synth.sample(size, random_state=3), same.sample(size, random_state=3))
    pd.testing.assert_frame_equal(synth.sample(size), same.sample(size))
    return same
