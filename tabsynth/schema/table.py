"""The schema: once, for every model, real columns to a numeric frame and back.

``Schema.fit`` picks a codec for each column (numerical, datetime, categorical/boolean, id,
personal data (:mod:`~tabsynth.schema.pii`: generated fresh, never learned), constant, derived); ``encode`` gives the model a frame of float64 values and int64 codes whose
layout is ``Schema.columns``; ``decode`` turns model output back into the input's columns, order
and dtypes.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import ConditionError, InvalidDataError, InvalidParameterError, MetadataError
from .arithmetic import detect_arithmetic
from .codecs import (
    RARE_SUFFIX,
    CategoricalCodec,
    ConstantCodec,
    DatetimeCodec,
    EncodedColumn,
    IdCodec,
    NumericalCodec,
)
from .constrained import BoundedCodec, CombinationCodec, MemberCodec, constrained_columns, plan_codecs
from .metadata import Metadata
from .pii import PII_SDTYPES, PiiCodec, detect_pii, is_pii
from .relations import DerivedCodec, detect_relations
from .sums import SumCodec, detect_sums
from .support import ConditionSupport, is_missing

_CODECS = {cls.__name__: cls for cls in (NumericalCodec, DatetimeCodec, CategoricalCodec, ConstantCodec, IdCodec,
                                         PiiCodec, DerivedCodec, SumCodec, BoundedCodec, CombinationCodec,
                                         MemberCodec)}


class Schema:
    """Column codecs fitted on one table.

    Attributes
    ----------
    codecs : dict of str to codec
        One codec per input column, in input order.
    columns : list of EncodedColumn
        The layout of the encoded frame a model sees.
    relations : dict of str to str
        Derived column -> the column it is a function of.
    """

    def __init__(self, codecs: dict, metadata: Metadata, support: ConditionSupport | None = None):
        self.codecs = codecs
        self.metadata = metadata
        self.support = support  # real-row counts that conditions are checked against (None: not counted)

    @classmethod
    def fit(cls, data: pd.DataFrame, metadata: Metadata, *, enforce_min_max_values: bool = True,
            detect_relations_: bool = True, max_categories: int | None = None,
            constraints: list | None = None) -> Schema:
        """Choose and fit one codec per column of ``data``.

        ``max_categories`` caps the states of each categorical column: past it, the rarest categories
        share one "other" state (see :class:`~tabsynth.schema.codecs.CategoricalCodec`). ``constraints``
        (:mod:`~tabsynth.schema.constraints`) give their columns the codecs of
        :mod:`~tabsynth.schema.constrained`; those columns are never relation or sum candidates.
        """
        if max_categories is not None and max_categories < 2:
            raise InvalidParameterError(f"max_categories must be None or an int of at least 2. Got {max_categories!r}.")
        personal = [c for c in data.columns if is_pii(metadata.columns[c])]
        constant = [c for c in data.columns if c not in personal and data[c].nunique(dropna=False) <= 1]
        ruled = constrained_columns(constraints or [])
        bad = sorted(c for c in ruled if c in personal or metadata.sdtype(c) == "id")
        if bad:
            raise InvalidParameterError(f"Constraints name id or personal-data columns {bad}, which are generated "
                                        "fresh, not learned; constrain learned columns only.")
        constrained = plan_codecs(constraints or [], data, metadata,
                                  lambda n: fit_codec(n, metadata.columns[n], data[n], enforce_min_max_values))
        learnable = [c for c in data.columns if c not in constant + personal and metadata.sdtype(c) != "id"]
        relation_candidates = [c for c in learnable if metadata.sdtype(c) in ("categorical", "boolean", "numerical")
                               and c not in ruled]
        relations = detect_relations(data, relation_candidates) if detect_relations_ else {}
        numbers = [c for c in relation_candidates if metadata.sdtype(c) == "numerical" and c not in relations]
        sums = detect_sums(data, numbers) if detect_relations_ else {}
        arithmetic = detect_arithmetic(data, numbers, sums) if detect_relations_ else {}
        codecs = {}
        for name in data.columns:
            spec = metadata.columns[name]
            if name in constrained:
                codecs[name] = constrained[name]
            elif name in personal:
                kind = spec["sdtype"] if spec["sdtype"] in PII_SDTYPES else None
                source = _consistency_source(name, spec, kind, metadata)
                codecs[name] = PiiCodec(name, kind, spec.get("locale", "en_US"), source).fit(data[name])
            elif name in constant:
                codecs[name] = ConstantCodec(name).fit(data[name])
            elif name in relations:  # ids are never relation candidates
                codecs[name] = DerivedCodec(name, relations[name]).fit(data[name], data[relations[name]])
            elif name in sums:
                codecs[name] = SumCodec(name, sums[name], enforce_min_max_values).fit(data[name],
                                                                                     data[list(sums[name])])
            elif name in arithmetic:
                parts, weights, operation = arithmetic[name]
                codecs[name] = SumCodec(name, parts, enforce_min_max_values, weights, operation).fit(
                    data[name], data[list(parts)])
            else:
                codecs[name] = fit_codec(name, spec, data[name], enforce_min_max_values, max_categories)
        counted = [c for c in data.columns if c not in personal and metadata.sdtype(c) != "id"]
        support = ConditionSupport.fit(data, counted, {c: metadata.sdtype(c) for c in counted})
        return cls(codecs, metadata, support)

    @property
    def columns(self) -> list[EncodedColumn]:
        return [out for codec in self.codecs.values() for out in codec.outputs]

    @property
    def relations(self) -> dict[str, str]:
        return {n: c.determinant for n, c in self.codecs.items() if isinstance(c, DerivedCodec)}

    @property
    def sums(self) -> dict[str, tuple[str, ...]]:
        """Sum column -> its parts (:mod:`~tabsynth.schema.sums`): the model learns the remainder only."""
        return {n: c.parts for n, c in self.codecs.items() if isinstance(c, SumCodec) and c.operation == "sum"
                and set(c.weights) == {1.0}}

    @property
    def arithmetic(self) -> dict[str, str]:
        """Every column kept as an arithmetic relation of others (plain and weighted sums, products) -> its
        formula, e.g. ``{"charges": "charges = months * fee"}``; the model learns the remainder only."""
        return {n: c.formula() for n, c in self.codecs.items() if isinstance(c, SumCodec)}

    @property
    def combination_members(self) -> list[str]:
        """Columns of fixed-combination and one-hot constraints (learned as one joint category per group)."""
        return [m for c in self.codecs.values() if isinstance(c, CombinationCodec) for m in c.members]

    @property
    def rare_columns(self) -> list[str]:
        """The arrays :meth:`draw_rare` adds (one per categorical column whose rare categories share a state)."""
        return [name + RARE_SUFFIX for name, codec in self.codecs.items() if _capped(codec)]

    def draw_rare(self, encoded: Mapping[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Which rare category each sampled "other" state becomes, drawn with the sampling block's ``rng``.

        Call it on every block of model output before :meth:`decode`; it draws nothing (and leaves
        ``rng`` untouched) when no column was capped.
        """
        return {name + RARE_SUFFIX: codec.draw_rare(encoded[name], rng)
                for name, codec in self.codecs.items() if _capped(codec)}

    def encode(self, data: pd.DataFrame) -> pd.DataFrame:
        """The model's input: one float64 or int64 column per :attr:`columns` entry."""
        parts: dict[str, np.ndarray] = {}
        for name, codec in self.codecs.items():
            if isinstance(codec, SumCodec):
                parts.update(codec.encode_with(data[name], data[list(codec.parts)]))
            elif isinstance(codec, BoundedCodec):
                parts.update(codec.encode_with(data[name], data))
            elif isinstance(codec, CombinationCodec):
                parts.update(codec.encode_with(data))
            elif not isinstance(codec, MemberCodec):
                parts.update(codec.encode(data[name]))
        return pd.DataFrame({col.name: parts[col.name] for col in self.columns}, index=range(len(data)))

    def decode(self, encoded: pd.DataFrame | Mapping[str, np.ndarray], num_rows: int | None = None,
               row_offset: int = 0, seed: int | None = None) -> pd.DataFrame:
        """Model output back to the input's columns, order and dtypes.

        ``row_offset`` is the position of the first row in the whole sample, so generated ids stay
        unique (and identical) however the sample is split into chunks. ``seed`` (the sampling
        seed) seeds the fresh values of personal-data columns, block by block of rows.
        """
        arrays = {k: np.asarray(v) for k, v in encoded.items()}
        if num_rows is None:
            num_rows = len(next(iter(arrays.values()))) if arrays else 0
        out: dict[str, pd.Series] = {}
        for name, codec in self.codecs.items():
            if isinstance(codec, IdCodec):
                out[name] = codec.decode(arrays, num_rows, row_offset)
            elif isinstance(codec, PiiCodec):
                if not getattr(codec, "consistent_with", None):  # else built from its name column below
                    out[name] = codec.decode(arrays, num_rows, row_offset, seed)
            elif isinstance(codec, ConstantCodec):
                out[name] = codec.decode(arrays, num_rows)
            elif isinstance(codec, CombinationCodec):
                out.update(codec.decode_members(arrays))
            elif not isinstance(codec, (DerivedCodec, SumCodec, BoundedCodec, MemberCodec)):
                out[name] = codec.decode(arrays)
        self._decode_bounded(arrays, out, num_rows)
        for name, codec in self.codecs.items():
            if isinstance(codec, DerivedCodec):
                out[name] = codec.decode_from(out[codec.determinant])
            elif isinstance(codec, SumCodec):  # parts are never derived nor sums: decoded in the first loop
                out[name] = codec.decode_from(arrays, pd.DataFrame({p: out[p] for p in codec.parts}))
            elif isinstance(codec, PiiCodec) and getattr(codec, "consistent_with", None):
                out[name] = codec.decode_from(out[codec.consistent_with], row_offset, seed)
        # copy=False keeps each column's own block: no consolidation copy (a third of the decode time)
        return pd.DataFrame({name: _positional(out[name], num_rows) for name in self.codecs}, copy=False)

    def _decode_bounded(self, arrays: dict, out: dict, num_rows: int) -> None:
        """Bounded columns after their bounds (each waits for the columns it is above: a chain decodes in order)."""
        pending = [c for c in self.codecs.values() if isinstance(c, BoundedCodec)]
        while pending:
            ready = [c for c in pending if all(r in out for r in c.references)]
            if not ready:  # fit orders bounds before the columns above them: only a corrupt file gets here
                raise InvalidDataError(f"Bounded columns {[c.name for c in pending]} have no decoded bounds.")
            for codec in ready:
                out[codec.name] = codec.decode_from(arrays, pd.DataFrame(
                    {r: _positional(out[r], num_rows) for r in codec.references}, index=range(num_rows)))
            pending = [c for c in pending if c not in ready]

    # ------------------------------------------------------------------ conditions
    def encode_conditions(self, conditions: pd.DataFrame) -> pd.DataFrame:
        """Translate conditions in real values to encoded columns (one row per requested row)."""
        unknown = [c for c in conditions.columns if c not in self.codecs]
        if unknown:
            raise ConditionError(
                f"Conditions name columns that are not in the data: {unknown}. Known columns: {list(self.codecs)}."
            )
        encoded: dict[str, np.ndarray] = {}
        grouped = self._encode_group_conditions(conditions)
        for name in conditions.columns:
            if name in grouped:
                continue
            # Encode each distinct value once, then spread by position: fast for many condition rows.
            positions, uniques = pd.factorize(conditions[name], use_na_sentinel=False)
            per_value = [self._encode_condition(name, value) for value in uniques]
            for column in dict.fromkeys(k for item in per_value for k in item):
                values = np.array([item.get(column, np.nan) for item in per_value], dtype=float)[positions]
                _merge_condition(encoded, column, values, name)
        for column, values in grouped.items():
            if column in self.codecs and isinstance(self.codecs[column], CombinationCodec):
                _merge_condition(encoded, column, values, column)
        return pd.DataFrame(encoded, index=range(len(conditions)))

    def _encode_group_conditions(self, conditions: pd.DataFrame) -> dict[str, np.ndarray]:
        """Conditions on columns of a combination constraint, as the one combination they pick (NaN: several).

        Returns the group's encoded column -> codes, plus each conditioned member -> None (done).
        """
        out: dict = {}
        for codec in self.codecs.values():
            given = [m for m in codec.members if m in conditions.columns] if isinstance(codec, CombinationCodec) else []
            if not given:
                continue
            rows = [tuple(r) for r in conditions[given].astype(object).itertuples(index=False, name=None)]
            positions, uniques = pd.factorize(pd.Series(rows, dtype=object), use_na_sentinel=False)
            codes = []
            for combo in uniques:
                matching = codec.codes_matching(dict(zip(given, combo, strict=True)))
                if not len(matching):
                    raise ConditionError(
                        f"Columns {codec.members} may only take the combinations seen in the data (a constraint); "
                        f"the condition {dict(zip(given, combo, strict=True))} matches none of them. Use a seen "
                        "combination.")
                # several combinations match: the group is drawn free and the rows kept by rejection
                codes.append(float(matching[0]) if len(matching) == 1 else np.nan)
            out[codec.name] = np.array(codes)[positions]
            out.update(dict.fromkeys(m for m in given if m != codec.name))
        return out

    def _encode_condition(self, name: str, value) -> dict:
        codec = self.codecs[name]
        if isinstance(codec, DerivedCodec):
            keys = codec.determinant_values_for(value)
            if len(keys) != 1:
                raise ConditionError(
                    f"Column {name!r} is derived from {codec.determinant!r}, and several of its values give "
                    f"{value!r}: condition on {codec.determinant!r} instead."
                )
            return self._encode_condition(codec.determinant, keys[0])
        return codec.encode_condition(value)

    # ------------------------------------------------------------------ state
    def to_state(self) -> dict:
        return {
            "metadata": {"columns": self.metadata.columns, "primary_key": self.metadata.primary_key},
            "codecs": [{"type": type(c).__name__, "state": c.to_state()} for c in self.codecs.values()],
            "support": None if self.support is None else self.support.to_state(),
        }

    @classmethod
    def from_state(cls, state: dict) -> Schema:
        codecs = {}
        for item in state["codecs"]:
            if item["type"] not in _CODECS:
                raise InvalidDataError(f"Unknown column codec {item['type']!r} in the model file.")
            codec = _CODECS[item["type"]].from_state(item["state"])
            codecs[codec.name] = codec
        metadata = state["metadata"]
        support = state.get("support")  # model files written before the counts have none
        return cls(codecs, Metadata(metadata["columns"], primary_key=metadata["primary_key"]),
                   None if support is None else ConditionSupport.from_state(support))

    def warn_unseen(self, conditions: pd.DataFrame) -> None:
        """Warn when condition rows ask for values no real row has together (see :mod:`.support`)."""
        if self.support is None or conditions.empty:
            return
        unseen = []
        for row in conditions.drop_duplicates().head(MAX_CHECKED_CONDITIONS).to_dict("records"):
            found = self.support.matching(row)
            if found is not None and found[0] == 0:
                unseen.append(row)
        if unseen:
            warnings.warn(_unseen_message(unseen, self.support.num_rows), UserWarning, stacklevel=5)


MAX_CHECKED_CONDITIONS = 10_000  # distinct condition rows counted before sampling


def _unseen_message(unseen: list[dict], num_rows: int) -> str:
    shown = "; ".join(repr({k: v for k, v in row.items() if not is_missing(v)}) for row in unseen[:3])
    more = f" and {len(unseen) - 3} more" if len(unseen) > 3 else ""
    return (
        f"No real row has the condition values {shown}{more} together: they match 0 of the {num_rows:,} training "
        "rows. The rows are generated anyway, by extrapolation from what the model learned of these values "
        "apart (the Bayesian network from its smoothed tables; rejection-based models may not reach the request "
        "and raise), with nothing real behind them: check them before use, or condition on values seen together."
    )


def fit_codec(name: str, spec: dict, column: pd.Series, enforce_min_max_values: bool = True,
              max_categories: int | None = None):
    """The codec a column's sdtype calls for (id, numerical, datetime, else categorical), fitted on ``column``."""
    sdtype = spec["sdtype"]
    if sdtype == "id":
        return IdCodec(name).fit(column)
    if sdtype == "numerical":
        return NumericalCodec(name, enforce_min_max_values).fit(column)
    if sdtype == "datetime":
        return DatetimeCodec(name, enforce_min_max_values, spec.get("datetime_format")).fit(column)
    _warn_if_personal(name, spec, column)
    return CategoricalCodec(name, max_categories).fit(column)


def _consistency_source(name: str, spec: Mapping, kind: str | None, metadata: Metadata) -> str | None:
    """The name column an email column is built from (column option ``consistent_with``), checked."""
    source = spec.get("consistent_with")
    if source is None:
        return None
    names = ("name", "first_name", "last_name")
    if kind != "email" or source not in metadata.columns or metadata.sdtype(source) not in names:
        raise MetadataError(
            f"Column {name!r} has consistent_with={source!r}: only an 'email' column can be built from a column "
            f"of sdtype {names} of the same table."
        )
    return source


def _warn_if_personal(name: str, spec: Mapping, column: pd.Series) -> None:
    """A categorical column that looks like personal data copies real values: say so, and how to stop it."""
    if spec.get("pii") is False or not (pd.api.types.is_object_dtype(column.dtype)
                                        or pd.api.types.is_string_dtype(column.dtype)):
        return
    kind = detect_pii(name, column)
    if kind is not None:
        warnings.warn(
            f"Column {name!r} looks like personal data ({kind}) but is declared {spec['sdtype']!r}, so synthetic "
            f"rows will repeat its real values. Declare it {{'sdtype': {kind!r}}} (or add 'pii': True) to generate "
            "fresh values instead, or 'pii': False to keep it as it is and silence this warning.",
            UserWarning, stacklevel=5,
        )


def _capped(codec) -> bool:
    return isinstance(codec, CategoricalCodec) and codec.rare_categories is not None


def _merge_condition(encoded: dict, column: str, values: np.ndarray, name: str) -> None:
    if column in encoded and not _agree(encoded[column], values):
        raise ConditionError(
            f"The condition on {name!r} contradicts another condition (both fix the model column "
            f"{column!r}, e.g. a derived column and its determinant). Keep one of them."
        )
    encoded[column] = values if column not in encoded else np.where(np.isnan(values), encoded[column], values)


def _agree(old: np.ndarray, new: np.ndarray) -> bool:
    both = ~np.isnan(old) & ~np.isnan(new)
    return bool(np.all(old[both] == new[both]))


def _positional(values: pd.Series, num_rows: int) -> pd.Series:
    """The column on the index 0..num_rows-1 every decoded column shares (so the frame needs no alignment)."""
    if isinstance(values.index, pd.RangeIndex) and values.index.equals(pd.RangeIndex(num_rows)):
        return values
    return values.reset_index(drop=True)
