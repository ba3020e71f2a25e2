"""The fit/sample template every table synthesizer shares.

A model subclasses :class:`Synthesizer` and writes only ``_fit(encoded, rng)``,
``_sample(n, rng, conditions)``, ``_get_state()`` / ``_set_state(state)``, and declares
``conditional_sampling``. Everything else (input checks, metadata, encoding, conditions, chunked
sampling) happens here, once; parameters, the randomness rule and model files come from
:class:`~tabsynth.base.BaseSynthesizer`. Rows are generated in fixed blocks of ``BLOCK_SIZE`` rows.
"""

from __future__ import annotations

import abc
import copy
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from .._progress import progress
from .._threads import bounded
from ..base import BaseSynthesizer, block_rng
from ..errors import ConditionError, InvalidParameterError
from ..io import TableWriter
from ..schema import Metadata, Schema
from ..schema.constrained import check_rule_columns
from ..schema.constraints import Custom, constraints_to_json
from ..validation import Options, Satisfies, check_num_rows, check_random_state, check_table
from . import _constraints as C

BLOCK_SIZE = 4096
MAX_REJECTION_ROUNDS = 50


class Synthesizer(BaseSynthesizer):
    """Base class of the table synthesizers (scikit-learn's estimator contract).

    Subclasses set ``conditional_sampling`` to ``"exact"`` (the model conditions itself),
    ``"rejection"`` (this class samples and keeps matching rows, within a bounded budget),
    ``"approximate"`` (as rejection, but the model overrides ``_rejection_rows`` to steer its draws
    towards the target, e.g. CTGAN's conditional vector) or ``"none"`` (conditions raise
    :class:`ConditionError`).
    """

    conditional_sampling = "none"
    constraints = None  # class defaults for subclasses written before constraints existed
    on_violation = "raise"
    _parameter_constraints: ClassVar[dict] = {
        **BaseSynthesizer._parameter_constraints,
        "constraints": [None, Satisfies(lambda v: C.fitted_rules(v) is not None,
                                        "a list of tabsynth.constraints rules (or their JSON forms)",
                                        invalid_examples=("low <= high", [42]))],
        "on_violation": [Options("raise", "drop")],
    }

    def _schema_options(self) -> dict:
        return {"max_categories": self.max_categories}

    # ------------------------------------------------------------------ fit
    @bounded
    def fit(self, data: pd.DataFrame, metadata: Metadata | Mapping | None = None, **unexpected) -> Synthesizer:
        """Learn the distribution of ``data``; returns self.

        Parameters
        ----------
        data : pandas.DataFrame
            The real table; it is not modified.
        metadata : Metadata or dict, optional
            Column sdtypes (a :class:`Metadata` or the SDV single-table dict); detected when omitted.
        """
        if unexpected:
            raise self._unexpected_fit_arguments(unexpected)
        fit_seed, sample_seed = self._start_fit()
        check_table(data)
        metadata = Metadata.coerce(copy.deepcopy(metadata), data)
        self.rules_ = C.fitted_rules(self.constraints)
        check_rule_columns(self.rules_, data, metadata)
        data = C.check_real_rows(self.rules_, data, self.on_violation, type(self).__name__)
        schema = Schema.fit(data, metadata, constraints=self.rules_, **self._schema_options())
        self._set_schema(schema, metadata)
        if schema.columns:  # else every column is constant, an id or derived: nothing for a model to learn
            self._fit(schema.encode(data), np.random.default_rng(fit_seed))
        return self._end_fit(sample_seed, data.columns)

    def _unexpected_fit_arguments(self, unexpected: dict) -> InvalidParameterError:
        from ..registry import SEQUENCE_SYNTHESIZERS

        owner = type(self).__name__
        roles = [k for k in unexpected if k in ("sequence_key", "sequence_index", "context_columns")]
        if roles:
            return InvalidParameterError(
                f"{owner} models tables (one row per record), so fit() takes no {roles}. For sequences in long "
                f"format use a sequence synthesizer ({', '.join(map(repr, SEQUENCE_SYNTHESIZERS))}): "
                "tabsynth.make('markov_chain').fit(data, sequence_key=..., sequence_index=...)."
            )
        return InvalidParameterError(f"{owner}.fit() got unknown arguments {sorted(unexpected)}; it takes the data "
                                     "and, optionally, metadata=.")

    def _set_schema(self, schema: Schema, metadata: Metadata) -> None:
        self.schema_, self.metadata_ = schema, metadata

    @abc.abstractmethod
    def _fit(self, encoded: pd.DataFrame, rng: np.random.Generator) -> None:
        """Learn from the encoded frame (columns ``schema_.columns``)."""

    @abc.abstractmethod
    def _sample(self, num_rows: int, rng: np.random.Generator,
                conditions: pd.DataFrame | None) -> pd.DataFrame | dict[str, np.ndarray]:
        """``num_rows`` encoded rows (a DataFrame, or a dict of column arrays: cheaper) in ``schema_.columns``."""

    # ------------------------------------------------------------------ sample
    @bounded
    def sample(self, num_rows: int | None = None, *, conditions: Mapping | pd.DataFrame | None = None,
               random_state: int | None = None) -> pd.DataFrame:
        """Generate synthetic rows with the same columns, order and dtypes as the training data.

        Parameters
        ----------
        num_rows : int
            How many rows. May be omitted when ``conditions`` is a DataFrame (one row per condition row).
        conditions : dict or DataFrame, optional
            Column values every row must have (dict), or one row of conditions per output row.
        random_state : int, optional
            A fixed stream: the same value always gives the same rows, and the synthesizer's own
            generator is not advanced. Without it, the own generator is used and advanced.
        """
        self._check_is_fitted()
        num_rows, conditions = self._prepare_conditions(num_rows, conditions)
        seed = self._sampling_seed(random_state)
        encoded = self._generate(0, num_rows, seed, conditions)
        return self._finish(self.schema_.decode(encoded, num_rows, seed=seed), conditions)

    @bounded
    def sample_to_file(self, path, num_rows: int, *, chunk_size: int = 16 * BLOCK_SIZE,
                       random_state: int | None = None) -> None:
        """Stream ``num_rows`` synthetic rows to a .csv or .parquet file, ``chunk_size`` rows at a time.

        Memory is bounded by the chunk, not by ``num_rows``. For the same ``random_state`` the rows
        equal ``sample(num_rows, random_state=...)`` whatever the chunk size. The file is written under
        a temporary name and renamed when complete, so an interrupted run leaves no partial file.
        """
        from ..io import atomic_path, table_format

        self._check_is_fitted()
        kind = table_format(path)
        num_rows = check_num_rows(num_rows)
        chunk_size = check_num_rows(chunk_size, "sample_to_file (chunk_size)")
        seed = self._sampling_seed(random_state)
        with atomic_path(Path(path)) as tmp, TableWriter(tmp, kind) as writer:
            for start in progress(range(0, num_rows, chunk_size), self.verbose, "sampling"):
                writer.write(self.sample_rows(start, min(start + chunk_size, num_rows), seed))

    @bounded
    def sample_rows(self, start: int, stop: int, seed: int) -> pd.DataFrame:
        """Rows ``start..stop`` of the fixed stream ``seed``: a slice of ``sample(stop, random_state=seed)``.

        The building block of chunked and distributed sampling: any split of a sample into row
        ranges gives the same rows, generated ids included.
        """
        self._check_is_fitted()
        if not 0 <= start < stop:
            raise InvalidParameterError(f"sample_rows needs 0 <= start < stop. Got start={start}, stop={stop}.")
        encoded = self._generate(start, stop, check_random_state(seed, "sample_rows"), None)
        return self.schema_.decode(encoded, stop - start, row_offset=start, seed=seed)

    def _generate(self, start: int, stop: int, seed: int, conditions: Conditions | None) -> dict[str, np.ndarray]:
        """Encoded rows ``start..stop`` of the stream ``seed``, generated block by block, as column arrays."""
        parts = []
        for block in range(start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE + 1):
            rng = block_rng(seed, block)
            first = block * BLOCK_SIZE
            size = BLOCK_SIZE if conditions is None else conditions.block_size(first)
            block = None if conditions is None else conditions.block(first, size)
            rows = self._draw_block(size, rng, block)
            if getattr(self, "rules_", None):
                given = None if conditions is None else conditions.block(first, size, raw=True)
                rows = self._obey_rules(rows, rng, block, first, seed, given)
            lo, hi = max(start, first) - first, min(stop, first + size) - first
            parts.append({name: values[lo:hi] for name, values in rows.items()})
        names = [col.name for col in self.schema_.columns] + self.schema_.rare_columns
        return {name: np.concatenate([part[name] for part in parts]) for name in names}

    def _draw_block(self, size: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> dict[str, np.ndarray]:
        """One block of encoded rows with its rare-category draws; numerical conditions written exactly."""
        if conditions is not None:  # columns that ask for nothing (a group drawn free) are no conditions
            conditions = conditions.loc[:, conditions.notna().any().to_numpy()]
            conditions = conditions if conditions.shape[1] else None
        rows = self._sample_block(size, rng, conditions)
        rows = {name: np.asarray(values) for name, values in (*rows.items(), *self.schema_.draw_rare(rows, rng).items())}
        if conditions is not None:  # so the columns decoded from a conditioned one see its exact value
            kinds = {c.name: c.kind for c in self.schema_.columns}
            for name in conditions.columns:
                if kinds.get(name) == "numerical":
                    given = conditions[name].to_numpy(dtype=float)
                    rows[name] = np.where(np.isnan(given), rows[name].astype(float), given)
        return rows

    def _obey_rules(self, rows: dict, rng: np.random.Generator, conditions: pd.DataFrame | None, first: int,
                    seed: int, given: pd.DataFrame | None) -> dict:
        """The block with every row that breaks a constraint replaced by a new draw (same conditions).

        Rows must also meet conditions ``given`` on combination members: a condition that several seen
        combinations meet (``carrier="UA"`` among carrier-tail pairs) is met by rejection.
        """
        members = [] if given is None else [c for c in self.schema_.combination_members if c in given.columns]

        def check(encoded, positions=None):
            size = len(next(iter(encoded.values()))) if encoded else 0
            decoded = self.schema_.decode(encoded, size, row_offset=first, seed=seed)
            mask = C.obeying(self.rules_, decoded)
            if members:
                wanted = given[members] if positions is None else given[members].iloc[positions]
                mask &= C.meets(decoded[members], wanted.reset_index(drop=True))
            return mask

        def redraw(positions):
            block = None if conditions is None else conditions.iloc[positions].reset_index(drop=True)
            return self._draw_block(len(positions), rng, block)

        broken = ~check(rows)
        return C.replace_broken(rows, broken, redraw, check) if broken.any() else rows

    def _sample_block(self, size: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        if not self.schema_.columns:
            return {}
        if conditions is None or self.conditional_sampling == "exact":
            return self._sample(size, rng, conditions)
        return self._sample_by_rejection(size, rng, conditions)

    # ------------------------------------------------------------------ conditions
    def _prepare_conditions(self, num_rows, conditions) -> tuple[int, Conditions | None]:
        if conditions is None:
            return check_num_rows(num_rows), None
        if self.conditional_sampling == "none":
            raise ConditionError(f"{type(self).__name__} does not support conditional sampling.")
        if isinstance(conditions, Mapping):
            num_rows = check_num_rows(num_rows)
            if not conditions:
                return num_rows, None
            frame = pd.DataFrame([dict(conditions)])
            encoded = self.schema_.encode_conditions(frame)
            self.schema_.warn_unseen(frame)
            return num_rows, Conditions(frame, encoded, repeat=True)
        if isinstance(conditions, pd.DataFrame):
            if num_rows is None:
                num_rows = len(conditions)
            if check_num_rows(num_rows) != len(conditions):
                raise ConditionError(
                    f"conditions has {len(conditions)} rows but num_rows is {num_rows}: a DataFrame of conditions "
                    "gives one output row per condition row. Omit num_rows or make them equal."
                )
            frame = conditions.reset_index(drop=True)
            encoded = self.schema_.encode_conditions(frame)
            self.schema_.warn_unseen(frame)
            return num_rows, Conditions(frame, encoded, repeat=False)
        raise ConditionError(f"conditions must be a dict or a DataFrame. Got {type(conditions).__name__}.")

    def _sample_by_rejection(self, size: int, rng: np.random.Generator, conditions: pd.DataFrame) -> pd.DataFrame:
        """Sample unconditionally and keep matching rows, group by group, within a bounded budget."""
        kinds = {c.name: c.kind for c in self.schema_.columns}
        numerical = [c for c in conditions.columns if kinds[c] == "numerical"]
        if numerical:
            raise ConditionError(
                f"{type(self).__name__} samples conditions by rejection, which cannot hit an exact number "
                f"(columns {numerical}). Condition on categorical or boolean columns, or use "
                "BayesianNetworkSynthesizer, which conditions numerical columns exactly."
            )
        pieces, positions = [], []
        for key, index in conditions.groupby(list(conditions.columns), dropna=False, sort=False).indices.items():
            target = dict(zip(conditions.columns, key if isinstance(key, tuple) else (key,)))
            pieces.append(self._rejection_rows(len(index), rng, {k: v for k, v in target.items() if not pd.isna(v)}))
            positions.append(index)
        rows = pd.concat(pieces, ignore_index=True)
        return rows.iloc[np.argsort(np.concatenate(positions), kind="stable")].reset_index(drop=True)

    def _rejection_rows(self, needed: int, rng: np.random.Generator, target: dict) -> pd.DataFrame:
        rows, found, drawn = collect_matching(lambda n: pd.DataFrame(self._sample(n, rng, None)), needed, target,
                                              first_batch=max(needed, 1024), max_batch=1_000_000,
                                              go_on=lambda drawn, rounds: rounds < MAX_REJECTION_ROUNDS)
        if rows is not None:
            return rows
        raise ConditionError(
            f"Only {found} of {needed} rows matching the conditions were found in {drawn} sampled rows: the "
            f"combination is too rare under this model (about {found / drawn:.2g} of rows). Loosen the "
            "conditions or use a synthesizer with exact conditional sampling (BayesianNetworkSynthesizer)."
        )

    def _finish(self, sampled: pd.DataFrame, conditions: Conditions | None) -> pd.DataFrame:
        """Write numerical condition values exactly (models may reach them only up to a bin)."""
        if conditions is None:
            return sampled
        for name in conditions.raw.columns:
            if self.metadata_.sdtype(name) == "numerical" and name not in self.schema_.relations:
                values = conditions.raw[name].to_numpy()
                values = np.resize(values, len(sampled)) if conditions.repeat else values
                sampled[name] = pd.Series(values).astype(sampled[name].dtype)
        return sampled

    # ------------------------------------------------------------------ learned state
    def restore_custom_rules(self, constraints) -> None:
        """Give back the callables of the Custom constraints of a model read from a file (matched by name)."""
        self.rules_ = _restore_custom(self.rules_, constraints)
        self.constraints = list(self.rules_)

    def _to_state(self) -> dict:
        state = super()._to_state()
        state["params"]["constraints"] = constraints_to_json(state["params"].get("constraints"))
        return {"params": state["params"], "schema": self.schema_.to_state(), "generator": state["generator"],
                "feature_names_in": state["feature_names_in"],
                "model": self._get_state() if self.schema_.columns else None}

    def _from_state(self, state: dict) -> Synthesizer:
        super()._from_state(state)
        self.rules_ = C.fitted_rules(self.constraints)
        self.schema_ = Schema.from_state(state["schema"])
        self.metadata_ = self.schema_.metadata
        if self.schema_.columns:
            self._set_state(state["model"])
        return self


def _restore_custom(rules: list, given) -> list:
    """``rules`` with each saved Custom placeholder replaced by the Custom of the same name in ``given``."""
    given = C.fitted_rules(given)
    by_name = {rule.name: rule for rule in given if isinstance(rule, Custom)}
    others = [rule for rule in given if not isinstance(rule, Custom)]
    saved = {rule.name for rule in rules if isinstance(rule, Custom)}
    if others or set(by_name) - saved:
        raise InvalidParameterError(
            f"load(constraints=...) gives back the callables of the model's Custom constraints {sorted(saved)}; "
            f"got {[repr(r) for r in others] + sorted(set(by_name) - saved)}, which the model was not fitted with.")
    return [by_name.get(rule.name, rule) if isinstance(rule, Custom) else rule for rule in rules]


def collect_matching(draw, needed: int, target: dict, *, first_batch: int, max_batch: int, go_on):
    """Draw batches (doubling up to ``max_batch``) and keep the rows equal to ``target`` in every column.

    ``draw(n)`` returns n encoded rows; ``go_on(drawn, rounds)`` says whether another batch may be drawn.
    Returns ``(rows, found, drawn)``: the first ``needed`` matching rows, or None when ``go_on`` stopped first.
    """
    kept, found, drawn, rounds, batch = [], 0, 0, 0, first_batch
    while go_on(drawn, rounds):
        rows = draw(batch)
        mask = np.ones(len(rows), dtype=bool)
        for column, value in target.items():
            mask &= rows[column].to_numpy() == value
        kept.append(rows[mask])
        found, drawn, rounds, batch = found + int(mask.sum()), drawn + batch, rounds + 1, min(batch * 2, max_batch)
        if found >= needed:
            return pd.concat(kept, ignore_index=True).iloc[:needed], found, drawn
    return None, found, drawn


class Conditions:
    """Conditions as given (``raw``) and encoded, for the whole sample or repeated per block."""

    def __init__(self, raw: pd.DataFrame, encoded: pd.DataFrame, repeat: bool):
        self.raw, self.encoded, self.repeat = raw, encoded, repeat

    def block_size(self, first: int) -> int:
        if self.repeat:
            return BLOCK_SIZE
        return min(BLOCK_SIZE, len(self.encoded) - first)

    def block(self, first: int, size: int, raw: bool = False) -> pd.DataFrame:
        """The encoded (or, with ``raw``, the given) conditions of rows ``first..first + size``."""
        frame = self.raw if raw else self.encoded
        if self.repeat:
            return frame.loc[np.zeros(size, dtype=int)].reset_index(drop=True)
        return frame.iloc[first:first + size].reset_index(drop=True)
