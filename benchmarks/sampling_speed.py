"""Sampling throughput on Adult (best of 3, in one process), in memory and streamed to parquet.

    python benchmarks/sampling_speed.py --synthesizer bayesian_network
    python benchmarks/sampling_speed.py --synthesizer ctgan --param epochs=1   # speed does not depend on epochs
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import tabsynth

RESULTS = Path(__file__).resolve().parent / "results"


def best_rate(action, rows: int, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return rows / min(times)


def _torch_threads() -> int | None:
    try:
        import torch
    except ImportError:
        return None
    return torch.get_num_threads()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthesizer", default="bayesian_network")
    parser.add_argument("--param", action="append", default=[], help="key=value (JSON value)")
    args = parser.parse_args()
    params = {k: json.loads(v) for k, v in (p.split("=", 1) for p in args.param)}
    synth = tabsynth.make(args.synthesizer, random_state=0, **params).fit(tabsynth.datasets.load_adult())
    synth.sample(1000)
    result = {"synthesizer": args.synthesizer, "params": params, "threads": _torch_threads(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "load_average": os.getloadavg()}
    for rows in (32_561, 1_000_000):
        result[f"sample_{rows}_rows_per_second"] = best_rate(lambda rows=rows: synth.sample(rows), rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.parquet")
        result["to_parquet_2000000_rows_per_second"] = best_rate(
            lambda: synth.sample_to_file(path, 2_000_000), 2_000_000, repeats=1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"sampling_speed_{args.synthesizer}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
