"""Tree conditionals (the Bayesian network's, and the Markov chain's steps): a variable given many others.

A table P(v | parents) carries only a few parents; the variable a downstream model predicts (Adult's
``income``) depends on more than that. Here each variable, visited in the network's topological
order, gets a classification tree (scikit-learn's CART, leaves of at least ``min_samples_leaf``
rows) on the codes of every variable before it, the idea of synthpop's CART method (Nowok, Raab &
Dibben 2016). A leaf keeps the Dirichlet-smoothed distribution of the variable's states among its
training rows, so a synthetic row draws a state from the leaf it falls in, never a stored row.

A fitted tree is kept as plain arrays (``left``, ``right``, ``feature``, ``threshold``, ``leaf`` and
the leaf ``table``): model files hold numbers only, and sampling walks every row through the tree
at once, one level per step (a leaf points to itself, so rows that arrive early just wait). Where
scikit-learn's compiled tree class accepts the arrays, :func:`compile_tree` rebuilds one from them
(from numbers only: nothing is unpickled) and rows are walked by its ``apply``, many times faster on
the 4,096-row sampling blocks; :func:`leaf_index` is the pure-numpy walk it must agree with.
"""

from __future__ import annotations

import warnings

import numpy as np

_SEED_BOUND = 2**31 - 1


def fit_tree(discrete: np.ndarray, cards: np.ndarray, child: int, predictors: list[int],
             min_samples_leaf: int, pseudo_count: float, rng: np.random.Generator) -> dict:
    """Fit the tree of ``child`` on ``predictors`` and return it as arrays.

    Parameters
    ----------
    discrete : ndarray of int, shape (n_rows, n_vars)
        State codes of every variable.
    cards : ndarray of int
        Number of states of every variable.
    child : int
        The variable predicted.
    predictors : list of int
        The variables it may split on (codes compared as ordered numbers).
    min_samples_leaf : int
        Fewest training rows in a leaf.
    pseudo_count : float
        Dirichlet prior of every leaf, in rows, spread as the child's marginal.
    rng : numpy.random.Generator
        Seeds the tree's tie-breaking between equally good splits.

    Returns
    -------
    dict
        ``left``, ``right``, ``feature`` (variable index), ``threshold`` and ``leaf`` (row of
        ``table``, -1 for a split) per node, and ``table`` of shape ``(leaves, states)``.
    """
    from sklearn.tree import DecisionTreeClassifier

    target = discrete[:, child].astype(np.int64)  # codes (a float matrix may carry them)
    if not predictors or len(np.unique(target)) < 2:
        return _single_leaf(target, int(cards[child]), pseudo_count)
    features = discrete[:, predictors].astype(np.float32)
    model = DecisionTreeClassifier(min_samples_leaf=min_samples_leaf,
                                   random_state=int(rng.integers(_SEED_BOUND)))
    with warnings.catch_warnings():  # bin codes are classes on purpose, however many there are
        warnings.filterwarnings("ignore", message="The number of unique classes", category=UserWarning)
        model.fit(features, target)
    tree = model.tree_
    is_leaf = tree.children_left < 0
    nodes = np.arange(tree.node_count)
    leaf = np.where(is_leaf, np.cumsum(is_leaf) - 1, -1)
    counts = _leaf_counts(leaf[model.apply(features)], target, int(is_leaf.sum()), int(cards[child]))
    return {"left": np.where(is_leaf, nodes, tree.children_left).astype(np.int64),
            "right": np.where(is_leaf, nodes, tree.children_right).astype(np.int64),
            "feature": np.where(is_leaf, predictors[0], np.asarray(predictors)[np.maximum(tree.feature, 0)]
                                ).astype(np.int64),
            "threshold": np.where(is_leaf, np.inf, tree.threshold),
            "leaf": leaf.astype(np.int64), "table": _smooth(counts, pseudo_count)}


def _single_leaf(target: np.ndarray, card: int, pseudo_count: float) -> dict:
    counts = np.bincount(target, minlength=card)[None, :].astype(float)
    return {"left": np.zeros(1, dtype=np.int64), "right": np.zeros(1, dtype=np.int64),
            "feature": np.zeros(1, dtype=np.int64), "threshold": np.array([np.inf]),
            "leaf": np.zeros(1, dtype=np.int64), "table": _smooth(counts, pseudo_count)}


def _leaf_counts(leaf_of_row: np.ndarray, target: np.ndarray, n_leaves: int, card: int) -> np.ndarray:
    return np.bincount(leaf_of_row * card + target, minlength=n_leaves * card).reshape(n_leaves, card).astype(float)


def _smooth(counts: np.ndarray, pseudo_count: float) -> np.ndarray:
    marginal = counts.sum(axis=0) + 1e-3
    marginal /= marginal.sum()
    smoothed = counts + pseudo_count * marginal
    return smoothed / smoothed.sum(axis=1, keepdims=True)


def tree_depth(tree: dict) -> int:
    """Number of splits on the longest root-to-leaf path."""
    depth = np.zeros(len(tree["left"]), dtype=np.int64)
    for node in range(len(depth)):  # sklearn numbers children after their parent
        if tree["leaf"][node] < 0:
            depth[tree["left"][node]] = depth[tree["right"][node]] = depth[node] + 1
    return int(depth.max())


def leaf_index(tree: dict, depth: int, codes: np.ndarray) -> np.ndarray:
    """The leaf (row of ``tree['table']``) each row falls in; ``codes`` has one row per variable."""
    return tree["leaf"][walk(tree, depth, codes)]


def walk(tree: dict, depth: int, codes: np.ndarray) -> np.ndarray:
    """The leaf node each row (column of ``codes``) reaches.

    Rows move down one level per step, all at once; rows that reach a leaf leave the working set,
    so the work is the rows' mean depth, not the deepest leaf's.
    """
    n = codes.shape[1]
    flat = codes.ravel()
    is_leaf = tree["leaf"] >= 0
    node = np.zeros(n, dtype=np.int64)
    rows, current = np.arange(n), node.copy()
    for _ in range(depth):
        go_left = flat[tree["feature"][current] * n + rows] <= tree["threshold"][current]
        current = np.where(go_left, tree["left"][current], tree["right"][current])
        arrived = is_leaf[current]
        if arrived.any():
            node[rows[arrived]] = current[arrived]
            rows, current = rows[~arrived], current[~arrived]
            if not len(rows):
                break
    return node


def compile_tree(tree: dict, n_vars: int):
    """scikit-learn's compiled ``Tree`` rebuilt from the arrays, or None where that is not possible.

    Its ``apply`` on the float32 codes (rows x variables) gives the same nodes as :func:`leaf_index`.
    The rebuild goes through the (private) state scikit-learn restores trees from; any version whose
    layout differs makes this return None, and sampling takes the numpy walk instead.
    """
    try:
        from sklearn.tree._tree import NODE_DTYPE, Tree

        is_leaf = tree["leaf"] >= 0
        nodes = np.zeros(len(is_leaf), dtype=NODE_DTYPE)
        nodes["left_child"] = np.where(is_leaf, -1, tree["left"])
        nodes["right_child"] = np.where(is_leaf, -1, tree["right"])
        nodes["feature"] = np.where(is_leaf, -2, tree["feature"])
        nodes["threshold"] = np.where(is_leaf, -2.0, tree["threshold"])
        nodes["n_node_samples"] = nodes["weighted_n_node_samples"] = 1
        compiled = Tree(n_vars, np.array([1], dtype=np.intp), 1)
        compiled.__setstate__({"max_depth": tree_depth(tree), "node_count": len(nodes), "nodes": nodes,
                               "values": np.zeros((len(nodes), 1, 1))})
        probe = np.zeros((1, n_vars), dtype=np.float32)
        if compiled.apply(probe)[0] != walk(tree, tree_depth(tree), probe.T.astype(np.int64))[0]:
            return None
        return compiled
    except Exception:  # noqa: BLE001 - any incompatibility means: use the numpy walk
        return None


def check_tree(tree: dict, allowed_features, card: int) -> None:
    """Raise ValueError unless the arrays form a tree that sampling can walk safely.

    Children come after their parent (so every walk ends), splits use only ``allowed_features``
    (the variables sampled before this one) and every leaf has a row in the table.
    """
    n = len(tree["left"])
    for key in ("right", "feature", "threshold", "leaf"):
        if len(tree[key]) != n:
            raise ValueError(f"tree array {key!r} has length {len(tree[key])}, expected {n}")
    split = np.flatnonzero(tree["leaf"] < 0)
    for key in ("left", "right"):
        if np.any(tree[key][split] <= split) or np.any(tree[key] >= n):
            raise ValueError(f"tree array {key!r} does not point to later nodes")
    if not np.isin(tree["feature"][split], list(allowed_features)).all():
        raise ValueError("a tree splits on a variable that is not sampled before it")
    table = tree["table"]
    if table.ndim != 2 or table.shape[1] != card or tree["leaf"].min() < -1 or tree["leaf"].max() >= len(table):
        raise ValueError("the tree's leaf table does not match its variable")


class LeafSampler:
    """Inverse-CDF draws from the rows of a table, sped up by a guide table.

    ``guide[row, g]`` is the first state whose cumulative probability exceeds ``g / cells``; a draw
    ``u`` starts there and steps forward while the cumulative probability is at most ``u`` (rarely
    more than one step), which gives exactly the inverse-CDF state without a binary search. A
    two-state table is one comparison.

    Parameters
    ----------
    table : ndarray of shape (rows, states)
        Probabilities (each row sums to one up to rounding).
    row_of : ndarray of int, optional
        Maps the indices given to :meth:`draw` to table rows (e.g. tree node to leaf; entries
        that are never drawn may be anything); the identity when omitted.
    """

    def __init__(self, table: np.ndarray, row_of: np.ndarray | None = None, cells_per_state: int = 4):
        if row_of is not None:
            table = table[np.clip(row_of, 0, len(table) - 1)]
        cumulative = np.cumsum(table, axis=1)
        cumulative /= cumulative[:, -1:]
        cumulative[:, -1] = 1.0
        rows, self.card = cumulative.shape
        self.first = np.ascontiguousarray(cumulative[:, 0])
        self.cells = cells_per_state * self.card
        grid = np.arange(self.cells) / self.cells
        start = np.stack([np.searchsorted(c, grid, side="right") for c in cumulative])
        # flat positions (row * states + state), so a draw needs no per-row offset arithmetic
        self.guide = (start + self.card * np.arange(rows)[:, None]).ravel().astype(np.int64)
        self.cumulative = cumulative.ravel()
        self.state = np.tile(np.arange(self.card, dtype=np.int64), rows)

    def draw(self, row: np.ndarray, uniform: np.ndarray) -> np.ndarray:
        """The state drawn for each (row index, uniform number) pair."""
        if self.card <= 2:
            return (uniform >= self.first[row]).astype(np.int64) if self.card == 2 else np.zeros_like(row)
        position = self.guide[row * self.cells + (uniform * self.cells).astype(np.int64)]
        step = self.cumulative[position] <= uniform
        while step.any():
            position += step
            step = self.cumulative[position] <= uniform
        return self.state[position]
