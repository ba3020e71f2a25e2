"""The Bayesian-network table synthesizer: binned columns, a learned DAG, trees or tables per variable.

The synthesizer (:class:`BayesianNetworkSynthesizer`) is built from private parts: ``_structure``
(discretization, counts, structure search), ``_inference`` (exact conditions), ``_sampling``
(ancestral sampling) and ``_dask`` (fitting on a Dask DataFrame); its conditional trees are
:mod:`tabsynth.synthesizers._trees`, shared with the Markov chain.
"""

from .synthesizer import BayesianNetworkSynthesizer

__all__ = ["BayesianNetworkSynthesizer"]
