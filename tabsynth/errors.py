"""Every error a user can cause is a :class:`TabsynthError` subclass.

Messages say what is wrong and what to do, following scikit-learn's template:
"The 'epochs' parameter of CTGANSynthesizer must be a positive int. Got -1 instead."
"""

from __future__ import annotations


class TabsynthError(Exception):
    """Base class of every error tabsynth raises on bad input or bad use."""


class InvalidDataError(TabsynthError, ValueError):
    """The data given to fit, sample or evaluate cannot be used as it is."""


class MetadataError(InvalidDataError):
    """Metadata is malformed or does not match the data."""


class InvalidParameterError(TabsynthError, ValueError):
    """A synthesizer or function parameter has a wrong type or value."""


class DeviceUnavailableError(InvalidParameterError):
    """A model was asked to run on a device this machine does not have (``device="cuda"`` without CUDA)."""


class NotFittedError(TabsynthError, AttributeError):
    """A synthesizer was used before ``fit`` was called."""


class ConditionError(TabsynthError, ValueError):
    """Conditional sampling was asked for something the model cannot deliver."""


class ModelFileError(TabsynthError, ValueError):
    """A model file is unreadable, tampered with, or from an unknown/newer format."""


class MissingDependencyError(TabsynthError, ImportError):
    """An optional dependency is needed for this feature."""


def param_error(owner: str, name: str, expected: str, got: object) -> InvalidParameterError:
    """Build the one parameter-error message template used across the library."""
    return InvalidParameterError(
        f"The {name!r} parameter of {owner} must be {expected}. Got {got!r} instead."
    )


class ConstraintViolationError(InvalidDataError):
    """Real rows break a constraint the synthesizer was given (or sampling cannot reach rows that obey it)."""
