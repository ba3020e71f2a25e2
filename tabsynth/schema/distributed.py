"""The schema of a Dask DataFrame: codecs fitted on a seeded sample, corrected by exact reductions.

No process holds the whole table. What is exact (a reduction over every partition):

- the row count, which columns are constant, and which hold nulls;
- a categorical column's category set, its frequencies and their order (pandas' own
  ``value_counts`` order, so codes match an in-memory fit of the same rows);
- a numerical or datetime column's minimum and maximum, a numerical id's largest value, a
  string id's common prefix and width;
- a relation between two columns (one derived from the other): found on the sample, then kept
  only if it holds on every row, with its mapping collected from every row.

What comes from the seeded sample (:data:`SAMPLE_ROWS` rows drawn uniformly without replacement,
the whole table when it is smaller): metadata detection and validation, the number of decimals
and the datetime resolution and format, and the dtype of each column.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ..errors import InvalidDataError, InvalidParameterError
from . import support
from .codecs import CategoricalCodec, ConstantCodec, IdCodec, NumericalCodec
from .relations import MAX_DETERMINANT_VALUES, MIN_ROWS_PER_VALUE, DerivedCodec, detect_relations
from .table import Schema, fit_codec

SAMPLE_ROWS = 100_000
_FAN_IN = 8


# ---------------------------------------------------------------------- generic Dask helpers
def tree_reduce(dask, items: list, combine):
    """One delayed value combining ``items`` pairwise in a tree (no process sees them all at once)."""
    while len(items) > 1:
        items = [dask.delayed(_combine_all)(combine, items[i:i + _FAN_IN]) for i in range(0, len(items), _FAN_IN)]
    return items[0]


def _combine_all(combine, values: list):
    return functools.reduce(combine, values)


def sample_positions(lengths: np.ndarray, size: int, seed: np.random.SeedSequence) -> list[np.ndarray]:
    """Row positions of a uniform sample without replacement, per partition (all rows when fewer)."""
    total = int(lengths.sum())
    chosen = np.arange(total) if size >= total else np.sort(np.random.default_rng(seed).choice(total, size, replace=False))
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    cuts = np.searchsorted(chosen, bounds)
    return [chosen[cuts[k]:cuts[k + 1]] - bounds[k] for k in range(len(lengths))]


def take_rows(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    return frame.iloc[positions].reset_index(drop=True)


# ---------------------------------------------------------------------- schema
def fit_schema(dask, parts: list, sample: pd.DataFrame, metadata, enforce_min_max_values: bool = True,
               max_categories: int | None = None) -> tuple[Schema, dict]:
    """A :class:`Schema` for the table whose partitions are the delayed frames ``parts``, and the
    statistics it was corrected with (per column: ``nulls_per_part`` in partition order, ``first``
    observed cell of a numerical column)."""
    if max_categories is not None:
        raise InvalidParameterError("Fitting on a Dask DataFrame keeps every category: max_categories must be None.")
    codecs = {name: fit_codec(name, metadata.columns[name], sample[name], enforce_min_max_values)
              for name in sample.columns}
    in_sample_constant = {c for c in sample.columns if sample[c].nunique(dropna=False) <= 1}
    candidates = [c for c in sample.columns if c not in in_sample_constant
                  and metadata.sdtype(c) in ("categorical", "boolean", "numerical")]
    relations = detect_relations(sample, candidates)
    stats = dask.compute(tree_reduce(dask, [dask.delayed(_partition_stats)(p, codecs, relations) for p in parts],
                                     _combine_stats))[0]
    for name, column in stats["columns"].items():
        if not np.isfinite([column.get("minimum", 0.0), column.get("maximum", 0.0)]).all():
            raise InvalidDataError(
                f"Column {name!r} of data holds infinite values (+/-inf). Replace them with NaN "
                "(data.replace([np.inf, -np.inf], np.nan)) or with finite numbers."
            )
        if len(column["distinct"]) <= 1:
            codecs[name] = ConstantCodec(name).fit(sample[name])
        else:
            _correct(codecs[name], column, sample[name])
    for target, source in relations.items():
        pairs = stats["pairs"].get(target)
        if _is_function(pairs, source, target, stats["rows"]) and not isinstance(codecs[source], ConstantCodec):
            codecs[target] = DerivedCodec(target, source).fit(pairs[target], pairs[source])
    return Schema(codecs, metadata, _condition_support(dask, parts, metadata, stats["rows"])), stats


def _condition_support(dask, parts: list, metadata, num_rows: int) -> support.ConditionSupport:
    """Exact condition counts over every partition, as an in-memory fit keeps (two passes: values, then counts)."""
    columns = [c for c in metadata.columns if metadata.sdtype(c) in ("categorical", "boolean", "numerical")]
    kinds = {c: metadata.sdtype(c) for c in columns}
    combine = functools.partial(support.combine_values, kinds=kinds)
    found = dask.compute(tree_reduce(dask, [dask.delayed(support.partition_values)(p, columns, kinds) for p in parts],
                                     combine))[0]
    values = support.ordered_values(found)
    tables = dask.compute(tree_reduce(dask, [dask.delayed(support.partition_tables)(p, values, kinds) for p in parts],
                                      support.add_tables))[0]
    return support.ConditionSupport.from_tables(num_rows, values, tables)


def _partition_stats(frame: pd.DataFrame, codecs: dict, relations: dict) -> dict:
    columns = {}
    for name, codec in codecs.items():
        column = frame[name]
        missing = column.isna().to_numpy()
        stats = {"distinct": _first_distinct(column), "nulls": int(missing.sum()), "nulls_per_part": [int(missing.sum())]}
        if isinstance(codec, CategoricalCodec):
            stats["counts"] = column.astype(object).value_counts(dropna=True, sort=False)
        elif isinstance(codec, NumericalCodec) and (~missing).any():
            observed = column[~missing]
            values = codec.encode(observed)[name]
            stats.update(minimum=float(values.min()), maximum=float(values.max()), first=observed.iloc[:1])
        elif isinstance(codec, IdCodec) and (~missing).any():
            stats["extremes"] = _id_extremes(column[~missing], codec.numeric)
        columns[name] = stats
    pairs = {target: frame[[source, target]].drop_duplicates() for target, source in relations.items()}
    pairs = {t: (p if len(p) <= MAX_DETERMINANT_VALUES * 10 else None) for t, p in pairs.items()}
    return {"rows": len(frame), "columns": columns, "pairs": pairs}


def _first_distinct(column: pd.Series) -> list:
    """Up to two distinct values (nulls count as one value): enough to tell a constant column."""
    return column.drop_duplicates().head(2).astype(object).tolist()


def _id_extremes(observed: pd.Series, numeric: bool) -> pd.Series:
    """The cells an id codec's fit depends on: the extremes (and, for text, the longest)."""
    if numeric:
        values = observed.to_numpy(dtype=float)
        return observed.iloc[[int(np.argmin(values)), int(np.argmax(values))]]
    text = observed.astype(str).tolist()
    picks = [min(range(len(text)), key=text.__getitem__), max(range(len(text)), key=text.__getitem__),
             max(range(len(text)), key=lambda i: len(text[i]))]
    return observed.iloc[picks]


def _combine_stats(a: dict, b: dict) -> dict:
    columns = {name: _combine_column(a["columns"][name], b["columns"][name]) for name in a["columns"]}
    pairs = {t: (None if a["pairs"][t] is None or b["pairs"][t] is None
                 else pd.concat([a["pairs"][t], b["pairs"][t]]).drop_duplicates()) for t in a["pairs"]}
    pairs = {t: (p if p is None or len(p) <= MAX_DETERMINANT_VALUES * 10 else None) for t, p in pairs.items()}
    return {"rows": a["rows"] + b["rows"], "columns": columns, "pairs": pairs}


def _combine_column(a: dict, b: dict) -> dict:
    out = {"distinct": list(pd.unique(np.array(a["distinct"] + b["distinct"], dtype=object)))[:2],
           "nulls": a["nulls"] + b["nulls"], "nulls_per_part": a["nulls_per_part"] + b["nulls_per_part"]}
    if "counts" in a:  # first-appearance order is kept, as pandas' value_counts has it before sorting
        present = [s["counts"] for s in (a, b) if len(s["counts"])] or [a["counts"]]
        out["counts"] = pd.concat(present).groupby(level=0, sort=False).sum() if len(present) > 1 else present[0]
    for key, pick in (("minimum", min), ("maximum", max)):
        present = [s[key] for s in (a, b) if key in s]
        if present:
            out[key] = pick(present)
    firsts = [s["first"] for s in (a, b) if "first" in s]
    if firsts:
        out["first"] = firsts[0]
    extremes = [s["extremes"] for s in (a, b) if "extremes" in s]
    if extremes:
        out["extremes"] = pd.concat(extremes)
    return out


def _correct(codec, stats: dict, sample_column: pd.Series) -> None:
    """Overwrite the sample-fitted codec's statistics that an exact reduction gave."""
    if isinstance(codec, CategoricalCodec):
        counts = stats["counts"].sort_values(ascending=False)
        codec.categories = np.array(counts.index.tolist(), dtype=object)
        codec.frequencies = counts.to_numpy(dtype=float) / counts.sum()
        codec.has_nulls = stats["nulls"] > 0
    elif isinstance(codec, NumericalCodec):
        codec.minimum, codec.maximum = stats["minimum"], stats["maximum"]
        codec.has_nulls = stats["nulls"] > 0
    elif isinstance(codec, IdCodec) and "extremes" in stats:
        refit = IdCodec(codec.name).fit(stats["extremes"].astype(sample_column.dtype))
        codec.__dict__.update({k: v for k, v in vars(refit).items() if k != "dtype"})


def _is_function(pairs, source: str, target: str, rows: int) -> bool:
    """The distinct (source, target) pairs of every row map each source value to one target value."""
    if pairs is None:
        return False
    keys = pairs[source]
    n_keys = keys.nunique(dropna=False)
    return (not keys.duplicated().any() and 2 <= n_keys <= min(MAX_DETERMINANT_VALUES, rows // MIN_ROWS_PER_VALUE)
            and pairs[target].nunique(dropna=False) >= 2)
