"""TVAE: a variational autoencoder over mode-specific-normalized rows (Xu et al., 2019).

The encoder maps a transformed row to a Gaussian posterior over a latent vector; the decoder maps
a latent vector back to the row's layout: for each numerical scalar a mean (through ``tanh``)
with a learned per-column sigma, for each one-hot block logits. The loss is ``loss_factor`` times
the reconstruction negative log-likelihood (Gaussian for scalars, cross-entropy for one-hot
blocks) plus the KL divergence to the standard normal prior. A row whose value is an atom of its
column (a frequent value with an exact mode, see :mod:`tabsynth.synthesizers.neural._mode_specific`) has no
Gaussian term for that scalar: the value is its mode, and fitting a scalar that means nothing
collapsed that column's sigma to its floor, whose 1/sigma^2 weight then drowned every other term.
"""

from __future__ import annotations

import itertools
import math
from numbers import Real
from typing import ClassVar

import numpy as np
import pandas as pd

from ..._progress import progress
from ...validation import Interval
from . import _torch as T
from ._layout import TableTransformer
from ._shell import LAYER_WIDTHS, NeuralSynthesizer

_SAMPLE_CHUNK = 65536


class TVAESynthesizer(NeuralSynthesizer):
    """Tabular variational autoencoder.

    Parameters
    ----------
    embedding_dim : int, default 128
        Size of the latent vector (this and the parameters without their own words here are described
        once for both neural models in :mod:`tabsynth.synthesizers.neural._shell`).
    compress_dims : tuple of int, default (128, 128)
        Hidden layer widths of the encoder.
    decompress_dims : tuple of int, default (128, 128)
        Hidden layer widths of the decoder.
    l2scale : float, default 1e-5
        Adam weight decay.
    loss_factor : float, default 2
        Weight of the reconstruction term against the KL term.
    learning_rate : float, default 1e-3
    batch_size : int, default 500
    epochs : int, default 300
        A cap: early stopping (the default) ends training when the held-out score stops improving.
    validation_fraction : float, "auto" or None, default "auto"
        Early stopping on a held-out fidelity score, on by default (``epochs`` is then a cap): 10 %
        of the rows, at least 10; tables under 50 rows train every epoch. None: off, as published.
    patience : int or None, default 30
    device : {"cpu", "cuda", "auto"}, default "auto"
    constraints : list of tabsynth.constraints rules, optional
        Business rules every sampled row obeys (``Inequality``, ``Range``, ``Positive``/``Negative``,
        ``FixedCombinations``, ``OneHot``, ``FixedIncrements``: enforced by transformation, so the
        model learns a space where the rule cannot break; ``Custom``: by bounded redrawing).
        Dicts as written by ``Constraint.to_dict`` are accepted too. None: no rules.
    on_violation : {"raise", "drop"}, default "raise"
        What ``fit`` does with real rows that break a rule: raise ``ConstraintViolationError``
        (how many, the first few), or drop them with a warning that says how many. Never silent.
    n_jobs : int or None, default None
        Native threads for fitting and sampling (torch, OpenMP, BLAS). None: half the cores (at
        least 1), fixed rather than counted from the load, because torch's results depend on
        its thread count and a seed must give the same model whatever else runs; it leaves room
        for one other process without spinning. -1: every core.
    random_state : int, optional
    verbose : bool, default False

    Attributes
    ----------
    transformer_ : TableTransformer
        The mode-specific normalization and its layout of spans.
    vae_ : torch.nn.Module
        The trained encoder and decoder (``network_`` is the Bayesian network's edge list; the name
        means one thing across tabsynth).
    loss_history_ : pandas.DataFrame
        One row per epoch: ``epoch``, ``loss``, ``reconstruction``, ``kl`` (means over batches), and
        with early stopping ``validation_score`` and ``validation_score_smoothed`` (its mean over the
        last 5 epochs; the restored weights are those of the smoothed score's maximum:
        ``loss_history_.loc[loss_history_["validation_score_smoothed"].idxmax(), "epoch"]``).

    Examples
    --------
    >>> import tabsynth
    >>> real = tabsynth.datasets.load_adult()
    >>> synth = tabsynth.TVAESynthesizer(epochs=5, random_state=0).fit(real)  # doctest: +SKIP
    >>> synth.sample(5).shape                                                # doctest: +SKIP
    (5, 15)
    """

    conditional_sampling = "rejection"
    registry_name = "tvae"

    _parameter_constraints: ClassVar[dict] = {
        **NeuralSynthesizer._parameter_constraints,
        "compress_dims": [LAYER_WIDTHS],
        "decompress_dims": [LAYER_WIDTHS],
        "l2scale": [Interval(Real, 0, None)],
        "loss_factor": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, *, embedding_dim: int = 128, compress_dims: tuple = (128, 128),
                 decompress_dims: tuple = (128, 128), l2scale: float = 1e-5, loss_factor: float = 2.0,
                 learning_rate: float = 1e-3, batch_size: int = 500, epochs: int = 300,
                 validation_fraction: float | str | None = "auto", patience: int | None = 30, device: str = "auto",
                 constraints=None, on_violation: str = "raise",
                 n_jobs: int | None = None, random_state: int | None = None, verbose: bool = False):
        self.embedding_dim = embedding_dim
        self.compress_dims = compress_dims
        self.decompress_dims = decompress_dims
        self.l2scale = l2scale
        self.loss_factor = loss_factor
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.constraints = constraints
        self.on_violation = on_violation
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ network
    def _build(self, data_dim: int, generator=None):
        """Encoder and decoder in one module; weights drawn from ``generator`` (empty when None)."""
        torch = T.import_torch()
        device, layer = self._device, self._layer_builder(generator)

        def stack(widths):
            layers = []
            for i, o in itertools.pairwise(widths):
                layers += [layer(i, o), torch.nn.ReLU()]
            return torch.nn.Sequential(*layers)

        net = torch.nn.Module()
        enc = (data_dim, *tuple(self.compress_dims))
        net.encoder = stack(enc)
        net.mu, net.logvar = layer(enc[-1], self.embedding_dim), layer(enc[-1], self.embedding_dim)
        dec = (self.embedding_dim, *tuple(self.decompress_dims))
        net.decoder = torch.nn.Sequential(stack(dec), layer(dec[-1], data_dim))
        net.sigma = torch.nn.Parameter(torch.full((data_dim,), 0.1, device=device))
        self._layout = T.FusedLayout(self.transformer_.spans, device)
        return net

    # ------------------------------------------------------------------ fit
    def _fit(self, encoded: pd.DataFrame, rng: np.random.Generator) -> None:
        torch = T.import_torch()
        encoded, data, stopper = self._start_training(encoded, rng)
        generator = T.make_generator(rng, self._device)
        self.vae_ = self._build(data.shape[1], generator)
        targets = self._layout.targets(data)
        self._atom_columns = torch.as_tensor(self.transformer_.atom_columns(), device=self._device)
        optimizer = T.adam(self.vae_.parameters(), self.learning_rate, self.l2scale)
        records, bar = [], progress(range(self.epochs), self.verbose, "TVAE", unit="epoch")
        for epoch in bar:
            records.append({"epoch": epoch, **self._train_epoch(data, targets, optimizer, generator)})
            stop = stopper is not None and stopper.check(epoch, records[-1], self._sample_encoded, [self.vae_])
            if self.verbose:
                bar.set_postfix({k: f"{v:.3f}" for k, v in records[-1].items() if k in ("loss", "validation_score")})
            if stop:
                break
        if stopper is not None:
            stopper.restore([self.vae_])
        self.loss_history_ = T.loss_frame(records)

    def _train_epoch(self, data, targets, optimizer, generator) -> dict:
        torch = T.import_torch()
        order = torch.randperm(len(data), generator=generator, device=self._device)
        totals, steps = np.zeros(3), math.ceil(len(data) / self.batch_size)
        for step in range(steps):
            rows = order[step * self.batch_size:(step + 1) * self.batch_size]
            reconstruction, kl = self._losses(data[rows], targets[rows], generator)
            loss = self.loss_factor * reconstruction + kl
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                self.vae_.sigma.clamp_(0.01, 1.0)
            totals += [loss.item(), reconstruction.item(), kl.item()]
        totals /= steps
        return {"loss": totals[0], "reconstruction": totals[1], "kl": totals[2]}

    def _losses(self, batch, targets, generator):
        """Reconstruction negative log-likelihood and KL divergence, per row."""
        torch = T.import_torch()
        net = self.vae_
        hidden = net.encoder(batch)
        mu, logvar = net.mu(hidden), net.logvar(hidden)
        noise = torch.randn(mu.shape, generator=generator, device=mu.device)
        raw = net.decoder(mu + noise * torch.exp(0.5 * logvar))
        scalars = self._layout.scalars
        sigma = net.sigma[scalars]
        # A value that is an atom of its column decodes exactly, whatever the scalar: no Gaussian term
        # (with it, sigma of a mostly-zero column collapsed and its loss drowned the categories).
        live = 1.0 - batch @ self._atom_columns
        reconstruction = (live * ((batch[:, scalars] - torch.tanh(raw[:, scalars])) ** 2 / 2 / sigma**2
                                  + torch.log(sigma))).sum()
        # cross-entropy of every one-hot block at once
        reconstruction = reconstruction - self._layout.log_probs(raw).gather(1, targets).sum()
        kl = -0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp())
        return reconstruction / len(batch), kl / len(batch)

    # ------------------------------------------------------------------ sample
    def _sample(self, num_rows: int, rng: np.random.Generator, conditions) -> pd.DataFrame:
        return self._sample_encoded(num_rows, rng)

    def _sample_encoded(self, num_rows: int, rng: np.random.Generator) -> pd.DataFrame:
        generator = T.make_generator(rng, self._device)
        parts = [self._sample_chunk(min(_SAMPLE_CHUNK, num_rows - start), generator)
                 for start in range(0, num_rows, _SAMPLE_CHUNK)]
        return self.transformer_.decode_matrix(np.concatenate(parts))

    def _sample_chunk(self, size: int, generator) -> np.ndarray:
        torch = T.import_torch()
        net = self.vae_
        with torch.no_grad():
            latent = torch.randn((size, self.embedding_dim), generator=generator, device=self._device)
            raw = net.decoder(latent)
            out = T.gumbel_perturb(raw, generator)  # one-hot blocks: their argmax is a draw from the softmax
            scalars = self._layout.scalars
            noise = torch.randn((size, len(scalars)), generator=generator, device=self._device)
            out[:, scalars] = (torch.tanh(raw[:, scalars]) + net.sigma[scalars] * noise).clamp(-1.0, 1.0)
            return out.cpu().numpy()

    # ------------------------------------------------------------------ state
    def _get_state(self) -> dict:
        return {"transformer": self.transformer_.to_state(), "weights": T.weights_to_numpy(self.vae_),
                "loss_history": T.history_to_state(self.loss_history_)}

    def _set_state(self, state: dict) -> None:
        self._device = T.select_device(self.device, type(self).__name__)
        self.transformer_ = TableTransformer.from_state(state["transformer"])
        self.vae_ = self._build(self.transformer_.output_dim)
        T.weights_from_numpy(self.vae_, state["weights"], self._device)
        self.loss_history_ = T.history_from_state(state["loss_history"])
