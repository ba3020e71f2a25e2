"""tabsynth: learn the distribution of a real table, sample faithful synthetic rows, measure them.

>>> import tabsynth
>>> real = tabsynth.datasets.load_adult()
>>> synth = tabsynth.make("gaussian_copula", random_state=0).fit(real)
>>> fake = synth.sample(1_000)
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import datasets
from .benchmarking import benchmark
from .errors import (
    ConditionError,
    DeviceUnavailableError,
    InvalidDataError,
    InvalidParameterError,
    MetadataError,
    MissingDependencyError,
    ModelFileError,
    NotFittedError,
    TabsynthError,
)
from .evaluation import Report, evaluate
from .evaluation.sequence_report import evaluate_sequences
from .metadata import Metadata
from .registry import available, load, make
from .sequence_base import SequenceSynthesizer
from .synthesizers.bayesian_network import BayesianNetworkSynthesizer
from .synthesizers.ctgan import CTGANSynthesizer  # torch itself is imported only when one is fitted
from .synthesizers.gaussian_copula import GaussianCopulaSynthesizer
from .synthesizers.markov_chain import MarkovChainSynthesizer
from .synthesizers.tvae import TVAESynthesizer

__all__ = [
    "BayesianNetworkSynthesizer",
    "CTGANSynthesizer",
    "ConditionError",
    "DeviceUnavailableError",
    "GaussianCopulaSynthesizer",
    "InvalidDataError",
    "InvalidParameterError",
    "MarkovChainSynthesizer",
    "Metadata",
    "MetadataError",
    "MissingDependencyError",
    "ModelFileError",
    "NotFittedError",
    "Report",
    "SequenceSynthesizer",
    "TVAESynthesizer",
    "TabsynthError",
    "available",
    "benchmark",
    "datasets",
    "evaluate",
    "evaluate_sequences",
    "load",
    "make",
]


def __getattr__(name: str):
    # `tabsynth.dask` is imported on first use: Dask is an optional, heavy dependency.
    if name == "dask":
        import importlib

        return importlib.import_module(".dask", __name__)
    raise AttributeError(f"module 'tabsynth' has no attribute {name!r}")
