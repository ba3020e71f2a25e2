"""The base every synthesizer stands on: parameters, their validation, randomness, learned state, model files.

:class:`BaseSynthesizer` is written once for tables and sequences. The two templates built on it,
:class:`tabsynth.synthesizers.Synthesizer` (tables) and
:class:`tabsynth.synthesizers.SequenceSynthesizer` (sequences), add the data handling; a model adds
only its hooks.

Parameters
----------
Each class declares ``_parameter_constraints`` (scikit-learn's pattern): every constructor parameter
maps to a list of constraints (see :mod:`tabsynth.validation`), a subclass extends its parent's dict
with ``**``. ``fit`` checks them all with one function, so every bad value gets the same message:
"The 'epochs' parameter of CTGANSynthesizer must be a positive int. Got -1 instead."

The randomness rule
-------------------
``random_state`` seeds the fit and the synthesizer's own sampling generator. ``sample(n)`` draws
a seed from that generator (advancing it, and saved with the model); ``sample(n, random_state=s)``
uses ``s`` and leaves the own generator untouched. From the seed, rows (or sequences) are generated
in fixed blocks, block ``b`` from :func:`block_rng` ``(seed, b)`` =
``SeedSequence(seed, spawn_key=(b,))``: a sample is a prefix of any longer one with the same seed,
whatever the chunking.

Model files
-----------
``save`` writes a header (tabsynth version, registry name) and the learned state from
:meth:`BaseSynthesizer._to_state`; :func:`tabsynth.load` rebuilds the object from the registry and
calls :meth:`BaseSynthesizer._from_state`. Each level adds its own keys with ``{**super()._to_state(), ...}``.
"""

from __future__ import annotations

import abc
import inspect
from numbers import Integral
from typing import ClassVar

import numpy as np

from . import _threads as threads
from .errors import InvalidParameterError, NotFittedError
from .validation import Interval, Satisfies, check_random_state, validate_params


def block_rng(seed: int, block: int) -> np.random.Generator:
    """The generator of block ``block`` of the stream ``seed`` (independent streams spawned from one seed)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))


class BaseSynthesizer(abc.ABC):
    """What every synthesizer shares (scikit-learn's estimator contract); see the module docs."""

    registry_name: str = ""
    # The most states a categorical column gets in the encoded layout; past it the rarest categories share one
    # "other" state, decoded by drawing from their real frequencies. A bound for models whose memory grows with
    # a column's categories (one-hot layouts: CTGAN, TVAE): a column of 50,000 values would otherwise make a
    # 100,000 x 50,000 matrix. A model that handles any number of categories sets None (or passes its own
    # options from ``_schema_options``).
    max_categories: int | None = 1000
    _parameter_constraints: ClassVar[dict] = {
        "random_state": [None, Interval(Integral, 0, None)],
        "verbose": ["boolean"],
        "n_jobs": [None, Satisfies(threads.valid, "None (the idle cores), -1 (every core) or a positive int",
                                   invalid_examples=(0, -2, 1.5, "2"))],
    }
    _uses_torch = False  # torch's thread pool is bounded too (see tabsynth._threads)
    _fit_call = "fit(data)"  # how the not-fitted error tells the user to fit

    # ------------------------------------------------------------------ params
    @classmethod
    def _param_names(cls) -> list[str]:
        kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        parameters = inspect.signature(cls.__init__).parameters.values()
        return [p.name for p in parameters if p.name != "self" and p.kind in kinds]

    def get_params(self, deep: bool = True) -> dict:
        """The constructor parameters, as given."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> BaseSynthesizer:
        """Set constructor parameters; unknown names raise :class:`InvalidParameterError`."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise InvalidParameterError(
                    f"{type(self).__name__} has no parameter {name!r}. Valid parameters: {valid}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = {k: v for k, v in self.get_params().items() if defaults.get(k) is not v and defaults.get(k) != v}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def _validate_params(self) -> None:
        """Check every parameter against ``_parameter_constraints``, then the rules between parameters."""
        validate_params(self.get_params(), self._parameter_constraints, type(self).__name__)
        self._check_param_combinations()

    def _check_param_combinations(self) -> None:
        """Rules a single parameter's constraints cannot say (e.g. ``batch_size`` a multiple of ``pac``)."""

    # ------------------------------------------------------------------ fit and sample
    @abc.abstractmethod
    def fit(self, data, *args, **kwargs) -> BaseSynthesizer:
        """Learn the distribution of ``data``; returns self."""

    @abc.abstractmethod
    def sample(self, *args, **kwargs):
        """Synthetic data shaped like the training data."""

    def _start_fit(self, streams: int = 2) -> list[np.random.SeedSequence]:
        """Validate the parameters; the fit's independent seed streams (the second seeds sampling)."""
        self._validate_params()
        return np.random.SeedSequence(self.random_state).spawn(streams)

    def _end_fit(self, sample_seed: np.random.SeedSequence, columns) -> BaseSynthesizer:
        self._generator_ = np.random.default_rng(sample_seed)
        self.feature_names_in_ = np.array(columns, dtype=object)
        return self

    def _check_is_fitted(self) -> None:
        if not hasattr(self, "_generator_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet. Call {self._fit_call} before sampling or saving."
            )

    def _sampling_seed(self, random_state) -> int:
        """``random_state`` checked, or a seed drawn from the own generator (advancing it)."""
        random_state = check_random_state(random_state, "sample")
        if random_state is None:
            return int(self._generator_.integers(0, 2**63 - 1))
        return random_state

    # ------------------------------------------------------------------ learned state and files
    def save(self, path) -> None:
        """Write the fitted synthesizer to one model file (zip of JSON and numpy arrays; no pickle)."""
        from ._version import __version__
        from .io import write_model_file

        self._check_is_fitted()
        header = {"tabsynth_version": __version__, "synthesizer": self.registry_name}
        write_model_file(path, header, self._to_state())

    def _to_state(self) -> dict:
        """The fitted synthesizer as plain data (JSON values and numpy arrays); subclasses add their keys."""
        return {
            "params": self.get_params(),
            "generator": self._generator_.bit_generator.state,
            "feature_names_in": list(self.feature_names_in_),
        }

    def _from_state(self, state: dict) -> BaseSynthesizer:
        """Set the learned state saved by :meth:`_to_state` (called by :func:`tabsynth.load`); returns self."""
        self.feature_names_in_ = np.array(state["feature_names_in"], dtype=object)
        generator = np.random.default_rng()
        generator.bit_generator.state = state["generator"]
        self._generator_ = generator
        return self

    @abc.abstractmethod
    def _get_state(self) -> dict:
        """The model's own learned state (its arrays and settings), saved under ``"model"``."""

    @abc.abstractmethod
    def _set_state(self, state: dict) -> None:
        """Restore what :meth:`_get_state` returned."""
