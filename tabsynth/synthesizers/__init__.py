"""Every synthesizer, over the two templates they share.

Tables subclass :class:`Synthesizer` (fit a DataFrame, sample rows); sequences subclass
:class:`SequenceSynthesizer` (fit long-format panels, sample whole sequences). Both rest on
:class:`tabsynth.base.BaseSynthesizer` (parameters, randomness, model files). The models:
:class:`GaussianCopulaSynthesizer`, :class:`BayesianNetworkSynthesizer`
(:mod:`~tabsynth.synthesizers.bayesian_network`), :class:`MarkovChainSynthesizer`
(:mod:`~tabsynth.synthesizers.markov_chain`), and :class:`CTGANSynthesizer`,
:class:`TVAESynthesizer` and :class:`NeuralSequenceSynthesizer` (:mod:`~tabsynth.synthesizers.neural`). A model file finds its class
through :mod:`tabsynth.registry`.
"""

from .bayesian_network import BayesianNetworkSynthesizer
from .gaussian_copula import GaussianCopulaSynthesizer
from .markov_chain import MarkovChainSynthesizer
from .neural import CTGANSynthesizer, NeuralSequenceSynthesizer, TVAESynthesizer
from .sequence import SequenceSynthesizer
from .table import Synthesizer

__all__ = [
    "BayesianNetworkSynthesizer",
    "CTGANSynthesizer",
    "GaussianCopulaSynthesizer",
    "MarkovChainSynthesizer",
    "NeuralSequenceSynthesizer",
    "SequenceSynthesizer",
    "Synthesizer",
    "TVAESynthesizer",
]
