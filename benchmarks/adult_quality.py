"""Quality, utility and speed of a synthesizer on Adult: the issues' yardstick.

Fit on the train split, sample as many rows, score with sdmetrics' QualityReport and TSTR
(HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0) trained on
synthetic rows, ROC AUC on real held-out rows), detection ROC AUC (gradient boosting telling real
training rows from synthetic rows, 5-fold, balanced), DCR share (synthetic rows nearer a training
subsample than an equal-size held-out subsample) and the exact-copy rate, all from
:mod:`tabsynth.evaluation`. ``--split validation`` carves 20 % of train as the held-out set (for
tuning); ``--split test`` uses Adult's test split (report once, 3 seeds).

    python benchmarks/adult_quality.py --synthesizer gaussian_copula --split test --seeds 3
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

import tabsynth
from tabsynth.demo import quality_scores
from tabsynth.evaluation import detection, privacy

RESULTS = Path(__file__).resolve().parent / "results"


def splits(split: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    train = tabsynth.datasets.load_adult("train")
    if split == "test":
        return train, tabsynth.datasets.load_adult("test")
    held_out = train.sample(frac=0.2, random_state=12345)
    return train.drop(index=held_out.index).reset_index(drop=True), held_out.reset_index(drop=True)


def tstr_auc(train: pd.DataFrame, held_out: pd.DataFrame, reference: pd.DataFrame, target: str = "income") -> float:
    def features(frame):
        x = frame.drop(columns=target).copy()
        for name in x.columns:
            if x[name].dtype == object:
                x[name] = pd.Categorical(x[name], categories=sorted(reference[name].dropna().unique()))
        return x, (frame[target] == ">50K").astype(int)

    x, y = features(train)
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0).fit(x, y)
    x_test, y_test = features(held_out)
    return float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))


def run_one(name: str, params: dict, seed: int, real: pd.DataFrame, held_out: pd.DataFrame) -> dict:
    synth = tabsynth.make(name, random_state=seed, **params)
    started = time.perf_counter()
    synth.fit(real)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    fake = synth.sample(len(real))
    sample_seconds = time.perf_counter() - started
    metadata = synth.metadata_.to_sdmetrics_dict()
    scores = quality_scores(real, fake, metadata)
    return {"seed": seed, "fit_seconds": fit_seconds, "sample_rows_per_second": len(fake) / sample_seconds,
            **scores, "tstr_roc_auc": tstr_auc(fake, held_out, real), **closeness(real, fake, held_out, metadata)}


def closeness(real: pd.DataFrame, fake: pd.DataFrame, held_out: pd.DataFrame, metadata: dict) -> dict:
    """Detection ROC AUC (gradient boosting, 5-fold, balanced), DCR share and exact-copy rate."""
    auc = detection(real, fake, metadata, models=("hgb",), random_state=0)["ROC AUC"].iloc[0]
    scores = privacy(real, fake, held_out, metadata, random_state=0).set_index("Metric")["Score"]
    return {"detection_roc_auc": float(auc), "dcr_share": float(scores["dcr_share"]),
            "exact_copy_rate": float(scores["exact_copy_rate"]),
            "holdout_copy_rate": float(scores["holdout_copy_rate"])}


def summarize(runs: list[dict]) -> dict:
    frame = pd.DataFrame(runs).drop(columns="seed")
    return {k: {"mean": float(frame[k].mean()), "std": float(frame[k].std(ddof=1)) if len(frame) > 1 else 0.0}
            for k in frame.columns}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthesizer", default="gaussian_copula")
    parser.add_argument("--param", action="append", default=[], help="key=value (JSON value)")
    parser.add_argument("--split", choices=["validation", "test"], default="validation")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--tag", default="", help="suffix of the results file name (tuning runs)")
    args = parser.parse_args()
    params = {k: json.loads(v) for k, v in (p.split("=", 1) for p in args.param)}
    real, held_out = splits(args.split)
    runs = [run_one(args.synthesizer, params, seed, real, held_out) for seed in range(args.seeds)]
    reference = {"trtr_roc_auc": tstr_auc(real, held_out, real)}
    result = {"synthesizer": args.synthesizer, "params": params, "split": args.split, "runs": runs,
              "summary": summarize(runs), "reference": reference,
              "machine": f"{platform.machine()}, {platform.system()}, {len(__import__('os').sched_getaffinity(0))} cores",
              "tabsynth_version": tabsynth.__version__}
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"adult_{args.synthesizer}_{args.split}{'_' + args.tag if args.tag else ''}.json"
    out.write_text(json.dumps(result, indent=2))
    for key, value in result["summary"].items():
        print(f"{key:24s} {value['mean']:12.4f} ± {value['std']:.4f}")
    print(f"{'TRTR ROC AUC (real)':24s} {reference['trtr_roc_auc']:12.4f}\nwritten to {out}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
