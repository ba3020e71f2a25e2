"""``BayesianNetworkSynthesizer.fit`` on a Dask DataFrame: counts summed over partitions.

No process ever holds the whole table; each step below reads the partitions again (from parquet,
say) and sends back only small results:

1. Partition lengths, then a seeded uniform sample of :data:`~tabsynth.schema.distributed.SAMPLE_ROWS`
   raw rows (the whole table when smaller): metadata and the schema, corrected by exact
   reductions (see :mod:`tabsynth.schema.distributed` for what is exact and what comes from the sample).
2. Bins. A numerical column with at most :data:`MAX_EXACT_VALUES` distinct values gets its
   distinct values and counts summed over partitions, so its bins (and its in-bin values) are
   exactly those of an in-memory fit. Past that, bins sit at the quantiles of the sample
   (approximate quantiles) and in-bin values are drawn from the sample's values. Bin edges given
   in ``bin_edges`` are used as they are.
3. Each partition's state codes (one or two bytes per cell) are kept in the workers' memory while
   the network is learned; each hill-climbing step counts every family (child, parent set) it
   needs in one pass, counts summed over partitions (a tree of partial sums), and the tables come
   from the summed counts. Given the same bin edges, the network and tables equal those of an
   in-memory fit of the same rows (counts are integers: the sums are exact).
4. Tree conditionals (``conditionals='tree'``, the default) need rows, not counts: they are fitted
   on a seeded uniform sample of at most :data:`TREE_SAMPLE_ROWS` rows of state codes (all rows, in
   order, when the table is smaller: then they equal the in-memory trees). ``min_samples_leaf`` is
   capped at 1 % of the sampled rows, as in memory; the same rows' numbers give the in-leaf values. Use
   ``conditionals='table'`` for a fit that depends on counts only.

Missing values: a categorical column's missing cells get exactly the fill draws an in-memory
encoding gives them (the same fixed stream, advanced past the missing cells of earlier partitions),
so counts stay equal. A numerical column's missing cells are filled from its observed values in
the same partition with a stream of the partition's own (``SeedSequence(seed, spawn_key=(k,))``),
so with missing numbers the counts of that column differ slightly from an in-memory fit.

Memory: each worker holds a few partitions at a time plus its share of the codes; the calling
process holds the samples and fits the trees (about 1 GB for 10 million Adult rows, 2.5 GB for all
processes together with two workers). Partitions of 100,000 to 1,000,000 rows suit it: read one
large parquet file with ``dd.read_parquet(path, split_row_groups=True)``.

>>> import dask.dataframe as dd                                                  # doctest: +SKIP
>>> frame = dd.read_parquet("big.parquet", split_row_groups=True)               # doctest: +SKIP
>>> synth = tabsynth.BayesianNetworkSynthesizer(random_state=0).fit(frame)      # doctest: +SKIP
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from ...base import block_rng
from ...errors import InvalidDataError, InvalidParameterError
from ...schema.codecs import FILL_SEED, MISSING_SUFFIX, CategoricalCodec, NumericalCodec
from ...schema.distributed import SAMPLE_ROWS, fit_schema, sample_positions, take_rows, tree_reduce
from ...schema.metadata import Metadata
from ...validation import check_table, import_optional
from . import _structure as bn

TREE_SAMPLE_ROWS = 1_000_000
MAX_EXACT_VALUES = 200_000


def fit_dask(synth, data, metadata=None):
    """Fit ``synth`` (a BayesianNetworkSynthesizer) on the Dask DataFrame ``data``; returns it."""
    dask = import_optional("dask", "Fitting on a Dask DataFrame", "dask")
    dd = import_optional("dask.dataframe", "Fitting on a Dask DataFrame", "dask")
    if not isinstance(data, dd.DataFrame):
        raise InvalidDataError(f"data must be a pandas or Dask DataFrame. Got {type(data).__name__} instead.")
    if synth.constraints:
        raise InvalidParameterError("A Dask fit does not enforce constraints yet. Fit the constrained model on a "
                                    "pandas DataFrame (e.g. data.sample(frac=...).compute()); its rows can still be "
                                    "sampled on Dask with tabsynth.dask.sample.")
    fit_seed, sample_seed, rows_seed = synth._start_fit(3)
    schema_seed, tree_seed, fill_seed = rows_seed.spawn(3)
    parts = data.to_delayed()
    lengths = np.array(dask.compute(*[dask.delayed(len)(p) for p in parts]), dtype=np.int64)
    if not lengths.sum():
        raise InvalidDataError("data has no rows; a synthesizer needs at least one row to learn from.")
    positions = sample_positions(lengths, SAMPLE_ROWS, schema_seed)
    sample = pd.concat(dask.compute(*[dask.delayed(take_rows)(p, pos) for p, pos in zip(parts, positions)]),
                       ignore_index=True)
    check_table(sample)
    metadata = Metadata.coerce(copy.deepcopy(metadata), sample)
    schema, stats = fit_schema(dask, parts, sample, metadata, **synth._schema_options())
    synth._set_schema(schema, metadata)
    if schema.columns:
        encoder = PartitionEncoder(schema, stats, int(fill_seed.generate_state(1)[0]))
        _fit_network(synth, dask, parts, lengths, sample, encoder, tree_seed, np.random.default_rng(fit_seed))
    return synth._end_fit(sample_seed, data.columns)


def _fit_network(synth, dask, parts: list, lengths: np.ndarray, sample: pd.DataFrame, encoder, tree_seed,
                 rng) -> None:
    synth._check_bin_edge_names()
    columns = synth.schema_.columns
    encoded = [dask.delayed(encoder)(part, k) for k, part in enumerate(parts)]
    numerical = [col.name for col in columns if col.kind == "numerical"]
    limit = MAX_EXACT_VALUES
    values = dask.compute(tree_reduce(dask, [dask.delayed(_value_counts)(e, numerical, limit) for e in encoded],
                                      _combine_value_counts))[0]
    fallback = encoder(sample, len(parts)) if any(v is None for v in values.values()) else None
    synth.bins_ = {name: synth._column_bins(name, *(values[name][:2] if values[name] is not None else
                                                    np.unique(fallback[name].to_numpy(), return_counts=True)))
                   for name in numerical}
    cards = synth._cardinalities(np.zeros(len(columns), dtype=np.int64))
    dtype = np.uint8 if cards.max() <= 256 else np.uint16 if cards.max() <= 65536 else np.int32
    codes = dask.persist(*[dask.delayed(_discretize)(e, columns, synth.bins_, dtype) for e in encoded])
    positions = sample_positions(lengths, TREE_SAMPLE_ROWS, tree_seed) if synth.conditionals == "tree" else None
    tree_rows, tree_values = None, None
    if positions is not None:  # the sampled rows' codes for the trees, and their numbers for the in-leaf values
        rows = dask.compute(*[dask.delayed(_take)(c, pos) for c, pos in zip(codes, positions)])
        tree_rows = np.concatenate(rows).astype(np.int64)
        # only the sampled rows are encoded again (not whole partitions): a present number encodes alone, and a
        # missing one is left out of the in-leaf values whatever stand-in the encoding gives it
        tree_values = pd.concat(dask.compute(*[dask.delayed(_encoded_rows)(p, pos, synth.schema_)
                                               for p, pos in zip(parts, positions)]), ignore_index=True)
    synth._fit_counts(DaskCounts(dask, list(codes), cards, int(lengths.sum())), cards, tree_rows, rng, tree_values)


class PartitionEncoder:
    """Encodes partition ``k`` as the in-memory encoding of the whole table would (see the module docs)."""

    def __init__(self, schema, stats: dict, seed: int):
        self.schema, self.seed = schema, seed
        codecs, columns = schema.codecs, stats["columns"]
        nullable = [n for n, c in codecs.items() if isinstance(c, NumericalCodec) and c.has_nulls]
        self.placeholder = {n: columns[n]["first"].iloc[0] for n in nullable}
        self.offsets = {n: np.concatenate([[0], np.cumsum(columns[n]["nulls_per_part"])])
                        for n, c in codecs.items() if isinstance(c, CategoricalCodec) and c.has_nulls}

    def __call__(self, frame: pd.DataFrame, k: int) -> pd.DataFrame:
        frame = frame.reset_index(drop=True)
        masks = {}
        for name, value in self.placeholder.items():  # numbers: encode a stand-in, fill below
            masks[name] = frame[name].isna().to_numpy()
            if masks[name].any():
                frame[name] = frame[name].where(~masks[name], value)
        encoded = self.schema.encode(frame)
        rng = block_rng(self.seed, k)
        for name, mask in masks.items():
            values = encoded[name].to_numpy().copy()
            pool = values[~mask] if (~mask).any() else np.array([self.schema.codecs[name].minimum])
            values[mask] = rng.choice(pool, size=int(mask.sum()))
            encoded[name], encoded[name + MISSING_SUFFIX] = values, mask.astype(np.int64)
        for name, offsets in self.offsets.items():  # categories: the in-memory fill's own draws
            mask = encoded[name + MISSING_SUFFIX].to_numpy() == 1
            if mask.any() and k < len(offsets) - 1:
                codec = self.schema.codecs[name]
                fill = np.random.default_rng(FILL_SEED)
                fill.bit_generator.advance(int(offsets[k]))  # one draw per earlier missing cell
                codes = encoded[name].to_numpy().copy()
                codes[mask] = fill.choice(len(codec.frequencies), size=int(mask.sum()), p=codec.frequencies)
                encoded[name] = codes
        return encoded


class DaskCounts:
    """Family counts (see :class:`~tabsynth.synthesizers.bayesian_network._structure.ArrayCounts`) summed over partitions."""

    def __init__(self, dask, codes: list, cards: np.ndarray, n_rows: int):
        self.dask, self.codes, self.cards, self.n_rows = dask, codes, cards, n_rows

    def __call__(self, families: list) -> list[np.ndarray]:
        families = [(int(child), tuple(int(p) for p in parents)) for child, parents in families]
        tasks = [self.dask.delayed(_family_counts)(c, self.cards, families) for c in self.codes]
        return self.dask.compute(tree_reduce(self.dask, tasks, _add_tables))[0]


def _value_counts(encoded: pd.DataFrame, names: list, limit: int) -> dict:
    """Distinct values and counts of each numerical column, None past ``limit`` distinct values."""
    out = {name: np.unique(encoded[name].to_numpy(), return_counts=True) for name in names}
    return {name: (*pair, limit) if len(pair[0]) <= limit else None for name, pair in out.items()}


def _combine_value_counts(a: dict, b: dict) -> dict:
    out = {}
    for name, left in a.items():
        right = b[name]
        if left is None or right is None:
            out[name] = None
            continue
        uniques, inverse = np.unique(np.concatenate([left[0], right[0]]), return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=np.concatenate([left[1], right[1]]))
        out[name] = (uniques, counts.astype(np.int64), left[2]) if len(uniques) <= left[2] else None
    return out


def _discretize(encoded: pd.DataFrame, columns: list, bins: dict, dtype) -> np.ndarray:
    return bn.discretize(encoded, columns, bins).astype(dtype, order="F")  # columns contiguous: faster counts


def _encoded_rows(frame: pd.DataFrame, positions: np.ndarray, schema) -> pd.DataFrame:
    return schema.encode(take_rows(frame, positions))


def _take(codes: np.ndarray, positions: np.ndarray) -> np.ndarray:
    return codes[positions]


def _family_counts(codes: np.ndarray, cards: np.ndarray, families: list) -> list[np.ndarray]:
    return [bn.joint_counts(codes, cards, child, parents) for child, parents in families]


def _add_tables(a: list, b: list) -> list:
    return [x + y for x, y in zip(a, b)]
