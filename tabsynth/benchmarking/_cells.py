"""One benchmark cell: a synthesizer x data set x seed, run inside its own process.

:mod:`tabsynth.benchmarking` starts :func:`cell_main` in a fresh ``spawn`` process for every cell, so the
peak memory it reports belongs to that cell alone and a cell that hangs can be killed on a timeout. This
module holds what the child does: build the fit/holdout split, build the synthesizer, time ``fit`` and
``sample``, score with :func:`tabsynth.evaluate`, and send one flat dict of numbers back through a pipe.
"""

from __future__ import annotations

import inspect
import resource
import sys
import time
import traceback
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

CEILING = "ceiling (real holdout half)"
FLOOR = "floor (independent marginals)"
LARGE_FIT_ROWS = 20_000
LARGE_HOLDOUT_ROWS = 5_000
HOLDOUT_FRACTION = 0.25


@dataclass(frozen=True)
class BenchmarkDataset:
    """A data set with its task and its split into fit and holdout rows.

    Parameters
    ----------
    name : str
        A bundled data set (:func:`tabsynth.datasets.list_datasets`) or any label for your own frames.
    target : str or None
        Column predicted by the utility metrics (TSTR/TRTR). None: taken from the catalog for a bundled
        set; for your own frames, None skips utility.
    max_fit_rows, max_holdout_rows : int or None
        Seeded subsample sizes (None: every row).
    fit, holdout : pandas.DataFrame, optional
        Your own frames. When both are None the bundled set ``name`` is loaded and split: Adult uses its
        own test split as holdout; any other set holds out 25 % of its rows, drawn with the cell's seed.
        ``fit`` without ``holdout`` is split the same way (25 % held out, per seed).
    drop_columns : tuple of str
        Columns left out before fitting and scoring (e.g. near-unique free text: a fresh real sample shares
        none of its values with the fit rows, so scoring it rewards copying training values).

    Examples
    --------
    >>> BenchmarkDataset("flights", max_fit_rows=20_000, max_holdout_rows=5_000)      # doctest: +SKIP
    >>> BenchmarkDataset("mine", target="y", fit=train_df, holdout=test_df)          # doctest: +SKIP
    """

    name: str
    target: str | None = None
    max_fit_rows: int | None = None
    max_holdout_rows: int | None = None
    fit: pd.DataFrame | None = None
    holdout: pd.DataFrame | None = None
    drop_columns: tuple[str, ...] = ()

    def split(self, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
        """The fit rows, the holdout rows and the target for ``seed`` (subsampled, reindexed)."""
        rng = np.random.default_rng([seed, 7])
        if self.fit is not None and self.holdout is None:  # your own table: a seeded 25 % holdout, as bundled
            fit, holdout = _split(self.fit, rng)
            target = self.target
        elif self.fit is not None:
            fit, holdout, target = self.fit, self.holdout, self.target
        else:
            fit, holdout, target = _bundled_split(self.name, rng)
            target = self.target or target
        fit, holdout = (f.drop(columns=list(self.drop_columns)) for f in (fit, holdout))
        return (_subsample(fit, self.max_fit_rows, rng), _subsample(holdout, self.max_holdout_rows, rng), target)


def _bundled_split(name: str, rng: np.random.Generator):
    from .. import datasets

    info = datasets.info(name)
    if name == "adult":
        return datasets.load_adult("train"), datasets.load_adult("test"), info.target
    return (*_split(datasets.load(name), rng), info.target)


def _split(data: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit rows and a seeded ``HOLDOUT_FRACTION`` of holdout rows."""
    order = rng.permutation(len(data))
    cut = round(len(data) * HOLDOUT_FRACTION)
    return data.iloc[order[cut:]], data.iloc[order[:cut]]


def _subsample(frame: pd.DataFrame, rows: int | None, rng: np.random.Generator) -> pd.DataFrame:
    if rows is not None and len(frame) > rows:
        frame = frame.iloc[np.sort(rng.choice(len(frame), rows, replace=False))]
    return frame.reset_index(drop=True)


class IndependentMarginals:
    """The floor: every column sampled on its own from its empirical distribution (no joint structure).

    Parameters
    ----------
    random_state : int or None
        Seeds sampling.
    """

    def __init__(self, random_state=None):
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict:
        """The constructor parameters."""
        return {"random_state": self.random_state}

    def set_params(self, **params):
        """Set constructor parameters."""
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def fit(self, data: pd.DataFrame):
        """Keep a copy of ``data``'s columns; returns self."""
        self.data_ = data.copy()
        self.rng_ = np.random.default_rng(self.random_state)
        return self

    def sample(self, num_rows: int) -> pd.DataFrame:
        """``num_rows`` rows whose columns are independent draws (with replacement) of the real columns."""
        n = len(self.data_)
        columns = {c: self.data_[c].to_numpy()[self.rng_.integers(0, n, num_rows)] for c in self.data_.columns}
        out = pd.DataFrame(columns)
        return out.astype(self.data_.dtypes.to_dict())


def build_synthesizer(payload: tuple, seed: int):
    """A fresh synthesizer for one cell, seeded with ``seed`` where it takes a ``random_state``."""
    kind, obj, params = payload
    if kind == "registry":
        from ..registry import make

        return make(obj, random_state=seed, **params)
    if kind == "factory":
        try:
            accepts = "random_state" in inspect.signature(obj).parameters
        except (TypeError, ValueError):
            accepts = False
        return obj(random_state=seed, **params) if accepts else obj(**params)
    synth = obj  # an instance, already a private copy (it came through pickle)
    if hasattr(synth, "get_params") and "random_state" in synth.get_params():
        synth.set_params(random_state=seed)
    return synth


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def fit_and_sample(synth, fit: pd.DataFrame, num_rows: int) -> tuple[pd.DataFrame, dict]:
    """Fit on ``fit`` and sample ``num_rows`` rows, timing both and measuring the memory they add."""
    before = peak_rss_mb()
    started = time.perf_counter()
    synth.fit(fit)
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    fake = synth.sample(num_rows)
    sample_s = time.perf_counter() - started
    if not isinstance(fake, pd.DataFrame):
        raise TypeError(f"sample({num_rows}) of {type(synth).__name__} returned {type(fake).__name__}, "
                        "not a pandas DataFrame.")
    peak = peak_rss_mb()
    return fake, {"fit_s": fit_s, "sample_s": sample_s, "rows_per_s": len(fake) / max(sample_s, 1e-9),
                  "peak_rss_mb": peak, "fit_sample_rss_mb": peak - before}


def ceiling_rows(holdout: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the holdout in two seeded halves: the first plays the synthetic data, the second the holdout."""
    order = np.random.default_rng([seed, 11]).permutation(len(holdout))
    half = len(holdout) // 2
    return holdout.iloc[order[:half]].reset_index(drop=True), holdout.iloc[order[half:]].reset_index(drop=True)


def score(fit, fake, holdout, target, metrics, seed: int) -> dict:
    """The headline numbers of :func:`tabsynth.evaluate`, under short names."""
    from ..evaluation import evaluate

    families = "all" if metrics == "all" else list(metrics)
    if target is None and families != "all":
        families = [f for f in families if f != "utility"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = evaluate(fit, fake, target=target, holdout=holdout, metrics=families, random_state=seed)
    s = report.scores
    task = report.info.get("task")
    metric = {"classification": "roc_auc", "regression": "r2"}.get(task)
    return {
        "quality": s.get("score", np.nan), "shapes": s.get("column_shapes", np.nan),
        "trends": s.get("column_pair_trends", np.nan),
        "utility_metric": metric,
        "tstr": s.get(f"utility.hgb.tstr.{metric}", np.nan), "trtr": s.get(f"utility.hgb.trtr.{metric}", np.nan),
        "detection_auc": s.get("detection.hgb.roc_auc", np.nan), "detection_score": s.get("detection.score", np.nan),
        "dcr_share": s.get("privacy.dcr_share", np.nan), "exact_copy_rate": s.get("privacy.exact_copy_rate", np.nan),
    }


def run_cell(task: dict) -> dict:
    """Everything one cell measures (raises on failure; :func:`cell_main` turns that into a record)."""
    started = time.perf_counter()
    seed, dataset = task["seed"], task["dataset"]
    fit, holdout, target = dataset.split(seed)
    if task["payload"] is None:  # the ceiling: real rows the model never saw, scored as if synthetic
        fake, holdout = ceiling_rows(holdout, seed)
        timings = {"fit_s": np.nan, "sample_s": np.nan, "rows_per_s": np.nan,
                   "peak_rss_mb": np.nan, "fit_sample_rss_mb": np.nan}
    else:
        synth = build_synthesizer(task["payload"], seed)
        fake, timings = fit_and_sample(synth, fit, len(fit))
    numbers = score(fit, fake, holdout, target, task["metrics"], seed)
    return {"n_fit": len(fit), "n_holdout": len(holdout), "n_synthetic": len(fake), **timings, **numbers,
            "cell_s": time.perf_counter() - started}


def cell_main(conn, task: dict) -> None:
    """Entry point of a cell's process: run it and send ``("ok", numbers)`` or ``("error", message)``."""
    np.seterr(all="ignore")
    try:
        result = ("ok", run_cell(task))
    except BaseException as exc:  # noqa: BLE001 - any failure of user code is recorded, not raised
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" (at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno})" if last else ""
        result = ("error", f"{type(exc).__name__}: {exc}{where}"[:500])
    conn.send(result)
    conn.close()
