"""Check-suites: the promises every synthesizer keeps, as plain functions a new model must pass.

Each check takes a factory (``random_state -> unfitted synthesizer``) and a temporary directory, and
raises ``AssertionError`` on failure. :data:`TABLE_CHECKS` hold for every table synthesizer,
:data:`SEQUENCE_CHECKS` for every sequence synthesizer; ``tests/test_check_suite.py`` and
``tests/test_sequence_check_suite.py`` run them over every registered one.

>>> from tabsynth.testing import TABLE_CHECKS
>>> for check in TABLE_CHECKS:                                  # doctest: +SKIP
...     check(lambda seed: MySynthesizer(random_state=seed, epochs=2), tmp_path)
"""

from ._sequence import SEQUENCE_CHECKS, make_sequence_check_data
from ._table import TABLE_CHECKS, make_check_data

__all__ = ["SEQUENCE_CHECKS", "TABLE_CHECKS", "make_check_data", "make_sequence_check_data"]
