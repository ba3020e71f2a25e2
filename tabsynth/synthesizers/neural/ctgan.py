"""CTGAN: a conditional Wasserstein GAN over mode-specific-normalized rows (Xu et al., 2019).

The generator maps noise plus a conditional vector (one category of one categorical column) to a
row in the transformer's layout: ``tanh`` scalars and Gumbel-softmax one-hot blocks. Training
by sampling picks conditions by log-frequency and real rows that match them; the critic sees
packs of ``pac`` rows (PacGAN) and is trained with the WGAN gradient penalty; the generator also
pays the cross-entropy between the conditioned column's output and the condition.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd

from ..._progress import progress
from ...errors import ConditionError, param_error
from ...validation import Interval
from ..table import collect_matching
from . import _torch as T
from ._conditional import ConditionalSampler
from ._layout import PATTERN_COLUMN, TableTransformer
from ._networks import FoldedGenerator, network_classes
from ._shell import LAYER_WIDTHS, NeuralSynthesizer

_SAMPLE_CHUNK = 65536
_CONDITION_DRAWS_PER_ROW = 1000   # conditional sampling gives up below an acceptance rate of 1/1000 ...
_MIN_CONDITION_DRAWS = 200_000    # ... and after at least this many drawn rows
_STEER_BELOW = 0.25               # conditions on rarer categories go through the conditional vector
_FORCED_SHARE = 0.25              # share of a conditional batch forced, for generators without population norm
_TAU = 0.2
_GP_WEIGHT = 10.0
_CALIBRATION_BATCHES = 20         # training batches that measure the generator's normalization statistics


class CTGANSynthesizer(NeuralSynthesizer):
    """Conditional tabular GAN.

    Parameters
    ----------
    embedding_dim : int, default 128
        Size of the noise vector (this and the parameters without their own words here are described
        once for both neural models in :mod:`tabsynth.synthesizers.neural._shell`).
    generator_dim : tuple of int, default (256, 256)
        Widths of the generator's residual blocks.
    discriminator_dim : tuple of int, default (256, 256)
        Widths of the critic's hidden layers.
    generator_lr, discriminator_lr : float, default 2e-4
        Adam learning rates (betas 0.5, 0.9).
    generator_decay, discriminator_decay : float, default 1e-6
        Adam weight decay.
    batch_size : int, default 500
        Rows per step; a multiple of ``pac``.
    discriminator_steps : int, default 1
        Critic updates per generator update.
    log_frequency : bool, default True
        Training-by-sampling draws conditions by log-frequency (else by frequency).
    pac : int, default 10
        Rows per critic pack (PacGAN).
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
    loss_history_ : pandas.DataFrame
        One row per epoch: ``epoch``, ``generator_loss``, ``discriminator_loss`` (means over steps),
        and with early stopping ``validation_score`` and ``validation_score_smoothed`` (its mean over the
        last 5 epochs; the restored weights are those of the smoothed score's maximum).

    Notes
    -----
    Conditions on categorical columns (the schema's missing flags included) go through the
    conditional vector: it names the rarest requested category (when its frequency is below 1/4),
    and bounded rejection keeps the generated rows that satisfy every condition, so a rare
    category costs few draws. A
    :class:`~tabsynth.errors.ConditionError` says so when fewer than 1 in 1,000 drawn rows (at least
    200,000 drawn) match. Conditions without a categorical column use plain rejection.

    Examples
    --------
    >>> import tabsynth
    >>> real = tabsynth.datasets.load_adult()
    >>> synth = tabsynth.make("ctgan", epochs=5, random_state=0).fit(real)  # doctest: +SKIP
    >>> synth.sample(5).shape                                              # doctest: +SKIP
    (5, 15)
    """

    conditional_sampling = "approximate"
    registry_name = "ctgan"

    _parameter_constraints: ClassVar[dict] = {
        **NeuralSynthesizer._parameter_constraints,
        "generator_dim": [LAYER_WIDTHS],
        "discriminator_dim": [LAYER_WIDTHS],
        "generator_lr": [Interval(Real, 0, None, closed="neither")],
        "generator_decay": [Interval(Real, 0, None)],
        "discriminator_lr": [Interval(Real, 0, None, closed="neither")],
        "discriminator_decay": [Interval(Real, 0, None)],
        "discriminator_steps": [Interval(Integral, 1, None)],
        "log_frequency": ["boolean"],
        "pac": [Interval(Integral, 1, None)],
    }

    def __init__(self, *, embedding_dim: int = 128, generator_dim: tuple = (256, 256),
                 discriminator_dim: tuple = (256, 256), generator_lr: float = 2e-4, generator_decay: float = 1e-6,
                 discriminator_lr: float = 2e-4, discriminator_decay: float = 1e-6, batch_size: int = 500,
                 discriminator_steps: int = 1, log_frequency: bool = True, pac: int = 10, epochs: int = 300,
                 validation_fraction: float | str | None = "auto", patience: int | None = 30, device: str = "auto",
                 constraints=None, on_violation: str = "raise",
                 n_jobs: int | None = None, random_state: int | None = None, verbose: bool = False):
        self.embedding_dim = embedding_dim
        self.generator_dim = generator_dim
        self.discriminator_dim = discriminator_dim
        self.generator_lr = generator_lr
        self.generator_decay = generator_decay
        self.discriminator_lr = discriminator_lr
        self.discriminator_decay = discriminator_decay
        self.batch_size = batch_size
        self.discriminator_steps = discriminator_steps
        self.log_frequency = log_frequency
        self.pac = pac
        self.epochs = epochs
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.constraints = constraints
        self.on_violation = on_violation
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _check_param_combinations(self) -> None:
        if self.batch_size % self.pac:
            raise param_error(type(self).__name__, "batch_size", f"a multiple of pac={self.pac}", self.batch_size)
        super()._check_param_combinations()

    # ------------------------------------------------------------------ network
    def _build(self, generator=None, population_norm=True):
        device, layer = self._device, self._layer_builder(generator)
        Generator, Critic = network_classes()
        data_dim, cond_dim = self.transformer_.output_dim, self.sampler_.width
        self.generator_ = Generator(self.embedding_dim + cond_dim, tuple(self.generator_dim),
                                    data_dim, layer, population_norm).to(device)
        self.critic_ = Critic(data_dim + cond_dim, tuple(self.discriminator_dim), self.pac,
                              layer).to(device)
        self._layout = T.FusedLayout(self.transformer_.spans, device)
        torch = T.import_torch()
        starts = [self._layout.flat_start[s.start] for s in self.transformer_.category_spans]
        self._cond_starts = torch.as_tensor(starts, dtype=torch.long, device=device)
        self._cond_offsets = torch.as_tensor(self.sampler_.offsets[:-1], dtype=torch.long, device=device)

    # ------------------------------------------------------------------ fit
    def _fit(self, encoded: pd.DataFrame, rng: np.random.Generator) -> None:
        encoded, data, stopper = self._start_training(encoded, rng)
        spans = self.transformer_.category_spans
        self.sampler_ = ConditionalSampler.from_codes(self.transformer_.category_codes(encoded),
                                                      [s.width for s in spans], len(encoded), self.log_frequency)
        generator = T.make_generator(rng, self._device)
        self._build(generator)
        optimizers = (T.adam(self.generator_.parameters(), self.generator_lr, self.generator_decay, (0.5, 0.9)),
                      T.adam(self.critic_.parameters(), self.discriminator_lr, self.discriminator_decay, (0.5, 0.9)))
        records = self._train(data, optimizers, rng, generator, stopper)
        if stopper is not None:
            stopper.restore([self.generator_, self.critic_])  # with the statistics calibrated at that epoch
            self.generator_.eval()
        else:
            self._calibrate_normalization(rng, generator)
        self.loss_history_ = T.loss_frame(records)

    def _train(self, data, optimizers, rng, generator, stopper) -> list[dict]:
        """The epochs (until early stopping says stop); one loss record per epoch."""
        steps = max(len(data) // self.batch_size, 1)
        records, bar = [], progress(range(self.epochs), self.verbose, "CTGAN", unit="epoch")
        for epoch in bar:
            totals = np.zeros(2)
            for _ in range(steps):
                totals += self._train_step(data, optimizers, rng, generator)
            records.append({"epoch": epoch, "generator_loss": totals[0] / steps,
                            "discriminator_loss": totals[1] / steps})
            stop = stopper is not None and self._check_stopping(stopper, epoch, records[-1], rng, generator)
            if self.verbose:
                bar.set_postfix({k: f"{v:.3f}" for k, v in records[-1].items() if k != "epoch"})
            if stop:
                break
        return records

    def _check_stopping(self, stopper, epoch, record, rng, generator) -> bool:
        """Score a sample of the current generator (normalization calibrated) for early stopping."""
        self._calibrate_normalization(rng, generator)
        stop = stopper.check(epoch, record, self._sample_encoded, [self.generator_, self.critic_])
        self.generator_.train()
        return stop

    def _calibrate_normalization(self, rng, generator) -> None:
        """Fix the generator's normalization statistics to their mean over training batches, for sampling.

        Sampling with each batch's own statistics (as the reference does) shifts every row: training
        batches draw their conditions by log-frequency, sampled batches by frequency, so their hidden
        statistics differ (Adult, 30 epochs: Private came out at 68 % of workclass, real 74 %, and quality
        0.862; with these statistics 74 % and 0.876). Rows then no longer depend on their batch either.
        """
        torch = T.import_torch()
        norms = [m for m in self.generator_.modules() if isinstance(m, torch.nn.BatchNorm1d)]
        for norm in norms:
            norm.reset_running_stats()  # momentum None: an equal-weight mean over the batches below
        self.generator_.train()
        with torch.no_grad():
            for _ in range(_CALIBRATION_BATCHES):
                self._raw(torch.as_tensor(self.sampler_.sample_train(self.batch_size, rng)[0], device=self._device),
                          generator)
        self.generator_.eval()

    def _raw(self, cond, generator):
        """The generator's raw output for conditional vectors ``cond`` and fresh noise."""
        torch = T.import_torch()
        noise = torch.randn((len(cond), self.embedding_dim), generator=generator, device=self._device)
        return self.generator_(torch.cat([noise, cond], dim=1))

    def _fake(self, cond, generator):
        """Generator output: raw logits and activated rows (Gumbel-softmax on one-hot blocks)."""
        raw = self._raw(cond, generator)
        return raw, self._layout.activate(raw, _TAU, generator)

    def _train_step(self, data, optimizers, rng, generator) -> np.ndarray:
        torch = T.import_torch()
        g_optimizer, d_optimizer = optimizers
        for _ in range(self.discriminator_steps):
            cond, _, rows = self.sampler_.sample_train(self.batch_size, rng)
            cond = torch.as_tensor(cond, device=self._device)
            with torch.no_grad():
                _, fake = self._fake(cond, generator)
            real_in = torch.cat([data[torch.as_tensor(rows, device=self._device)], cond], dim=1)
            fake_in = torch.cat([fake, cond], dim=1)
            # fake and real packs in one pass: one weight gradient of the wide first layer instead of two
            fake_score, real_score = self.critic_(torch.cat([fake_in, real_in]), generator).tensor_split(2)
            d_loss = fake_score.mean() - real_score.mean() + self._gradient_penalty(real_in, fake_in, generator)
            d_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            d_optimizer.step()
        cond, columns, _ = self.sampler_.sample_train(self.batch_size, rng)
        cond = torch.as_tensor(cond, device=self._device)
        raw, fake = self._fake(cond, generator)
        self.critic_.requires_grad_(False)  # the generator step needs no critic weight gradients
        g_loss = -self.critic_(torch.cat([fake, cond], dim=1), generator).mean() + self._condition_loss(
            raw, cond, columns)
        g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        self.critic_.requires_grad_(True)
        g_optimizer.step()
        return np.array([g_loss.item(), d_loss.item()])

    def _gradient_penalty(self, real_in, fake_in, generator):
        """WGAN-GP on points between real and fake packs (one mixing weight per pack)."""
        torch = T.import_torch()
        alpha = torch.rand((len(real_in) // self.pac, 1), generator=generator, device=self._device)
        alpha = alpha.repeat_interleave(self.pac, dim=0)
        mixed = (alpha * real_in + (1 - alpha) * fake_in).requires_grad_(True)
        scores = self.critic_(mixed, generator)
        gradients = torch.autograd.grad(scores.sum(), mixed, create_graph=True)[0]
        norms = gradients.reshape(-1, mixed.shape[1] * self.pac).norm(2, dim=1)
        return _GP_WEIGHT * ((norms - 1) ** 2).mean()

    def _condition_loss(self, raw, cond, columns):
        """Cross-entropy between the conditioned column's logits and its condition, mean over rows."""
        torch = T.import_torch()
        if not len(self._cond_starts):
            return torch.zeros((), device=self._device)
        chosen = torch.as_tensor(columns, device=self._device)
        position = self._cond_starts[chosen] + cond.argmax(dim=1) - self._cond_offsets[chosen]
        return -self._layout.log_probs(raw).gather(1, position[:, None]).mean()

    # ------------------------------------------------------------------ sample
    def _sample(self, num_rows: int, rng: np.random.Generator, conditions) -> dict[str, np.ndarray]:
        return self._sample_columns(num_rows, rng)

    def _sample_encoded(self, num_rows: int, rng: np.random.Generator, named=None) -> pd.DataFrame:
        """Encoded rows; ``named`` = (categorical column index, code) fixes the conditional vector."""
        return pd.DataFrame(self._sample_columns(num_rows, rng, named))

    def _sample_columns(self, num_rows: int, rng: np.random.Generator, named=None) -> dict[str, np.ndarray]:
        """:meth:`_sample_encoded` as column arrays (cheaper)."""
        generator = T.make_generator(rng, self._device)
        if self.generator_.population_norm:
            folded = self._folded_generator()
            parts = [self._sample_folded(min(_SAMPLE_CHUNK, num_rows - start), rng, generator, folded, named)
                     for start in range(0, num_rows, _SAMPLE_CHUNK)]
        else:
            chunk = _SAMPLE_CHUNK if named is None else int(_SAMPLE_CHUNK * _FORCED_SHARE)  # same memory
            parts = [self._sample_chunk(min(chunk, num_rows - start), rng, generator, named)
                     for start in range(0, num_rows, chunk)]
        scalars, codes = (np.concatenate(values) for values in zip(*parts))
        return self.transformer_.decode(self._layout.per_span(scalars, codes))

    def _folded_generator(self) -> FoldedGenerator:
        """The generator as matrices, rebuilt only when its weights changed (sampling goes block by block)."""
        versions = tuple(t._version for t in self.generator_.state_dict().values())  # bumped by in-place updates
        network, seen, folded = getattr(self, "_folded", (None, None, None))
        if network is not self.generator_ or seen != versions:
            folded = FoldedGenerator(self.generator_, self.embedding_dim, self.sampler_.width)
            self._folded = (self.generator_, versions, folded)
        return folded

    def _sample_folded(self, size: int, rng, generator, folded, named=None) -> tuple[np.ndarray, np.ndarray]:
        """Scalars and codes (:meth:`FusedLayout.draw`) of rows of a generator with population normalization."""
        torch = T.import_torch()
        index = self.sampler_.sample_original_index(size, rng)
        if named is not None:
            index[:] = self.sampler_.offsets[named[0]] + named[1]
        with torch.no_grad():
            noise = torch.randn((size, self.embedding_dim), generator=generator, device=self._device)
            raw = folded(noise, None if index is None else torch.as_tensor(index, device=self._device))
            return self._layout.draw(raw, generator)

    def _sample_chunk(self, size: int, rng, generator, named=None) -> tuple[np.ndarray, np.ndarray]:
        """Rows of a generator normalizing with batch statistics (older model files).

        A batch that repeats one condition would normalize it away: forced rows ride in a batch of
        context rows whose conditions follow the data, as in training, and only they are kept.
        """
        torch = T.import_torch()
        rows = max(size, 2) if named is None else int(np.ceil(size / _FORCED_SHARE))
        cond = torch.as_tensor(self.sampler_.sample_original(rows, rng), device=self._device)
        if named is not None:
            cond[:size] = 0.0
            cond[:size, int(self.sampler_.offsets[named[0]]) + named[1]] = 1.0
        with torch.no_grad():
            noise = torch.randn((rows, self.embedding_dim), generator=generator, device=self._device)
            raw = self.generator_(torch.cat([noise, cond], dim=1))
            return self._layout.draw(raw[:size], generator)

    def _rejection_rows(self, needed: int, rng: np.random.Generator, target: dict) -> pd.DataFrame:
        """``needed`` encoded rows matching ``target``, the conditional vector naming its rarest category.

        Called by the base class for each group of equal conditions (same block seeds, so the rows
        of ``sample(..., random_state=s)`` are reproducible); rows that miss any condition are dropped.
        """
        named = self._named_condition(target)
        if named is None or self.sampler_.frequency(*named) >= _STEER_BELOW:  # plain rejection is cheap enough
            return super()._rejection_rows(needed, rng, target)
        budget = max(_CONDITION_DRAWS_PER_ROW * needed, _MIN_CONDITION_DRAWS)
        rows, found, drawn = collect_matching(lambda n: self._sample_encoded(n, rng, named), needed, target,
                                              first_batch=needed + needed // 4 + 64,  # most requests: one round
                                              max_batch=16 * _SAMPLE_CHUNK, go_on=lambda drawn, _: drawn < budget)
        if rows is not None:
            return rows
        column = self.transformer_.category_spans[named[0]].column
        raise ConditionError(
            f"{type(self).__name__} found only {found} of {needed} rows matching the conditions {target} (encoded) "
            f"in {drawn} rows generated with the conditional vector set to {column}={named[1]}: the request is "
            "out of this model's reach. Loosen the conditions, train longer, or use BayesianNetworkSynthesizer, "
            "which samples conditions exactly."
        )

    def _named_condition(self, target: dict) -> tuple[int, int] | None:
        """(index among the categorical spans, code) of the rarest categorical condition, or None."""
        index = {s.column: j for j, s in enumerate(self.transformer_.category_spans)}
        options = [(index[c], int(v)) for c, v in target.items() if c in index]
        pattern = self.transformer_.pattern_code(target)
        if pattern is not None:  # missing-flag conditions name one joint missingness pattern
            options.append((index[PATTERN_COLUMN], pattern))
        if not options:
            return None
        return min(options, key=lambda jv: (self.sampler_.counts[jv[0]][jv[1]], jv))

    # ------------------------------------------------------------------ state
    def _get_state(self) -> dict:
        return {"transformer": self.transformer_.to_state(), "sampler": self.sampler_.to_state(),
                "generator": T.weights_to_numpy(self.generator_), "critic": T.weights_to_numpy(self.critic_),
                "loss_history": T.history_to_state(self.loss_history_)}

    def _set_state(self, state: dict) -> None:
        self._device = T.select_device(self.device, type(self).__name__)
        self.transformer_ = TableTransformer.from_state(state["transformer"])
        self.sampler_ = ConditionalSampler.from_state(state["sampler"])
        self._build(population_norm=any(name.endswith("running_mean") for name in state["generator"]))
        T.weights_from_numpy(self.generator_, state["generator"], self._device)
        T.weights_from_numpy(self.critic_, state["critic"], self._device)
        self.generator_.eval()
        self.loss_history_ = T.history_from_state(state["loss_history"])
