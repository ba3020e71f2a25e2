"""A whole encoded table as one float matrix with an explicit layout of spans.

Each numerical column becomes a ``tanh`` span of width one (the scalar) followed by a ``softmax``
span (its one-hot mode); each categorical column (the schema's missing flags included) becomes a
``softmax`` span over its codes. Generators, decoders and losses read :attr:`TableTransformer.spans`
instead of re-deriving the layout.

Missing flags of several columns become one ``softmax`` span over the missingness patterns seen
(which columns are missing together), so a model learns joint missingness as one categorical
instead of one flag per column: Adult's ``workclass`` and ``occupation`` are missing together,
which per-column flags lose (each flag is drawn on its own given the rest of the row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...schema.codecs import MISSING_SUFFIX
from ._mode_specific import ModeSpecificNormalizer

PATTERN_COLUMN = "#missing-pattern"  # the span of the joint missingness pattern of every missing flag
MAX_PATTERNS = 64  # more distinct patterns (many columns missing independently): keep one flag per column


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
    pattern_flags_ : list of str
        The missing flags replaced by one span named ``PATTERN_COLUMN`` (empty: one span per flag).
    patterns_ : ndarray of shape (n_patterns, len(pattern_flags_))
        The missingness patterns seen in the training rows; the span's code is a row of it.
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
        self._fit_patterns(frame)
        self._build_spans()
        return self

    def _fit_patterns(self, frame: pd.DataFrame) -> None:
        flags = [name for name, kind, _ in self.columns_ if kind == "categorical" and name.endswith(MISSING_SUFFIX)]
        self.pattern_flags_, self.patterns_ = [], np.zeros((0, 0), dtype=np.int64)
        if len(flags) < 2:
            return
        patterns = np.unique(frame[flags].to_numpy(dtype=np.int64), axis=0)
        if len(patterns) <= MAX_PATTERNS:
            self.pattern_flags_, self.patterns_ = flags, patterns

    def _pattern_codes(self, frame: pd.DataFrame) -> np.ndarray:
        """Each row's missingness pattern, as its row number in ``patterns_``."""
        weights = 1 << np.arange(len(self.pattern_flags_), dtype=np.int64)
        known = self.patterns_ @ weights  # distinct, sorted: np.unique sorted the patterns lexicographically
        order = np.argsort(known)
        keys = frame[self.pattern_flags_].to_numpy(dtype=np.int64) @ weights
        position = np.searchsorted(known[order], keys).clip(0, len(known) - 1)
        if not np.array_equal(known[order][position], keys):
            raise ValueError("rows with a missingness pattern the transformer was not fitted on")
        return order[position]

    def pattern_code(self, conditions: dict) -> int | None:
        """The pattern the missing-flag ``conditions`` (encoded column -> code) pin down, if exactly one."""
        named = [(j, int(conditions[f])) for j, f in enumerate(self.pattern_flags_) if f in conditions]
        if not named:
            return None
        fits = np.flatnonzero(np.all([self.patterns_[:, j] == v for j, v in named], axis=0))
        return int(fits[0]) if len(fits) == 1 else None

    def category_codes(self, frame: pd.DataFrame) -> list[np.ndarray]:
        """The codes of every span of :attr:`category_spans`, in order (the pattern span's computed)."""
        return [self._pattern_codes(frame) if s.column == PATTERN_COLUMN else frame[s.column].to_numpy(dtype=np.int64)
                for s in self.category_spans]

    def _build_spans(self) -> None:
        spans, start = [], 0
        for name, kind, cardinality in self.columns_:
            if name in self.pattern_flags_:
                if name == self.pattern_flags_[0]:  # the pattern span sits where the first flag would
                    spans.append(Span(start, len(self.patterns_), "softmax", PATTERN_COLUMN, "category"))
                    start += len(self.patterns_)
            elif kind == "numerical":
                modes = self.normalizers_[name].n_modes
                spans += [Span(start, 1, "tanh", name, "scalar"), Span(start + 1, modes, "softmax", name, "mode")]
                start += 1 + modes
            else:
                spans.append(Span(start, cardinality, "softmax", name, "category"))
                start += cardinality
        self.spans = spans
        self.output_dim = start

    def atom_columns(self) -> np.ndarray:
        """Shape (output_dim, number of scalars): 1 where a column is an atom mode of that scalar's
        numerical column. ``matrix @ atom_columns()`` is 1 where a row's scalar means nothing (the
        value is exactly its atom)."""
        scalars = [s for s in self.spans if s.kind == "scalar"]
        out = np.zeros((self.output_dim, len(scalars)), dtype=np.float32)
        for j, span in enumerate(scalars):
            atoms = getattr(self.normalizers_[span.column], "n_atoms_", 0)
            out[span.stop:span.stop + atoms, j] = 1.0  # the mode span follows its scalar, atoms first
        return out

    @property
    def category_spans(self) -> list[Span]:
        """The spans of categorical columns (the ones a conditional vector can name)."""
        return [s for s in self.spans if s.kind == "category"]

    def encode(self, frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        """The float32 matrix of ``frame`` (modes drawn from each value's posterior with ``rng``)."""
        out = np.zeros((len(frame), self.output_dim), dtype=np.float32)
        rows = np.arange(len(frame))
        for span in self.spans:
            if span.kind == "scalar":
                scalars, modes = self.normalizers_[span.column].encode(frame[span.column].to_numpy(), rng)
                out[:, span.start] = scalars
                out[rows, span.stop + modes] = 1.0
        for span, codes in zip(self.category_spans, self.category_codes(frame)):
            out[rows, span.start + codes] = 1.0
        return out

    def decode_matrix(self, matrix: np.ndarray) -> pd.DataFrame:
        """Encoded columns from a matrix (scalars as they are, each softmax span by its argmax)."""
        matrix = np.asarray(matrix)
        per_span = [matrix[:, s.start] if s.kind == "scalar" else matrix[:, s.start:s.stop].argmax(axis=1)
                    for s in self.spans]
        return pd.DataFrame(self.decode(per_span))

    def decode(self, per_span: list) -> dict[str, np.ndarray]:
        """Encoded columns (name -> array) from one array per span, in span order: the scalar of a
        ``tanh`` span, the chosen code of a ``softmax`` span."""
        chosen = {(span.column, span.kind): values for span, values in zip(self.spans, per_span)}
        columns = {}
        if self.pattern_flags_:
            flags = self.patterns_[chosen[(PATTERN_COLUMN, "category")]]
            columns.update({name: flags[:, j] for j, name in enumerate(self.pattern_flags_)})
        for name, kind, _ in self.columns_:
            if name in columns:
                continue
            if kind == "numerical":
                normalizer = self.normalizers_[name]
                columns[name] = normalizer.decode(chosen[(name, "scalar")], chosen[(name, "mode")])
            else:
                columns[name] = chosen[(name, "category")].astype(np.int64)
        return columns

    def to_state(self) -> dict:
        return {
            "params": [self.max_modes, self.weight_threshold, self.max_fit_rows],
            "columns": [list(c) for c in self.columns_],
            "normalizers": {name: n.to_state() for name, n in self.normalizers_.items()},
            "pattern_flags": list(self.pattern_flags_), "patterns": self.patterns_,
        }

    @classmethod
    def from_state(cls, state: dict) -> TableTransformer:
        transformer = cls(*state["params"])
        transformer.columns_ = [(str(n), str(k), int(c)) for n, k, c in state["columns"]]
        transformer.normalizers_ = {name: ModeSpecificNormalizer.from_state(s)
                                    for name, s in state["normalizers"].items()}
        # model files written before missingness patterns keep one span per flag
        transformer.pattern_flags_ = [str(n) for n in state.get("pattern_flags", [])]
        transformer.patterns_ = np.asarray(state.get("patterns", np.zeros((0, 0))), dtype=np.int64)
        transformer._build_spans()
        return transformer
