"""High cardinality: every synthesizer on a 50,000-value column and on near-unique free text, in bounded memory.

Each (synthesizer, table) pair is fitted and sampled in its own process under an address-space limit (so a
memory blow-up is recorded, not fatal) and a wall-clock limit; peak RSS is that child's own (``wait4``). The
outcome is ``ok`` (with what the sample looks like), the ``TabsynthError`` raised (class and message), or the
crash / kill / timeout that should never happen.

Tables:

* ``codes``: 100,000 rows, ``code`` with 50,000 distinct values (each seen once, the other half of the rows
  drawn from a Zipf law over them), plus a segment, an amount and an age that depend on it;
* ``movies``: the bundled IMDB movies (58,788 rows; ``title`` is near-unique free text, 56,007 values);
* ``panel`` (sequences): 2,000 entities x 50 steps, a time-varying ``item`` with 50,000 distinct values.

    python benchmarks/high_cardinality.py                      # all pairs, writes results/high_cardinality.json
    python benchmarks/high_cardinality.py --only ctgan:codes   # one pair (prints; merges into the JSON)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
OUTPUT = RESULTS / "high_cardinality.json"
TABLE_RUNS = {"gaussian_copula": {}, "bayesian_network": {}, "ctgan": {"epochs": 1}, "tvae": {"epochs": 1}}
PAIRS = [(name, table) for table in ("codes", "movies") for name in TABLE_RUNS] + [("markov_chain", "panel")]
NUM_ROWS = 2_000


# ---------------------------------------------------------------------- data
def make_codes(rows: int = 100_000, distinct: int = 50_000, seed: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    ranks = np.r_[np.arange(distinct), np.minimum(rng.zipf(1.3, rows - distinct), distinct) - 1]
    rng.shuffle(ranks)
    segment = np.array(list("ABCDE"))[ranks % 5]
    amount = np.round(np.exp(rng.normal(3 + (ranks % 5) * 0.3, 0.5)), 2)
    return pd.DataFrame({"code": np.char.add("c", np.char.zfill(ranks.astype(str), 5)), "segment": segment,
                         "amount": amount, "age": rng.integers(18, 90, rows)})


def make_panel(entities: int = 2_000, steps: int = 50, distinct: int = 50_000, seed: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    rows = entities * steps
    items = np.r_[np.arange(distinct), rng.integers(0, distinct, rows - distinct)]
    rng.shuffle(items)
    key = np.repeat(np.arange(entities), steps)
    return pd.DataFrame({"entity": key, "step": np.tile(np.arange(steps), entities),
                         "region": np.array(list("NSEWC"))[key % 5], "item": np.char.add("i", items.astype(str)),
                         "value": np.round(rng.normal(0, 1, rows).cumsum(), 3)})


def load_table(table: str):
    import tabsynth

    if table == "codes":
        return make_codes(), "code"
    if table == "movies":
        return tabsynth.datasets.load_movies(), "title"
    return make_panel(), "item"


# ---------------------------------------------------------------------- one run (in the child)
def run_one(name: str, table: str) -> dict:
    import tabsynth

    data, column = load_table(table)
    started = time.perf_counter()
    try:
        if table == "panel":
            synth = tabsynth.make(name, random_state=0).fit(
                data, sequence_key="entity", sequence_index="step", context_columns=["region"])
            fit_s = time.perf_counter() - started
            fake = synth.sample(num_sequences=NUM_ROWS // 50, random_state=0)
        else:
            synth = tabsynth.make(name, random_state=0, **TABLE_RUNS[name]).fit(data)
            fit_s = time.perf_counter() - started
            fake = synth.sample(NUM_ROWS, random_state=0)
    except tabsynth.TabsynthError as exc:
        return {"outcome": type(exc).__name__, "message": str(exc), "seconds": time.perf_counter() - started}
    real_values = set(data[column].dropna())
    sampled = fake[column].dropna()
    return {"outcome": "ok", "fit_seconds": fit_s, "sample_seconds": time.perf_counter() - started - fit_s,
            "rows_sampled": len(fake), "column": column, "distinct_real": len(real_values),
            "distinct_sampled": int(sampled.nunique()), "share_of_sampled_seen_in_real":
            float(sampled.isin(real_values).mean()) if len(sampled) else None,
            "same_dtypes": bool(fake.dtypes.to_dict() == data.dtypes.to_dict())}


def _child_main(name: str, table: str) -> None:
    try:
        result = run_one(name, table)
    except MemoryError:
        result = {"outcome": "crash: MemoryError (address-space limit reached)"}
    except Exception as exc:  # noqa: BLE001 (recorded: a crash is exactly what this benchmark looks for)
        result = {"outcome": f"crash: {type(exc).__name__}", "message": str(exc)[:500]}
    print("RESULT " + json.dumps(result), flush=True)


# ---------------------------------------------------------------------- the parent
def run_child(name: str, table: str, memory_gb: float, timeout_s: float) -> dict:
    limit = int(memory_gb * 2**30)

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, "--child", name, table], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=limit_memory)  # noqa: PLW1509
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    peak_mb = getattr(process, "_peak_mb", float("nan"))  # this child's own (see _patch_wait4)
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    result = json.loads(lines[-1][7:]) if lines else {
        "outcome": "timeout" if process.returncode == -9 else f"killed (exit code {process.returncode})",
        "stderr_tail": stderr[-400:]}
    return {"synthesizer": name, "table": table, **result, "peak_rss_mb": round(peak_mb, 1),
            "wall_seconds": round(time.perf_counter() - started, 1), "memory_limit_gb": memory_gb}


def _patch_wait4() -> None:
    """Make Popen reap its child with wait4, keeping that child's own peak RSS (ru_maxrss, KiB on Linux)."""
    original = subprocess.Popen._try_wait

    def _try_wait(self, wait_flags):
        try:
            pid, status, usage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            return original(self, wait_flags)
        if pid == self.pid:
            self._peak_mb = usage.ru_maxrss / 1024
        return pid, status

    subprocess.Popen._try_wait = _try_wait


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="name:table, e.g. ctgan:codes")
    parser.add_argument("--memory-gb", type=float, default=6.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--output", default=str(OUTPUT))
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        _child_main(*args.child)
        return
    _patch_wait4()
    pairs = [tuple(args.only.split(":"))] if args.only else PAIRS
    output = Path(args.output)
    previous = json.loads(output.read_text()) if output.exists() else {"runs": []}
    runs = {(r["synthesizer"], r["table"]): r for r in previous["runs"]}
    for name, table in pairs:
        run = run_child(name, table, args.memory_gb, args.timeout)
        print(json.dumps(run), flush=True)
        runs[(name, table)] = run
    ordered = [runs[p] for p in PAIRS if p in runs]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"runs": ordered, "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                                  "command": "python benchmarks/high_cardinality.py"}, indent=2) + "\n")


if __name__ == "__main__":
    main()
