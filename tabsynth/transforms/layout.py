"""A whole encoded table as one float matrix with an explicit layout of spans.

Each numerical column becomes a ``tanh`` span of width one (the scalar) followed by a ``softmax``
span (its one-hot mode); each categorical column (the schema's missing flags included) becomes a
``softmax`` span over its codes. Generators, decoders and losses read :attr:`TableTransformer.spans`
instead of re-deriving the layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .mode_specific import ModeSpecificNormalizer


@dataclass(frozen=True)
class Span:
    """A block of consecutive output columns.

    Attributes
    ----------
    start, width : int
        Position and width in the transformed matrix.
    activation : str
        ``"tanh"`` (a normalized scalar) or ``"softmax"`` (a one-hot block).
    column : str
        The encoded column the span belongs to.
    kind : str
        ``"scalar"``, ``"mode"`` (a numerical column's mode) or ``"category"`` (a categorical's codes).
    """

    start: int
    width: int
    activation: str
    column: str
    kind: str

    @property
    def stop(self) -> int:
        return self.start + self.width


class TableTransformer:
    """Mode-specific normalization of numericals and one-hot categoricals.

    Parameters
    ----------
    max_modes : int, default 10
    weight_threshold : float, default 0.005
    max_fit_rows : int, default 2000
        See :class:`ModeSpecificNormalizer`.

    Attributes
    ----------
    spans : list of Span
        The layout of the transformed matrix.
    output_dim : int
        Its width.
    """

    def __init__(self, max_modes: int = 10, weight_threshold: float = 0.005, max_fit_rows: int = 2000):
        self.max_modes = max_modes
        self.weight_threshold = weight_threshold
        self.max_fit_rows = max_fit_rows

    def fit(self, frame: pd.DataFrame, columns, rng: np.random.Generator) -> TableTransformer:
        """Fit one normalizer per numerical column of ``frame`` (``columns``: the schema's EncodedColumn list)."""
        self.columns_ = [(c.name, c.kind, int(c.cardinality)) for c in columns]
        self.normalizers_ = {}
        for name, kind, _ in self.columns_:
            if kind == "numerical":
                normalizer = ModeSpecificNormalizer(self.max_modes, self.weight_threshold, self.max_fit_rows)
                self.normalizers_[name] = normalizer.fit(frame[name].to_numpy(dtype=float), rng)
        self._build_spans()
        return self

    def _build_spans(self) -> None:
        spans, start = [], 0
        for name, kind, cardinality in self.columns_:
            if kind == "numerical":
                modes = self.normalizers_[name].n_modes
                spans += [Span(start, 1, "tanh", name, "scalar"), Span(start + 1, modes, "softmax", name, "mode")]
                start += 1 + modes
            else:
                spans.append(Span(start, cardinality, "softmax", name, "category"))
                start += cardinality
        self.spans = spans
        self.output_dim = start

    @property
    def category_spans(self) -> list[Span]:
        """The spans of categorical columns (the ones a conditional vector can name)."""
        return [s for s in self.spans if s.kind == "category"]

    def transform(self, frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        """The float32 matrix of ``frame`` (modes drawn from each value's posterior with ``rng``)."""
        out = np.zeros((len(frame), self.output_dim), dtype=np.float32)
        rows = np.arange(len(frame))
        for span in self.spans:
            values = frame[span.column].to_numpy()
            if span.kind == "scalar":
                scalars, modes = self.normalizers_[span.column].transform(values, rng)
                out[:, span.start] = scalars
                out[rows, span.stop + modes] = 1.0
            elif span.kind == "category":
                out[rows, span.start + values.astype(np.int64)] = 1.0
        return out

    def inverse_transform(self, matrix: np.ndarray) -> pd.DataFrame:
        """Encoded columns from a matrix (scalars as they are, each softmax span by its argmax)."""
        matrix = np.asarray(matrix)
        chosen = {}
        for span in self.spans:
            block = matrix[:, span.start:span.stop]
            chosen[(span.column, span.kind)] = block[:, 0] if span.kind == "scalar" else block.argmax(axis=1)
        columns = {}
        for name, kind, _ in self.columns_:
            if kind == "numerical":
                normalizer = self.normalizers_[name]
                columns[name] = normalizer.inverse_transform(chosen[(name, "scalar")], chosen[(name, "mode")])
            else:
                columns[name] = chosen[(name, "category")].astype(np.int64)
        return pd.DataFrame(columns)

    def to_state(self) -> dict:
        return {
            "params": [self.max_modes, self.weight_threshold, self.max_fit_rows],
            "columns": [list(c) for c in self.columns_],
            "normalizers": {name: n.to_state() for name, n in self.normalizers_.items()},
        }

    @classmethod
    def from_state(cls, state: dict) -> TableTransformer:
        transformer = cls(*state["params"])
        transformer.columns_ = [(str(n), str(k), int(c)) for n, k, c in state["columns"]]
        transformer.normalizers_ = {name: ModeSpecificNormalizer.from_state(s)
                                    for name, s in state["normalizers"].items()}
        transformer._build_spans()
        return transformer
