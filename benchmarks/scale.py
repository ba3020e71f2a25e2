"""Scale: stream Adult-shaped rows to parquet, fit the Bayesian network through Dask, Dask sampling 1 vs 2 workers.

Each measurement runs in its own process (its peak memory is its own), one after the other, and
records the machine's load average (``os.getloadavg()``) before and after: on a shared machine a
high load explains a low throughput. Results are merged into
``benchmarks/results/scale_<synthesizer>.json``.

    python benchmarks/scale.py --rows 10000000                     # everything
    python benchmarks/scale.py --only stream --rows 10000000       # (a) 10M rows to parquet
    python benchmarks/scale.py --only dask_fit --rows 10000000     # (b) BN fit through Dask, parquet input
    python benchmarks/scale.py --only dask_sample                  # (c) tabsynth.dask.sample, 2 workers vs 1

(b) needs the parquet file (a) writes (kept under ``--workdir``). Its equality check fits the
network in memory on the first ``--equal-rows`` rows of that file with the Dask fit's bin edges
and compares network and tables with a Dask fit of the same rows (both ``conditionals='table'``:
trees come from a sample, not from counts).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


# ---------------------------------------------------------------------- measurements (child processes)
def _fit_model(synthesizer: str, model_path: str) -> dict:
    import tabsynth

    tabsynth.make(synthesizer, random_state=0).fit(tabsynth.datasets.load_adult()).save(model_path)
    return {}


def _stream(model_path: str, rows: int, chunk_size: int, out: str) -> dict:
    import tabsynth

    synth = tabsynth.load(model_path)
    started = time.perf_counter()
    synth.sample_to_file(out, rows, chunk_size=chunk_size, random_state=0)
    seconds = time.perf_counter() - started
    return {"rows": rows, "chunk_size": chunk_size, "seconds": seconds, "rows_per_second": rows / seconds,
            "file_bytes": os.path.getsize(out)}


class _TreeMemory:
    """Peak of the summed RSS of this process and all its descendants (Dask workers, nannies), polled."""

    def __init__(self, interval: float = 0.1):
        import psutil

        self.process, self.interval, self.peak, self._stop = psutil.Process(), interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for proc in [self.process, *self.process.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _cluster(workers: int):
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return cluster, Client(cluster)


def _dask_fit(parquet: str, conditionals: str, model_out: str) -> dict:
    import dask.dataframe as dd

    import tabsynth

    with _TreeMemory() as memory:
        cluster, client = _cluster(2)
        with cluster, client:
            frame = dd.read_parquet(parquet, split_row_groups=True)
            started = time.perf_counter()
            synth = tabsynth.BayesianNetworkSynthesizer(conditionals=conditionals, random_state=0).fit(frame)
            seconds = time.perf_counter() - started
            rows, partitions = len(frame), frame.npartitions
    synth.save(model_out)
    return {"rows": rows, "partitions": partitions, "workers": 2, "conditionals": conditionals, "seconds": seconds,
            "rows_per_second": rows / seconds, "peak_rss_mb_all_processes": memory.peak / 2**20,
            "edges": len(synth.network_)}


def _memory_fit_equal(parquet: str, dask_model: str) -> dict:
    """In-memory fit of the same rows with the Dask fit's bin edges; compare network and tables."""
    import numpy as np
    import pandas as pd

    import tabsynth

    fitted = tabsynth.load(dask_model)
    data = pd.read_parquet(parquet)
    started = time.perf_counter()
    reference = tabsynth.BayesianNetworkSynthesizer(conditionals="table", random_state=0,
                                                    bin_edges=dict(fitted.bin_edges_)).fit(data)
    seconds = time.perf_counter() - started
    same_shapes = all(a.shape == b.shape for a, b in zip(fitted.tables_, reference.tables_))
    diff = max(float(np.abs(a - b).max()) for a, b in zip(fitted.tables_, reference.tables_)) if same_shapes else None
    return {"rows": len(data), "in_memory_fit_seconds": seconds, "same_network": fitted.network_ == reference.network_,
            "same_table_shapes": same_shapes, "max_abs_table_difference": diff,
            "equal_within_1e-12": bool(same_shapes and diff <= 1e-12 and fitted.network_ == reference.network_)}


def _dask_sample(model_path: str, rows: int, workers: int, out: str) -> dict:
    import tabsynth
    import tabsynth.dask

    synth = tabsynth.load(model_path)
    cluster, client = _cluster(workers)
    with cluster, client:
        client.run(_warm_up)  # imports on every worker before the clock starts: throughput, not start-up
        frame = tabsynth.dask.sample(synth, rows, npartitions=8 * workers, random_state=0)
        started = time.perf_counter()
        frame.to_parquet(out)
        seconds = time.perf_counter() - started
    shutil.rmtree(out)
    return {"workers": workers, "rows": rows, "seconds": seconds, "rows_per_second": rows / seconds}


def _warm_up() -> None:
    import pyarrow.parquet  # noqa: F401
    import sklearn.tree  # noqa: F401

    import tabsynth.synthesizers.bayesian_network  # noqa: F401


def _head_rows(parquet: str, rows: int, out: str) -> dict:
    """The first ``rows`` rows of a parquet file, written with the same row groups."""
    import pyarrow.parquet as pq

    source = pq.ParquetFile(parquet)
    with pq.ParquetWriter(out, source.schema_arrow) as writer:
        taken = 0
        for group in range(source.num_row_groups):
            if taken >= rows:
                break
            table = source.read_row_group(group).slice(0, rows - taken)
            writer.write_table(table)
            taken += table.num_rows
    return {"rows": taken}


_CHILDREN = {"fit": _fit_model, "stream": _stream, "dask_fit": _dask_fit, "memory_fit_equal": _memory_fit_equal,
             "dask_sample": _dask_sample, "head_rows": _head_rows}


def _run_child(kind: str, args: list) -> None:
    converted = [int(a) if a.isdigit() else a for a in args]
    result = _CHILDREN[kind](*converted)
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({**result, "peak_rss_mb_of_main_process": own.ru_maxrss / 1024,  # Linux: KiB
                      # CPU time does not depend on how busy the machine is; wall time does
                      "cpu_seconds_main_process": own.ru_utime + own.ru_stime,
                      "cpu_seconds_child_processes": children.ru_utime + children.ru_stime}))


# ---------------------------------------------------------------------- driver
def _child(*args) -> dict:
    """Run one measurement in a fresh interpreter, with the load average before and after."""
    before = os.getloadavg()
    output = subprocess.run([sys.executable, __file__, "--child", *map(str, args)], check=True,
                            capture_output=True, text=True)
    result = json.loads(output.stdout.strip().splitlines()[-1])
    return {**result, "loadavg_before": [round(x, 2) for x in before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()]}


def _measure(only: str, args, work: Path) -> dict:
    model, stream_out = work / "model.tsyn", work / f"stream_{args.rows}.parquet"
    if not model.exists():
        _child("fit", args.synthesizer, model)
    results = {}
    if only in ("stream", "all"):
        results["stream_to_parquet"] = _child("stream", model, args.rows, args.chunk_size, stream_out)
    if only in ("dask_fit", "all"):
        if not stream_out.exists():
            _child("stream", model, args.rows, args.chunk_size, stream_out)
        fit = _child("dask_fit", stream_out, "tree", work / "dask_fit.tsyn")
        head = work / f"head_{args.equal_rows}.parquet"
        _child("head_rows", stream_out, args.equal_rows, head)
        small = _child("dask_fit", head, "table", work / "dask_fit_small.tsyn")
        equal = _child("memory_fit_equal", head, work / "dask_fit_small.tsyn")
        results["dask_fit"] = {"fit": fit, "equality_fit": small, "equality": equal}
    if only in ("dask_sample", "all"):
        runs = [_child("dask_sample", model, args.dask_rows, w, work / f"dask{w}_{time.time_ns()}") for w in (1, 2)]
        results["dask_sample"] = {"runs": runs, "speedup_2_vs_1": runs[1]["rows_per_second"] / runs[0]["rows_per_second"]}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthesizer", default="bayesian_network")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk-size", type=int, default=262_144)
    parser.add_argument("--dask-rows", type=int, default=2_000_000)
    parser.add_argument("--equal-rows", type=int, default=1_000_000)
    parser.add_argument("--only", choices=("stream", "dask_fit", "dask_sample", "all"), default="all")
    parser.add_argument("--workdir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "tabsynth_scale"))
    parser.add_argument("--child", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.child:
        _run_child(args.child[0], args.child[1:])
        return
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    results = _measure(args.only, args, work)
    path = RESULTS / f"scale_{args.synthesizer}.json"
    RESULTS.mkdir(exist_ok=True)
    merged = json.loads(path.read_text()) if path.exists() else {}
    merged.update(results, synthesizer=args.synthesizer, machine=f"{platform.machine()}, {os.cpu_count()} cores")
    path.write_text(json.dumps(merged, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
