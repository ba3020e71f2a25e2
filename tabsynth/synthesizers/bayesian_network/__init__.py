"""The Bayesian-network table synthesizer: binned columns, a learned DAG, trees or tables per variable.

The synthesizer (:class:`BayesianNetworkSynthesizer`) is built from private parts: ``_structure``
(discretization, counts, structure search), ``_trees`` (conditional trees), ``_inference`` (exact
conditions), ``_sampling`` (ancestral sampling) and ``_dask`` (fitting on a Dask DataFrame).
"""

from .synthesizer import BayesianNetworkSynthesizer

__all__ = ["BayesianNetworkSynthesizer"]
