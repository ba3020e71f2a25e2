"""Benchmark sequence synthesizers on every bundled panel against a real-holdout ceiling.

What it measures, per panel and seed:

* Panels (gapminder, empl_uk, us_states_produc, chickweight; roles from ``tabsynth.datasets.info``): a
  seeded 70/30 split of the *entities* (sequence keys) into train and holdout.

  - ``real holdout``: the holdout entities scored as if they were synthetic against the train entities
    (``evaluate_sequences(train, holdout)``): what fresh real sequences get, the practical ceiling.
  - one row per synthesizer: fitted on train, as many sequences sampled as train has entities, scored
    with ``evaluate_sequences(train, fake, holdout=holdout)`` (privacy and utility use the holdout).

* Weather (three long station series, no entity holdout possible): each synthesizer fitted on all of it,
  compared in 24-hour windows, plus the hour-of-day temperature profile and the ``wind_gust`` missing rate.

Reported: mean and spread over seeds of detection ROC AUC, nearest-trajectory share (synthesizers only),
value shapes, lag-1 autocorrelation, step differences and fit seconds, checked against the targets of the
issue (detection <= 0.60 gapminder/empl_uk, <= 0.70 us_states_produc/chickweight, <= 0.80 weather;
nearest-trajectory share <= 0.55; fit <= 5 s, weather <= 30 s).

Run:  OMP_NUM_THREADS=1 python benchmarks/sequences.py [--synthesizers markov_chain ...] [--seeds 3]
      [--panels gapminder empl_uk us_states_produc chickweight weather]
      -> benchmarks/results/sequences.json and benchmarks/results/sequences.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import tabsynth
from tabsynth.evaluation.sequence_report import evaluate_sequences

RESULTS = Path(__file__).resolve().parent / "results"
PANELS = ["gapminder", "empl_uk", "us_states_produc", "chickweight", "weather"]
HOLDOUT_SHARE = 0.3
REAL_ROW = "real holdout"
METRICS = {  # score key -> column title in the markdown table
    "detection.roc_auc": "detection AUC",
    "privacy.nearest_trajectory_share": "nearest-trajectory share",
    "value_shapes": "value shapes",
    "autocorrelation.lag1": "lag-1 autocorrelation",
    "step_differences": "step differences",
    "fit_seconds": "fit s",
}
DETECTION_TARGET = {"gapminder": 0.60, "empl_uk": 0.60, "us_states_produc": 0.70, "chickweight": 0.70, "weather": 0.80}
WEATHER_EXTRAS = ["hour_profile_correlation", "wind_gust_missing_gap_points"]


def targets(panel: str) -> dict[str, float]:
    """Upper bounds of the issue's targets for a synthesizer row of ``panel``."""
    return {
        "detection.roc_auc": DETECTION_TARGET[panel],
        "privacy.nearest_trajectory_share": 0.55,
        "fit_seconds": 30.0 if panel == "weather" else 5.0,
    }


def roles_of(panel: str) -> dict:
    """The suggested sequence roles of a bundled panel, as keyword arguments."""
    meta = tabsynth.datasets.info(panel)
    return {
        "sequence_key": meta.sequence_key,
        "sequence_index": meta.sequence_index,
        "context_columns": list(meta.context_columns),
    }


def entity_split(data: pd.DataFrame, key: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded split of the entities: (train rows, holdout rows), HOLDOUT_SHARE of the entities held out."""
    entities = data[key].unique()
    held = np.random.default_rng(seed).choice(entities, round(HOLDOUT_SHARE * len(entities)), replace=False)
    in_holdout = data[key].isin(held)
    return data[~in_holdout].reset_index(drop=True), data[in_holdout].reset_index(drop=True)


def fit_sample(name: str, train: pd.DataFrame, roles: dict, seed: int) -> tuple[pd.DataFrame, dict]:
    """Fit synthesizer ``name`` on ``train``, sample as many sequences: (synthetic, timings)."""
    started = time.perf_counter()
    synth = tabsynth.make(name, random_state=seed).fit(train, **roles)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    fake = synth.sample(train[roles["sequence_key"]].nunique(), random_state=seed)
    return fake, {"fit_seconds": fit_seconds, "sample_seconds": time.perf_counter() - started}


def real_holdout_run(panel: str, seed: int) -> dict:
    """Scores of the holdout entities taken as synthetic data against the train entities."""
    roles = roles_of(panel)
    train, holdout = entity_split(tabsynth.datasets.load(panel), roles["sequence_key"], seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no holdout for the holdout itself
        report = evaluate_sequences(train, holdout, random_state=seed, **roles)
    return dict(report.scores)


def synthesizer_run(name: str, panel: str, seed: int) -> dict:
    """Fit on the train entities, score the sample against them with the holdout for privacy/utility."""
    roles = roles_of(panel)
    train, holdout = entity_split(tabsynth.datasets.load(panel), roles["sequence_key"], seed)
    fake, timings = fit_sample(name, train, roles, seed)
    report = evaluate_sequences(train, fake, holdout=holdout, random_state=seed, **roles)
    return {**timings, **report.scores}


def weather_run(name: str, seed: int) -> dict:
    """Fit on the three station series, compare in 24-hour windows; hour profile and gust missingness."""
    data, roles = tabsynth.datasets.load_weather(), roles_of("weather")
    fake, timings = fit_sample(name, data, roles, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no holdout on purpose (three stations)
        report = evaluate_sequences(data, fake, window=24, random_state=seed, **roles)
    profile = np.corrcoef(data.groupby("hour")["temp"].mean(), fake.groupby("hour")["temp"].mean())[0, 1]
    gap = 100 * abs(data["wind_gust"].isna().mean() - fake["wind_gust"].isna().mean())
    return {
        **timings,
        "hour_profile_correlation": float(profile),
        "wind_gust_missing_gap_points": float(gap),
        **report.scores,
    }


def summarize(runs: list[dict], bounds: dict[str, float]) -> dict:
    """Mean, spread (ddof=0) and per-seed values of every score; ``met`` where a target applies."""
    frame = pd.DataFrame(runs)
    out = {}
    for name in frame.columns:
        values = frame[name].astype(float)
        entry = {"mean": float(values.mean()), "std": float(values.std(ddof=0)), "runs": values.round(4).tolist()}
        if name in bounds and not np.isnan(entry["mean"]):
            entry["target"] = f"<= {bounds[name]:g}"
            entry["met"] = bool(entry["mean"] <= bounds[name])
        out[name] = entry
    return out


def run_panel(panel: str, synthesizers: list[str], seeds: list[int]) -> dict:
    """Every row of one panel: {row name: summary}."""
    rows = {}
    if panel != "weather":
        rows[REAL_ROW] = summarize([real_holdout_run(panel, s) for s in seeds], {})
    for name in synthesizers:
        runs = [weather_run(name, s) if panel == "weather" else synthesizer_run(name, panel, s) for s in seeds]
        rows[name] = summarize(runs, targets(panel))
    return rows


def cell(entry: dict | None) -> str:
    """``mean ± std`` of one summary entry, ``–`` if absent."""
    if entry is None or np.isnan(entry["mean"]):
        return "–"
    return f"{entry['mean']:.3f} ± {entry['std']:.3f}"


def markdown(results: dict) -> str:
    """One table over every panel and row, then the weather extras."""
    titles = list(METRICS.values())
    header = (
        f"Sequence benchmark (`python benchmarks/sequences.py`): seeds {results['seeds']}, 70/30 entity split "
        "(weather: 24-hour windows, no holdout). Mean ± std (ddof 0) over seeds."
    )
    lines = [
        header,
        "",
        "| panel | row | " + " | ".join(titles) + " | targets not met |",
        "|---|---|" + "---:|" * len(titles) + "---|",
    ]
    for panel, rows in results["panels"].items():
        for row, summary in rows.items():
            missed = [METRICS[k] for k, e in summary.items() if k in METRICS and e.get("met") is False]
            verdict = "" if row == REAL_ROW else (", ".join(missed) or "all met")
            figures = " | ".join(cell(summary.get(key)) for key in METRICS)
            lines.append(f"| {panel} | {row} | {figures} | {verdict} |")
    for row, summary in results["panels"].get("weather", {}).items():
        extras = ", ".join(f"{k} {cell(summary.get(k))}" for k in WEATHER_EXTRAS)
        lines += ["", f"Weather, {row}: {extras}."]
    return "\n".join(lines) + "\n"


def report(results: dict) -> None:
    """Print every figure with its target verdict."""
    for panel, rows in results["panels"].items():
        for row, summary in rows.items():
            print(f"\n{panel} / {row}")
            for name, entry in summary.items():
                verdict = (
                    f"  target {entry['target']}: {'met' if entry['met'] else 'NOT met'}" if "met" in entry else ""
                )
                print(f"  {name:<36} {entry['mean']:9.4f} +/- {entry['std']:.4f}{verdict}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--synthesizers",
        nargs="+",
        default=["markov_chain"],
        metavar="NAME",
        help="registry names of sequence synthesizers (default: markov_chain)",
    )
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds 0..N-1 (default 3)")
    parser.add_argument(
        "--panels",
        nargs="+",
        default=PANELS,
        choices=PANELS,
        metavar="PANEL",
        help=f"panels to run (default: all of {PANELS})",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    seeds, started = list(range(args.seeds)), time.perf_counter()
    results = {
        "machine": {
            "python": platform.python_version(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        },
        "seeds": seeds,
        "synthesizers": args.synthesizers,
        "holdout_share": HOLDOUT_SHARE,
        "panels": {panel: run_panel(panel, args.synthesizers, seeds) for panel in args.panels},
    }
    results["total_seconds"] = time.perf_counter() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sequences.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (RESULTS / "sequences.md").write_text(markdown(results), encoding="utf-8")
    report(results)
    print(f"\n{results['total_seconds']:.0f} s; written to {RESULTS / 'sequences.json'} and sequences.md")


if __name__ == "__main__":
    main()
