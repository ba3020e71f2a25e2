"""The benchmark runner: cells in fresh processes, the standard suite, results on disk (see the package face)."""

from __future__ import annotations

import multiprocessing
import pickle
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .._progress import progress as show_progress
from ..errors import InvalidParameterError, param_error
from ._cells import (
    CEILING,
    FLOOR,
    LARGE_FIT_ROWS,
    LARGE_HOLDOUT_ROWS,
    BenchmarkDataset,
    IndependentMarginals,
    cell_main,
)
from ._stats import summarize

TABLE_DATASETS = ("adult", "flights", "movies", "gss_wages", "ames", "penguins")
LARGE_DATASETS = ("flights", "movies", "gss_wages")
DROP_COLUMNS = {"movies": ("title",)}
"""Near-unique free text, left out: fresh real rows share none of its values, so scoring it rewards copying."""
NEURAL_EPOCHS = 30
"""Epoch budget of CTGAN and TVAE in the standard run (CPU): enough to rank them, not their best."""


def standard_synthesizers(names: Sequence[str] | None = None) -> dict:
    """The standard run's synthesizers: registry names, CTGAN/TVAE with ``epochs=NEURAL_EPOCHS`` on CPU.

    Parameters
    ----------
    names : sequence of str, optional
        Registry names of table synthesizers; default every table synthesizer in the registry.

    Returns
    -------
    dict
        ``{name: (name, params)}``, ready for :func:`benchmark`.
    """
    from ..registry import available

    names = [n for n in available() if n != "markov_chain"] if names is None else list(names)
    budget = {"ctgan": {"epochs": NEURAL_EPOCHS, "device": "cpu"}, "tvae": {"epochs": NEURAL_EPOCHS, "device": "cpu"}}
    return {n: (n, budget.get(n, {})) for n in names}


def standard_datasets(names: Sequence[str] | None = None, *, max_fit_rows: int | None = None,
                      max_holdout_rows: int | None = None) -> list[BenchmarkDataset]:
    """The bundled tables with their tasks and documented sizes.

    Adult: its own train split is fit, its test split the holdout (every row). Flights, movies and
    gss_wages: a seeded 25 % holdout, then at most ``LARGE_FIT_ROWS`` (20,000) fit rows and
    ``LARGE_HOLDOUT_ROWS`` (5,000) holdout rows; movies without its near-unique ``title`` (see
    :data:`DROP_COLUMNS`). Ames (2,930 houses, 74 columns) and penguins (344 rows, the small-table
    case): a seeded 25 % holdout, every row. ``max_fit_rows``/``max_holdout_rows`` cap every set (``--quick`` uses them).

    Parameters
    ----------
    names : sequence of str, optional
        Default :data:`TABLE_DATASETS`.
    max_fit_rows, max_holdout_rows : int, optional
        Caps applied to every data set.

    Returns
    -------
    list of BenchmarkDataset
    """
    from .. import datasets as bundled

    out = []
    for name in TABLE_DATASETS if names is None else names:
        if bundled.info(name).kind != "table":
            raise InvalidParameterError(
                f"The data set {name!r} holds sequences; the benchmark runs table synthesizers on the tables "
                f"{list(TABLE_DATASETS)} (benchmarks/sequences.py covers the sequence synthesizers)."
            )
        fit_cap, holdout_cap = (LARGE_FIT_ROWS, LARGE_HOLDOUT_ROWS) if name in LARGE_DATASETS else (None, None)
        out.append(BenchmarkDataset(name, max_fit_rows=_min(fit_cap, max_fit_rows),
                                    max_holdout_rows=_min(holdout_cap, max_holdout_rows),
                                    drop_columns=DROP_COLUMNS.get(name, ())))
    return out


def _min(a, b):
    return b if a is None else a if b is None else min(a, b)


def benchmark(synthesizers, datasets, *, seeds=3, timeout: float | None = None, metrics="all",
              references: bool = True, threads: int | None = 1, progress: bool = True,
              on_result: Callable[[dict], None] | None = None) -> pd.DataFrame:
    """Run every synthesizer on every data set with every seed, each cell in its own process.

    Parameters
    ----------
    synthesizers : str, object, sequence or dict
        What to benchmark (see the module docstring): registry names, ``(name, params)``, instances or
        factories of any object with ``fit(DataFrame)`` and ``sample(n)``; a dict ``{label: spec}`` names them.
    datasets : str, BenchmarkDataset or sequence of them
        Bundled data set names (their task and split come from the catalog; see :func:`standard_datasets`
        for the sizes of the standard run) or :class:`BenchmarkDataset` objects, e.g. your own frames.
    seeds : int or sequence of int, default 3
        ``n`` means seeds ``0 .. n-1``. A seed seeds the synthesizer, the split and the metrics.
    timeout : float, optional
        Seconds a cell (fit, sample and scoring) may take; past it the process is killed and the cell is
        recorded with status ``"timeout"``. None: no limit.
    metrics : "all" or sequence of str
        Metric families of :func:`tabsynth.evaluate` (e.g. leave out ``"detection"`` for speed).
    references : bool, default True
        Add the ceiling and floor rows of every data set (``CEILING`` and ``FLOOR`` labels).
    threads : int or None, default 1
        Threads of each cell's process: ``OMP_NUM_THREADS`` and the BLAS thread variables are set to this
        in the child's environment (torch, scikit-learn and numpy read them). One thread gives every
        synthesizer the same CPU and keeps timings stable on a shared machine; None leaves the environment
        as it is.
    progress : bool, default True
        Show a progress bar over cells.
    on_result : callable, optional
        Called with each cell's record as it finishes (e.g. to append it to a log).

    Returns
    -------
    pandas.DataFrame
        One row per cell: ``synthesizer``, ``dataset``, ``seed``, ``status`` (``ok``/``error``/``timeout``),
        ``error``, sizes, ``fit_s``, ``sample_s``, ``rows_per_s``, ``peak_rss_mb`` (peak resident memory of
        the cell's process after sampling: data, fit and sample), ``fit_sample_rss_mb`` (what fit and sample
        added), ``quality``/``shapes``/``trends`` (sdmetrics QualityReport), ``tstr``/``trtr`` (HGB,
        ROC AUC or R²: ``utility_metric``), ``detection_auc``, ``detection_score``, ``dcr_share``,
        ``exact_copy_rate``, ``cell_s``.

    Raises
    ------
    InvalidParameterError
        On an unknown synthesizer or data set, a spec without ``fit``/``sample``, one that cannot be
        pickled, or bad ``seeds``/``timeout``.
    """
    entries = _entries(synthesizers)
    if references:
        entries = [(CEILING, None)] + entries + [(FLOOR, ("instance", IndependentMarginals(), {}))]
    tasks = [{"label": label, "payload": payload, "dataset": ds, "seed": seed, "metrics": metrics}
             for ds in _datasets(datasets) for seed in _seeds(seeds) for label, payload in entries]
    _check_timeout(timeout)
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, (int, np.integer))
                                or threads < 1):
        raise param_error("benchmark", "threads", "a positive int or None", threads)
    records = []
    for task in show_progress(tasks, progress, "benchmark", unit="run"):
        record = _run_in_process(task, timeout, threads)
        records.append(record)
        if on_result is not None:
            on_result(record)
    return pd.DataFrame.from_records(records)


def _entries(synthesizers) -> list[tuple[str, tuple | None]]:
    if isinstance(synthesizers, Mapping):
        items = [(str(label), spec) for label, spec in synthesizers.items()]
    elif isinstance(synthesizers, str) or _is_spec_with_params(synthesizers) or not isinstance(synthesizers,
                                                                                                Sequence):
        items = [(None, synthesizers)]
    else:
        items = [(None, spec) for spec in synthesizers]
    if not items:
        raise InvalidParameterError("benchmark needs at least one synthesizer. Got none.")
    entries = [_payload(label, spec) for label, spec in items]
    labels = [label for label, _ in entries]
    if len(set(labels)) != len(labels):
        raise InvalidParameterError(f"Synthesizer labels must be unique. Got {labels}: pass a dict {{label: spec}}.")
    return entries


def _is_spec_with_params(spec) -> bool:
    return isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], Mapping)


def _payload(label: str | None, spec) -> tuple[str, tuple]:
    params = {}
    if _is_spec_with_params(spec):
        spec, params = spec[0], dict(spec[1])
    if isinstance(spec, str):
        from ..registry import get_class

        get_class(spec)  # unknown name or missing dependency: fail now, not in every cell
        payload = ("registry", spec, params)
        name = spec
    elif callable(spec) and (isinstance(spec, type) or not hasattr(spec, "fit")):
        payload, name = ("factory", spec, params), getattr(spec, "__name__", type(spec).__name__)
    elif hasattr(spec, "fit") and hasattr(spec, "sample"):
        if params:
            raise InvalidParameterError("Parameters go with a registry name or a factory, not an instance.")
        payload, name = ("instance", spec, {}), type(spec).__name__
    else:
        raise InvalidParameterError(
            "A synthesizer to benchmark must be a registry name, (name, params), a factory or an object with "
            f"fit(DataFrame) and sample(n). Got {spec!r} instead."
        )
    _check_picklable(payload, name)
    return (label or name), payload


def _check_picklable(payload: tuple, name: str) -> None:
    try:
        pickle.dumps(payload)
    except Exception as exc:  # noqa: BLE001 - any pickling failure means the same advice
        raise InvalidParameterError(
            f"The synthesizer {name!r} cannot be sent to a benchmark process ({type(exc).__name__}: {exc}). "
            "Define its class or factory at module level (importable), not inside a function."
        ) from None


def _datasets(datasets) -> list[BenchmarkDataset]:
    items = [datasets] if isinstance(datasets, (str, BenchmarkDataset)) else list(datasets)
    if not items:
        raise InvalidParameterError("benchmark needs at least one data set. Got none.")
    out = []
    for item in items:
        if isinstance(item, str):
            item = standard_datasets([item])[0]
        if not isinstance(item, BenchmarkDataset):
            raise param_error("benchmark", "datasets", "data set names or BenchmarkDataset objects", item)
        if item.fit is None and item.holdout is not None:
            raise InvalidParameterError(f"BenchmarkDataset {item.name!r} has holdout rows but no fit frame: pass "
                                        "fit= too (fit alone is split 25 % holdout per seed).")
        out.append(item)
    return out


def _seeds(seeds) -> list[int]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise param_error("benchmark", "seeds", "a positive int or a list of ints", seeds)
        return list(range(int(seeds)))
    if isinstance(seeds, Sequence) and seeds and all(isinstance(s, (int, np.integer)) for s in seeds):
        return [int(s) for s in seeds]
    raise param_error("benchmark", "seeds", "a positive int or a list of ints", seeds)


def _check_timeout(timeout) -> None:
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        raise param_error("benchmark", "timeout", "a positive number of seconds or None", timeout)


_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _start(process, threads: int | None) -> None:
    """Start ``process`` with the thread variables set for it (a spawned child copies the environment)."""
    import os

    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    try:
        if threads is not None:
            os.environ.update({name: str(threads) for name in _THREAD_VARIABLES})
        process.start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run_in_process(task: dict, timeout: float | None, threads: int | None = 1) -> dict:
    """Run one cell in a fresh spawned process; kill it after ``timeout`` seconds."""
    record = {"synthesizer": task["label"], "dataset": task["dataset"].name, "seed": task["seed"],
              "status": "ok", "error": None}
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=cell_main, args=(send, task), daemon=True)
    started = time.perf_counter()
    _start(process, threads)
    send.close()
    try:
        if receive.poll(timeout):
            status, payload = receive.recv()
        else:
            status, payload = "timeout", f"no result after {timeout:g} s; the process was stopped"
    except EOFError:
        process.join(5)
        status, payload = "error", f"the process died (exit code {process.exitcode}; out of memory?)"
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join()
    if status == "ok":
        record.update(payload)
    else:
        record.update(status=status, error=payload, cell_s=time.perf_counter() - started)
    return record


def write_results(runs: pd.DataFrame, directory, *, prefix: str = "benchmark", title: str | None = None,
                  info: dict | None = None) -> dict:
    """Write the markdown table, the JSON and the PNG plots of a benchmark.

    Parameters
    ----------
    runs : pandas.DataFrame
        What :func:`benchmark` returned.
    directory : str or path
        Created if needed.
    prefix : str, default "benchmark"
        File names: ``<prefix>.md``, ``<prefix>.json``, ``<prefix>_quality_vs_fit_time.png``,
        ``<prefix>_privacy_vs_utility.png``.
    title : str, optional
        Heading of the markdown file.
    info : dict, optional
        Extra facts (command, sizes) stored in the JSON and listed under the table.

    Returns
    -------
    dict
        ``{"markdown": path, "json": path, "plots": [paths]}``.
    """
    from ._output import write_all

    return write_all(runs, summarize(runs), directory, prefix=prefix, title=title, info=info or {})


QUICK = {"datasets": ("adult",), "synthesizers": ("gaussian_copula", "bayesian_network"), "seeds": 1,
         "max_rows": 2_000, "metrics": ("marginal", "joint", "utility", "privacy")}
"""``--quick``: 2,000 Adult fit and holdout rows, two fast synthesizers, one seed, no detection (< 2 minutes)."""
NEURAL = ("ctgan", "tvae")


def run_suite(output, *, quick: bool = False, datasets: Sequence[str] | None = None,
              synthesizers: Sequence[str] | None = None, seeds: int | None = None, timeout: float | None = 1800,
              neural_datasets: Sequence[str] | None = None, threads: int | None = 1, progress: bool = True,
              log=None, tables: Sequence[BenchmarkDataset] | None = None) -> dict:
    """Run the standard (or ``quick``) benchmark and write its results under ``output``.

    The engine of ``tabsynth benchmark`` and ``benchmarks/run.py``.

    Parameters
    ----------
    output : str or path
        Directory of the results (``benchmark.*``, or ``benchmark_quick.*`` with ``quick``).
    quick : bool
        The CI smoke run described by :data:`QUICK`.
    datasets, synthesizers : sequence of str, optional
        Bundled table names and registry names (default: all; :data:`QUICK`'s with ``quick``).
    seeds : int, optional
        Default 3 (1 with ``quick``).
    timeout : float, optional
        Seconds per cell.
    neural_datasets : sequence of str, optional
        Restrict CTGAN/TVAE (slow on CPU) to these data sets; default every data set.
    threads : int or None, default 1
        Threads per cell (see :func:`benchmark`).
    progress : bool
        Progress bar over cells.
    log : str or path, optional
        Append every cell's record to this JSON-lines file as it finishes (a long run keeps its results).
    tables : sequence of BenchmarkDataset, optional
        Your own tables instead of the bundled ones (``tabsynth benchmark --data FILE --target COL``).

    Returns
    -------
    dict
        ``{"runs": DataFrame, "files": {...}}`` (see :func:`write_results`).
    """
    datasets = list(datasets or (QUICK["datasets"] if quick else TABLE_DATASETS))
    names = list(synthesizers or (QUICK["synthesizers"] if quick else standard_synthesizers()))
    _check_table_synthesizers(names)
    cap = QUICK["max_rows"] if quick else None
    seeds = seeds or (QUICK["seeds"] if quick else 3)
    metrics = QUICK["metrics"] if quick else "all"
    data = list(tables) if tables else standard_datasets(datasets, max_fit_rows=cap, max_holdout_rows=cap)
    on_result = _appender(log) if log else None
    load_before = [round(x, 2) for x in __import__("os").getloadavg()]
    plan = [(standard_synthesizers([n for n in names if n not in NEURAL]), data, True)]
    neural = standard_synthesizers([n for n in names if n in NEURAL])
    if neural:
        plan.append((neural, [d for d in data if neural_datasets is None or d.name in neural_datasets], False))
    runs = [benchmark(synths, ds, seeds=seeds, timeout=timeout, metrics=metrics, references=refs,
                      threads=threads, progress=progress, on_result=on_result) for synths, ds, refs in plan if synths and ds]
    runs = pd.concat(runs, ignore_index=True)
    info = {"quick": quick, "seeds": seeds, "timeout_s": timeout, "metrics": metrics, "threads_per_run": threads,
            "load_average_before": load_before, "notes": _notes(quick, data, neural, neural_datasets, own=bool(tables))}
    files = write_results(runs, output, prefix="benchmark_quick" if quick else "benchmark",
                          title="tabsynth benchmark (--quick)" if quick else "tabsynth benchmark", info=info)
    return {"runs": runs, "files": files}


def _check_table_synthesizers(names: list[str]) -> None:
    from ..registry import get_class
    from ..synthesizers.sequence import SequenceSynthesizer

    sequence = [n for n in names if issubclass(get_class(n), SequenceSynthesizer)]
    if sequence:
        raise InvalidParameterError(
            f"{sequence} synthesize sequences; the benchmark runs table synthesizers on tables. "
            "Leave them out (benchmarks/sequences.py covers the sequence synthesizers)."
        )


def _notes(quick: bool, data: list[BenchmarkDataset], neural: dict, neural_datasets, own: bool = False) -> list[str]:
    def cap(rows):
        return f"≤ {rows:,}" if rows else "all"

    sizes = "; ".join(f"{d.name}: fit {cap(d.max_fit_rows)}, holdout {cap(d.max_holdout_rows)} rows" for d in data)
    split = ("Adult uses its own test split as holdout; the others a seeded 25 % holdout." if not own else
             "Your table: the given holdout, or else a seeded 25 % of its rows.")
    notes = [f"Sizes: {sizes}. {split}"]
    dropped = [f"{d.name} without {', '.join(d.drop_columns)}" for d in data if d.drop_columns]
    if dropped:
        notes.append(f"Left out (near-unique free text, whose scores reward copying): {'; '.join(dropped)}.")
    if neural:
        where = "every data set" if neural_datasets is None else ", ".join(neural_datasets)
        notes.append(f"{', '.join(neural)}: epochs={NEURAL_EPOCHS} on CPU (a small budget, not their best), "
                     f"run on {where}.")
    if quick:
        notes.append("--quick: a smoke run (one seed, small subsample, no detection); not for comparing models.")
    return notes


def _appender(path):
    import json
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def append(record: dict) -> None:
        clean = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in record.items()}
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(clean, default=float) + "\n")

    return append
