"""The public fit/sample/save template every table synthesizer shares.

A model subclasses :class:`Synthesizer` and writes only ``_fit(encoded, rng)``,
``_sample(n, rng, conditions)``, ``_get_state()`` / ``_set_state(state)``, and declares
``conditional_sampling``. Everything else (input checks, metadata, encoding, the randomness rule,
conditions, model files) happens here, once.

The randomness rule
-------------------
``random_state`` seeds the fit and the synthesizer's own sampling generator. ``sample(n)`` draws
a seed from that generator (advancing it, and saved with the model); ``sample(n, random_state=s)``
uses ``s`` and leaves the own generator untouched. From the seed, rows are generated in fixed
blocks of ``BLOCK_SIZE`` rows, block ``b`` from ``SeedSequence(seed, spawn_key=(b,))``: a sample
is a prefix of any longer one with the same seed, whatever the chunking.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ConditionError, InvalidParameterError, NotFittedError
from .metadata import Metadata
from .schema import Schema
from .validation import check_bool, check_num_rows, check_random_state, check_table

BLOCK_SIZE = 4096
MAX_REJECTION_ROUNDS = 50


class Synthesizer:
    """Base class of the table synthesizers (scikit-learn's estimator contract).

    Subclasses set ``conditional_sampling`` to ``"exact"`` (the model conditions itself),
    ``"rejection"`` (this class samples and keeps matching rows, within a bounded budget),
    ``"approximate"`` (as rejection, but the model overrides ``_rejection_rows`` to steer its draws
    towards the target, e.g. CTGAN's conditional vector) or ``"none"`` (conditions raise
    :class:`ConditionError`).
    """

    conditional_sampling = "none"
    registry_name: str = ""
    # The most states a categorical column gets in the encoded layout; past it the rarest categories share one
    # "other" state, decoded by drawing from their real frequencies. A bound for models whose memory grows with
    # a column's categories (one-hot layouts: CTGAN, TVAE): a column of 50,000 values would otherwise make a
    # 100,000 x 50,000 matrix. A model that handles any number of categories sets None (or passes its own
    # options from ``_schema_options``).
    max_categories: int | None = 1000

    # ------------------------------------------------------------------ params
    @classmethod
    def _param_names(cls) -> list[str]:
        kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        parameters = inspect.signature(cls.__init__).parameters.values()
        return [p.name for p in parameters if p.name != "self" and p.kind in kinds]

    def get_params(self, deep: bool = True) -> dict:
        """The constructor parameters, as given."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> Synthesizer:
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

    def _check_params(self) -> None:
        """Validate constructor parameters (called by fit); subclasses extend it."""
        check_random_state(self.random_state, type(self).__name__)
        check_bool(self.verbose, type(self).__name__, "verbose")

    def _schema_options(self) -> dict:
        return {"max_categories": self.max_categories}

    # ------------------------------------------------------------------ fit
    def fit(self, data: pd.DataFrame, metadata: Metadata | Mapping | None = None) -> Synthesizer:
        """Learn the distribution of ``data``; returns self.

        Parameters
        ----------
        data : pandas.DataFrame
            The real table; it is not modified.
        metadata : Metadata or dict, optional
            Column sdtypes (a :class:`Metadata` or the SDV single-table dict); detected when omitted.
        """
        self._check_params()
        check_table(data)
        metadata = Metadata.coerce(copy.deepcopy(metadata), data)
        schema = Schema.fit(data, metadata, **self._schema_options())
        encoded = schema.encode(data)
        fit_seed, sample_seed = np.random.SeedSequence(self.random_state).spawn(2)
        self.schema_ = schema
        self.metadata_ = metadata
        if schema.columns:  # else every column is constant, an id or derived: nothing for a model to learn
            self._fit(encoded, np.random.default_rng(fit_seed))
        self._generator_ = np.random.default_rng(sample_seed)
        self.feature_names_in_ = np.array(data.columns, dtype=object)
        return self

    def _fit(self, encoded: pd.DataFrame, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def _sample(self, num_rows: int, rng: np.random.Generator,
                conditions: pd.DataFrame | None) -> pd.DataFrame | dict[str, np.ndarray]:
        """``num_rows`` encoded rows (a DataFrame, or a dict of column arrays: cheaper) in ``schema_.columns``."""
        raise NotImplementedError

    def _check_is_fitted(self) -> None:
        if not hasattr(self, "schema_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet. Call fit(data) before sampling or saving."
            )

    # ------------------------------------------------------------------ sample
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
        return self._finish(self.schema_.decode(encoded, num_rows), conditions)

    def sample_to_file(self, path, num_rows: int, *, chunk_size: int = 16 * BLOCK_SIZE,
                       random_state: int | None = None) -> None:
        """Stream ``num_rows`` synthetic rows to a .csv or .parquet file, ``chunk_size`` rows at a time.

        Memory is bounded by the chunk, not by ``num_rows``. For the same ``random_state`` the rows
        equal ``sample(num_rows, random_state=...)`` whatever the chunk size. The file is written under
        a temporary name and renamed when complete, so an interrupted run leaves no partial file.
        """
        from .io import atomic_path, table_format

        self._check_is_fitted()
        kind = table_format(path)
        num_rows = check_num_rows(num_rows)
        chunk_size = check_num_rows(chunk_size, "sample_to_file (chunk_size)")
        seed = self._sampling_seed(random_state)
        with atomic_path(Path(path)) as tmp, _TableWriter(tmp, kind) as writer:
            for start in _progress(range(0, num_rows, chunk_size), self.verbose, "sampling"):
                writer.write(self.sample_rows(start, min(start + chunk_size, num_rows), seed))

    def sample_rows(self, start: int, stop: int, seed: int) -> pd.DataFrame:
        """Rows ``start..stop`` of the fixed stream ``seed``: a slice of ``sample(stop, random_state=seed)``.

        The building block of chunked and distributed sampling: any split of a sample into row
        ranges gives the same rows, generated ids included.
        """
        self._check_is_fitted()
        if not 0 <= start < stop:
            raise InvalidParameterError(f"sample_rows needs 0 <= start < stop. Got start={start}, stop={stop}.")
        encoded = self._generate(start, stop, check_random_state(seed, "sample_rows"), None)
        return self.schema_.decode(encoded, stop - start, row_offset=start)

    def _sampling_seed(self, random_state) -> int:
        random_state = check_random_state(random_state, "sample")
        if random_state is None:
            return int(self._generator_.integers(0, 2**63 - 1))
        return random_state

    def _generate(self, start: int, stop: int, seed: int, conditions: _Conditions | None) -> dict[str, np.ndarray]:
        """Encoded rows ``start..stop`` of the stream ``seed``, generated block by block, as column arrays."""
        parts = []
        for block in range(start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE + 1):
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
            first = block * BLOCK_SIZE
            size = BLOCK_SIZE if conditions is None else conditions.block_size(first)
            rows = self._sample_block(size, rng, None if conditions is None else conditions.block(first, size))
            rare = self.schema_.draw_rare(rows, rng)
            lo, hi = max(start, first) - first, min(stop, first + size) - first
            parts.append({name: np.asarray(values)[lo:hi] for name, values in (*rows.items(), *rare.items())})
        names = [col.name for col in self.schema_.columns] + self.schema_.rare_columns
        return {name: np.concatenate([part[name] for part in parts]) for name in names}

    def _sample_block(self, size: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        if not self.schema_.columns:
            return {}
        if conditions is None or self.conditional_sampling == "exact":
            return self._sample(size, rng, conditions)
        return self._sample_by_rejection(size, rng, conditions)

    # ------------------------------------------------------------------ conditions
    def _prepare_conditions(self, num_rows, conditions) -> tuple[int, _Conditions | None]:
        if conditions is None:
            return check_num_rows(num_rows), None
        if self.conditional_sampling == "none":
            raise ConditionError(f"{type(self).__name__} does not support conditional sampling.")
        if isinstance(conditions, Mapping):
            num_rows = check_num_rows(num_rows)
            if not conditions:
                return num_rows, None
            frame = pd.DataFrame([dict(conditions)])
            return num_rows, _Conditions(frame, self.schema_.encode_conditions(frame), repeat=True)
        if isinstance(conditions, pd.DataFrame):
            if num_rows is None:
                num_rows = len(conditions)
            if check_num_rows(num_rows) != len(conditions):
                raise ConditionError(
                    f"conditions has {len(conditions)} rows but num_rows is {num_rows}: a DataFrame of conditions "
                    "gives one output row per condition row. Omit num_rows or make them equal."
                )
            frame = conditions.reset_index(drop=True)
            return num_rows, _Conditions(frame, self.schema_.encode_conditions(frame), repeat=False)
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

    def _finish(self, sampled: pd.DataFrame, conditions: _Conditions | None) -> pd.DataFrame:
        """Write numerical condition values exactly (models may reach them only up to a bin)."""
        if conditions is None:
            return sampled
        for name in conditions.raw.columns:
            if self.metadata_.sdtype(name) == "numerical" and name not in self.schema_.relations:
                values = conditions.raw[name].to_numpy()
                values = np.resize(values, len(sampled)) if conditions.repeat else values
                sampled[name] = pd.Series(values).astype(sampled[name].dtype)
        return sampled

    # ------------------------------------------------------------------ files
    def save(self, path) -> None:
        """Write the fitted synthesizer to one model file (zip of JSON and numpy arrays; no pickle)."""
        from . import __version__
        from .io import write_model_file

        self._check_is_fitted()
        header = {"tabsynth_version": __version__, "synthesizer": self.registry_name}
        state = {
            "params": self.get_params(),
            "schema": self.schema_.to_state(),
            "generator": self._generator_.bit_generator.state,
            "feature_names_in": list(self.feature_names_in_),
            "model": self._get_state() if self.schema_.columns else None,
        }
        write_model_file(path, header, state)

    def _restore(self, state: dict) -> None:
        """Set learned state from a model file (called by :func:`tabsynth.load`)."""
        self.schema_ = Schema.from_state(state["schema"])
        self.metadata_ = self.schema_.metadata
        self.feature_names_in_ = np.array(state["feature_names_in"], dtype=object)
        generator = np.random.default_rng()
        generator.bit_generator.state = state["generator"]
        self._generator_ = generator
        if self.schema_.columns:
            self._set_state(state["model"])

    def _get_state(self) -> dict:
        raise NotImplementedError

    def _set_state(self, state: dict) -> None:
        raise NotImplementedError


def collect_matching(draw, needed: int, target: dict, *, first_batch: int, max_batch: int, go_on):
    """Draw batches (doubling up to ``max_batch``) and keep the rows equal to ``target`` in every column.

    ``draw(n)`` returns n encoded rows; ``go_on(drawn, rounds)`` says whether another batch may be drawn.
    Returns ``(rows, found, drawn)``: the first ``needed`` matching rows, or None when ``go_on`` stopped first.
    """
    kept, found, drawn, rounds, batch = [], 0, 0, 0, first_batch
    while go_on(drawn, rounds):
        rows = draw(batch)
        mask = np.logical_and.reduce([rows[column].to_numpy() == value for column, value in target.items()])
        kept.append(rows[mask])
        found, drawn, rounds, batch = found + int(mask.sum()), drawn + batch, rounds + 1, min(batch * 2, max_batch)
        if found >= needed:
            return pd.concat(kept, ignore_index=True).iloc[:needed], found, drawn
    return None, found, drawn


class _TableWriter:
    """Append DataFrame chunks to one CSV or parquet file (one parquet row group per chunk)."""

    def __init__(self, path: Path, kind: str):
        self.path, self.kind, self.writer, self.schema = path, kind, None, None

    def __enter__(self):
        return self

    def write(self, frame: pd.DataFrame) -> None:
        if self.kind == "csv":
            frame.to_csv(self.path, mode="a" if self.writer else "w", header=self.writer is None, index=False)
            self.writer = True
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False, schema=self.schema)
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(table)

    def __exit__(self, *exc) -> None:
        if self.kind == "parquet" and self.writer is not None:
            self.writer.close()


def _progress(iterable, verbose: bool, description: str):
    if not verbose:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=description)


class _Conditions:
    """Conditions as given (``raw``) and encoded, for the whole sample or repeated per block."""

    def __init__(self, raw: pd.DataFrame, encoded: pd.DataFrame, repeat: bool):
        self.raw, self.encoded, self.repeat = raw, encoded, repeat

    def block_size(self, first: int) -> int:
        if self.repeat:
            return BLOCK_SIZE
        return min(BLOCK_SIZE, len(self.encoded) - first)

    def block(self, first: int, size: int) -> pd.DataFrame:
        if self.repeat:
            return self.encoded.loc[np.zeros(size, dtype=int)].reset_index(drop=True)
        return self.encoded.iloc[first:first + size].reset_index(drop=True)
