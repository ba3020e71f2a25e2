"""CTGAN and TVAE on a CUDA device: fit and sampling time on Adult (run where a GPU exists).

    python benchmarks/gpu_speed.py --epochs 30            # writes benchmarks/results/gpu_speed.json

The same settings as the CPU figures (published defaults, batch 500); each model once per seed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import tabsynth

RESULTS = Path(__file__).resolve().parent / "results"


def run(name: str, epochs: int, seed: int, train, test) -> dict:
    import torch

    synth = tabsynth.make(name, epochs=epochs, validation_fraction=None, device="cuda", random_state=seed)
    started = time.perf_counter()
    synth.fit(train)
    torch.cuda.synchronize()
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    fake = synth.sample(len(train), random_state=seed)
    sample_seconds = time.perf_counter() - started
    record = {"model": name, "epochs": epochs, "seed": seed, "fit_seconds": fit_seconds,
              "sample_rows_per_second": len(train) / sample_seconds}
    try:
        report = tabsynth.evaluate(train, fake, target="income", holdout=test, metrics=("marginal", "joint"))
        record["quality"] = report.score
    except Exception as exc:  # noqa: BLE001 - the timing is the point; a missing optional package must not lose it
        record["quality_error"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(record), flush=True)
    return record


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--output", default=str(RESULTS / "gpu_speed.json"))
    args = parser.parse_args()
    train, test = tabsynth.datasets.load_adult(), tabsynth.datasets.load_adult(split="test")
    runs = [run(name, args.epochs, seed, train, test) for seed in args.seeds for name in ("tvae", "ctgan")]
    result = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
              "machine": f"{platform.machine()}, {os.cpu_count()} cores", "runs": runs}
    Path(args.output).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
