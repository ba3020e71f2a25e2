"""The fit/sample/save template every sequence synthesizer shares.

Data is long format: one row per entity and step, a ``sequence_key`` column naming the entity, a
``sequence_index`` column ordering its rows, optional ``context_columns`` constant within an
entity, and the time-varying columns. This class splits that once, for every model:

* the **context table** (one row per entity: the context columns, the sequence length and the
  start of the index) is modeled by a table synthesizer from the registry (the Bayesian network);
* the **index** is rebuilt from the sampled start plus steps drawn from the real steps
  (:mod:`tabsynth.sequence_index`); columns that are functions of the index are recomputed;
* the **time-varying columns** go through a :class:`~tabsynth.schema.Schema`, and the model
  implements ``_fit(encoded, starts, lengths, context, calendar, rng)`` and
  ``_sample(context, lengths, calendar, rng)``.

Parameters, the randomness rule and model files come from :class:`~tabsynth.base.BaseSynthesizer`;
the blocks are of ``SEQUENCE_BLOCK`` sequences (always whole blocks, the last one cut), so a sample
is a prefix (in sequences) of any longer one with the same seed.
"""

from __future__ import annotations

import abc
import copy
from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import pandas as pd

from .._threads import bounded
from ..base import BaseSynthesizer, block_rng
from ..errors import InvalidDataError, InvalidParameterError, param_error
from ..schema.metadata import Metadata
from ..schema.sequence_index import IndexCodec
from ..schema.table import Schema
from ..validation import Satisfies, check_num_rows, check_table

SEQUENCE_BLOCK = 32
LENGTH, START = "__length__", "__start__"
MIN_ENTITIES_FOR_MODEL = 10  # fewer entities: the context table is resampled, not modeled


def _is_table_synthesizer(name) -> bool:
    from ..registry import get_class
    from .table import Synthesizer

    return isinstance(name, str) and issubclass(get_class(name), Synthesizer)


class SequenceSynthesizer(BaseSynthesizer):
    """Base class of the sequence synthesizers (same contract and randomness rule as tables).

    Subclasses set ``registry_name`` and implement ``_fit``, ``_sample``, ``_get_state`` and
    ``_set_state``. Constructor parameters every subclass has: ``keep_keys``,
    ``context_synthesizer``, ``random_state`` and ``verbose``.

    With ``keep_keys=True`` the model keeps the real entity keys and their context values (they are
    then in the model file): the i-th sampled sequence takes the i-th real key (in sorted order) and,
    unless ``context`` is given, that entity's real context, so keys and contexts stay paired.
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseSynthesizer._parameter_constraints,
        "keep_keys": ["boolean"],
        "context_synthesizer": [Satisfies(_is_table_synthesizer, "a table synthesizer name such as "
                                          "'bayesian_network'", invalid_examples=["markov_chain", "no_such"])],
    }
    _fit_call = "fit(data, sequence_key=..., sequence_index=...)"
    uses_gaps: ClassVar[bool] = False  # True: the model's calendar has '@gap', the steps of the index

    # ------------------------------------------------------------------ fit
    @bounded
    def fit(self, data: pd.DataFrame, *, sequence_key: str | None = None, sequence_index: str | None = None,
            context_columns=(), metadata: Metadata | Mapping | None = None) -> SequenceSynthesizer:
        """Learn the distribution of the sequences in long-format ``data``; returns self.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per entity and step; not modified.
        sequence_key : str
            Column naming the entity a row belongs to.
        sequence_index : str
            Column ordering an entity's rows: integers, floats or datetimes (naive or tz-aware).
        context_columns : sequence of str, default ()
            Columns constant within each entity (its static attributes).
        metadata : Metadata or dict, optional
            Column sdtypes; detected when omitted.
        """
        fit_seed, context_seed, sample_seed = self._start_fit(3)
        check_table(data)
        context_columns = self._check_roles(data, sequence_key, sequence_index, context_columns)
        metadata = Metadata.coerce(copy.deepcopy(metadata), data)
        data = data.sort_values([sequence_key, sequence_index], kind="stable").reset_index(drop=True)
        entity = pd.factorize(data[sequence_key])[0]
        starts = np.flatnonzero(np.r_[True, entity[1:] != entity[:-1]])
        lengths = np.diff(np.r_[starts, len(data)])
        self._check_layout(data, sequence_key, sequence_index, context_columns, starts)
        self.index_ = IndexCodec(sequence_index).fit(data[sequence_index])
        numbers = self.index_.encode(data[sequence_index])
        self.index_.fit_steps(numbers, starts, lengths)
        others = [c for c in data.columns if c not in (sequence_key, sequence_index, *context_columns)]
        self.index_.detect_functions(data, others, numbers)
        varying = [c for c in others if c not in self.index_.functions]
        self.sequence_key, self.sequence_index, self.context_columns = sequence_key, sequence_index, context_columns
        self.varying_columns_ = varying
        self.key_ = _KeyMaker.fit(data[sequence_key])
        self.real_entities_ = None
        if getattr(self, "keep_keys", False):
            self.real_entities_ = _frame_state(data.iloc[starts][[sequence_key, *context_columns]])
        self.metadata_ = metadata
        self.dtypes_ = {c: data[c].dtype for c in data.columns}
        context = data.iloc[starts][list(context_columns)].reset_index(drop=True)
        self._fit_context(context, lengths, numbers[starts], context_seed)
        self.schema_ = None
        encoded = pd.DataFrame(index=range(len(data)))
        if varying:
            sub = Metadata({c: metadata.columns[c] for c in varying})
            self.schema_ = Schema.fit(data[varying], sub, max_categories=self.max_categories)
            encoded = self.schema_.encode(data[varying])
        calendar = self._calendar(numbers, starts)
        self._fit(encoded, starts, lengths, context, calendar, np.random.default_rng(fit_seed))
        return self._end_fit(sample_seed, data.columns)

    def _calendar(self, numbers: np.ndarray, starts: np.ndarray | None = None) -> dict:
        """The index's calendar features; with ``uses_gaps``, also ``'@gap'``: each step's distance to the
        previous one in index units (0 at a sequence's first step), and ``'@time'``: the index number.
        ``numbers`` is flat (with ``starts``) or one row per sequence."""
        calendar = self.index_.calendar(numbers)
        if self.uses_gaps:
            values = np.asarray(numbers, dtype=np.float64)
            gaps = np.diff(values, axis=-1, prepend=values[..., :1])
            if starts is not None:
                gaps[starts] = 0.0
            calendar["@gap"] = gaps
            calendar["@time"] = values  # the index itself: entities share the shocks of calendar time
        return calendar

    def _check_roles(self, data, key, index, context_columns) -> tuple:
        owner = type(self).__name__
        absent = [role for role, name in (("sequence_key", key), ("sequence_index", index)) if name is None]
        if absent:
            raise InvalidParameterError(
                f"{owner} models sequences in long format and fit() needs {' and '.join(absent)}: the column naming "
                "each entity (sequence_key) and the column ordering its rows (sequence_index), e.g. fit(panel, "
                "sequence_key='country', sequence_index='year'). For a plain table use a table synthesizer such as "
                "'bayesian_network'."
            )
        if isinstance(context_columns, str):
            context_columns = (context_columns,)
        context_columns = tuple(context_columns or ())
        for role, name in (("sequence_key", key), ("sequence_index", index)):
            if not isinstance(name, str) or name not in data.columns:
                raise param_error(owner, role, f"a column of the data ({list(data.columns)[:8]}...)", name)
        unknown = [c for c in context_columns if c not in data.columns or c in (key, index)]
        if unknown:
            raise InvalidParameterError(
                f"context_columns {unknown} of {owner} are not columns of the data other than the key and index. "
                f"Choose among {[c for c in data.columns if c not in (key, index)]}."
            )
        if key == index:
            raise InvalidParameterError("sequence_key and sequence_index must be two different columns.")
        return context_columns

    def _check_layout(self, data, key, index, context_columns, starts) -> None:
        if data[key].isna().any():
            raise InvalidDataError(f"The sequence key {key!r} has missing values; give every row its entity.")
        if data.duplicated([key, index]).any():
            raise InvalidDataError(
                f"Some entity has two rows with the same {index!r}; each (key, index) pair must be unique. "
                "Drop the duplicates or aggregate them."
            )
        for name in context_columns:
            per_entity = data.groupby(key, sort=False)[name].nunique(dropna=False)
            if (per_entity > 1).any():
                raise InvalidDataError(
                    f"Context column {name!r} changes within the sequence {per_entity.idxmax()!r}; context columns "
                    "must be constant within an entity. Remove it from context_columns."
                )

    def _fit_context(self, context: pd.DataFrame, lengths, start_numbers, seed) -> None:
        table = context.assign(**{LENGTH: lengths.astype(np.int64), START: start_numbers})
        self.context_table_ = None
        self.context_model_ = None
        self.lengths_ = np.unique(lengths)
        self.starts_ = np.unique(start_numbers)
        if len(table) < MIN_ENTITIES_FOR_MODEL or all(table[c].nunique(dropna=False) <= 1 for c in table):
            self.context_table_ = _frame_state(table)
            return
        from ..registry import make

        model = make(self.context_synthesizer, random_state=int(seed.generate_state(1)[0] >> 1))
        self.context_model_ = model.fit(table)

    # ------------------------------------------------------------------ sample
    @bounded
    def sample(self, num_sequences: int | None = None, *, sequence_length: int | None = None,
               context: pd.DataFrame | None = None, random_state: int | None = None) -> pd.DataFrame:
        """Generate synthetic sequences in long format, with the training data's columns, order and dtypes.

        Parameters
        ----------
        num_sequences : int, optional
            How many sequences (entities). Defaults to the number of rows of ``context``, else to the
            number of entities seen in fit.
        sequence_length : int, optional
            Steps per sequence; sampled (given the context) when omitted.
        context : DataFrame, optional
            Context values, one row per sequence to generate (columns: some or all context columns).
        random_state : int, optional
            A fixed stream: the same value always gives the same sequences; the own generator is not
            advanced. Without it, the own generator is used and advanced.

        Returns
        -------
        pandas.DataFrame
            Long format, sorted by new (unique) entity key, then index.
        """
        self._check_is_fitted()
        num_sequences, context = self._check_sample_args(num_sequences, sequence_length, context)
        seed = self._sampling_seed(random_state)
        parts = []
        for block in range((num_sequences - 1) // SEQUENCE_BLOCK + 1):
            first = block * SEQUENCE_BLOCK
            size = min(SEQUENCE_BLOCK, num_sequences - first)
            given = None if context is None else context.iloc[first:first + size].reset_index(drop=True)
            parts.append(self._sample_block(first, size, sequence_length, given, block_rng(seed, block), seed))
        return pd.concat(parts, ignore_index=True)

    def _check_sample_args(self, num_sequences, sequence_length, context):
        if context is not None:
            if not isinstance(context, pd.DataFrame):
                raise InvalidParameterError(f"context must be a DataFrame. Got {type(context).__name__} instead.")
            unknown = [c for c in context.columns if c not in self.context_columns]
            if unknown or len(context) == 0:
                raise InvalidParameterError(
                    f"context must have at least one row and only context columns {list(self.context_columns)}; "
                    f"it has {len(context)} rows and unknown columns {unknown}."
                )
            if num_sequences is None:
                num_sequences = len(context)
            if num_sequences != len(context):
                raise InvalidParameterError(
                    f"context has {len(context)} rows but num_sequences is {num_sequences}: one sequence is "
                    "generated per context row. Omit num_sequences or make them equal."
                )
            context = context.reset_index(drop=True)
        if num_sequences is None:
            num_sequences = int(getattr(self.key_, "values_seen", 1))  # as many sequences as were seen
        num_sequences = check_num_rows(num_sequences, "sample (num_sequences)")
        if self.real_entities_ is not None:
            context = self._real_context(num_sequences, context)
        if sequence_length is not None:
            sequence_length = check_num_rows(sequence_length, "sample (sequence_length)")
        return num_sequences, context

    def _real_context(self, num_sequences, context):
        """With ``keep_keys``: the real entities' context for the first ``num_sequences`` keys (unless given)."""
        entities = _frame_from_state(self.real_entities_)
        if num_sequences > len(entities):
            raise InvalidParameterError(
                f"keep_keys=True reuses each of the {len(entities)} real keys once, so at most {len(entities)} "
                f"sequences can be sampled; {num_sequences} were asked. Ask for fewer or fit with keep_keys=False."
            )
        if context is None and self.context_columns:
            context = entities[list(self.context_columns)].iloc[:num_sequences].reset_index(drop=True)
        return context

    def _sample_block(self, first, size, sequence_length, given, rng, seed) -> pd.DataFrame:
        full = SEQUENCE_BLOCK
        if given is not None:  # a whole block is always generated: pad the context rows by repetition
            given = given.iloc[np.resize(np.arange(len(given)), full)].reset_index(drop=True)
        context = self._sample_context(full, given, rng)
        lengths = context.pop(LENGTH).to_numpy(dtype=float)
        lengths = np.clip(np.round(lengths), self.lengths_.min(), self.lengths_.max()).astype(np.int64)
        if sequence_length is not None:
            lengths = np.full(full, sequence_length, dtype=np.int64)
        starts = _nearest(self.starts_, context.pop(START).to_numpy(dtype=float))
        grid = self.index_.sample_index(starts, lengths, rng)
        calendar = self._calendar(grid)
        encoded = self._sample(context, lengths, calendar, rng)
        if self.schema_ is not None:
            encoded.update(self.schema_.draw_rare(encoded, rng))
        mask = np.arange(grid.shape[1])[None, :] < lengths[:, None]
        keep = np.repeat(np.arange(full) < size, lengths)
        encoded = {name: np.asarray(values)[keep] for name, values in encoded.items()}
        context = context.iloc[:size].reset_index(drop=True)
        return self._assemble(first, context, lengths[:size], grid[mask][keep], encoded, seed)

    def _sample_context(self, size, given, rng) -> pd.DataFrame:
        child_seed = int(rng.integers(0, 2**63 - 1))
        if self.context_model_ is not None:
            return self.context_model_.sample(size, conditions=given, random_state=child_seed)
        table = _frame_from_state(self.context_table_)
        rows = table.iloc[rng.integers(0, len(table), size)].reset_index(drop=True)
        if given is not None:
            for name in given.columns:
                rows[name] = given[name].to_numpy()
        return rows

    def _assemble(self, first, context, lengths, index_numbers, encoded, seed) -> pd.DataFrame:
        out = {}
        repeat = np.repeat(np.arange(len(lengths)), lengths)
        if self.real_entities_ is not None:
            keys = _frame_from_state(self.real_entities_)[self.sequence_key]
            out[self.sequence_key] = keys.iloc[first + repeat].reset_index(drop=True)
        else:
            out[self.sequence_key] = self.key_.make(first + repeat)
        out[self.sequence_index] = self.index_.decode(index_numbers)
        for name in self.context_columns:
            out[name] = context[name].iloc[repeat].reset_index(drop=True)
        out.update(self.index_.derive(index_numbers))
        if self.schema_ is not None:
            decoded = self.schema_.decode(encoded, int(lengths.sum()), row_offset=first * 2**20, seed=seed)
            out.update({c: decoded[c] for c in decoded.columns})
        frame = pd.DataFrame({c: out[c] for c in self.feature_names_in_})
        return frame.astype({c: self.dtypes_[c] for c in (self.sequence_key, *self.context_columns)
                             if frame[c].dtype != self.dtypes_[c] and not frame[c].isna().any()})

    # ------------------------------------------------------------------ learned state
    def _to_state(self) -> dict:
        from ..schema.codecs import dtype_to_state

        base = super()._to_state()
        context_model = None
        if self.context_model_ is not None:
            model = self.context_model_
            context_model = {"name": model.registry_name, **model._to_state()}
        return {
            "params": base["params"],
            "roles": {"key": self.sequence_key, "index": self.sequence_index, "context": list(self.context_columns)},
            "index": self.index_.to_state(), "key": vars(self.key_),
            "schema": None if self.schema_ is None else self.schema_.to_state(),
            "metadata": self.metadata_.to_dict(), "varying": list(self.varying_columns_),
            "dtypes": {c: dtype_to_state(d) for c, d in self.dtypes_.items()},
            "feature_names_in": base["feature_names_in"],
            "context_table": self.context_table_, "context_model": context_model,
            "real_entities": self.real_entities_,
            "lengths": self.lengths_, "starts": self.starts_,
            "generator": base["generator"], "model": self._get_state(),
        }

    def _from_state(self, state: dict) -> SequenceSynthesizer:
        from ..registry import make
        from ..schema.codecs import dtype_from_state

        super()._from_state(state)
        roles = state["roles"]
        self.sequence_key, self.sequence_index = roles["key"], roles["index"]
        self.context_columns = tuple(roles["context"])
        self.index_ = IndexCodec.from_state(state["index"])
        self.key_ = _KeyMaker.__new__(_KeyMaker)
        self.key_.__dict__.update(state["key"])
        self.schema_ = None if state["schema"] is None else Schema.from_state(state["schema"])
        self.metadata_ = Metadata.from_dict(state["metadata"])
        self.varying_columns_ = list(state["varying"])
        self.dtypes_ = {c: dtype_from_state(d) for c, d in state["dtypes"].items()}
        self.context_table_ = state["context_table"]
        self.real_entities_ = state.get("real_entities")  # model files before keep_keys have none
        self.context_model_ = None
        if state["context_model"] is not None:
            nested = state["context_model"]
            self.context_model_ = make(nested["name"], **nested["params"])._from_state(nested)
        self.lengths_, self.starts_ = np.asarray(state["lengths"]), np.asarray(state["starts"])
        self._set_state(state["model"])
        return self

    # ------------------------------------------------------------------ model hooks
    @abc.abstractmethod
    def _fit(self, encoded, starts, lengths, context, calendar, rng) -> None:
        """Learn the time-varying columns: encoded rows in entity order, each entity's start and length."""

    @abc.abstractmethod
    def _sample(self, context, lengths, calendar, rng) -> dict:
        """Encoded time-varying rows (column arrays) for ``len(lengths)`` sequences of the given lengths."""


class _KeyMaker:
    """New entity keys, unique and of the real keys' form: integers after the largest; strings that are
    one prefix and a number (``'c12'``, ``'firm_0003'``) continue that numbering, with the same
    zero padding; other strings become ``'sequence_000000'``, ... . Never a real key."""

    @classmethod
    def fit(cls, column: pd.Series) -> _KeyMaker:
        maker = cls()
        maker.numeric = bool(pd.api.types.is_numeric_dtype(column.dtype)) and not pd.api.types.is_bool_dtype(
            column.dtype)
        maker.start = int(column.max()) + 1 if maker.numeric else 0
        maker.values_seen = int(column.nunique())
        maker.prefix, maker.width = None, 0
        if not maker.numeric:
            parts = column.astype(str).str.extract(r"^(\D*)(\d+)$")
            if parts.notna().all().all() and parts[0].nunique() == 1:
                digits = parts[1]
                padded = digits.str.len().nunique() == 1 and digits.str.startswith("0").any()
                maker.prefix, maker.width = str(parts[0].iloc[0]), int(digits.str.len().iloc[0]) if padded else 0
                maker.start = int(digits.astype(np.int64).max()) + 1
        return maker

    def make(self, numbers: np.ndarray) -> pd.Series:
        numbers = np.asarray(numbers, dtype=np.int64)
        if self.numeric:
            return pd.Series(numbers + self.start)
        if getattr(self, "prefix", None) is not None:  # model files of tabsynth 0.1.0 have no prefix
            text = np.char.zfill((numbers + self.start).astype(str), self.width)
            return pd.Series(np.char.add(self.prefix, text), dtype=object)
        return pd.Series(np.char.add("sequence_", np.char.zfill(numbers.astype(str), 6)), dtype=object)


def _nearest(sorted_values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each wanted number, the nearest of ``sorted_values`` (keeps starts on the real grid)."""
    pos = np.clip(np.searchsorted(sorted_values, wanted), 1, max(len(sorted_values) - 1, 1))
    if len(sorted_values) == 1:
        return np.repeat(sorted_values, len(wanted))
    left, right = sorted_values[pos - 1], sorted_values[pos]
    return np.where(wanted - left.astype(float) <= right.astype(float) - wanted, left, right)


def _frame_state(frame: pd.DataFrame) -> dict:
    from ..schema.codecs import dtype_to_state

    return {"columns": list(frame.columns),
            "values": [frame[c].to_numpy(dtype=object) if frame[c].dtype == object else frame[c].to_numpy()
                       for c in frame.columns],
            "dtypes": [dtype_to_state(frame[c].dtype) for c in frame.columns]}


def _frame_from_state(state: dict) -> pd.DataFrame:
    from ..schema.codecs import dtype_from_state, restore_dtype

    return pd.DataFrame({c: restore_dtype(pd.Series(np.asarray(v)), dtype_from_state(d))
                         for c, v, d in zip(state["columns"], state["values"], state["dtypes"])})
