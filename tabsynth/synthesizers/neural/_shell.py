"""The shell CTGAN and TVAE share: their common parameters, the category bound, layers, the fit prologue.

Parameters every neural synthesizer has
---------------------------------------
embedding_dim : int, default 128
    Size of the noise (CTGAN) or latent (TVAE) vector.
batch_size : int, default 500
    Rows per training step.
epochs : int, default 300
    With early stopping (the default) a cap, rarely reached; without it the number of epochs.
validation_fraction : float, "auto" or None, default "auto"
    Early stopping, on by default so that a user who reads nothing gets the well-trained model
    rather than the last of a guessed number of epochs (on Adult TVAE keeps epoch 20 of 51 and
    CTGAN epoch 46 of 77; benchmarks/early_stopping.py): hold out a seeded share of the rows,
    score a fixed-seed sample against them after every epoch (column shapes and pair trends,
    sdmetrics-like, computed on the encoded columns), keep the best epoch's weights and restore
    them at the end. The held-out rows are not trained on. "auto" holds out 10 % of the rows and
    at least 10; a table under 50 rows is too small to spare them and trains every epoch. A float
    holds out that fraction (at least 10 rows, else an error); None trains every epoch.
patience : int or None, default 30
    With early stopping: stop after this many epochs without a better score (None: train every
    epoch, still restoring the best). 30 because the held-out score is noisy (decisions use its
    mean over the last 5 epochs); see benchmarks/early_stopping.py.
device : {"cpu", "cuda", "auto"}, default "auto"
    Where to train and sample; "auto" picks CUDA when available.
n_jobs : int or None, default None
    Native threads for fitting and sampling (torch, OpenMP, BLAS). None: half the cores (at
    least 1), fixed rather than counted from the load, because torch's results depend on
    its thread count and a seed must give the same model whatever else runs; it leaves room
    for one other process without spinning. -1: every core.
random_state : int, optional
    Seeds every draw (mixtures, weights, batches, noise) through a local torch generator; torch's
    global generator is never touched.
verbose : bool, default False
    Show a progress bar over epochs with the current losses.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd

from ...validation import Interval, Options, Satisfies, positive_ints
from ..table import Synthesizer
from . import _early_stopping as ES
from . import _torch as T
from ._layout import TableTransformer

AUTO_FRACTION = 0.1   # validation_fraction="auto": 10 % of the rows held out (at least ES.MIN_HELD_OUT)
AUTO_MIN_ROWS = 50    # ... when the table has this many rows; smaller ones train every epoch
LAYER_WIDTHS = Satisfies(positive_ints, "a non-empty tuple of positive ints",
                         invalid_examples=[(), (0, 8), (1.5,), 64])


class NeuralSynthesizer(Synthesizer):
    """Base of the torch synthesizers; its module docs describe the parameters every one of them has."""

    # One-hot spans cost every training step in proportion to their width: past 100 states the rarest
    # categories share one state (decoded by their real frequencies). Flights' tailnum (4,043 values) made one
    # CTGAN epoch on 20,000 rows take 270 s; rare categories are learned poorly by these models anyway.
    max_categories = 100
    _uses_torch = True
    _parameter_constraints: ClassVar[dict] = {
        **Synthesizer._parameter_constraints,
        "embedding_dim": [Interval(Integral, 1, None)],
        "batch_size": [Interval(Integral, 1, None)],
        "epochs": [Interval(Integral, 1, None)],
        "validation_fraction": [None, Options("auto"), Interval(Real, 0, 1, closed="neither")],
        "patience": [None, Interval(Integral, 1, None)],
        "device": [Options(*T.DEVICES)],
    }

    def _check_param_combinations(self) -> None:
        # the device must exist here (and torch be installed): say so before any work
        T.select_device(self.device, type(self).__name__)

    def _layer_builder(self, generator):
        """``layer(in, out)``: a linear layer drawn from ``generator``, or left empty (None: weights to load)."""
        return T.layer_builder(generator, self._device)

    def _start_training(self, encoded: pd.DataFrame, rng: np.random.Generator):
        """The fit prologue: device, held-out rows (early stopping), transformer; the training tensor and stopper."""
        torch = T.import_torch()
        self._device = T.select_device(self.device, type(self).__name__)
        stopper, fraction = None, self.validation_fraction
        if fraction == "auto":
            fraction = AUTO_FRACTION if len(encoded) >= AUTO_MIN_ROWS else None
        if fraction is not None:
            minimum = ES.MIN_HELD_OUT if self.validation_fraction == "auto" else 0
            encoded, held_out = ES.split(encoded, fraction, rng, type(self).__name__, minimum)
            stopper = ES.EarlyStopping(held_out, self.schema_.columns, self.patience, rng)
        self.transformer_ = TableTransformer().fit(encoded, self.schema_.columns, rng)
        data = torch.as_tensor(self.transformer_.encode(encoded, rng), device=self._device)
        return encoded, data, stopper
