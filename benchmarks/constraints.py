"""Constraints on bundled tables (issue 19): adherence over many sampled rows, and detection on a held-out split.

Adherence: flights (rows where ``sched_dep_time <= sched_arr_time``; that inequality and carrier-tail fixed
combinations) and Adult (``education``/``education-num`` fixed combinations), for every table synthesizer (CTGAN
and TVAE after 3 epochs on 5,000 of the rows: the rules hold by construction), ``--rows`` rows unconditioned, with a condition, and after save/load; the same rules counted in
rows of the same model fitted without them. Detection: ``detect_constraints`` on a seeded 70 % split of each
bundled table, each kept rule checked on the other 30 % (a fixed combination breaks there only when both values
were seen in the 70 % but never together). Writes benchmarks/results/constraints.json.

Fidelity: sdmetrics-equal quality and detection score of each synthesizer with and without the rules, 3 seeds.

Run:  OMP_NUM_THREADS=1 python benchmarks/constraints.py  [--rows 100000] [--only-fidelity]
      [--only-adherence ctgan tvae]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import tabsynth
from tabsynth.constraints import FixedCombinations, Inequality, detect_constraints

RESULTS = Path(__file__).resolve().parent / "results" / "constraints.json"
TABLES = ("adult", "flights", "ames", "penguins", "movies", "gss_wages")
SYNTHESIZERS = ("bayesian_network", "gaussian_copula", "ctgan", "tvae")
# the neural models after a few epochs: the rules hold by construction, not because the model learned them
FEW_EPOCHS = {"ctgan": {"epochs": 3, "validation_fraction": None, "device": "cpu"},
              "tvae": {"epochs": 3, "validation_fraction": None, "device": "cpu"}}
NEURAL_ROWS = 5_000  # their fit rows (flights' 4,000 tail numbers make a wide one-hot layer: minutes an epoch)


def cases() -> list[tuple[str, pd.DataFrame, list, dict]]:
    flights = tabsynth.datasets.load("flights").drop(columns=["time_hour"]).sample(50_000, random_state=0)
    flights = flights[flights.sched_dep_time <= flights.sched_arr_time].reset_index(drop=True)
    adult = tabsynth.datasets.load_adult()
    return [("flights", flights, [Inequality("sched_dep_time", "sched_arr_time"),
                                  FixedCombinations(["carrier", "tailnum"])], {"carrier": "UA"}),
            ("adult", adult, [FixedCombinations(["education", "education-num"])], {"sex": "Female"})]


def broken(rules, rows: pd.DataFrame, real: pd.DataFrame) -> dict:
    return {repr(r): int((~(r.is_valid(rows, real) if isinstance(r, FixedCombinations) else r.is_valid(rows))).sum())
            for r in rules}


def adherence(rows: int, names=SYNTHESIZERS) -> list[dict]:
    out = []
    for table, data, rules, condition in cases():
        for name in names:
            params = FEW_EPOCHS.get(name, {})
            if name in FEW_EPOCHS:
                data = data.sample(min(len(data), NEURAL_ROWS), random_state=0).reset_index(drop=True)
            synth = tabsynth.make(name, constraints=rules, random_state=0, **params).fit(data)
            free = tabsynth.make(name, random_state=0, **params).fit(data)
            with tempfile.TemporaryDirectory() as tmp:
                synth.save(Path(tmp) / "m.tsyn")
                loaded = tabsynth.load(Path(tmp) / "m.tsyn")
            record = {"table": table, "synthesizer": name, "params": params, "rows": rows,
                      "broken_with": broken(rules, synth.sample(rows, random_state=1), data),
                      "broken_conditioned": broken(rules, synth.sample(rows, conditions=condition, random_state=2), data),
                      "broken_after_load": broken(rules, loaded.sample(rows, random_state=3), data),
                      "broken_without": broken(rules, free.sample(rows, random_state=1), data)}
            print(json.dumps(record), flush=True)
            out.append(record)
    return out


def held_out_breaks(rule, test: pd.DataFrame, train: pd.DataFrame) -> int:
    if not isinstance(rule, FixedCombinations):
        return int((~rule.is_valid(test)).sum())
    cols = list(rule.columns)
    seen = test[cols].apply(lambda c: c.isin(set(train[c.name].dropna()))).all(axis=1)
    return int((~rule.is_valid(test[seen], train)).sum())


def detection() -> list[dict]:
    out = []
    for table in TABLES:
        data = tabsynth.datasets.load(table)
        test = data.sample(frac=0.3, random_state=0)
        train = data.drop(test.index)
        rules = detect_constraints(train)
        fails = {repr(r): held_out_breaks(r, test, train) for r in rules}
        record = {"table": table, "proposed": len(rules), "failing_in_held_out": sum(v > 0 for v in fails.values()),
                  "rules": fails}
        print(json.dumps(record), flush=True)
        out.append(record)
    return out


def fidelity(seeds: int) -> list[dict]:
    """Quality and detection of the same synthesizer with and without the rules (real rows vs as many synthetic)."""
    out = []
    for table, data, rules, _ in cases():
        for name in ("bayesian_network", "gaussian_copula"):
            for seed in range(seeds):
                record = {"table": table, "synthesizer": name, "seed": seed}
                for label, given in (("with", rules), ("without", None)):
                    synth = tabsynth.make(name, constraints=given, random_state=seed).fit(data)
                    report = tabsynth.evaluate(data, synth.sample(len(data), random_state=seed),
                                               metrics=["marginal", "joint", "detection"], random_state=seed)
                    record[label] = {"quality": report.score, "detection": report.scores["detection.score"]}
                print(json.dumps(record), flush=True)
                out.append(record)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--fidelity-seeds", type=int, default=3, help="seeds of the with/without comparison")
    parser.add_argument("--only-fidelity", action="store_true", help="just the with/without comparison")
    parser.add_argument("--only-adherence", nargs="+", metavar="SYNTHESIZER", default=None,
                        help="just the adherence of these synthesizers, merged into the existing results")
    args = parser.parse_args()
    if args.only_adherence:
        results = json.loads(RESULTS.read_text())
        kept = [r for r in results.get("adherence", []) if r["synthesizer"] not in args.only_adherence]
        results["adherence"] = kept + adherence(args.rows, args.only_adherence)
        RESULTS.write_text(json.dumps(results, indent=1, default=str))
        print(f"written to {RESULTS}")
        return
    results = json.loads(RESULTS.read_text()) if args.only_fidelity and RESULTS.exists() else {
        "detection": detection(), "adherence": adherence(args.rows)}
    results["fidelity"] = fidelity(args.fidelity_seeds)
    RESULTS.write_text(json.dumps(results, indent=1, default=str))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
