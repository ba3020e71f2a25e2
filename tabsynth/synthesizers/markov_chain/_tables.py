"""Building blocks of the Markov chain: smoothed conditional tables with backoff, and value bins.

A :class:`BackoffTable` is P(state | p1, ..., pm) for an ordered list of discrete parents, smoothed
hierarchically: the estimate given the first j parents is the counts given those parents plus
``alpha`` times the estimate given the first j-1, normalized (a Dirichlet prior centred on the
coarser estimate); the root is the add-one-smoothed marginal. Every state therefore keeps a
positive probability (a chain never gets stuck), and a parent combination never seen falls back to
the deepest prefix that was seen. Parents are chosen greedily by leave-one-out log likelihood.
"""

from __future__ import annotations

import numpy as np

MIN_GAIN = 0.002
MAX_KEY_SPACE = 2**62  # parent combinations are int64 keys: a parent that would overflow them is not a candidate


class BackoffTable:
    """P(target | ordered parents) with hierarchical Dirichlet backoff.

    Attributes
    ----------
    parents : list of str
        Chosen parents, most informative first.
    cards : list of int
        Number of states of each parent.
    keys : list of ndarray
        ``keys[j]``: the sorted parent-prefix keys (first j parents) seen in the data.
    probs : list of ndarray
        ``probs[j][i]``: the smoothed distribution of the target given prefix key ``keys[j][i]``.
    """

    def __init__(self, num_states: int, alpha: float):
        self.num_states = num_states
        self.alpha = alpha

    # ------------------------------------------------------------------ fit
    def fit(self, target: np.ndarray, features: dict, cards: dict, candidates: list[str],
            max_parents: int, required: tuple = ()) -> BackoffTable:
        """Choose up to ``max_parents`` parents among ``candidates`` (``required`` ones first) and build the tables."""
        counts = np.bincount(target, minlength=self.num_states).astype(float)
        n = len(target)
        loo = np.log((counts[target] - 1 + 1) / (n - 1 + self.num_states)) if n > 1 else np.zeros(n)
        prev_p, key = np.exp(loo), np.zeros(n, dtype=np.int64)
        self.parents, self.cards = [], []
        remaining = [c for c in candidates if cards[c] > 1]
        current = float(loo.mean()) if n else 0.0
        for name in required[:max_parents]:
            key = key * cards[name] + features[name]
            prev_p = self._loo_p(target, key, prev_p) if n > 1 else prev_p
            current = float(np.log(prev_p).mean()) if n else 0.0
            self.parents.append(name)
            self.cards.append(int(cards[name]))
            remaining = [c for c in remaining if c != name]
        while remaining and len(self.parents) < max_parents and n > 1:
            space = int(np.prod(self.cards, dtype=object)) if self.cards else 1
            remaining = [c for c in remaining if space * int(cards[c]) < MAX_KEY_SPACE]  # int64 keys stay exact
            if not remaining:
                break
            scored = [(self._loo_mean(target, key * cards[c] + features[c], prev_p), c) for c in remaining]
            best, name = max(scored)
            if best - current < MIN_GAIN:
                break
            key = key * cards[name] + features[name]
            prev_p = self._loo_p(target, key, prev_p)
            current = best
            self.parents.append(name)
            self.cards.append(int(cards[name]))
            remaining.remove(name)
        self._build(target, features)
        return self

    def _loo_p(self, target, key, prev_p) -> np.ndarray:
        c, m = _own_counts(key * self.num_states + target) - 1.0, _own_counts(key) - 1.0
        return (c + self.alpha * prev_p) / (m + self.alpha)

    def _loo_mean(self, target, key, prev_p) -> float:
        return float(np.log(self._loo_p(target, key, prev_p)).mean())

    def _build(self, target, features) -> None:
        counts = np.bincount(target, minlength=self.num_states).astype(float)
        self.keys = [np.zeros(1, dtype=np.int64)]
        self.probs = [((counts + 1) / (counts.sum() + self.num_states))[None, :]]
        key = np.zeros(len(target), dtype=np.int64)
        for name, card in zip(self.parents, self.cards):
            parent_key = key
            key = key * card + features[name]
            uniques, inverse = np.unique(key, return_inverse=True)
            table = np.zeros((len(uniques), self.num_states))
            np.add.at(table, (inverse, target), 1.0)
            parent_rows = np.searchsorted(self.keys[-1], uniques // card)
            prior = self.probs[-1][parent_rows]
            self.keys.append(uniques)
            self.probs.append((table + self.alpha * prior) / (table.sum(1, keepdims=True) + self.alpha))
            del parent_key

    # ------------------------------------------------------------------ use
    def _lookup(self, features, size: int) -> np.ndarray:
        """Row of each sample in the stacked tables: the deepest parent prefix that was seen."""
        if not hasattr(self, "_offsets"):
            self._offsets = np.cumsum([0] + [len(p) for p in self.probs[:-1]])
            self._cumulative = np.cumsum(np.vstack(self.probs), axis=1)
        rows = np.zeros(size, dtype=np.int64)
        level = np.zeros(size, dtype=np.int64)
        key = np.zeros(size, dtype=np.int64)
        for j, (name, card) in enumerate(zip(self.parents, self.cards), start=1):
            key = key * card + features[name]
            pos = np.minimum(np.searchsorted(self.keys[j], key), len(self.keys[j]) - 1)
            found = (self.keys[j][pos] == key) & (level == j - 1)
            rows[found], level[found] = pos[found], j
        return self._offsets[level] + rows

    def predict(self, features, size: int) -> np.ndarray:
        """Distributions of shape (size, num_states) given parent values (arrays of length ``size``)."""
        rows = self._lookup(features, size)
        return np.diff(self._cumulative[rows], axis=1, prepend=0.0)

    def draw(self, features, size: int, rng: np.random.Generator) -> np.ndarray:
        """One state per row, drawn from :meth:`predict`."""
        rows = self._lookup(features, size)
        cumulative = self._cumulative[rows]
        u = rng.random(size) * cumulative[:, -1]
        return np.minimum((cumulative < u[:, None]).sum(axis=1), self.num_states - 1)

    def to_state(self) -> dict:
        return {"num_states": self.num_states, "alpha": self.alpha, "parents": list(self.parents),
                "cards": list(self.cards), "keys": list(self.keys), "probs": list(self.probs)}

    @classmethod
    def from_state(cls, state: dict) -> BackoffTable:
        table = cls(int(state["num_states"]), float(state["alpha"]))
        table.parents, table.cards = list(state["parents"]), [int(c) for c in state["cards"]]
        table.keys = [np.asarray(k, dtype=np.int64) for k in state["keys"]]
        table.probs = [np.asarray(p, dtype=float) for p in state["probs"]]
        return table


def _own_counts(values: np.ndarray) -> np.ndarray:
    """For each entry, how many entries share its value (hash-based, linear time)."""
    import pandas as pd

    codes = pd.factorize(values)[0]
    return np.bincount(codes)[codes].astype(float)


class Bins:
    """Numbers as discrete states: exact values when few, else point masses plus quantile bins.

    A value holding at least ``1 / n_bins`` of the rows (weather's zero precipitation) is a state of
    its own; the other values are cut at their quantiles, and a bin becomes a number by interpolating
    quantiles of the values inside it.

    Attributes
    ----------
    values : ndarray or None
        The exact values (few distinct values), else None.
    atoms : ndarray
        Point masses, each a state of its own (states ``0..len(atoms)-1``).
    edges : ndarray
        Edges of the quantile bins of the remaining values.
    inner : ndarray of shape (n_bins, n_inner)
        Quantiles of the values inside each bin.
    """

    def __init__(self, n_bins: int, max_exact: int, n_inner: int = 33):
        self.n_bins, self.max_exact, self.n_inner = n_bins, max_exact, n_inner

    def fit(self, values: np.ndarray) -> Bins:
        distinct, counts = np.unique(values, return_counts=True)
        if len(distinct) <= self.max_exact:
            self.values, self.atoms, self.edges, self.inner = distinct.astype(float), np.zeros(0), np.zeros(0), None
            return self
        self.values = None
        self.atoms = distinct[counts >= len(values) / self.n_bins].astype(float)
        rest = values[~np.isin(values, self.atoms)]
        if len(rest) == 0:
            rest = values
        n_edges = max(self.n_bins - len(self.atoms), 1)
        self.edges = np.unique(np.quantile(rest, np.linspace(0, 1, n_edges + 1)))
        bins = self._bin(rest)
        probabilities = np.linspace(0, 1, self.n_inner)
        self.inner = np.array([np.quantile(rest[bins == b], probabilities) if (bins == b).any()
                               else np.full(self.n_inner, self.edges[b]) for b in range(self._n_edge_bins)])
        return self

    @property
    def _n_edge_bins(self) -> int:
        return max(len(self.edges) - 1, 1)

    @property
    def size(self) -> int:
        return len(self.values) if self.values is not None else len(self.atoms) + self._n_edge_bins

    def _bin(self, values: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(self.edges, values, side="right") - 1, 0, self._n_edge_bins - 1)

    def states(self, values: np.ndarray) -> np.ndarray:
        if self.values is not None:
            return _nearest_index(self.values, values)
        states = len(self.atoms) + self._bin(values)
        if len(self.atoms):
            atom = _nearest_index(self.atoms, values)
            states = np.where(self.atoms[atom] == values, atom, states)
        return states.astype(np.int64)

    def draw(self, states: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.values is not None:
            return self.values[states]
        position = rng.random(len(states)) * (self.n_inner - 1)
        bins = np.clip(states - len(self.atoms), 0, self._n_edge_bins - 1)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, self.n_inner - 1)
        frac = position - low
        out = self.inner[bins, low] * (1 - frac) + self.inner[bins, high] * frac
        if len(self.atoms):
            is_atom = states < len(self.atoms)
            out[is_atom] = self.atoms[states[is_atom]]
        return out

    def to_state(self) -> dict:
        return dict(vars(self))

    @classmethod
    def from_state(cls, state: dict) -> Bins:
        bins = cls.__new__(cls)
        bins.__dict__.update(state)
        return bins


def _nearest_index(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    pos = np.clip(np.searchsorted(sorted_values, values), 0, len(sorted_values) - 1)
    left = np.clip(pos - 1, 0, None)
    closer = np.abs(sorted_values[left] - values) < np.abs(sorted_values[pos] - values)
    return np.where(closer, left, pos).astype(np.int64)
