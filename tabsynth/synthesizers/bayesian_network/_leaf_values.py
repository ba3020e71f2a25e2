"""Numbers inside their bin drawn from the training values of the same tree leaf, not of the whole bin.

The trees choose every numerical column's *bin* from the states of the columns before it; the number
inside the bin used to come from all the bin's training values, whatever the rest of the row. Within
one bin the values still depend on the other columns (a neighbourhood's longitudes, a quality grade's
prices), so such rows came out blurred at bin resolution and a detector saw it. Here a number is drawn
from the training values that share its tree leaf and its bin (a "cell"): the rows whose earlier
columns took the same path through the tree. A cell with fewer than ``MIN_CELL`` values falls back to
the whole bin, so no value is tied to a handful of rows. Stored per numerical column: its training
values sorted by cell, and the cells' offsets (the values are what ``continuous='empirical'`` stores
already, grouped differently).
"""

from __future__ import annotations

import numpy as np

from .. import _trees as trees

MIN_CELL = 20  # fewest training values in a (leaf, bin) cell for its own values (as a tree leaf: no value tied to a few rows)


def fit(values: np.ndarray, states: np.ndarray, leaves: np.ndarray, n_leaves: int, card: int,
        present: np.ndarray) -> dict:
    """The cells of one column: ``values`` sorted by cell (leaf, then bin) and each cell's ``offsets``."""
    cell = (leaves * card + states)[present]
    order = np.lexsort((values[present], cell))
    counts = np.bincount(cell, minlength=n_leaves * card)
    return {"values": values[present][order], "offsets": np.concatenate([[0], np.cumsum(counts)])}


def training_leaves(tree: dict, discrete: np.ndarray) -> np.ndarray:
    """The leaf (row of the tree's table) each training row reaches; ``discrete`` is rows x variables."""
    if len(tree["leaf"]) == 1:
        return np.zeros(len(discrete), dtype=np.int64)
    node = trees.walk(tree, trees.tree_depth(tree), discrete.T.astype(np.int64))
    return tree["leaf"][node]


def sampler(cells: dict, bins: dict, card: int) -> dict:
    """Every cell as one slice of one pool: its own values where it holds ``MIN_CELL`` or more, else its
    bin's slice of all the column's values (``bins["expanded"]``), so a draw is one gather either way."""
    offsets = np.asarray(cells["offsets"])
    size = np.diff(offsets)
    bin_of_cell = np.arange(len(size)) % card
    own = size >= MIN_CELL
    expanded = bins["expanded"]
    start = np.where(own, len(expanded) + offsets[:-1], bins["start"][bin_of_cell])
    length = np.where(own, size, bins["stop"][bin_of_cell] - bins["start"][bin_of_cell])
    small = np.int32 if len(expanded) + len(cells["values"]) < 2**31 else np.int64  # half the cache misses
    return {"pool": np.concatenate([expanded, cells["values"]]), "start": start.astype(small),
            "length": length.astype(small)}


def draw(prepared: dict, leaves: np.ndarray, states: np.ndarray, card: int, uniform: np.ndarray) -> np.ndarray:
    """Each row's number from its (leaf, bin) cell (``prepared`` by :func:`sampler`): inverse CDF of ``uniform``."""
    cell = leaves * card + states
    length = prepared["length"][cell]
    return prepared["pool"][prepared["start"][cell] + np.minimum((uniform * length).astype(length.dtype), length - 1)]


def check(cells: dict, n_leaves: int, card: int) -> None:
    """A loaded column's cells must index its values (a model file is not trusted)."""
    offsets, values = np.asarray(cells["offsets"]), np.asarray(cells["values"])
    if (len(offsets) != n_leaves * card + 1 or offsets[0] != 0 or offsets[-1] != len(values)
            or np.any(np.diff(offsets) < 0)):
        raise ValueError("the model file's in-leaf values do not match the trees and bins")
