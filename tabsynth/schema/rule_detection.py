"""Find the rules that hold in every real row: inequalities, fixed combinations, one-hot groups, fixed increments.

A rule that holds in every row is proposed only when it would be unlikely to hold by chance: its
*chance* is the probability that it holds in every row if its columns were independent draws from
their own marginals (e.g. ``P(a <= b)`` per row, to the power of the rows). Rules whose chance is
above ``10 ** MAX_LOG10_CHANCE`` say nothing the columns' ranges do not already say and are left
out; the rest are ranked by it, most telling first. The kept list is consistent: a column is in at
most one combination rule and never in a combination rule and a numeric one (the stronger wins).
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from ..validation import check_table
from .constraints import Constraint, FixedCombinations, FixedIncrements, Inequality, OneHot, _values
from .metadata import Metadata

MAX_LOG10_CHANCE = -4.0
"""A rule is proposed when holding in every row by chance has probability at most 1 in 10,000."""
MIN_ROWS = 20
"""Rows (with the rule's columns present) below which nothing is proposed."""
MAX_COMBINATION_VALUES = 50
"""The poorer column of a fixed combination has at most this many distinct values (numerical ones: both)."""
NEAR_FUNCTIONAL = 1.1
"""Seen pairs per value of the richer column, at most, for a fixed combination."""
MIN_INCREMENT_VALUES = 5
"""Distinct values a column needs before a fixed increment is proposed for it."""
MAX_DECIMALS = 6


@dataclass(frozen=True)
class Finding:
    """One rule found on the data, with the rows it was checked on and its log10 chance of holding by luck."""

    rule: Constraint
    kind: str
    rows: int
    log10_chance: float


def detect_constraints(data: pd.DataFrame, metadata=None, *, details: bool = False):
    """The rules that hold in every row of ``data``, ranked, ready to pass as ``constraints=``.

    Parameters
    ----------
    data : pandas.DataFrame
        The real table.
    metadata : Metadata or dict, optional
        Sdtypes; detected when omitted. Inequalities are looked for between numerical columns and
        between datetime columns; fixed combinations between categorical, boolean and numerical
        columns with few values where one column determines the other (a city its country); one-hot
        groups among 0/1 columns; fixed increments in numerical columns (prices in steps of 5).
    details : bool, default False
        Return a DataFrame (``constraint``, ``kind``, ``rows``, ``log10_chance``, ``kept``) of every
        rule found, including those left out because they clash with a stronger one.

    Returns
    -------
    list of Constraint, or pandas.DataFrame when ``details``
    """
    check_table(data)
    metadata = Metadata.coerce(copy.deepcopy(metadata), data)
    found = [*_inequalities(data, metadata), *_combinations(data, metadata), *_one_hot_groups(data, metadata),
             *_increments(data, metadata)]
    found = sorted((f for f in found if f.log10_chance <= MAX_LOG10_CHANCE), key=lambda f: f.log10_chance)
    kept = _consistent(found)
    if not details:
        return [f.rule for f, keep in zip(found, kept) if keep]
    return pd.DataFrame({"constraint": [f.rule for f in found], "kind": [f.kind for f in found],
                         "rows": [f.rows for f in found], "log10_chance": [f.log10_chance for f in found],
                         "kept": kept})


def _consistent(found: list[Finding]) -> list[bool]:
    """Keep rules in rank order unless a column would be in two combinations or in a combination and a number rule."""
    combined: set[str] = set()
    numeric: set[str] = set()
    kept = []
    for finding in found:
        columns = set(finding.rule.columns)
        is_group = isinstance(finding.rule, (FixedCombinations, OneHot))
        clash = columns & (combined | numeric) if is_group else columns & combined
        kept.append(not clash)
        if not clash:
            (combined if is_group else numeric).update(columns)
    return kept


def _ordered_columns(data: pd.DataFrame, metadata: Metadata) -> list[tuple[str, np.ndarray]]:
    columns = []
    for name in data.columns:
        if metadata.sdtype(name) in ("numerical", "datetime"):
            values = _values(data, name)
            present = values[~np.isnan(values)]
            if len(present) >= MIN_ROWS and present.min() < present.max():
                columns.append((name, values))
    return columns


def _inequalities(data: pd.DataFrame, metadata: Metadata) -> list[Finding]:
    """``low <= high`` for every ordered pair of like columns where it always holds, implied ones left out."""
    columns = _ordered_columns(data, metadata)
    holding = {}
    for (a, va), (b, vb) in itertools.permutations(columns, 2):
        if metadata.sdtype(a) != metadata.sdtype(b):
            continue
        both = ~(np.isnan(va) | np.isnan(vb))
        low, high = va[both], vb[both]
        if len(low) < MIN_ROWS or not (low <= high).all() or (low == high).all():
            continue
        holding[a, b] = _inequality_finding(a, b, low, high)
    implied = {(a, c) for (a, b) in holding for (b2, c) in holding if b == b2 and (a, c) in holding}
    return [f for pair, f in holding.items() if pair not in implied]


def _inequality_finding(a: str, b: str, low: np.ndarray, high: np.ndarray) -> Finding:
    n = len(low)
    sorted_high = np.sort(high)
    below = np.searchsorted(sorted_high, low, side="left")  # highs under each low: broken pairs
    ties = np.searchsorted(sorted_high, low, side="right") - below
    broken_share = below.sum() / n / n
    chance = n * np.log10(1.0 - broken_share) if broken_share < 1 else -np.inf
    # strict when ties never happen although independent columns would tie often
    strict = bool((low < high).all() and ties.sum() / n >= 5)
    return Finding(Inequality(a, b, strict=strict), "inequality", n, float(chance))


def _combination_candidates(data: pd.DataFrame, metadata: Metadata) -> list[str]:
    names = []
    for name in data.columns:
        sdtype = metadata.sdtype(name)
        distinct = data[name].nunique(dropna=True)
        if 2 <= distinct <= len(data) / 2 and (sdtype in ("categorical", "boolean") or (
                sdtype == "numerical" and distinct <= MAX_COMBINATION_VALUES)):
            names.append(name)
    return names


def _combinations(data: pd.DataFrame, metadata: Metadata) -> list[Finding]:
    """``FixedCombinations([a, b])`` where (nearly) each value of one column comes with one value of the other.

    Near-functional: the pairs seen are at most ``NEAR_FUNCTIONAL`` times the values of the richer
    column (a tail number flies for one airline, a few for two), the poorer one has at most
    ``MAX_COMBINATION_VALUES`` values. Chance: the share of rows that would land on a seen pair if
    the columns were independent, to the power of the rows.
    """
    names = _combination_candidates(data, metadata)
    codes = {name: pd.factorize(data[name])[0] for name in names}
    findings = []
    for a, b in itertools.combinations(names, 2):
        both = (codes[a] >= 0) & (codes[b] >= 0)
        ca, cb = codes[a][both], codes[b][both]
        if len(ca) < MIN_ROWS:
            continue
        counts_a, counts_b = np.bincount(ca), np.bincount(cb)
        distinct = sorted((np.count_nonzero(counts_a), np.count_nonzero(counts_b)))
        if distinct[0] < 2 or distinct[0] > MAX_COMBINATION_VALUES:
            continue
        pairs = np.unique(ca.astype(np.int64) * len(counts_b) + cb)
        if len(pairs) > NEAR_FUNCTIONAL * distinct[1]:
            continue
        covered = np.sum(counts_a[pairs // len(counts_b)] * counts_b[pairs % len(counts_b)]) / len(ca) ** 2
        findings.append(Finding(FixedCombinations([a, b]), "fixed_combinations", len(ca),
                                float(len(ca) * np.log10(max(covered, 1e-300)))))
    return findings


def _binary_columns(data: pd.DataFrame, metadata: Metadata) -> dict[str, np.ndarray]:
    binary = {}
    for name in data.columns:
        if metadata.sdtype(name) not in ("numerical", "boolean"):
            continue
        values = _values(data, name) if metadata.sdtype(name) == "numerical" else (
            data[name].map({True: 1.0, False: 0.0}).to_numpy(dtype=float, na_value=np.nan))
        present = values[~np.isnan(values)]
        if len(present) >= MIN_ROWS and set(np.unique(present)) == {0.0, 1.0}:
            binary[name] = values
    return binary


def _one_hot_groups(data: pd.DataFrame, metadata: Metadata) -> list[Finding]:
    """Groups of 0/1 columns with exactly one 1 in every row: maximal sets of columns that are never 1 together."""
    binary = _binary_columns(data, metadata)
    names = list(binary)
    if len(names) < 2:
        return []
    ones = np.column_stack([np.nan_to_num(binary[n]) for n in names])
    together = ones.T @ ones
    never = nx.Graph()
    never.add_nodes_from(range(len(names)))
    never.add_edges_from((i, j) for i, j in itertools.combinations(range(len(names)), 2) if together[i, j] == 0)
    findings = []
    for clique in nx.find_cliques(never):
        if len(clique) < 2:
            continue
        clique = sorted(clique)
        group = np.column_stack([binary[names[i]] for i in clique])
        present = group[~np.isnan(group).any(axis=1)]
        if len(present) < MIN_ROWS or not (present.sum(axis=1) == 1).all():
            continue
        share = present.mean(axis=0)
        exactly_one = sum(share[i] * np.prod(np.delete(1 - share, i)) for i in range(len(share)))
        chance = len(present) * np.log10(max(exactly_one, 1e-300))
        findings.append(Finding(OneHot([names[i] for i in clique]), "one_hot", len(present), float(chance)))
    return findings


def _increments(data: pd.DataFrame, metadata: Metadata) -> list[Finding]:
    """``FixedIncrements(column, step)`` where every value is a multiple of a step coarser than its decimals."""
    findings = []
    for name in data.columns:
        if metadata.sdtype(name) != "numerical":
            continue
        values = _values(data, name)
        distinct = np.unique(values[~np.isnan(values)])
        if len(distinct) < MIN_INCREMENT_VALUES:
            continue
        scaled = _as_integers(distinct)
        if scaled is None:
            continue
        units, decimals = scaled
        step = int(np.gcd.reduce(units))
        if step > 1:
            chance = len(distinct) * np.log10(1.0 / step)
            increment = step / 10 ** decimals if decimals else step
            findings.append(Finding(FixedIncrements(name, increment), "fixed_increments",
                                    int((~np.isnan(values)).sum()), float(chance)))
    return findings


def _as_integers(values: np.ndarray) -> tuple[np.ndarray, int] | None:
    """The values as whole numbers of their finest decimal, with that decimal; None beyond MAX_DECIMALS."""
    for decimals in range(MAX_DECIMALS + 1):
        scaled = values * 10.0 ** decimals
        if np.abs(scaled).max() >= 2.0 ** 53:
            return None
        rounded = np.round(scaled)
        if np.all(np.abs(scaled - rounded) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            return rounded.astype(np.int64), decimals
    return None
