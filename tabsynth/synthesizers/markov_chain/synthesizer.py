"""A dynamic Bayesian network over discretized states: fast, inspectable multi-entity time series."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd

from ..._progress import progress
from ...schema.codecs import MISSING_SUFFIX
from ...validation import Interval, Options
from .. import _calibration as calibration
from ..sequence import SequenceSynthesizer
from ._history import (
    MEMORY_KINDS,
    LazyFeatures,
    fit_memory,
    folds,
    held_out_loglik,
    interpolate_missing,
    lagged,
    memory_candidates,
    subset,
    update_memory,
    within_diffs,
)
from ._step_trees import StepTree
from ._tables import BackoffTable, Bins

MAX_EXACT_VALUES = 40  # numbers with at most this many distinct values are states as they are
POSITION_CAP = 24  # step position is a candidate parent (capped) for short sequences
MAX_LENGTH_FOR_POSITION = 100
DIFF_RATIO = 0.5  # step differences much smaller than the spread of values: model the differences
# positive columns spanning this factor are modeled on the log scale: their steps scale with their size
# (10, not 50: a panel of states or firms of very different sizes, e.g. us_states_produc, moved from
# 0.742 to 0.684 sequence detection with 10)
LOG_RANGE = 10.0


class MarkovChainSynthesizer(SequenceSynthesizer):
    """An order-k chain over discretized states of every time-varying column, vectorized over sequences.

    Each time-varying column becomes one discrete variable per step: a category (categoricals),
    a quantile bin of the value (``level`` numbers), or, for smooth and trending series (step
    differences much smaller than the spread of the values), a bin of the step difference
    (``diff`` numbers, on the log scale for positive columns spanning a factor of 10), whose
    running value is kept inside the range seen. Missing values are a state of their own (a
    separate missing-flag chain for ``diff`` numbers), so runs of missingness are learned. Each
    variable at step t is drawn from P(variable | past), its candidate inputs its own states at
    t-1..t-k, the other columns at t-1, the earlier columns at t, calendar features of a datetime
    index (hour, weekday, month), the step position of short sequences, the context columns and
    the entity's memory (per number: the mean of its states so far, its first level). The
    conditional is a backoff table on a few parents chosen greedily by leave-one-out likelihood
    (smoothed hierarchically: unseen parent combinations back off to coarser ones, so a sampled
    chain never gets stuck) or a tree over all inputs at once, per variable the one that predicts
    held-out entities better (``conditionals``). A sampled bin becomes a number by interpolating
    quantiles of the values inside it.

    The context table (context columns, sequence length, start of the index; one row per entity)
    is modeled by ``context_synthesizer``; the index is the sampled start plus steps drawn from the
    real ones.

    Parameters
    ----------
    order : int, default 2
        How many past steps of a column may condition it (k).
    n_bins : int, default 10
        Quantile bins per numerical column (values and step differences).
    max_parents : int, default 4
        Most parents per variable.
    alpha : float, default 2.0
        Strength of the backoff prior, in rows.
    conditionals : {'auto', 'tree', 'table'}, default 'auto'
        How a step's state depends on the past. ``'tree'``: a classification tree per variable over
        every candidate feature at once, the entity's memory included (per number, the mean of its
        states so far and its first level; see ``markov_chain._step_trees``), so a sequence keeps its
        own level and usual step over its whole length. ``'table'``: a backoff table on at most
        ``max_parents`` parents (the chain of tabsynth 0.1.0, which forgets beyond ``order`` steps).
        ``'auto'`` (default) chooses per variable the one with the higher log-likelihood on held-out
        entities (each half of the entities predicted by a model fitted on the other half), which
        measured best over the bundled panels (``benchmarks/sequences.py``); the choice is
        ``variables_[i]['conditional']``.
    min_samples_leaf : int, default 20
        Fewest training steps in a tree leaf: smaller fits closer and copies more (synthpop's CART
        default; 8 and 40 measured worse on the bundled panels).
    calibrate : bool, default True
        Map the pooled values of each ``diff`` column onto the real marginal with a monotone map fitted
        once after training (see ``markov_chain._calibration``): the accumulated drift of a chain of
        differences no longer shows in the value shapes, and trajectories keep their order.
    keep_keys : bool, default False
        Give the sampled sequences the real entity keys (and, unless ``context`` is given, their real
        context values), at most one sequence per real key; the keys are then stored in the model
        file. Off by default: new keys of the real keys' form (integers after the largest, or the same
        prefix and numbering) never name a real entity.
    context_synthesizer : str, default 'bayesian_network'
        Registry name of the table synthesizer for the context table.
    n_jobs : int or None, default None
        Native threads for fitting and sampling (OpenMP, BLAS, torch). None: the cores no other
        process is running on (at least 1), so a busy machine does not slow tabsynth many-fold;
        -1: every core.
    random_state : int, optional
        Seeds fitting and the synthesizer's own sampling generator.
    verbose : bool, default False
        A progress bar over the variables' step models on stderr; quiet otherwise.

    Attributes
    ----------
    variables_ : list of dict
        One entry per modeled variable: its column, kind (``categorical``, ``level``, ``diff``,
        ``flag``) and number of states.
    tables_ : dict of str to BackoffTable
        The conditional tables, by variable name (``'<column>@start'`` for a diff column's first value).
    transition_ : dict of str to pandas.DataFrame
        For each variable, P(state at t | its parents' states), rows the seen parent combinations.

    Examples
    --------
    >>> import tabsynth
    >>> panel = tabsynth.datasets.load_gapminder()
    >>> synth = tabsynth.make("markov_chain", random_state=0)
    >>> synth = synth.fit(panel, sequence_key="country", sequence_index="year", context_columns=["continent"])
    >>> synth.sample(num_sequences=3).shape
    (36, 6)
    """

    registry_name = "markov_chain"

    _parameter_constraints: ClassVar[dict] = {
        **SequenceSynthesizer._parameter_constraints,
        "order": [Interval(Integral, 1, None)],
        "n_bins": [Interval(Integral, 2, None)],
        "max_parents": [Interval(Integral, 0, None)],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "conditionals": [Options("auto", "tree", "table")],
        "min_samples_leaf": [Interval(Integral, 1, None)],
        "calibrate": ["boolean"],
    }

    def __init__(self, *, order: int = 2, n_bins: int = 10, max_parents: int = 4, alpha: float = 2.0,
                 conditionals: str = "auto", min_samples_leaf: int = 20, calibrate: bool = True,
                 keep_keys: bool = False, context_synthesizer: str = "bayesian_network", n_jobs: int | None = None, random_state: int | None = None,
                 verbose: bool = False):
        self.order = order
        self.n_bins = n_bins
        self.max_parents = max_parents
        self.alpha = alpha
        self.conditionals = conditionals
        self.min_samples_leaf = min_samples_leaf
        self.calibrate = calibrate
        self.keep_keys = keep_keys
        self.context_synthesizer = context_synthesizer
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def _fit(self, encoded, starts, lengths, context, calendar, rng) -> None:
        position = np.arange(len(encoded)) - np.repeat(starts, lengths)
        self.use_position_ = bool(lengths.max() <= MAX_LENGTH_FOR_POSITION)
        self._fit_context_bins(context)
        self.variables_ = self._make_variables(encoded, starts, lengths)
        states, levels, starts_ = {}, {}, {}
        for var in self.variables_:
            states[var["name"]], levels[var["name"]] = self._fit_states(var, encoded, starts, lengths)
            if var["kind"] == "diff":
                starts_[var["name"]] = var["start_bins"].states(self._scaled(var, encoded, starts, lengths)[starts])
        features, cards = self._fit_features(states, levels, position, calendar, context, lengths)
        if self.conditionals != "table":
            fit_memory(self.variables_, states, levels, position, features, cards)
        self.tables_ = {}
        first = position == 0
        for i, var in enumerate(progress(self.variables_, self.verbose, type(self).__name__, unit="variable")):
            name = var["name"]
            if var["kind"] == "diff":
                rows = ~first
                start = BackoffTable(var["start_bins"].size, self.alpha)
                self.tables_[name + "@start"] = start.fit(
                    starts_[name], subset(features, first), cards, self._start_candidates(i), self.max_parents)
            else:
                rows = np.ones(len(position), dtype=bool)
            fold = folds(position, lengths)[rows]
            model, var["conditional"] = self._fit_step_model(i, states[name][rows], subset(features, rows), cards,
                                                             fold, rng)
            self.tables_[name] = model
        if self.calibrate:
            self._fit_calibration(encoded, starts, lengths, context, calendar, rng)

    def _fit_calibration(self, encoded, starts, lengths, context, calendar, rng) -> None:
        """Run the chain on the training contexts and grid; map its pooled values onto the real ones."""
        diffs = [var for var in self.variables_ if var["kind"] == "diff"]
        if not diffs:
            return
        repeat = np.tile(np.arange(len(lengths)), calibration.repeats_for(lengths))
        grid = {k: v[repeat] for k, v in calibration.padded(calendar, starts, lengths).items()}
        out = self._sample(context.iloc[repeat].reset_index(drop=True), lengths[repeat], grid, rng)
        for var in diffs:
            chain = np.log(out[var["name"]]) if var["log"] else out[var["name"]]
            observed = encoded[var["flag"]].to_numpy() == 0 if var["flag"] else slice(None)
            real = self._scaled(var, encoded, starts, lengths)[observed]
            var["calibration"] = calibration.fit_map(chain, real)

    def _fit_context_bins(self, context: pd.DataFrame) -> None:
        self.context_bins_ = {}
        for name in context.columns:
            column = context[name]
            if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
                values = column.to_numpy(dtype=float, na_value=np.nan)
                edges = np.unique(np.nanquantile(values, np.linspace(0, 1, 6))) if np.isfinite(values).any() else []
                self.context_bins_[name] = {"numeric": True, "edges": np.asarray(edges, dtype=float)}
            else:
                categories = pd.unique(column.dropna().astype(object))
                self.context_bins_[name] = {"numeric": False, "categories": np.array(categories, dtype=object)}

    def _context_codes(self, context: pd.DataFrame) -> dict:
        out, cards = {}, {}
        for name, spec in self.context_bins_.items():
            column = context[name]
            if spec["numeric"]:
                values = column.to_numpy(dtype=float, na_value=np.nan)
                size = max(len(spec["edges"]) - 1, 1)
                codes = np.clip(np.searchsorted(spec["edges"], values, side="right") - 1, 0, size - 1)
            else:
                size = len(spec["categories"])
                codes = pd.Index(spec["categories"]).get_indexer(pd.Index(column.astype(object)))
            out["ctx|" + name] = np.where(column.isna().to_numpy() | (codes < 0), size, codes).astype(np.int64)
            cards["ctx|" + name] = size + 1
        return out, cards

    def _make_variables(self, encoded, starts, lengths) -> list[dict]:
        variables = []
        for column in (self.schema_.columns if self.schema_ is not None else []):
            if column.name.endswith(MISSING_SUFFIX):
                continue
            flag = column.name + MISSING_SUFFIX if column.name + MISSING_SUFFIX in encoded.columns else None
            missing = encoded[flag].to_numpy() == 1 if flag else np.zeros(len(encoded), dtype=bool)
            var = {"name": column.name, "flag": flag}
            if column.kind == "categorical":
                var.update(kind="categorical", card=column.cardinality + (flag is not None))
            else:
                values = encoded[column.name].to_numpy(dtype=float)
                var.update(self._numeric_variable(values, missing, starts, lengths))
                if var["kind"] == "diff" and flag is not None:
                    variables.append({"name": flag, "flag": None, "kind": "flag", "card": 2})
            variables.append(var)
        return variables

    def _numeric_variable(self, values, missing, starts, lengths) -> dict:
        observed = values[~missing]
        use_log = bool(observed.min() > 0 and observed.max() > LOG_RANGE * observed.min())  # no overflow
        scaled = np.log(values) if use_log else values.copy()
        scaled = interpolate_missing(scaled, missing, starts, lengths)
        with np.errstate(over="ignore", invalid="ignore"):  # values near the float limit: differences overflow
            diffs = within_diffs(scaled, starts)  # to inf, the test below is False and the levels are modeled
            smooth = (len(diffs) > 1 and missing.mean() < 0.5 and len(np.unique(observed)) > MAX_EXACT_VALUES
                      and np.std(diffs) < DIFF_RATIO * np.std(scaled[~missing]))
        if not smooth:
            bins = Bins(self.n_bins, MAX_EXACT_VALUES).fit(observed)
            return {"kind": "level", "bins": bins, "card": bins.size + int(missing.any())}
        lo, hi = float(scaled[~missing].min()), float(scaled[~missing].max())
        diff_bins = Bins(self.n_bins, MAX_EXACT_VALUES).fit(diffs)
        level_bins = Bins(self.n_bins, 0).fit(scaled[~missing])
        start_bins = Bins(self.n_bins, 0).fit(scaled[starts])  # first values: their own distribution
        return {"kind": "diff", "log": use_log, "low": lo, "high": hi, "bins": diff_bins,
                "level_bins": level_bins, "start_bins": start_bins, "card": diff_bins.size}

    def _fit_states(self, var, encoded, starts, lengths) -> tuple[np.ndarray, np.ndarray]:
        name, kind = var["name"], var["kind"]
        if kind in ("categorical", "flag"):
            states = encoded[name].to_numpy().astype(np.int64)
            if var.get("flag"):
                states = np.where(encoded[var["flag"]].to_numpy() == 1, var["card"] - 1, states)
            return states, states
        values = encoded[name].to_numpy(dtype=float)
        missing = encoded[var["flag"]].to_numpy() == 1 if var["flag"] else np.zeros(len(values), dtype=bool)
        if kind == "level":
            states = var["bins"].states(values)
            states = np.where(missing, var["card"] - 1, states)
            return states, states
        scaled = self._scaled(var, encoded, starts, lengths)
        diffs = np.r_[0.0, np.diff(scaled)]
        states = var["bins"].states(diffs)
        states[starts] = var["card"]  # no difference at a sequence's first step: the pad state
        return states, var["level_bins"].states(scaled)

    @staticmethod
    def _scaled(var, encoded, starts, lengths) -> np.ndarray:
        """A diff column's values on its modeling scale (log or not), gaps interpolated within sequences."""
        values = encoded[var["name"]].to_numpy(dtype=float)
        missing = encoded[var["flag"]].to_numpy() == 1 if var["flag"] else np.zeros(len(values), dtype=bool)
        return interpolate_missing(np.log(values) if var["log"] else values, missing, starts, lengths)

    def _fit_features(self, states, levels, position, calendar, context, lengths) -> tuple[dict, dict]:
        features, cards = {}, {}
        for var in self.variables_:
            name, pad = var["name"], var["card"]
            level_pad = var["level_bins"].size if var["kind"] == "diff" else pad
            for lag in range(self.order + 1):
                features[f"{name}|S{lag}"] = lagged(states[name], position, lag, pad)
                cards[f"{name}|S{lag}"] = pad + 1
                if var["kind"] == "diff" and lag <= 1:
                    features[f"{name}|L{lag}"] = lagged(levels[name], position, lag, level_pad)
                    cards[f"{name}|L{lag}"] = level_pad + 1
        features.update(calendar)
        self.calendar_cards_ = {k: {"hour": 24, "dayofweek": 7, "month": 12}[k[1:]] for k in calendar}
        cards.update(self.calendar_cards_)
        if self.use_position_:
            features["@pos"], cards["@pos"] = np.minimum(position, POSITION_CAP), POSITION_CAP + 1
        codes, context_cards = self._context_codes(context)
        for name, values in codes.items():
            features[name] = np.repeat(values, lengths)
        cards.update(context_cards)
        self.cards_ = cards
        return features, cards

    def _candidates(self, i: int) -> list[str]:
        var = self.variables_[i]
        names = [f"{var['name']}|S{lag}" for lag in range(1, self.order + 1)]
        if var["kind"] == "diff":
            names.append(f"{var['name']}|L1")
        for j, other in enumerate(self.variables_):
            if j == i:
                continue
            names.append(f"{other['name']}|S{0 if j < i else 1}")
            if other["kind"] == "diff":
                names.append(f"{other['name']}|L{0 if j < i else 1}")
        return names + self._static_candidates()

    def _fit_step_model(self, i, target, features, cards, fold, rng):
        """The step model of variable ``i``: a tree or a backoff table (``conditionals``; with 'auto',
        the one with the higher log-likelihood on held-out entities, each half predicted by a model
        fitted on the other)."""
        var = self.variables_[i]
        candidates = self._candidates(i)
        # A diff chain's table always sees its own level: differences then pull back towards the seen
        # range (mean reversion), and a random walk cannot drift away over thousands of steps.
        required = (f"{var['name']}|L1",) if var["kind"] == "diff" else ()

        coded = memory_candidates(self.variables_, None, coded=True) if self.conditionals == "auto" else []

        def table(rows):
            return BackoffTable(var["card"], self.alpha).fit(target[rows], subset(features, rows), cards,
                                                             candidates + coded, self.max_parents, required)

        def tree(rows):
            model = StepTree(var["card"], candidates + memory_candidates(self.variables_, i), self.min_samples_leaf, self.alpha)
            return model.fit(target[rows], subset(features, rows), rng)

        kind = self.conditionals
        if kind == "auto":
            scores = {name: held_out_loglik(build, target, features, fold)
                      for name, build in (("table", table), ("tree", tree))}
            kind = "tree" if scores["tree"] > scores["table"] else "table"
        every = np.ones(len(target), dtype=bool)
        return (tree if kind == "tree" else table)(every), kind

    def _start_candidates(self, i: int) -> list[str]:
        earlier = [v for v in self.variables_[:i] if v["kind"] != "diff"]
        names = [f"{v['name']}|S0" for v in earlier]
        names += [f"{v['name']}|L0" for v in self.variables_[:i] if v["kind"] == "diff"]
        return names + self._static_candidates()

    def _static_candidates(self) -> list[str]:
        names = list(self.calendar_cards_) + [f"ctx|{c}" for c in self.context_bins_]
        return names + (["@pos"] if self.use_position_ else [])

    # ------------------------------------------------------------------ sample
    def _sample(self, context, lengths, calendar, rng) -> dict:
        size, width = len(lengths), int(lengths.max())
        codes, _ = self._context_codes(context)
        history = {}
        for var in self.variables_:
            history[var["name"]] = {"S": np.zeros((size, width), dtype=np.int64),
                                    "L": np.zeros((size, width), dtype=np.int64)}
            if var["kind"] == "diff":
                history[var["name"]]["value"] = np.zeros((size, width))
            if self.conditionals != "table" and var["kind"] in MEMORY_KINDS:
                history[var["name"]].update(M=np.zeros((size, width)), F=np.zeros((size, width)),
                                            N=np.zeros((size, width)), sum=np.zeros(size), count=np.zeros(size),
                                            missing=np.zeros(size), Q=np.zeros((size, width), dtype=np.int64),
                                            P=np.zeros((size, width), dtype=np.int64))
        for t in range(width):
            static = {name: values[:, t] for name, values in calendar.items()}
            static.update(codes)
            if self.use_position_:
                static["@pos"] = np.full(size, min(t, POSITION_CAP), dtype=np.int64)
            for var in self.variables_:
                self._sample_step(var, t, history, static, size, rng)
                if "M" in history[var["name"]]:
                    update_memory(var, history[var["name"]], t)
        mask = np.arange(width)[None, :] < lengths[:, None]
        return self._encoded_output(history, mask, rng)

    def _features_at(self, t: int, history: dict, static: dict, size: int) -> LazyFeatures:
        return LazyFeatures(self, t, history, static, size)

    def _sample_step(self, var, t, history, static, size, rng) -> None:
        name, own = var["name"], history[var["name"]]
        features = self._features_at(t, history, static, size)
        if var["kind"] != "diff":
            own["S"][:, t] = own["L"][:, t] = self.tables_[name].draw(features, size, rng)
            return
        if t == 0:
            start = self.tables_[name + "@start"].draw(features, size, rng)
            own["value"][:, 0] = np.clip(var["start_bins"].draw(start, rng), var["low"], var["high"])
            own["S"][:, 0], own["L"][:, 0] = var["card"], var["level_bins"].states(own["value"][:, 0])
            return
        state = self.tables_[name].draw(features, size, rng)
        value = np.clip(own["value"][:, t - 1] + var["bins"].draw(state, rng), var["low"], var["high"])
        own["value"][:, t], own["S"][:, t] = value, state
        own["L"][:, t] = var["level_bins"].states(value)

    def _encoded_output(self, history, mask, rng) -> dict:
        out = {}
        for var in self.variables_:
            name, kind = var["name"], var["kind"]
            states = history[name]["S"][mask]
            if kind in ("categorical", "flag"):
                missing = states == var["card"] - 1 if var["flag"] else None
                out[name] = np.where(missing, 0, states) if missing is not None else states
            elif kind == "level":
                missing = states == var["bins"].size if var["flag"] else None
                safe = np.minimum(states, var["bins"].size - 1)
                out[name] = var["bins"].draw(safe, rng)
            else:
                values = calibration.apply_map(history[name]["value"][mask], var.get("calibration"))
                missing = None
                out[name] = np.exp(values) if var["log"] else values
            if missing is not None:
                out[var["flag"]] = missing.astype(np.int64)
        return out

    # ------------------------------------------------------------------ inspect and files
    @property
    def transition_(self) -> dict:
        """For each variable, its smoothed table given all its parents (rows: parent states seen).

        Variables modeled by a tree (``conditionals='tree'``) are left out: their conditionals are the
        leaves of ``tables_[name].tree``.
        """
        self._check_is_fitted()
        out = {}
        for name, table in self.tables_.items():
            if isinstance(table, StepTree):
                continue
            keys, probs = table.keys[-1], table.probs[-1]
            parents = {}
            for parent, card in zip(reversed(table.parents), reversed(table.cards)):
                parents[parent] = keys % card
                keys = keys // card
            frame = pd.DataFrame(probs, columns=[f"state {s}" for s in range(table.num_states)])
            out[name] = pd.concat([pd.DataFrame(dict(reversed(parents.items()))), frame], axis=1)
        return out

    def _get_state(self) -> dict:
        variables = []
        for var in self.variables_:
            var = dict(var)
            for key in ("bins", "level_bins", "start_bins"):
                if key in var:
                    var[key] = var[key].to_state()
            variables.append(var)
        tables = {k: {"type": "tree", **t.to_state()} if isinstance(t, StepTree) else t.to_state()
                  for k, t in self.tables_.items()}
        return {"variables": variables, "tables": tables,
                "context_bins": self.context_bins_, "calendar_cards": self.calendar_cards_,
                "use_position": self.use_position_, "cards": self.cards_}

    def _set_state(self, state: dict) -> None:
        self.variables_ = []
        for var in state["variables"]:
            var = dict(var)
            for key in ("bins", "level_bins", "start_bins"):
                if key in var:
                    var[key] = Bins.from_state(var[key])
            self.variables_.append(var)
        self.tables_ = {k: StepTree.from_state(t) if t.get("type") == "tree" else BackoffTable.from_state(t)
                        for k, t in state["tables"].items()}
        if any("conditional" not in var for var in self.variables_ if var["kind"] != "flag"):
            self.conditionals = "table"  # a model file of tabsynth 0.1.0: tables only
        self.context_bins_ = state["context_bins"]
        self.calendar_cards_ = state["calendar_cards"]
        self.use_position_ = bool(state["use_position"])
        self.cards_ = state["cards"]
