"""Benchmark the Markov chain sequence synthesizer against the targets of issue 6.

Gapminder: an entity holdout of 20 % of the countries (per seed); the synthesizer is fitted on the
other 80 % and as many sequences are sampled; sequence metrics compare them with the training
sequences, utility and privacy use the holdout. Weather: three long series, compared in 24-hour
windows (no entity holdout is possible with three stations). Mean and spread over 3 seeds.

For scale, ``gapminder_real_halves_reference`` scores two disjoint halves of the real countries against
each other (10 splits): what a fresh real sample of 71 countries gets.

Run:  python benchmarks/sequences.py  [--seeds 3]  -> benchmarks/results/sequences.json
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import tabsynth
from tabsynth.evaluation.sequence_report import evaluate_sequences

RESULTS = Path(__file__).resolve().parent / "results" / "sequences.json"
GAPMINDER_TARGETS = {"fit_seconds": ("<=", 5), "value_shapes": (">=", 0.95), "autocorrelation.lag1": (">=", 0.80),
                     "step_differences": (">=", 0.85), "detection.roc_auc": ("<=", 0.75),
                     "privacy.nearest_trajectory_share": ("<=", 0.60)}
WEATHER_TARGETS = {"fit_seconds": ("<=", 30), "value_shapes": (">=", 0.95), "hour_profile_correlation": (">=", 0.95),
                   "wind_gust_missing_gap_points": ("<=", 2), "detection.roc_auc": ("<=", 0.80)}


def timed_fit_sample(data, roles: dict, seed: int):
    """Fit the Markov chain on ``data`` and sample as many sequences: (synthetic, fit s, sample s)."""
    started = time.perf_counter()
    synth = tabsynth.make("markov_chain", random_state=seed).fit(data, **roles)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    fake = synth.sample(data[roles["sequence_key"]].nunique(), random_state=seed)
    return fake, fit_seconds, time.perf_counter() - started


def gapminder_run(seed: int) -> dict:
    data = tabsynth.datasets.load_gapminder()
    countries = data["country"].unique()
    test = np.random.default_rng(seed).choice(countries, round(0.2 * len(countries)), replace=False)
    train, holdout = data[~data["country"].isin(test)], data[data["country"].isin(test)]
    roles = {"sequence_key": "country", "sequence_index": "year", "context_columns": ["continent"]}
    fake, fit_seconds, sample_seconds = timed_fit_sample(train, roles, seed)
    report = evaluate_sequences(train, fake, holdout=holdout, random_state=seed, **roles)
    return {"fit_seconds": fit_seconds, "sample_seconds": sample_seconds, **report.scores}


def gapminder_reference(seed: int) -> dict:
    """The same fidelity scores for two disjoint halves of the real countries: the noise floor of a fresh
    real sample (a synthesizer scoring above it against its training data is closer than new real data)."""
    data = tabsynth.datasets.load_gapminder()
    countries = data["country"].unique()
    half = np.random.default_rng(seed).choice(countries, len(countries) // 2, replace=False)
    roles = {"sequence_key": "country", "sequence_index": "year", "context_columns": ["continent"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        report = evaluate_sequences(data[data["country"].isin(half)], data[~data["country"].isin(half)],
                                    random_state=seed, **roles)
    return report.scores


def weather_run(seed: int) -> dict:
    data = tabsynth.datasets.load_weather()
    roles = {"sequence_key": "origin", "sequence_index": "time_hour"}
    fake, fit_seconds, sample_seconds = timed_fit_sample(data, roles, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no holdout on purpose (three stations)
        report = evaluate_sequences(data, fake, window=24, random_state=seed, **roles)
    profile = np.corrcoef(data.groupby("hour")["temp"].mean(), fake.groupby("hour")["temp"].mean())[0, 1]
    gap = 100 * abs(data["wind_gust"].isna().mean() - fake["wind_gust"].isna().mean())
    return {"fit_seconds": fit_seconds, "sample_seconds": sample_seconds, "hour_profile_correlation": profile,
            "wind_gust_missing_gap_points": gap, **report.scores}


def summarize(runs: list[dict], targets: dict) -> dict:
    frame = pd.DataFrame(runs)
    out = {}
    for name in frame.columns:
        values = frame[name].astype(float)
        entry = {"mean": float(values.mean()), "std": float(values.std(ddof=0)), "runs": values.round(4).tolist()}
        if name in targets:
            op, bound = targets[name]
            entry["target"] = f"{op} {bound}"
            entry["met"] = bool(entry["mean"] <= bound if op == "<=" else entry["mean"] >= bound)
        out[name] = entry
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    results = {"machine": {"python": platform.python_version(), "processor": platform.processor(),
                           "cpus": __import__("os").cpu_count()},
               "seeds": seeds,
               "gapminder": summarize([gapminder_run(s) for s in seeds], GAPMINDER_TARGETS),
               "gapminder_real_halves_reference": summarize([gapminder_reference(s) for s in range(10)], {}),
               "weather": summarize([weather_run(s) for s in seeds], WEATHER_TARGETS)}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
    for dataset in ("gapminder", "gapminder_real_halves_reference", "weather"):
        print(f"\n{dataset}")
        for name, entry in results[dataset].items():
            target = f"  target {entry['target']}: {'met' if entry['met'] else 'NOT met'}" if "target" in entry else ""
            print(f"  {name:<36} {entry['mean']:9.4f} +/- {entry['std']:.4f}{target}")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
