"""Scale: stream many Adult-shaped rows to parquet in bounded memory; Dask throughput with 1 vs 2 workers.

Each measurement runs in its own process, so peak RSS is that run's alone.

    python benchmarks/scale.py --synthesizer bayesian_network --rows 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _fit_model(synthesizer: str, model_path: str) -> None:
    import tabsynth

    tabsynth.make(synthesizer, random_state=0).fit(tabsynth.datasets.load_adult()).save(model_path)


def _stream(model_path: str, rows: int, chunk_size: int, out: str) -> dict:
    import tabsynth

    synth = tabsynth.load(model_path)
    started = time.perf_counter()
    synth.sample_to_file(out, rows, chunk_size=chunk_size, random_state=0)
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds, "file_bytes": os.path.getsize(out)}


def _dask(model_path: str, rows: int, workers: int, out: str) -> dict:
    from dask.distributed import Client, LocalCluster

    import tabsynth
    import tabsynth.dask

    synth = tabsynth.load(model_path)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster):
        frame = tabsynth.dask.sample(synth, rows, npartitions=8 * workers, random_state=0)
        started = time.perf_counter()
        frame.to_parquet(out)
        seconds = time.perf_counter() - started
    return {"workers": workers, "rows": rows, "seconds": seconds, "rows_per_second": rows / seconds}


def _child(args: list[str]) -> dict:
    """Run one measurement in a fresh interpreter (its peak RSS is its own)."""
    output = subprocess.run([sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthesizer", default="bayesian_network")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk-size", type=int, default=262_144)
    parser.add_argument("--dask-rows", type=int, default=2_000_000)
    parser.add_argument("--child", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = {"fit": lambda: _fit_model(*rest), "stream": lambda: _stream(rest[0], int(rest[1]), int(rest[2]),
                  rest[3]), "dask": lambda: _dask(rest[0], int(rest[1]), int(rest[2]), rest[3])}[kind]()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
        print(json.dumps({**(result or {}), "peak_rss_mb_of_main_process": peak_mb}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model.tsyn")
        _child(["fit", args.synthesizer, model])
        stream = _child(["stream", model, str(args.rows), str(args.chunk_size), os.path.join(tmp, "out.parquet")])
        dask_runs = [_child(["dask", model, str(args.dask_rows), str(w), os.path.join(tmp, f"dask{w}")])
                     for w in (1, 2)]
    speedup = dask_runs[1]["rows_per_second"] / dask_runs[0]["rows_per_second"]
    result = {"synthesizer": args.synthesizer, "stream_to_parquet": stream, "dask": dask_runs,
              "dask_speedup_2_vs_1": speedup, "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"scale_{args.synthesizer}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
