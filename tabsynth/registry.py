"""Synthesizer names -> classes: an explicit table, the only way a model file finds its class."""

from __future__ import annotations

import importlib
import importlib.util

from .errors import DeviceUnavailableError, InvalidParameterError, MissingDependencyError, ModelFileError

# name -> (module, class, optional dependency). Import happens on first use, so `import tabsynth`
# stays light and torch is only imported by the models that need it.
_SYNTHESIZERS = {
    "gaussian_copula": ("tabsynth.synthesizers.gaussian_copula", "GaussianCopulaSynthesizer", None),
    "bayesian_network": ("tabsynth.synthesizers.bayesian_network", "BayesianNetworkSynthesizer", None),
    "ctgan": ("tabsynth.synthesizers.neural", "CTGANSynthesizer", "torch"),
    "tvae": ("tabsynth.synthesizers.neural", "TVAESynthesizer", "torch"),
    "markov_chain": ("tabsynth.synthesizers.markov_chain", "MarkovChainSynthesizer", None),
    "neural_sequence": ("tabsynth.synthesizers.neural", "NeuralSequenceSynthesizer", "torch"),
}


SEQUENCE_SYNTHESIZERS = ("markov_chain", "neural_sequence")
"""The registered synthesizers of long-format sequences (``fit(data, sequence_key=..., sequence_index=...)``)."""


def available() -> list[str]:
    """Registered synthesizer names."""
    return list(_SYNTHESIZERS)


def get_class(name: str) -> type:
    """The synthesizer class registered under ``name``."""
    if not isinstance(name, str) or name not in _SYNTHESIZERS:
        raise InvalidParameterError(f"Unknown synthesizer {name!r}. Available: {available()}.")
    module_name, class_name, dependency = _SYNTHESIZERS[name]
    if dependency is not None and importlib.util.find_spec(dependency) is None:
        raise MissingDependencyError(
            f"The {name!r} synthesizer needs {dependency}: pip install \"tabsynth[{dependency}]\"."
        )
    return getattr(importlib.import_module(module_name), class_name)


def make(name: str, **params):
    """Create a synthesizer by registry name: ``make("gaussian_copula", random_state=0)``."""
    cls = get_class(name)
    valid = cls._param_names()
    unknown = [p for p in params if p not in valid]
    if unknown:
        raise InvalidParameterError(f"{cls.__name__} has no parameter(s) {unknown}. Valid parameters: {valid}.")
    return cls(**params)


RUNTIME_PARAMS = ("device", "verbose")
"""Settings that say where and how a model runs, not what it learned: they may be changed when opening a file."""


def load(path, constraints=None, **runtime):
    """Open a model file written by ``save``. The class comes from the registry, never from the file.

    ``runtime`` overrides settings of :data:`RUNTIME_PARAMS` saved in the file, e.g.
    ``load("model.tsyn", device="cpu")`` opens a model trained on a GPU on a machine without one.
    ``constraints`` gives back the callables of the model's ``Custom`` constraints (model files never
    store code), matched by name: ``load(path, constraints=[Custom(is_valid, name="cheap_paris")])``.
    """
    from .io import read_model_file

    unknown = [k for k in runtime if k not in RUNTIME_PARAMS]
    if unknown:
        raise InvalidParameterError(f"load() can override only {list(RUNTIME_PARAMS)}; got {unknown}.")
    header, state = read_model_file(path)
    name = header.get("synthesizer")
    if not isinstance(name, str) or name not in _SYNTHESIZERS:
        raise ModelFileError(
            f"The model file {str(path)!r} names the synthesizer {name!r}, which is not registered "
            f"(known: {available()}); it was not opened."
        )
    cls = get_class(name)
    try:
        synth = make(name, **{**state["params"], **{k: v for k, v in runtime.items() if k in cls._param_names()}})
        synth._validate_params()
        synth._from_state(state)
    except ModelFileError:
        raise
    except DeviceUnavailableError as exc:  # saved with device="cuda", opened where there is none
        raise DeviceUnavailableError(f"The model file {str(path)!r} cannot run here as saved: {exc} Settings "
                                    f"{list(RUNTIME_PARAMS)} can be changed when opening it: "
                                    f"tabsynth.load(path, device='cpu').") from None
    except Exception as exc:  # noqa: BLE001 - any inconsistency inside the learned state: the file is untrusted
        raise ModelFileError(f"The model file {str(path)!r} holds an invalid {cls.__name__} state: {exc}") from None
    if constraints is not None:
        synth.restore_custom_rules(constraints)
    return synth
