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

The randomness rule is the table one, with blocks of sequences: ``sample(n)`` draws a seed from
the synthesizer's own generator (advancing it, saved with the model); ``sample(n,
random_state=s)`` uses ``s`` and leaves the generator untouched. Sequences are generated in fixed
blocks of ``SEQUENCE_BLOCK`` sequences (always whole blocks, the last one cut), block ``b`` from
``SeedSequence(seed, spawn_key=(b,))``, so a sample is a prefix (in sequences) of any longer one with
the same seed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .base import Synthesizer
from .errors import InvalidDataError, InvalidParameterError, NotFittedError, param_error
from .metadata import Metadata
from .schema import Schema
from .sequence_index import IndexCodec
from .validation import check_bool, check_num_rows, check_random_state, check_table

SEQUENCE_BLOCK = 32
LENGTH, START = "__length__", "__start__"
MIN_ENTITIES_FOR_MODEL = 10  # fewer entities: the context table is resampled, not modeled


class SequenceSynthesizer:
    """Base class of the sequence synthesizers (same contract and randomness rule as tables).

    Subclasses set ``registry_name`` and implement ``_fit``, ``_sample``, ``_get_state`` and
    ``_set_state``. Constructor parameters every subclass has: ``context_synthesizer``,
    ``random_state`` and ``verbose``.
    """

    registry_name: str = ""
    max_categories: int | None = 1000  # as for tables: past it, rare categories share one state (see Synthesizer)
    _param_names = Synthesizer.__dict__["_param_names"]
    get_params = Synthesizer.get_params
    set_params = Synthesizer.set_params
    __repr__ = Synthesizer.__repr__

    def _check_params(self) -> None:
        owner = type(self).__name__
        check_random_state(self.random_state, owner)
        check_bool(self.verbose, owner, "verbose")
        from .registry import available

        if self.context_synthesizer not in [n for n in available() if n != self.registry_name]:
            raise param_error(owner, "context_synthesizer", "a table synthesizer name such as "
                              "'bayesian_network'", self.context_synthesizer)

    # ------------------------------------------------------------------ fit
    def fit(self, data: pd.DataFrame, *, sequence_key: str, sequence_index: str, context_columns=(),
            metadata: Metadata | Mapping | None = None) -> SequenceSynthesizer:
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
        self._check_params()
        check_table(data)
        context_columns = self._check_roles(data, sequence_key, sequence_index, context_columns)
        metadata = Metadata.coerce(copy.deepcopy(metadata), data)
        data = data.sort_values([sequence_key, sequence_index], kind="stable").reset_index(drop=True)
        entity = pd.factorize(data[sequence_key])[0]
        starts = np.flatnonzero(np.r_[True, entity[1:] != entity[:-1]])
        lengths = np.diff(np.r_[starts, len(data)])
        self._check_layout(data, sequence_key, sequence_index, context_columns, starts)
        self.index_ = IndexCodec(sequence_index).fit(data[sequence_index])
        numbers = self.index_.to_numbers(data[sequence_index])
        self.index_.fit_steps(numbers, starts, lengths)
        others = [c for c in data.columns if c not in (sequence_key, sequence_index, *context_columns)]
        self.index_.detect_functions(data, others, numbers)
        varying = [c for c in others if c not in self.index_.functions]
        self.sequence_key, self.sequence_index, self.context_columns = sequence_key, sequence_index, context_columns
        self.varying_columns_ = varying
        self.key_ = _KeyMaker.fit(data[sequence_key])
        self.metadata_ = metadata
        self.dtypes_ = {c: data[c].dtype for c in data.columns}
        self.feature_names_in_ = np.array(data.columns, dtype=object)
        fit_seed, context_seed, sample_seed = np.random.SeedSequence(self.random_state).spawn(3)
        context = data.iloc[starts][list(context_columns)].reset_index(drop=True)
        self._fit_context(context, lengths, numbers[starts], context_seed)
        self.schema_ = None
        encoded = pd.DataFrame(index=range(len(data)))
        if varying:
            sub = Metadata({c: metadata.columns[c] for c in varying})
            self.schema_ = Schema.fit(data[varying], sub, max_categories=self.max_categories)
            encoded = self.schema_.encode(data[varying])
        calendar = self.index_.calendar(numbers)
        self._fit(encoded, starts, lengths, context, calendar, np.random.default_rng(fit_seed))
        self._generator_ = np.random.default_rng(sample_seed)
        return self

    def _check_roles(self, data, key, index, context_columns) -> tuple:
        owner = type(self).__name__
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
        from .registry import make

        model = make(self.context_synthesizer, random_state=int(seed.generate_state(1)[0] >> 1))
        self.context_model_ = model.fit(table)

    # ------------------------------------------------------------------ sample
    def _check_is_fitted(self) -> None:
        if not hasattr(self, "index_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet. Call fit(data, sequence_key=..., "
                "sequence_index=...) before sampling or saving."
            )

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
        seed = check_random_state(random_state, "sample")
        if seed is None:
            seed = int(self._generator_.integers(0, 2**63 - 1))
        parts = []
        for block in range((num_sequences - 1) // SEQUENCE_BLOCK + 1):
            first = block * SEQUENCE_BLOCK
            size = min(SEQUENCE_BLOCK, num_sequences - first)
            given = None if context is None else context.iloc[first:first + size].reset_index(drop=True)
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
            parts.append(self._sample_block(first, size, sequence_length, given, rng))
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
        if sequence_length is not None:
            sequence_length = check_num_rows(sequence_length, "sample (sequence_length)")
        return num_sequences, context

    def _sample_block(self, first, size, sequence_length, given, rng) -> pd.DataFrame:
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
        calendar = self.index_.calendar(grid)
        encoded = self._sample(context, lengths, calendar, rng)
        if self.schema_ is not None:
            encoded.update(self.schema_.draw_rare(encoded, rng))
        mask = np.arange(grid.shape[1])[None, :] < lengths[:, None]
        keep = np.repeat(np.arange(full) < size, lengths)
        encoded = {name: np.asarray(values)[keep] for name, values in encoded.items()}
        context = context.iloc[:size].reset_index(drop=True)
        return self._assemble(first, context, lengths[:size], grid[mask][keep], encoded)

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

    def _assemble(self, first, context, lengths, index_numbers, encoded) -> pd.DataFrame:
        out = {}
        repeat = np.repeat(np.arange(len(lengths)), lengths)
        out[self.sequence_key] = self.key_.make(first + repeat)
        out[self.sequence_index] = self.index_.from_numbers(index_numbers)
        for name in self.context_columns:
            out[name] = context[name].iloc[repeat].reset_index(drop=True)
        out.update(self.index_.derive(index_numbers))
        if self.schema_ is not None:
            decoded = self.schema_.decode(encoded, int(lengths.sum()), row_offset=first * 2**20)
            out.update({c: decoded[c] for c in decoded.columns})
        frame = pd.DataFrame({c: out[c] for c in self.feature_names_in_})
        return frame.astype({c: self.dtypes_[c] for c in (self.sequence_key, *self.context_columns)
                             if frame[c].dtype != self.dtypes_[c] and not frame[c].isna().any()})

    # ------------------------------------------------------------------ files
    def save(self, path) -> None:
        """Write the fitted synthesizer to one model file (zip of JSON and numpy arrays; no pickle)."""
        from . import __version__
        from .io import write_model_file

        self._check_is_fitted()
        header = {"tabsynth_version": __version__, "synthesizer": self.registry_name}
        write_model_file(path, header, self._full_state())

    def _full_state(self) -> dict:
        from .columns import dtype_to_state

        context_model = None
        if self.context_model_ is not None:
            m = self.context_model_
            context_model = {"name": m.registry_name, "params": m.get_params(), "schema": m.schema_.to_state(),
                             "generator": m._generator_.bit_generator.state,
                             "feature_names_in": list(m.feature_names_in_), "model": m._get_state()}
        return {
            "params": self.get_params(),
            "roles": {"key": self.sequence_key, "index": self.sequence_index, "context": list(self.context_columns)},
            "index": self.index_.to_state(), "key": vars(self.key_),
            "schema": None if self.schema_ is None else self.schema_.to_state(),
            "metadata": self.metadata_.to_dict(), "varying": list(self.varying_columns_),
            "dtypes": {c: dtype_to_state(d) for c, d in self.dtypes_.items()},
            "feature_names_in": list(self.feature_names_in_),
            "context_table": self.context_table_, "context_model": context_model,
            "lengths": self.lengths_, "starts": self.starts_,
            "generator": self._generator_.bit_generator.state, "model": self._get_state(),
        }

    def _restore(self, state: dict) -> None:
        """Set learned state from a model file (called by :func:`tabsynth.load`)."""
        from .columns import dtype_from_state
        from .registry import make

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
        self.feature_names_in_ = np.array(state["feature_names_in"], dtype=object)
        self.context_table_ = state["context_table"]
        self.context_model_ = None
        if state["context_model"] is not None:
            nested = state["context_model"]
            model = make(nested["name"], **nested["params"])
            model._restore(nested)
            self.context_model_ = model
        self.lengths_, self.starts_ = np.asarray(state["lengths"]), np.asarray(state["starts"])
        generator = np.random.default_rng()
        generator.bit_generator.state = state["generator"]
        self._generator_ = generator
        self._set_state(state["model"])

    # ------------------------------------------------------------------ model hooks
    def _fit(self, encoded, starts, lengths, context, calendar, rng) -> None:
        raise NotImplementedError

    def _sample(self, context, lengths, calendar, rng) -> dict:
        raise NotImplementedError

    def _get_state(self) -> dict:
        raise NotImplementedError

    def _set_state(self, state: dict) -> None:
        raise NotImplementedError


class _KeyMaker:
    """New entity keys: unique, of the real keys' type (integers after the largest, or strings)."""

    @classmethod
    def fit(cls, column: pd.Series) -> _KeyMaker:
        maker = cls()
        maker.numeric = bool(pd.api.types.is_numeric_dtype(column.dtype)) and not pd.api.types.is_bool_dtype(
            column.dtype)
        maker.start = int(column.max()) + 1 if maker.numeric else 0
        maker.values_seen = int(column.nunique())
        return maker

    def make(self, numbers: np.ndarray) -> pd.Series:
        numbers = np.asarray(numbers, dtype=np.int64)
        if self.numeric:
            return pd.Series(numbers + self.start)
        return pd.Series(np.char.add("sequence_", np.char.zfill(numbers.astype(str), 6)), dtype=object)


def _nearest(sorted_values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each wanted number, the nearest of ``sorted_values`` (keeps starts on the real grid)."""
    pos = np.clip(np.searchsorted(sorted_values, wanted), 1, max(len(sorted_values) - 1, 1))
    if len(sorted_values) == 1:
        return np.repeat(sorted_values, len(wanted))
    left, right = sorted_values[pos - 1], sorted_values[pos]
    return np.where(wanted - left.astype(float) <= right.astype(float) - wanted, left, right)


def _frame_state(frame: pd.DataFrame) -> dict:
    from .columns import dtype_to_state

    return {"columns": list(frame.columns),
            "values": [frame[c].to_numpy(dtype=object) if frame[c].dtype == object else frame[c].to_numpy()
                       for c in frame.columns],
            "dtypes": [dtype_to_state(frame[c].dtype) for c in frame.columns]}


def _frame_from_state(state: dict) -> pd.DataFrame:
    from .columns import dtype_from_state, restore_dtype

    return pd.DataFrame({c: restore_dtype(pd.Series(np.asarray(v)), dtype_from_state(d))
                         for c, v, d in zip(state["columns"], state["values"], state["dtypes"])})
