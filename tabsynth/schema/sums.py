"""Columns that are sums of other columns: the model learns the remainder, the schema adds the parts.

A house's living area is its first floor plus its second floor; a state's public capital is its
highways plus water plus utilities. A model that draws each of those numbers inside its own bin
blurs the sum (on ames, 2 % of the Bayesian network's rows kept ``Gr_Liv_Area = First_Flr_SF +
Second_Flr_SF``, against 98 % of the real rows), and a detector sees that at once. Here such a
target column is encoded as its *remainder* ``target - sum(parts)`` (zero in most rows, a missing
part counting as zero), so every model learns a column that is mostly one value, and decoding adds
the decoded parts back: the sum holds exactly wherever it held in the data, and the rare rows
where it did not keep their own remainder.

Found by :func:`detect_sums`: sums of two or three other numerical columns that hold, to the
columns' rounding, in at least ``MIN_SHARE`` of the rows where the target is not zero, every part
contributing (non-zero in at least ``MIN_PART_SHARE`` of those rows), so that ``0 = 0 + 0`` and a
mere copy of one column count for nothing; the target takes at least ``MIN_DISTINCT`` values (small
counts such as bathrooms add up by coincidence).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConditionError
from .codecs import Codec, NumericalCodec, _decimals, dtype_from_state, dtype_to_state, restore_dtype

MIN_SHARE = 0.9
MIN_PART_SHARE = 0.05
MIN_ROWS = 50
MIN_DISTINCT = 20  # small counts (bathrooms, flags) add up by coincidence: a sum target is a measurement
SCREEN_ROWS = 64  # candidate sums are screened on this many informative rows before the full check
MAX_TRIPLE_COLUMNS = 60  # wider tables look for sums of two parts only (the triples grow cubically)


class SumCodec(Codec):
    """A column written as an arithmetic combination of ``parts`` (decoded first) and a learned remainder:
    ``sum(weights * parts)`` (``operation="sum"``, weights 1 unless a unit factor was found) or the parts'
    product (``operation="product"``)."""

    def __init__(self, name: str, parts: tuple[str, ...], enforce_min_max_values: bool = True,
                 weights: tuple[float, ...] | None = None, operation: str = "sum"):
        self.name = name
        self.parts = tuple(parts)
        self.enforce_min_max_values = enforce_min_max_values
        self.weights = tuple(float(w) for w in (weights or (1.0,) * len(self.parts)))
        self.operation = operation

    def fit(self, column: pd.Series, parts: pd.DataFrame) -> SumCodec:
        values = _floats(column)
        self.dtype = dtype_to_state(column.dtype)
        self.decimals = _decimals(values[~np.isnan(values)])
        self.remainder = NumericalCodec(self.name, self.enforce_min_max_values).fit(
            pd.Series(self._remainder(values, parts)))
        return self

    def _remainder(self, values: np.ndarray, parts: pd.DataFrame) -> np.ndarray:
        """What the parts leave over, rounded to the target's decimals: float noise (a product's 1e-13) would
        otherwise turn a column of zeros into many distinct values."""
        left = values - self._combine(parts)
        return np.round(left, self.decimals) if self.decimals is not None else left

    def formula(self) -> str:
        """The relation in words, e.g. ``living = first + second`` or ``charges = months * fee``."""
        if self.operation == "product":
            return f"{self.name} = {' * '.join(self.parts)}"
        terms = [p if w == 1 else f"{w:g} * {p}" for p, w in zip(self.parts, self.weights)]
        return f"{self.name} = {' + '.join(terms)}"

    def _combine(self, parts: pd.DataFrame) -> np.ndarray:
        if self.operation == "product":
            return _part_product(parts[list(self.parts)])
        return _part_sum(parts[list(self.parts)], self.weights)

    @property
    def outputs(self) -> list:
        return self.remainder.outputs

    def encode(self, column: pd.Series) -> dict:  # the parts are needed: see encode_with
        raise TypeError("SumCodec encodes with its parts: call encode_with(column, parts).")

    def encode_with(self, column: pd.Series, parts: pd.DataFrame) -> dict[str, np.ndarray]:
        return self.remainder.encode(pd.Series(self._remainder(_floats(column), parts)))

    def decode_from(self, encoded: dict, parts: pd.DataFrame) -> pd.Series:
        values = _floats(self.remainder.decode(encoded)) + self._combine(parts)
        if self.decimals is not None:
            values = np.round(values, self.decimals)
        return restore_dtype(pd.Series(values), dtype_from_state(self.dtype))

    def encode_condition(self, value) -> dict:
        if pd.isna(value):
            return self.remainder.encode_condition(value)
        what = "product" if self.operation == "product" else "sum"
        raise ConditionError(
            f"Column {self.name!r} is the {what} of {list(self.parts)} in the data ({self.formula()}), and the model "
            "learns only what the parts leave over, so it cannot be conditioned on directly: condition on its "
            "parts instead."
        )

    def to_state(self) -> dict:
        state = dict(vars(self))
        state["parts"] = list(self.parts)
        state["weights"] = list(self.weights)
        state["remainder"] = self.remainder.to_state()
        return state

    @classmethod
    def from_state(cls, state: dict) -> SumCodec:
        codec = super().from_state(state)
        codec.parts = tuple(state["parts"])
        codec.weights = tuple(float(w) for w in state.get("weights", (1.0,) * len(codec.parts)))
        codec.operation = state.get("operation", "sum")
        if codec.operation not in ("sum", "product") or len(codec.weights) != len(codec.parts):
            raise ValueError(f"the model file's relation for {codec.name!r} is neither a sum nor a product")
        codec.remainder = NumericalCodec.from_state(state["remainder"])
        return codec


def detect_sums(data: pd.DataFrame, candidates: list[str]) -> dict[str, tuple[str, ...]]:
    """Map each sum column to its parts, among the numerical ``candidates`` (see the module docstring).

    A part is never itself a sum target, and a target is never a part of a later sum.
    """
    if len(data) < MIN_ROWS or len(candidates) < 3:
        return {}
    values = {name: _floats(data[name]) for name in candidates}
    tolerance = {name: _tolerance(v) for name, v in values.items()}
    sizes = (2, 3) if len(candidates) <= MAX_TRIPLE_COLUMNS else (2,)
    sums: dict[str, tuple[str, ...]] = {}
    for target in candidates:
        if target in {p for parts in sums.values() for p in parts}:
            continue
        others = [c for c in candidates if c != target and c not in sums]
        found = _find_parts(values, tolerance, target, others, sizes)
        if found:
            sums[target] = found
    return sums


def screen_rows(values: dict, target: str, others: list[str]):
    """``(informative rows, screened rows, parts on them as rows x others)`` for a candidate target, or None
    when it is not a measurement worth a relation (too few non-zero rows or distinct values)."""
    y = values[target]
    informative = np.flatnonzero(~np.isnan(y) & (y != 0))
    if len(informative) < MIN_ROWS or len(others) < 2 or len(np.unique(y[informative])) < MIN_DISTINCT:
        return None
    screen = informative[np.linspace(0, len(informative) - 1, min(SCREEN_ROWS, len(informative))).astype(int)]
    return informative, screen, np.nan_to_num(np.column_stack([values[c][screen] for c in others]))


def _find_parts(values, tolerance, target, others, sizes) -> tuple[str, ...] | None:
    """The first combination of parts (pairs, then triples) that passes the screen and the full check."""
    screened = screen_rows(values, target, others)
    if screened is None:
        return None
    informative, screen, parts = screened
    y = values[target]
    tol = np.array([tolerance[c] for c in others]) + tolerance[target]
    residual = y[screen][:, None] - parts  # what is left after the first part
    upper = np.triu(np.ones((len(others), len(others)), dtype=bool), 1)
    for size in sizes:
        for i in range(len(others)) if size == 3 else [None]:
            rest = residual if i is None else residual[:, i:i + 1] - parts[:, i + 1:]
            base = parts if i is None else parts[:, i + 1:]
            atol = (tol[:, None] + tol[None, :] - tolerance[target]) if i is None else (
                tol[i] + tol[i + 1:, None] + tol[None, i + 1:] - 2 * tolerance[target])
            share = (np.abs(rest[:, :, None] - base[:, None, :]) <= atol).mean(axis=0)
            share[~(upper if i is None else upper[i + 1:, i + 1:])] = 0
            for a, b in zip(*np.nonzero(share >= MIN_SHARE - 0.2)):
                names = tuple(others[k] for k in ((a, b) if i is None else (i, i + 1 + a, i + 1 + b)))
                if _accept(y, values, names, informative, tolerance[target] + sum(tolerance[n] for n in names)):
                    return names
    return None


def _accept(y, values, parts, rows, atol) -> bool:
    total = np.zeros(len(rows))
    for p in parts:
        total += np.nan_to_num(values[p][rows])
    holds = np.abs(y[rows] - total) <= atol
    if holds.mean() < MIN_SHARE:
        return False
    return all(np.mean(np.nan_to_num(values[p][rows][holds]) != 0) >= MIN_PART_SHARE for p in parts)


def _tolerance(values: np.ndarray) -> float:
    """Half a unit of the column's last written decimal (floats written to 2 decimals: 0.005)."""
    observed = values[~np.isnan(values)]
    decimals = _decimals(observed) if len(observed) else None
    scale = max(1.0, float(np.abs(observed).max())) if len(observed) else 1.0
    return 0.5 * 10.0 ** -decimals + 1e-9 * scale if decimals is not None else 1e-9 * scale


def _floats(column) -> np.ndarray:
    return pd.to_numeric(pd.Series(column), errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _part_sum(parts: pd.DataFrame, weights=None) -> np.ndarray:
    total = np.zeros(len(parts))
    for k, name in enumerate(parts.columns):
        total += (1.0 if weights is None else weights[k]) * np.nan_to_num(_floats(parts[name]))
    return total


def _part_product(parts: pd.DataFrame) -> np.ndarray:
    total = np.ones(len(parts))
    for name in parts.columns:
        total *= np.nan_to_num(_floats(parts[name]))  # a missing part counts as zero, as in a sum
    return total
