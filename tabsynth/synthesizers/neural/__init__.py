"""The deep synthesizers (PyTorch): CTGAN and TVAE for tables, a recurrent network for sequences.

torch is imported only when one of them is fitted or loaded. Shared parts: ``_layout`` (the
one-hot/scalar float matrix, :class:`TableTransformer`), ``_mode_specific`` (mode-specific
normalization, :class:`ModeSpecificNormalizer`), ``_torch`` (devices, layers, local random draws),
``_early_stopping`` (held-out fidelity), ``_networks`` and ``_conditional`` (CTGAN's generator,
critic and conditional vector).
"""

from ._layout import Span, TableTransformer
from ._mode_specific import ModeSpecificNormalizer
from .ctgan import CTGANSynthesizer
from .sequence import NeuralSequenceSynthesizer
from .tvae import TVAESynthesizer

__all__ = ["CTGANSynthesizer", "ModeSpecificNormalizer", "NeuralSequenceSynthesizer", "Span", "TVAESynthesizer", "TableTransformer"]
