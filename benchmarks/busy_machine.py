"""Speed on a busy machine: each job idle and beside another CPU-bound process, interleaved.

    python benchmarks/busy_machine.py            # -> results/busy_machine.json and .md

Jobs: the Adult report (``evaluate`` with target and holdout), a report on penguins (344 rows), a Bayesian
network fit on Adult, and one CTGAN epoch on 5,000 Adult rows. Each runs with tabsynth's default
(``n_jobs=None``: the idle cores) and with ``n_jobs=-1`` (every core, as native pools do by themselves), idle
and busy, in rounds so that load drift hits all alike; the figure is the median over rounds. Target: busy at
most 1.5x idle with the default.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import tabsynth

RESULTS = Path(__file__).parent / "results"


def _jobs():
    adult, test = tabsynth.datasets.load_adult(), tabsynth.datasets.load_adult("test")
    penguins = tabsynth.datasets.load_penguins()
    fake_adult = tabsynth.make("bayesian_network", random_state=0).fit(adult).sample(len(adult), random_state=0)
    fake_penguins = tabsynth.make("bayesian_network", random_state=0).fit(penguins).sample(344, random_state=0)
    small = adult.sample(5000, random_state=0).reset_index(drop=True)
    return {
        "adult report": lambda n: tabsynth.evaluate(adult, fake_adult, target="income", holdout=test, n_jobs=n),
        "penguins report": lambda n: tabsynth.evaluate(penguins, fake_penguins, n_jobs=n),
        "bn fit adult": lambda n: tabsynth.make("bayesian_network", random_state=0, n_jobs=n).fit(adult),
        "ctgan epoch (5,000 rows)": lambda n: tabsynth.make("ctgan", epochs=1, validation_fraction=None,
                                                           device="cpu", random_state=0, n_jobs=n).fit(small),
    }


def _timed(job, n_jobs) -> float:
    start = time.perf_counter()
    job(n_jobs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    jobs = _jobs()
    for job in jobs.values():  # warm imports and caches
        job(None)
    times = {(name, mode, n): [] for name in jobs for mode in ("idle", "busy") for n in (None, -1)}
    for _ in range(args.rounds):
        for mode in ("idle", "busy"):
            other = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if mode == "busy" else None
            time.sleep(1.0)
            try:
                for name, job in jobs.items():
                    for n in (None, -1):
                        times[(name, mode, n)].append(_timed(job, n))
            finally:
                if other is not None:
                    other.kill()
                    other.wait()
    rows = []
    for name in jobs:
        row = {"job": name}
        for n, label in ((None, "default"), (-1, "every core")):
            idle, busy = (statistics.median(times[(name, m, n)]) for m in ("idle", "busy"))
            row[label] = {"idle_s": round(idle, 2), "busy_s": round(busy, 2), "ratio": round(busy / idle, 2)}
        rows.append(row)
        print(row, flush=True)
    _write(rows, args.rounds)


def _write(rows, rounds) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "busy_machine.json").write_text(json.dumps({"rounds": rounds, "rows": rows}, indent=2))
    lines = [(f"Busy machine (`python benchmarks/busy_machine.py`): median of {rounds} interleaved rounds; busy = one "
             "other CPU-bound process running. Ratio = busy / idle; target <= 1.5 with the default."), "",
             "| job | default idle s | default busy s | ratio | every core idle s | every core busy s | ratio |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        d, e = row["default"], row["every core"]
        lines.append(f"| {row['job']} | {d['idle_s']} | {d['busy_s']} | {d['ratio']} | {e['idle_s']} | "
                     f"{e['busy_s']} | {e['ratio']} |")
    (RESULTS / "busy_machine.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
