"""Business rules every synthetic row obeys: pass them to a synthesizer, ``make(..., constraints=[...])``.

>>> from tabsynth.constraints import Inequality, FixedCombinations
>>> synth = tabsynth.make("bayesian_network", constraints=[Inequality("start", "end"),
...                                                       FixedCombinations(["city", "country"])])

The rules are defined in :mod:`tabsynth.schema.constraints` and enforced by the schema
(:mod:`tabsynth.schema.constrained`), so every table synthesizer gets them.
"""

from __future__ import annotations

from .schema.constraints import (
    Constraint,
    Custom,
    FixedCombinations,
    FixedIncrements,
    Inequality,
    Negative,
    OneHot,
    Positive,
    Range,
    constraint_from_dict,
)
from .schema.rule_detection import detect_constraints

__all__ = ["Constraint", "Custom", "FixedCombinations", "FixedIncrements", "Inequality", "Negative", "OneHot",
           "Positive", "Range", "constraint_from_dict",
           "detect_constraints"]
