"""Regenerate benchmarks/results/benchmark.* : every table synthesizer on every bundled table, 3 seeds.

Each synthesizer x data set x seed runs in its own process, single-threaded (real peak memory, a timeout per
run, the same CPU for every model); the markdown table, the JSON and the two PNG plots are written by
:func:`tabsynth.benchmarking.run_suite`. Sizes: Adult is fit on its train split (32,561 rows), its test split
(16,281) is the holdout; flights, movies and gss_wages: a seeded 25 % holdout, then at most 20,000 fit and
5,000 holdout rows; ames and penguins: a seeded 25 % holdout. CTGAN and TVAE get epochs=30 on CPU. Options are those of ``tabsynth benchmark``.

    python benchmarks/run.py --log benchmarks/results/benchmark_runs.jsonl      # the standard run
    python benchmarks/run.py --neural-datasets adult ...                         # CTGAN/TVAE on Adult only
    python benchmarks/run.py --quick                                             # < 2 minutes -> benchmark_quick.*
    python benchmarks/run.py --from-log benchmarks/results/benchmark_runs.jsonl  # rebuild the outputs from a log
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def from_logs(paths: list[str], output: str, extra_notes: list[str]) -> int:
    """Rebuild the table, JSON and plots from JSON-lines logs (an interrupted run, or runs made in parts)."""
    import pandas as pd

    from tabsynth.benchmarking._suite import NEURAL, TABLE_DATASETS, _notes, standard_datasets, write_results

    runs = pd.concat([pd.read_json(p, lines=True) for p in paths], ignore_index=True)
    runs = runs.drop_duplicates(["synthesizer", "dataset", "seed"], keep="last")
    datasets = [d for d in runs["dataset"].unique() if d in TABLE_DATASETS]
    neural = {n: None for n in NEURAL if n in set(runs["synthesizer"])}
    neural_datasets = sorted(set(runs.loc[runs["synthesizer"].isin(list(neural)), "dataset"]))
    notes = _notes(False, standard_datasets(datasets), neural, neural_datasets)
    notes.append(f"Rebuilt from the run log(s) {', '.join(Path(p).name for p in paths)}; every run single-threaded.")
    notes += extra_notes
    files = write_results(runs, output, info={"notes": notes})
    print(files["markdown"].read_text(encoding="utf-8"))
    return 0


def main(argv=None) -> int:
    from tabsynth.cli import main as cli_main

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument("--from-log", nargs="+", default=None, metavar="JSONL")
    parser.add_argument("--note", action="append", default=[], help="with --from-log: a line for the notes")
    known, rest = parser.parse_known_args(argv)
    if known.from_log:
        return from_logs(known.from_log, known.output, known.note)
    return cli_main(["benchmark", "--output", known.output, *rest])


if __name__ == "__main__":
    sys.exit(main())
