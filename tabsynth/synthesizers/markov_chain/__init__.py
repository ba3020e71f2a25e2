"""The Markov-chain sequence synthesizer: a dynamic Bayesian network over discretized states.

:class:`MarkovChainSynthesizer` is built from ``_tables`` (binning and back-off transition tables)
and ``_calibration`` (the drift correction applied after training).
"""

from .synthesizer import MarkovChainSynthesizer

__all__ = ["MarkovChainSynthesizer"]
