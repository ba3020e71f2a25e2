"""Sampling of the Bayesian network: ancestral (tables or tree conditionals), exact conditional, values in bins.

A mixin of :class:`~tabsynth.synthesizers.bayesian_network.BayesianNetworkSynthesizer`, kept apart so
the synthesizer's module holds fitting and its learned state, and this one how rows are drawn from
them (``order_``, ``tables_``, ``parents_``, ``cardinalities_``, ``trees_``, ``bins_`` and the caches
``_prepare_sampling`` builds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...base import block_rng
from .. import _trees as trees
from ..table import BLOCK_SIZE
from . import _leaf_values as leaf_values
from . import _structure as bn
from ._inference import backward_sample, eliminate

_GROUP_BLOCKS = 32  # sampling blocks generated together when there are no conditions
_CACHE_SIZE = 4096  # evidence combinations whose elimination is kept for reuse


class NetworkSampling:
    """How a fitted network draws rows (see the module docstring)."""

    def _generate(self, start: int, stop: int, seed: int, conditions) -> dict[str, np.ndarray]:
        """Without conditions, many blocks at once: the same rows as block by block, fewer numpy calls.

        Block ``b`` still takes every random number it uses from its own stream
        ``SeedSequence(seed, spawn_key=(b,))``, in one array of fixed layout (see
        :meth:`_sample_uniform`), so the rows are identical to the base class's block-by-block
        generation; only the numpy work is shared by up to ``_GROUP_BLOCKS`` blocks.
        """
        if conditions is not None or not self.schema_.columns or getattr(self, "rules_", None):  # rules: checked block by block
            return super()._generate(start, stop, seed, conditions)
        first, last = start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE
        parts = []
        for group in range(first, last + 1, _GROUP_BLOCKS):
            blocks = range(group, min(group + _GROUP_BLOCKS, last + 1))
            uniform = np.concatenate([self._uniform(BLOCK_SIZE, block_rng(seed, b)) for b in blocks], axis=1)
            rows = self._sample_uniform(uniform)
            offset = group * BLOCK_SIZE
            lo, hi = max(start, offset) - offset, min(stop, (blocks[-1] + 1) * BLOCK_SIZE) - offset
            parts.append({name: values[lo:hi] for name, values in rows.items()})
        return {col.name: np.concatenate([part[col.name] for part in parts]) for col in self.schema_.columns}

    def _uniform(self, num_rows: int, rng: np.random.Generator) -> np.ndarray:
        """A block's random numbers: one row per variable (its state), then one per numerical column."""
        return rng.random((len(self.tables_) + len(self.bins_), num_rows))

    def _sample(self, num_rows: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        if conditions is None:
            return pd.DataFrame(self._sample_uniform(self._uniform(num_rows, rng)), copy=False)
        codes = np.full((len(self.tables_), num_rows), -1, dtype=np.int64)  # one row per variable
        self._sample_evidence(codes, self._evidence(conditions, num_rows), rng)
        for v in self.order_:
            drawn = self._draw(v, self._config_index(codes, v), rng.random(num_rows), self._flat_cumulative[v])
            codes[v] = np.where(codes[v] >= 0, codes[v], drawn)
        return pd.DataFrame(self._decode_codes(codes, rng.random((len(self.bins_), num_rows))), copy=False)

    def _sample_uniform(self, uniform: np.ndarray) -> dict[str, np.ndarray]:
        """Unconditional rows from their random numbers (layout of :meth:`_uniform`)."""
        codes = np.empty((len(self.tables_), uniform.shape[1]), dtype=np.int64)  # one row per variable
        leaves = None
        if self.trees_ is not None:
            leaves = self._sample_trees(codes, uniform)
        else:
            for v in self.order_:
                codes[v] = self._draw(v, self._config_index(codes, v), uniform[v], self._flat_cumulative[v])
        return self._decode_codes(codes, uniform[len(self.tables_):], leaves)

    def _sample_trees(self, codes: np.ndarray, uniform: np.ndarray) -> dict:
        """Every variable in order from the leaf its tree puts each row in; returns the leaves of the
        numerical columns that draw their numbers from in-leaf values."""
        leaves = {}
        features = np.zeros(codes.shape[::-1], dtype=np.float32)  # rows x variables, for compiled trees
        for v in self.order_:
            compiled, tree = self._compiled_trees[v], self.trees_[v]
            if len(tree["leaf"]) == 1:
                node = np.zeros(codes.shape[1], dtype=np.int64)
            elif compiled is None:
                node = trees.walk(tree, self._tree_depths[v], codes)
            else:
                node = compiled.apply(features)
            codes[v] = self._leaf_samplers[v].draw(node, uniform[v])
            features[:, v] = codes[v]
            if v in self.leaf_values_:
                leaves[v] = tree["leaf"][node]
        return leaves

    def _draw(self, v: int, config: np.ndarray, uniform: np.ndarray, flat_cumulative: np.ndarray) -> np.ndarray:
        """Each row's state of ``v`` from its configuration's (or leaf's) row of a table (inverse CDF)."""
        card = self.cardinalities_[v]
        if card == 2:
            return (uniform >= flat_cumulative[2 * config] - config).astype(np.int64)
        drawn = np.searchsorted(flat_cumulative, config + uniform, side="right")
        return np.minimum(drawn - config * card, card - 1)

    def _config_index(self, codes: np.ndarray, v: int) -> np.ndarray:
        index = np.zeros(codes.shape[1], dtype=np.int64)
        for p in self.parents_[v]:
            index = index * self.cardinalities_[p] + codes[p]
        return index

    def _evidence(self, conditions: pd.DataFrame, num_rows: int) -> np.ndarray:
        """Encoded conditions as state codes per row and column, -1 where not conditioned."""
        evidence = np.full((num_rows, len(self.tables_)), -1, dtype=np.int64)
        for j, col in enumerate(self.schema_.columns):
            if col.name not in conditions.columns:
                continue
            values = conditions[col.name].to_numpy(dtype=float)
            given = ~np.isnan(values)
            if col.kind == "numerical":
                states = bn.apply_bins(np.where(given, values, 0.0), self.bins_[col.name])
            else:
                states = np.where(given, values, 0).astype(np.int64)
            evidence[:, j] = np.where(given, states, -1)
        return evidence

    def _sample_evidence(self, codes: np.ndarray, evidence: np.ndarray, rng: np.random.Generator) -> None:
        """Fill evidence and the evidence's ancestors (exact posterior), group by distinct evidence."""
        patterns, inverse = np.unique(evidence, axis=0, return_inverse=True)
        for k, pattern in enumerate(patterns):
            rows = np.flatnonzero(inverse.ravel() == k)
            given = {int(j): int(s) for j, s in enumerate(pattern) if s >= 0}
            if not given:
                continue
            drawn = backward_sample(self._buckets(given), len(rows), rng)
            for v, values in {**drawn, **{j: np.full(len(rows), s) for j, s in given.items()}}.items():
                codes[v, rows] = values

    def _buckets(self, given: dict) -> list:
        """Elimination buckets for this evidence, cached: blocks and rows often repeat evidence."""
        key = tuple(sorted(given.items()))
        if key not in self._posterior_cache:
            if len(self._posterior_cache) >= _CACHE_SIZE:
                self._posterior_cache.clear()
            self._posterior_cache[key] = eliminate(self.tables_, self.parents_, self.cardinalities_, given)
        return self._posterior_cache[key]

    def _decode_codes(self, codes: np.ndarray, uniform: np.ndarray, leaves: dict | None = None) -> dict[str, np.ndarray]:
        """Encoded columns from state codes; ``uniform`` has one row per numerical column. With ``leaves`` (the
        tree leaf of each row, per numerical column) numbers come from their (leaf, bin) cell where it is large."""
        out, k = {}, 0
        for j, col in enumerate(self.schema_.columns):
            if col.kind == "numerical":
                if leaves and j in leaves:  # from the row's (leaf, bin) cell; the whole bin where it is small
                    out[col.name] = leaf_values.draw(self._cell_samplers[j], leaves[j], codes[j],
                                                     int(self.cardinalities_[j]), uniform[k])
                else:
                    out[col.name] = self._value_in_bin(codes[j], self.bins_[col.name], uniform[k])
                k += 1
            else:
                out[col.name] = codes[j]
        return out

    def _value_in_bin(self, states: np.ndarray, bins: dict, uniform: np.ndarray) -> np.ndarray:
        if "uniques" not in bins:
            lower, upper = bins["lower"][states], bins["upper"][states]
            return lower + uniform * (upper - lower)
        start, stop = bins["start"][states], bins["stop"][states]
        rank = np.minimum(start + (uniform * (stop - start)).astype(np.int64), stop - 1)
        return bins["expanded"][rank]


def flat_cumulative(table: np.ndarray) -> np.ndarray:
    """Each configuration's cumulative probabilities, shifted by its index and flattened.

    Configuration ``c`` occupies ``(c, c + 1]``, so one ``searchsorted`` of ``c + u`` draws every
    row's state from its own configuration at once.
    """
    cumulative = np.cumsum(table, axis=1)
    cumulative /= cumulative[:, -1:]
    cumulative[:, -1] = 1.0
    return (cumulative + np.arange(len(table))[:, None]).ravel()
