"""Reversible numeric encodings shared by the neural models.

:class:`ModeSpecificNormalizer` encodes one numerical column as a normalized scalar plus a one-hot
mode (a variational Gaussian mixture); :class:`TableTransformer` encodes a whole encoded frame
(the schema's output) into one float matrix whose explicit layout is a list of :class:`Span`.
"""

from .layout import Span, TableTransformer
from .mode_specific import ModeSpecificNormalizer

__all__ = ["ModeSpecificNormalizer", "Span", "TableTransformer"]
