"""Tree conditionals for the chain: each step's state given the whole history summarized, not k parents.

A backoff table carries a few parents (the last steps, a context column); what persists over a
sequence (its level, its usual step, where it started) is lost after ``order`` steps. Here each
variable gets a classification tree (scikit-learn's CART, leaves of at least ``min_samples_leaf``
rows, synthpop's idea applied per step) on every candidate feature at once: the last states of
every column, the context and calendar codes, the step position, and the entity's memory (per
number, the mean of its states so far and its first level state). A leaf keeps the smoothed
distribution of the states among its training rows, so a sampled step draws a state, never a
stored row. Trees are plain arrays (:mod:`tabsynth.synthesizers._trees`, shared with the network).
"""

from __future__ import annotations

import numpy as np

from .._trees import fit_tree, tree_depth, walk

MISSING_FEATURE = -1.0  # a memory that does not exist yet (the first step) is below every code


class StepTree:
    """P(state | features) as a tree over named feature arrays."""

    def __init__(self, num_states: int, features: list[str], min_samples_leaf: int, pseudo_count: float):
        self.num_states = num_states
        self.features = features
        self.min_samples_leaf = min_samples_leaf
        self.pseudo_count = pseudo_count

    def fit(self, target: np.ndarray, features, rng: np.random.Generator) -> StepTree:
        columns = [np.asarray(features[name], dtype=np.float64) for name in self.features]
        matrix = np.column_stack([*columns, target]) if columns else target[:, None]
        cards = np.full(matrix.shape[1], self.num_states, dtype=np.int64)
        self.tree = fit_tree(matrix, cards, matrix.shape[1] - 1, list(range(len(columns))),
                             self.min_samples_leaf, self.pseudo_count, rng)
        self.depth = tree_depth(self.tree)
        self._cumulative = None
        return self

    @property
    def parents(self) -> list[str]:
        """The features the tree splits on, in order of first use from the root (its parents)."""
        used = self.tree["feature"][self.tree["leaf"] < 0]
        return [self.features[i] for i in dict.fromkeys(used.tolist())]

    def _leaves(self, features, size: int) -> np.ndarray:
        codes = np.vstack([np.asarray(features[name], dtype=np.float32) for name in self.features]
                          ).astype(np.float64) if self.features else np.zeros((1, size))
        return self.tree["leaf"][walk(self.tree, self.depth, codes)]

    def predict(self, features, size: int) -> np.ndarray:
        """Distributions of shape (size, num_states): the leaf each row falls in."""
        return self.tree["table"][self._leaves(features, size)]

    def draw(self, features, size: int, rng: np.random.Generator) -> np.ndarray:
        leaf = self._leaves(features, size)
        if self._cumulative is None:
            self._cumulative = np.cumsum(self.tree["table"], axis=1)
        cumulative = self._cumulative[leaf]
        u = rng.random(size) * cumulative[:, -1]
        return np.minimum((cumulative < u[:, None]).sum(axis=1), self.num_states - 1)

    def to_state(self) -> dict:
        return {"num_states": self.num_states, "features": list(self.features),
                "min_samples_leaf": self.min_samples_leaf, "pseudo_count": self.pseudo_count,
                "tree": dict(self.tree)}

    @classmethod
    def from_state(cls, state: dict) -> StepTree:
        model = cls(int(state["num_states"]), [str(f) for f in state["features"]],
                    int(state["min_samples_leaf"]), float(state["pseudo_count"]))
        model.tree = {k: np.asarray(v) for k, v in state["tree"].items()}
        model.depth, model._cumulative = tree_depth(model.tree), None
        return model
