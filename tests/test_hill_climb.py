"""The matrix hill climbing picks exactly the moves a plain scan of every (child, parent) pair picks."""

import numpy as np
import pytest

from tabsynth.synthesizers.bayesian_network import _structure as bn


def _scan(parents, cache, max_indegree, tabu):
    """The reference: every child j, every other variable i, remove before reverse; strict improvement."""
    d, reach = len(parents), bn._reachability(parents)
    best, best_gain = None, -np.inf
    for j in range(d):
        current = cache(j, parents[j])
        for i in range(d):
            if i == j or frozenset((i, j)) in tabu:
                continue
            if i in parents[j]:
                options = [("remove", cache(j, parents[j] - {i}) - current)]
                if (len(parents[i]) < max_indegree and cache.fits(i, parents[i] | {j})
                        and not any(reach[i, p] for p in parents[j] if p != i)):
                    options.append(("reverse", (cache(j, parents[j] - {i}) - current)
                                    + (cache(i, parents[i] | {j}) - cache(i, parents[i]))))
            elif len(parents[j]) < max_indegree and not reach[j, i] and cache.fits(j, parents[j] | {i}):
                options = [("add", cache(j, parents[j] | {i}) - current)]
            else:
                options = []
            for kind, gain in options:
                if gain > best_gain:
                    best, best_gain = (kind, i, j), gain
    return best, best_gain


def _reference_climb(data, cards, score, max_indegree, ess, tabu_steps):
    cache = bn.ScoreCache(bn.as_counts(data, cards), cards, score, ess)
    parents = [frozenset() for _ in cards]
    best, total, best_total, stale, recent = parents, 0.0, 0.0, 0, []
    for _ in range(1000):
        move, gain = _scan(parents, cache, max_indegree, set(recent[-tabu_steps:]) if tabu_steps else set())
        if move is None or (gain <= 1e-9 and (tabu_steps == 0 or stale >= tabu_steps)):
            break
        parents, total = bn._apply_move(parents, move), total + gain
        recent.append(frozenset(move[1:]))
        if total > best_total + 1e-9:
            best, best_total, stale = parents, total, 0
        else:
            stale += 1
    return best


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("score", "tabu_steps", "max_indegree"), [("bdeu", 0, 2), ("bic", 0, 3), ("bdeu", 4, 2)])
def test_same_network_as_a_plain_scan(seed, score, tabu_steps, max_indegree):
    rng = np.random.default_rng(seed)
    n, d = 400, 7
    cards = rng.integers(2, 5, d)
    data = np.empty((n, d), dtype=np.int64)
    for k in range(d):  # each variable a noisy function of up to two earlier ones
        base = rng.integers(0, cards[k], n)
        if k >= 2:
            parents = rng.choice(k, 2, replace=False)
            signal = (data[:, parents[0]] + 2 * data[:, parents[1]]) % cards[k]
            base = np.where(rng.random(n) < 0.7, signal, base)
        data[:, k] = base
    expected = _reference_climb(data, cards, score, max_indegree, 10.0, tabu_steps)
    got = bn.hill_climb(data, cards, score, max_indegree, 10.0, tabu_steps=tabu_steps)
    assert got == expected
    assert sum(len(p) for p in got) > 0
