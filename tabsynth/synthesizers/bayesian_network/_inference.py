"""Exact conditional sampling on a discrete Bayesian network, by bucket elimination.

Given evidence ``E = e``, the joint factorizes as (factors of the ancestors ``A`` of ``E`` and of
``E`` itself) times (factors of every other node). The second group sums to one whatever ``A`` and
``E`` hold, so the exact posterior of ``A`` is proportional to the first group alone, and every
other node can then be sampled forward from its table as usual.

The posterior of ``A`` is sampled exactly by eliminating its variables one by one (each time
multiplying the factors that mention the variable into one table and summing it out) and then
walking the elimination order backwards: the last variable's stored table depends on nothing
left, so it is sampled first, and each earlier variable's stored table depends only on variables
already sampled. This is the forward-filtering / backward-sampling scheme of hidden Markov models,
generalized to any DAG; it is exact, and vectorized over the rows that share the same evidence.
"""

from __future__ import annotations

import numpy as np

from ...errors import ConditionError

MAX_FACTOR_SIZE = 50_000_000


def ancestors(parents: list, nodes) -> set[int]:
    """All ancestors of ``nodes`` (not the nodes themselves unless one is an ancestor of another)."""
    found, stack = set(), [p for v in nodes for p in parents[v]]
    while stack:
        v = stack.pop()
        if v not in found:
            found.add(v)
            stack.extend(parents[v])
    return found


def sample_posterior(tables: list, parents: list, cards: np.ndarray, evidence: dict, num_rows: int,
                     rng: np.random.Generator) -> dict[int, np.ndarray]:
    """Draw ``num_rows`` joint samples of the evidence's ancestors from their exact posterior.

    Parameters
    ----------
    tables : list of ndarray
        ``tables[v]`` is P(v | parents[v]) of shape ``(parent configurations, states)``, parents in
        the order of ``parents[v]``.
    parents : list of tuple of int
    cards : ndarray of int
    evidence : dict of int to int
        Observed state of each evidence variable.

    Returns
    -------
    dict of int to ndarray
        Sampled codes of every ancestor of the evidence that is not itself evidence.
    """
    return backward_sample(eliminate(tables, parents, cards, evidence), num_rows, rng)


def eliminate(tables: list, parents: list, cards: np.ndarray, evidence: dict) -> list:
    """The buckets of eliminating the evidence's ancestors (deterministic; reusable for any rows)."""
    hidden = ancestors(parents, evidence) - set(evidence)
    factors = [_reduced_factor(tables[v], parents[v], v, cards, evidence) for v in hidden | set(evidence)]
    buckets = []
    for v in _elimination_order(hidden, factors, cards):
        mentioning = [f for f in factors if v in f[0]]
        factors = [f for f in factors if v not in f[0]]
        joint = _product(mentioning, cards)
        buckets.append((v, joint))
        axis = joint[0].index(v)
        factors.append((joint[0][:axis] + joint[0][axis + 1:], joint[1].sum(axis=axis)))
    likelihood = float(np.prod([f[1] for f in factors])) if factors else 1.0
    if not likelihood > 0:
        raise ConditionError("The conditions have probability zero under the learned network; loosen them.")
    return buckets


def _reduced_factor(table: np.ndarray, family_parents, child: int, cards: np.ndarray, evidence: dict):
    """The family's table as a factor over (parents..., child), evidence axes sliced away."""
    variables = tuple(family_parents) + (child,)
    values = table.reshape([int(cards[v]) for v in variables])
    index = tuple(evidence.get(v, slice(None)) for v in variables)
    kept = tuple(v for v in variables if v not in evidence)
    return kept, values[index]


def _elimination_order(hidden: set, factors: list, cards: np.ndarray) -> list[int]:
    """Greedy min-size order: next, the variable whose bucket table is smallest."""
    scopes = [set(f[0]) for f in factors]
    order, left = [], set(hidden)
    while left:
        sizes = {v: _bucket_size(v, scopes, cards) for v in sorted(left)}
        v = min(sizes, key=sizes.get)
        if sizes[v] > MAX_FACTOR_SIZE:
            raise ConditionError(
                "These conditions would need a table of more than 50 million entries for exact inference. "
                "Condition on fewer columns, or fit with a smaller max_indegree or n_bins."
            )
        merged = set().union(*[s for s in scopes if v in s]) - {v}
        scopes = [s for s in scopes if v not in s] + [merged]
        order.append(v)
        left.remove(v)
    return order


def _bucket_size(v: int, scopes: list, cards: np.ndarray) -> float:
    union = set().union(*[s for s in scopes if v in s])
    return float(np.prod([float(cards[u]) for u in union]))


def _product(factors: list, cards: np.ndarray):
    """Product of factors over the union of their variables."""
    variables = tuple(sorted(set().union(*[f[0] for f in factors])))
    local = {v: k for k, v in enumerate(variables)}
    operands = []
    for scope, values in factors:
        operands.extend([values, [local[v] for v in scope]])
    return variables, np.einsum(*operands, list(range(len(variables))))


def backward_sample(buckets: list, num_rows: int, rng: np.random.Generator) -> dict[int, np.ndarray]:
    """Sample the eliminated variables in reverse elimination order, every row at once."""
    sampled: dict[int, np.ndarray] = {}
    for v, (scope, values) in reversed(buckets):
        others = [u for u in scope if u != v]
        table = np.moveaxis(values, scope.index(v), -1)
        if others:
            index = np.ravel_multi_index([sampled[u] for u in others], table.shape[:-1])
            probs = table.reshape(-1, table.shape[-1])[index]
        else:
            probs = np.broadcast_to(table, (num_rows, table.shape[-1]))
        sampled[v] = draw_categorical(np.cumsum(probs, axis=1), rng.random(num_rows))
    return sampled


def draw_categorical(cumulative: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw per row from unnormalized cumulative weights of shape ``(rows, states)``."""
    scaled = uniform * cumulative[:, -1]
    codes = (cumulative <= scaled[:, None]).sum(axis=1)
    return np.minimum(codes, cumulative.shape[1] - 1).astype(np.int64)
