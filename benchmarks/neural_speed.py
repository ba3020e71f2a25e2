"""CTGAN and TVAE fit speed and quality against the reference implementation (``ctgan`` on PyPI), interleaved.

For each epoch count, model and seed, ours and the reference are fitted one after the other, each in
a fresh subprocess with the same torch thread count (``--threads``, default 1, so the shared 2-core
machine stays usable; OMP/MKL/OpenBLAS threads are pinned to the same number), the same
architecture, batch size and epochs (both libraries' published defaults). Each child reports its
total fit time (encoding + training; wall clock and the process' CPU time, which moves less with
the machine's load), the encoding part, and sampling speed, then writes ``len(train)`` synthetic
rows to CSV; the parent scores both with the sdmetrics-compatible QualityReport
(:func:`tabsynth.demo.quality_scores`). ``os.getloadavg()`` is recorded with every timing.

The reference runs in its own virtual environment; ``ctgan`` is never a dependency of tabsynth and
none of its code is used here beyond calling it::

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install torch==2.13.0 ctgan==0.12.1
    python benchmarks/neural_speed.py --epochs 30 --seeds 0          # timing, 1 seed
    python benchmarks/neural_speed.py --epochs 30 --seeds 1 2        # add seeds for the quality mean

Results accumulate in ``benchmarks/results/neural_speed.json`` (one entry per model, epochs, seed
and implementation; a rerun replaces its entries) and a table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "neural_speed.json"
SAMPLE_SPEED_ROWS = 100_000


# ---------------------------------------------------------------------- children (one fit each)
def _timer(owner, name: str, totals: dict) -> None:
    """Accumulate the wall time of ``owner.name`` calls into ``totals["encoding"]``."""
    original = getattr(owner, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals["encoding"] += time.perf_counter() - started

    setattr(owner, name, timed)


def _fit_ours(model: str, epochs: int, seed: int, data_csv: str, out_csv: str) -> dict:
    import tabsynth
    from tabsynth.schema.table import Schema
    from tabsynth.synthesizers.neural._layout import TableTransformer

    real = tabsynth.datasets.load_adult()
    tabsynth.make(model, epochs=1, device="cpu", random_state=0).fit(real.head(600))  # imports, as the reference's
    totals = {"encoding": 0.0}
    for owner, name in ((Schema, "encode"), (TableTransformer, "fit"), (TableTransformer, "transform")):
        _timer(owner, name, totals)
    _timer(Schema, "fit", totals)  # a classmethod: wrapped the same way
    synth = tabsynth.make(model, epochs=epochs, validation_fraction=None, device="cpu", random_state=seed)  # as the reference
    return _fit_and_sample(lambda: synth.fit(real), lambda n: synth.sample(n), totals, out_csv, len(real))


def _fit_reference(model: str, epochs: int, seed: int, data_csv: str, out_csv: str) -> dict:
    import pandas as pd
    from ctgan import CTGAN, TVAE
    from ctgan.data_transformer import DataTransformer

    real = pd.read_csv(data_csv)
    discrete = [c for c in real.columns if real[c].dtype == object]
    cls = CTGAN if model == "ctgan" else TVAE
    warm = cls(epochs=1, enable_gpu=False)
    warm.fit(real.head(600), discrete)
    totals = {"encoding": 0.0}
    for name in ("fit", "transform"):
        _timer(DataTransformer, name, totals)
    synth = cls(epochs=epochs, batch_size=500, enable_gpu=False)
    synth.set_random_state(seed)
    return _fit_and_sample(lambda: synth.fit(real, discrete), synth.sample, totals, out_csv, len(real))


def _fit_and_sample(fit, sample, totals: dict, out_csv: str, rows: int) -> dict:
    load_before = os.getloadavg()
    wall, cpu = time.perf_counter(), time.process_time()
    fit()
    result = {"fit_seconds": time.perf_counter() - wall, "fit_cpu_seconds": time.process_time() - cpu,
              "encoding_seconds": totals["encoding"], "load_before": load_before, "load_after": os.getloadavg()}
    started = time.perf_counter()
    sample(SAMPLE_SPEED_ROWS)
    result["sample_rows_per_second"] = SAMPLE_SPEED_ROWS / (time.perf_counter() - started)
    sample(rows).to_csv(out_csv, index=False)
    return result


def child(args) -> None:
    import torch

    torch.set_num_threads(args.threads)
    fit = _fit_ours if args.child == "ours" else _fit_reference
    result = fit(args.model, args.epoch_count, args.seed, args.data, args.out)
    print("RESULT " + json.dumps(result), flush=True)


# ---------------------------------------------------------------------- parent
def run_child(python: str, which: str, model: str, epochs: int, seed: int, threads: int, data: str,
              out: str) -> dict:
    env = {**os.environ, **{k: str(threads) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent) if which == "ours" else ""
    command = [python, __file__, "--child", which, "--model", model, "--epoch-count", str(epochs), "--seed", str(seed),
               "--threads", str(threads), "--data", data, "--out", out]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"{which} {model} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def quality(real, path: str, metadata: dict) -> dict:
    import pandas as pd

    from tabsynth.demo import quality_scores

    fake = pd.read_csv(path)
    fake = fake.astype({c: real[c].dtype for c in real.columns if real[c].dtype != object}, errors="ignore")
    return quality_scores(real, fake[list(real.columns)], metadata)


def main() -> None:
    if "--child" in sys.argv:
        child_parser = argparse.ArgumentParser()
        for name, kind in (("--child", str), ("--model", str), ("--epoch-count", int), ("--seed", int),
                           ("--threads", int), ("--data", str), ("--out", str)):
            child_parser.add_argument(name, type=kind, required=True)
        return child(child_parser.parse_args())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[30])
    parser.add_argument("--models", nargs="+", default=["ctgan", "tvae"], choices=["ctgan", "tvae"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds to run (e.g. 0 1 2)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reference-python", default="/tmp/refenv/bin/python")
    parser.add_argument("--implementations", nargs="+", default=["ours", "reference"], choices=["ours", "reference"],
                        help="rerun one side only (e.g. ours after a change; the reference's entries stay)")
    run_all(parser.parse_args())


def run_all(args) -> None:
    import tabsynth

    real = tabsynth.datasets.load_adult()
    metadata = tabsynth.Metadata.detect(real).to_sdmetrics_dict()
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "adult_train.csv")
        real.to_csv(data, index=False)
        for epochs in args.epochs:
            for model in args.models:
                for seed in args.seeds:
                    for which, python in (("ours", sys.executable), ("reference", args.reference_python)):
                        if which not in args.implementations:
                            continue
                        out = os.path.join(tmp, f"{which}.csv")
                        run = {"model": model, "epochs": epochs, "seed": seed, "implementation": which,
                               "threads": args.threads,
                               **run_child(python, which, model, epochs, seed, args.threads, data, out)}
                        run.update(quality(real, out, metadata))
                        saved["runs"] = [r for r in saved["runs"] if _key(r) != _key(run)] + [run]
                        print(_row(run), flush=True)
                        _write(saved)
    print_table(saved["runs"])


def _key(run: dict) -> tuple:
    return run["model"], run["epochs"], run["seed"], run["implementation"], run.get("threads", 1)


def _row(run: dict) -> str:
    return (f"{run['model']:6s} {run['epochs']:4d} {run['seed']:2d} {run['implementation']:9s} "
            f"fit {run['fit_seconds']:8.1f} s (cpu {run['fit_cpu_seconds']:7.1f}, encoding {run['encoding_seconds']:5.1f})"
            f"  sample {run['sample_rows_per_second']:9.0f} rows/s  quality {run['quality']:.4f}"
            f"  load {run['load_before'][0]:.2f}")


def _write(saved: dict) -> None:
    import platform

    RESULTS.parent.mkdir(exist_ok=True)
    saved["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    saved["summary"] = summarize(saved["runs"])
    RESULTS.write_text(json.dumps(saved, indent=2))


def summarize(runs: list[dict]) -> list[dict]:
    """Per model and epochs: mean fit time and quality of each side, and the time ratio."""
    import pandas as pd

    if not runs:
        return []
    frame = pd.DataFrame(runs)
    table = frame.groupby(["model", "epochs", "threads", "implementation"])[
        ["fit_seconds", "fit_cpu_seconds", "encoding_seconds", "sample_rows_per_second", "quality"]].mean()
    rows = []
    for (model, epochs, threads), part in table.groupby(level=[0, 1, 2]):
        sides = part.droplevel([0, 1, 2])
        if {"ours", "reference"} <= set(sides.index):
            ours, ref = sides.loc["ours"], sides.loc["reference"]
            seeds = frame[(frame.model == model) & (frame.epochs == epochs)].groupby("implementation").seed.nunique()
            rows.append({"model": model, "epochs": int(epochs), "threads": int(threads),
                         "seeds": int(seeds.min()),
                         **{f"ours_{k}": float(v) for k, v in ours.items()},
                         **{f"reference_{k}": float(v) for k, v in ref.items()},
                         "fit_time_ratio": float(ours["fit_seconds"] / ref["fit_seconds"]),
                         "fit_cpu_ratio": float(ours["fit_cpu_seconds"] / ref["fit_cpu_seconds"])})
    return rows


def print_table(runs: list[dict]) -> None:
    print(f"\n{'model':6s} {'epochs':>6s} {'seeds':>5s} {'ours s':>8s} {'ref s':>8s} {'ratio':>6s} {'cpu ratio':>9s} "
          f"{'ours Q':>7s} {'ref Q':>7s} {'ours rows/s':>11s}")
    for row in summarize(runs):
        print(f"{row['model']:6s} {row['epochs']:6d} {row['seeds']:5d} {row['ours_fit_seconds']:8.1f} "
              f"{row['reference_fit_seconds']:8.1f} {row['fit_time_ratio']:6.3f} {row['fit_cpu_ratio']:9.3f} "
              f"{row['ours_quality']:7.4f} {row['reference_quality']:7.4f} {row['ours_sample_rows_per_second']:11.0f}")


if __name__ == "__main__":
    main()
