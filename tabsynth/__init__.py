"""tabsynth: learn the distribution of a real table, sample faithful synthetic rows, measure them.

>>> import tabsynth
>>> real = tabsynth.datasets.load_adult()
>>> synth = tabsynth.make("gaussian_copula", random_state=0).fit(real)
>>> fake = synth.sample(1_000)

Importing the package is instant: every name below except the errors is imported on first use
(a module-level ``__getattr__``), so ``import tabsynth`` loads neither pandas, torch, Dask,
sdmetrics nor the benchmark runner until something needs them.
"""

from __future__ import annotations

import importlib

from ._version import __version__
from .errors import (
    ConditionError,
    ConstraintViolationError,
    DeviceUnavailableError,
    InvalidDataError,
    InvalidParameterError,
    MetadataError,
    MissingDependencyError,
    ModelFileError,
    NotFittedError,
    TabsynthError,
)

# public name -> module that defines it (imported on first access)
_LAZY = {
    "available": "tabsynth.registry",
    "load": "tabsynth.registry",
    "make": "tabsynth.registry",
    "Metadata": "tabsynth.schema",
    "Report": "tabsynth.evaluation",
    "evaluate": "tabsynth.evaluation",
    "evaluate_sequences": "tabsynth.evaluation",
    "benchmark": "tabsynth.benchmarking",
    "detect_constraints": "tabsynth.constraints",
    "BayesianNetworkSynthesizer": "tabsynth.synthesizers",
    "CTGANSynthesizer": "tabsynth.synthesizers",
    "GaussianCopulaSynthesizer": "tabsynth.synthesizers",
    "MarkovChainSynthesizer": "tabsynth.synthesizers",
    "NeuralSequenceSynthesizer": "tabsynth.synthesizers",
    "SequenceSynthesizer": "tabsynth.synthesizers",
    "TVAESynthesizer": "tabsynth.synthesizers",
}
_SUBPACKAGES = ("benchmarking", "constraints", "dask", "datasets", "evaluation", "schema", "synthesizers", "testing")

__all__ = [
    "BayesianNetworkSynthesizer",
    "CTGANSynthesizer",
    "ConditionError",
    "ConstraintViolationError",
    "DeviceUnavailableError",
    "GaussianCopulaSynthesizer",
    "InvalidDataError",
    "InvalidParameterError",
    "MarkovChainSynthesizer",
    "Metadata",
    "MetadataError",
    "MissingDependencyError",
    "ModelFileError",
    "NeuralSequenceSynthesizer",
    "NotFittedError",
    "Report",
    "SequenceSynthesizer",
    "TVAESynthesizer",
    "TabsynthError",
    "__version__",
    "available",
    "benchmark",
    "datasets",
    "detect_constraints",
    "evaluate",
    "evaluate_sequences",
    "load",
    "make",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module 'tabsynth' has no attribute {name!r}")
    globals()[name] = value  # later accesses skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBPACKAGES})
