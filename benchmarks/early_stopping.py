"""Early stopping on Adult: how many epochs a held-out fidelity score picks, and what quality it reaches.

    python benchmarks/early_stopping.py --device cuda --epochs 300 --patience 10   # -> results/early_stopping.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import tabsynth

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--models", nargs="+", default=["tvae", "ctgan"])
    parser.add_argument("--output", default=str(RESULTS / "early_stopping.json"))
    args = parser.parse_args()
    train, test = tabsynth.datasets.load_adult(), tabsynth.datasets.load_adult(split="test")
    runs = []
    for name in args.models:
        synth = tabsynth.make(name, epochs=args.epochs, validation_fraction=0.1, patience=args.patience,
                              device=args.device, random_state=0)
        started = time.perf_counter()
        synth.fit(train)
        seconds = time.perf_counter() - started
        history = synth.loss_history_
        scores = history.groupby("epoch")["validation_score_smoothed"].last().dropna()  # what decides
        report = tabsynth.evaluate(train, synth.sample(len(train), random_state=0), target="income", holdout=test,
                                   metrics=("marginal", "joint", "utility"))
        record = {"model": name, "device": args.device, "max_epochs": args.epochs, "patience": args.patience,
                  "epochs_trained": int(history["epoch"].max()) + 1, "best_epoch": int(scores.idxmax()),
                  "best_validation_score_smoothed": float(scores.max()), "fit_seconds": seconds,
                  "quality": report.score, "tstr_roc_auc": report.scores.get("utility.hgb.tstr.roc_auc")}
        print(json.dumps(record), flush=True)
        runs.append(record)
    Path(args.output).write_text(json.dumps({"runs": runs}, indent=2))


if __name__ == "__main__":
    main()
