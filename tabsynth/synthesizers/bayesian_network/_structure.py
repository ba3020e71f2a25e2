"""The count-based half of the Bayesian network: bins, counts, scores, structure search, tables.

Everything here works on a discrete table (an int64 array of shape ``(n_rows, n_vars)`` with
codes ``0..cardinality-1`` per column) and touches the data only through counts, so it can be fed
counts summed over partitions of a table larger than memory. Nothing here draws random numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.special import gammaln

from ._hill_climb import MoveGains, best_move

MAX_TABLE_SIZE = 2_000_000  # a local table (parent configurations x states) never grows past this


# ---------------------------------------------------------------------- discretization
def fit_bins(values: np.ndarray, n_bins: int) -> dict:
    """Quantile bins of one numerical column, with a bin of its own for every point mass.

    A value holding at least ``1 / (2 n_bins)`` of the rows (Adult's ``capital-gain`` zeros) is
    its own bin; the remaining values are cut at their quantiles into the remaining bins. Columns
    with at most ``n_bins`` distinct values keep one bin per value.

    Returns a dict with ``upper`` (the largest value of each bin, increasing), ``lower`` (the
    smallest), and ``uniques`` / ``cumulative`` (the distinct values and their running counts,
    from which in-bin values are drawn).
    """
    return bins_from_counts(*np.unique(values, return_counts=True), n_bins)


def bins_from_counts(uniques: np.ndarray, counts: np.ndarray, n_bins: int) -> dict:
    """:func:`fit_bins` from the column's distinct values (sorted) and their counts."""
    if len(uniques) <= n_bins:
        bin_of = np.arange(len(uniques))
    else:
        bin_of = _quantile_bin_ids(counts, n_bins)
    upper = np.array([uniques[bin_of == b].max() for b in range(bin_of.max() + 1)])
    lower = np.array([uniques[bin_of == b].min() for b in range(bin_of.max() + 1)])
    return {"upper": upper, "lower": lower, "uniques": uniques, "cumulative": np.cumsum(counts),
            "first_unique": np.searchsorted(uniques, lower)}


def bins_from_edges(uniques: np.ndarray, counts: np.ndarray, edges: np.ndarray) -> dict:
    """Bins whose upper edges are given: bin ``b`` holds the values in ``(edges[b-1], edges[b]]``.

    Values above the last edge fall in the last bin. ``lower`` is the smallest value in each bin
    (the previous edge for an empty bin), so :func:`apply_bins` gives the same codes on any data.
    """
    edges = np.asarray(edges, dtype=float)
    bin_of = apply_bins(uniques, {"upper": edges})
    first = np.searchsorted(bin_of, np.arange(len(edges)), side="left")
    filled = (first < len(uniques)) & (bin_of[np.minimum(first, len(uniques) - 1)] == np.arange(len(edges)))
    previous = np.concatenate([[edges[0]], edges[:-1]])
    lower = np.where(filled, uniques[np.minimum(first, len(uniques) - 1)], previous)
    return {"upper": edges, "lower": np.minimum(lower, edges), "uniques": uniques,
            "cumulative": np.cumsum(counts), "first_unique": np.minimum(first, len(uniques) - 1)}


def _quantile_bin_ids(counts: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin id per distinct value (non-decreasing): point masses alone, the rest by quantiles."""
    share = counts / counts.sum()
    heavy = share >= 1.0 / (2 * n_bins)
    light_total = counts[~heavy].sum()
    n_light_bins = max(n_bins - int(heavy.sum()), 1)
    ids = np.empty(len(counts), dtype=np.int64)
    current, filled, next_cut = -1, 0.0, 0.0
    previous_heavy = True
    for k in range(len(counts)):
        if heavy[k]:
            current += 1
            previous_heavy = True
        else:
            if previous_heavy or filled >= next_cut:
                current += 1
                next_cut = filled + light_total / n_light_bins
            filled += counts[k]
            previous_heavy = False
        ids[k] = current
    return ids


def bin_slices(bins: dict) -> tuple[np.ndarray, np.ndarray]:
    """Each bin's slice ``start:stop`` of the column's values in sorted order (``uniques`` repeated).

    An empty bin (possible with given edges) gets the one value just above it, so a draw from it
    always yields a number.
    """
    bin_of = apply_bins(bins["uniques"], bins)
    ids = np.arange(len(bins["upper"]))
    before = np.concatenate([[0], bins["cumulative"]])
    start = before[np.searchsorted(bin_of, ids, side="left")]
    stop = before[np.searchsorted(bin_of, ids, side="right")]
    empty = stop == start
    stop = np.where(empty, np.minimum(start + 1, before[-1]), stop)
    return np.where(empty, stop - 1, start), stop


def check_bin_edges(bin_edges) -> bool:
    """Whether ``bin_edges`` is None or maps column names to increasing, finite 1-d edges."""
    if bin_edges is None:
        return True
    if not isinstance(bin_edges, Mapping):
        return False
    for name, edges in bin_edges.items():
        try:
            array = np.asarray(edges, dtype=float)
        except (TypeError, ValueError):
            return False
        if (not isinstance(name, str) or array.ndim != 1 or not len(array) or not np.isfinite(array).all()
                or np.any(np.diff(array) <= 0)):
            return False
    return True


def discretize(encoded, columns: list, bins: dict) -> np.ndarray:
    """State codes (rows x model columns): numbers by their bin, categories as they are."""
    discrete = np.empty((len(encoded), len(columns)), dtype=np.int64)
    for j, col in enumerate(columns):
        values = encoded[col.name].to_numpy()
        discrete[:, j] = apply_bins(values, bins[col.name]) if col.kind == "numerical" else values
    return discrete


def apply_bins(values: np.ndarray, bins: dict) -> np.ndarray:
    """Bin code of each value (values between bins go to the next bin up; the ends are clipped)."""
    return np.minimum(np.searchsorted(bins["upper"], values, side="left"), len(bins["upper"]) - 1)


# ---------------------------------------------------------------------- counts
class ArrayCounts:
    """Count tables of families ``(child, parents)`` from a discrete table in memory.

    The structure search and the tables see the data only through such a callable (a list of
    families in, a list of count arrays out, ``n_rows`` the total), so counts summed over the
    partitions of a Dask DataFrame (:mod:`tabsynth.synthesizers.bayesian_network._dask`) plug in unchanged.
    """

    def __init__(self, data: np.ndarray, cards: np.ndarray):
        self.data, self.cards, self.n_rows = data, cards, len(data)

    def __call__(self, families: list) -> list[np.ndarray]:
        return [joint_counts(self.data, self.cards, child, tuple(parents)) for child, parents in families]


def as_counts(data, cards: np.ndarray):
    """``data`` itself when it already counts families, else :class:`ArrayCounts` over the array."""
    return ArrayCounts(data, cards) if isinstance(data, np.ndarray) else data


def joint_counts(data: np.ndarray, cards: np.ndarray, child: int, parents: tuple) -> np.ndarray:
    """Counts of shape ``(parent configurations, child states)``; parents in the given order."""
    q = int(np.prod([cards[p] for p in parents])) if parents else 1
    index = np.zeros(len(data), dtype=np.int64)
    for p in parents:
        index = index * cards[p] + data[:, p]
    index = index * cards[child] + data[:, child]
    return np.bincount(index, minlength=q * cards[child]).reshape(q, cards[child]).astype(float)


def local_score(counts: np.ndarray, kind: str, n_rows: int, ess: float) -> float:
    """Decomposable score of one node given its parents, from its count table."""
    q, r = counts.shape
    totals = counts.sum(axis=1)
    if kind == "bic":
        with np.errstate(divide="ignore", invalid="ignore"):
            ll = np.where(counts > 0, counts * np.log(counts / totals[:, None]), 0.0).sum()
        return float(ll - 0.5 * np.log(n_rows) * (r - 1) * q)
    a_config, a_cell = ess / q, ess / (q * r)
    return float((gammaln(a_config) - gammaln(a_config + totals)).sum()
                 + (gammaln(a_cell + counts) - gammaln(a_cell)).sum())


class ScoreCache:
    """Local scores of (child, parent set), computed once from counts.

    :meth:`prefetch` counts many families in one call (one pass over the partitions of a Dask
    DataFrame); a family asked for without a prefetch is counted alone.
    """

    def __init__(self, counts, cards: np.ndarray, kind: str, ess: float):
        self.counts, self.cards, self.kind, self.ess = counts, cards, kind, ess
        self._cards = [int(c) for c in cards]  # Python ints: fits() runs a million times on wide tables
        self._scores: dict = {}

    def __call__(self, child: int, parents: frozenset) -> float:
        key = (child, parents)
        if key not in self._scores:
            self.prefetch([key])
        return self._scores[key]

    def prefetch(self, keys) -> None:
        missing = list(dict.fromkeys(k for k in keys if k not in self._scores))
        if not missing:
            return
        tables = self.counts([(child, tuple(sorted(parents))) for child, parents in missing])
        for key, table in zip(missing, tables):
            self._scores[key] = local_score(table, self.kind, self.counts.n_rows, self.ess)

    def fits(self, child: int, parents: frozenset) -> bool:
        return math.prod(self._cards[p] for p in parents) * self._cards[child] <= MAX_TABLE_SIZE


# ---------------------------------------------------------------------- structure search
def hill_climb(data, cards: np.ndarray, score: str, max_indegree: int, ess: float = 10.0,
               tabu_steps: int = 0, max_iter: int = 1000) -> list[frozenset]:
    """Greedy hill climbing over DAGs (add, remove, reverse one edge), best move first (the moves' gains kept
    in a matrix: :mod:`~tabsynth.synthesizers.bayesian_network._hill_climb`).

    With ``tabu_steps > 0`` the search goes on past a local optimum for up to that many moves
    that do not beat the best graph so far, never touching an edge changed in the last
    ``tabu_steps`` moves (tabu search), and returns the best graph seen. Returns the parent set
    of every variable. Local scores are cached, so each step scores only the changed families,
    and each step counts all the families it needs in one call. ``data`` is the discrete table or
    a family counter (see :class:`ArrayCounts`).
    """
    cache = ScoreCache(as_counts(data, cards), cards, score, ess)
    parents = [frozenset() for _ in range(len(cards))]
    gains = MoveGains(cache, max_indegree, len(cards))
    gains.rescore(parents, range(len(cards)))
    best, total, best_total, stale, recent = parents, 0.0, 0.0, 0, []
    for _ in range(max_iter):
        tabu = set(recent[-tabu_steps:]) if tabu_steps else set()
        move, gain = best_move(parents, gains, _reachability(parents), tabu)
        if move is None or (gain <= 1e-9 and (tabu_steps == 0 or stale >= tabu_steps)):
            break
        parents, total = _apply_move(parents, move), total + gain
        kind, i, j = move
        gains.rescore(parents, [j, i] if kind == "reverse" else [j])  # only these children's families changed
        recent.append(frozenset(move[1:]))
        if total > best_total + 1e-9:
            best, best_total, stale = parents, total, 0
        else:
            stale += 1
    return best


def _apply_move(parents: list[frozenset], move: tuple) -> list[frozenset]:
    kind, i, j = move
    parents = list(parents)
    if kind == "add":
        parents[j] = parents[j] | {i}
    else:
        parents[j] = parents[j] - {i}
        if kind == "reverse":
            parents[i] = parents[i] | {j}
    return parents


def _reachability(parents: list[frozenset]) -> np.ndarray:
    """``reach[a, b]``: a directed path a -> ... -> b exists (transitive closure)."""
    d = len(parents)
    reach = np.zeros((d, d), dtype=bool)
    for j, ps in enumerate(parents):
        for i in ps:
            reach[i, j] = True
    for k in range(d):
        reach |= reach[:, [k]] & reach[[k], :]
    return reach


def chow_liu(data, cards: np.ndarray, root: int = 0) -> list[frozenset]:
    """The maximum mutual-information spanning tree, directed away from ``root``.

    ``data`` is the discrete table or a family counter (see :class:`ArrayCounts`).
    """
    d = len(cards)
    pairs = [(i, j) for i in range(d) for j in range(i + 1, d)]
    weights = np.zeros((d, d))
    for (i, j), counts in zip(pairs, as_counts(data, cards)([(j, (i,)) for i, j in pairs])):
        weights[i, j] = _mutual_information(counts)
    tree = minimum_spanning_tree(np.triu(-(weights + 1e-12), 1)).toarray()
    adjacent = (tree != 0) | (tree.T != 0)
    parents = [frozenset() for _ in range(d)]
    seen, frontier = {root}, [root]
    while frontier:
        node = frontier.pop()
        for other in np.flatnonzero(adjacent[node]):
            if int(other) not in seen:
                parents[int(other)] = frozenset({node})
                seen.add(int(other))
                frontier.append(int(other))
    return parents


def _mutual_information(counts: np.ndarray) -> float:
    joint = counts / counts.sum()
    outer = joint.sum(axis=1, keepdims=True) * joint.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.where(joint > 0, joint * np.log(joint / outer), 0.0).sum())


def topological_order(parents: list) -> list[int]:
    """Parents before children; raises ValueError on a cycle."""
    order, placed = [], set()
    remaining = list(range(len(parents)))
    while remaining:
        ready = [v for v in remaining if set(parents[v]) <= placed]
        if not ready:
            raise ValueError("the graph has a cycle")
        order.extend(ready)
        placed.update(ready)
        remaining = [v for v in remaining if v not in placed]
    return order


# ---------------------------------------------------------------------- parameters
def conditional_table(data: np.ndarray, cards: np.ndarray, child: int, parents: tuple,
                      pseudo_count: float) -> np.ndarray:
    """P(child | parents) of shape ``(parent configurations, states)``, Dirichlet-smoothed."""
    return table_from_counts(joint_counts(data, cards, child, parents), pseudo_count)


def table_from_counts(counts: np.ndarray, pseudo_count: float) -> np.ndarray:
    """A count table (configurations x states) as P(child | parents), Dirichlet-smoothed.

    The prior of every parent configuration is ``pseudo_count`` rows spread as the child's
    marginal, so configurations never seen fall back to the marginal rather than to uniform.
    """
    marginal = counts.sum(axis=0) + 1e-3
    marginal /= marginal.sum()
    smoothed = counts + pseudo_count * marginal
    return smoothed / smoothed.sum(axis=1, keepdims=True)
