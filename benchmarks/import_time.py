"""Time ``import tabsynth`` in a fresh interpreter, and what it loads (issue 16).

The package face is lazy: ``import tabsynth`` must not pull pandas, torch, Dask or sdmetrics. Each run
starts a new interpreter (nothing cached in ``sys.modules``) and times the import from inside it with
``time.perf_counter``, so interpreter start-up is not counted. For comparison the same is done for
``import tabsynth; tabsynth.make`` (first use loads the synthesizers) and for bare ``import pandas``.
Runs are interleaved so machine load hits every variant alike. Writes benchmarks/results/import_time.json.

Run:  python benchmarks/import_time.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "torch", "dask", "sdmetrics", "tabsynth.benchmarking")

VARIANTS = {
    "import tabsynth": "import tabsynth",
    "import tabsynth; tabsynth.make": "import tabsynth; tabsynth.make",
    "import pandas (reference)": "import pandas",
}


def _one_run(statement: str) -> tuple[float, list[str]]:
    code = ("import sys, time; start = time.perf_counter(); "
            f"{statement}; elapsed = time.perf_counter() - start; "
            f"print(elapsed); print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout.splitlines()
    loaded = out[1].split(",") if len(out) > 1 and out[1] else []
    return float(out[0]), loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    loaded: dict[str, list[str]] = {}
    for _ in range(args.runs):
        for name, statement in VARIANTS.items():
            elapsed, modules = _one_run(statement)
            times[name].append(elapsed)
            loaded[name] = modules
    result = {
        "runs": args.runs,
        "python": platform.python_version(),
        "variants": {name: {"median_s": round(statistics.median(values), 4),
                            "min_s": round(min(values), 4),
                            "heavy_modules_loaded": loaded[name]}
                     for name, values in times.items()},
    }
    for name, row in result["variants"].items():
        print(f"{name:34s} median {row['median_s']:.4f} s   loads: {', '.join(row['heavy_modules_loaded']) or '-'}")
    out = ROOT / "benchmarks" / "results" / "import_time.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
