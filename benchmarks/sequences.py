"""Benchmark sequence synthesizers on every bundled panel against a real-holdout ceiling.

What it measures, per panel and seed:

* Panels (gapminder, empl_uk, us_states_produc, chickweight; roles from ``tabsynth.datasets.info``): a
  seeded 70/30 split of the *entities* (sequence keys) into train and holdout.

  - ``real holdout``: the holdout entities scored as if they were synthetic against the train entities
    (``evaluate_sequences(train, holdout)``): what fresh real sequences get, the practical ceiling.
  - ``wide-table trees`` (fixed-length panels only: gapminder, us_states_produc): the synthpop-style
    anchor, one row per entity with every step a column, fitted by the Bayesian network's per-column
    trees, so each value is conditioned on the entity's whole history; unpivoted onto the real index.
  - one row per synthesizer: fitted on train, as many sequences sampled as train has entities, scored
    with ``evaluate_sequences(train, fake, holdout=holdout)`` (privacy and utility use the holdout).

* Weather (three long station series, no entity holdout possible): each synthesizer fitted on all of it,
  compared in 24-hour windows, plus the hour-of-day temperature profile and the ``wind_gust`` missing rate.

Reported: mean and spread over seeds of detection ROC AUC, nearest-trajectory share (synthesizers only),
value shapes, lag-1 autocorrelation, step differences and fit seconds, checked against the targets of the
issue (detection <= 0.60 gapminder/empl_uk, <= 0.70 us_states_produc/chickweight, <= 0.80 weather;
nearest-trajectory share <= 0.55; fit <= 5 s, weather <= 30 s; for neural_sequence weather detection <= 0.70
and fit <= 120 s, weather <= 300 s).

Run:  OMP_NUM_THREADS=1 python benchmarks/sequences.py [--synthesizers markov_chain neural_sequence] [--seeds 3]
      [--panels gapminder empl_uk us_states_produc chickweight weather] [--no-wide]
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
    "sample_steps_per_second": "sample steps/s",
}
DETECTION_TARGET = {"gapminder": 0.60, "empl_uk": 0.60, "us_states_produc": 0.70, "chickweight": 0.70, "weather": 0.80}
WEATHER_EXTRAS = ["hour_profile_correlation", "wind_gust_missing_gap_points"]


def targets(panel: str, name: str = "markov_chain") -> dict[str, float]:
    """Upper bounds of the issues' targets for the row of synthesizer ``name`` on ``panel`` (the neural
    sequence model's issue asks for weather detection <= 0.70 and allows fits of 120 s, weather 300 s)."""
    neural = name == "neural_sequence"
    detection = 0.70 if neural and panel == "weather" else DETECTION_TARGET[panel]
    fit = (300.0 if panel == "weather" else 120.0) if neural else (30.0 if panel == "weather" else 5.0)
    return {"detection.roc_auc": detection, "privacy.nearest_trajectory_share": 0.55, "fit_seconds": fit}


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
    seconds = time.perf_counter() - started
    return fake, {"fit_seconds": fit_seconds, "sample_seconds": seconds, "sample_steps_per_second": len(fake) / seconds}


WIDE_ROW = "wide-table trees"


def to_wide(data: pd.DataFrame, roles: dict) -> pd.DataFrame | None:
    """One row per entity: its context and every time-varying column at every step (``col@step``);
    ``None`` unless every entity has the same index values (a fixed-length panel)."""
    key, index = roles["sequence_key"], roles["sequence_index"]
    if data.groupby(key)[index].apply(tuple).nunique() != 1:
        return None
    varying = [c for c in data.columns if c not in (key, index, *roles["context_columns"])]
    step = data.groupby(key).cumcount()
    wide = data.assign(_step=step).pivot(index=key, columns="_step", values=varying)
    wide.columns = [f"{column}@{s}" for column, s in wide.columns]
    context = data.groupby(key)[list(roles["context_columns"])].first()
    return context.join(wide).reset_index(drop=True)


def from_wide(wide: pd.DataFrame, train: pd.DataFrame, roles: dict) -> pd.DataFrame:
    """Sampled wide rows back to long format on the shared index of the training panel."""
    key, index = roles["sequence_key"], roles["sequence_index"]
    grid = train.loc[train[key] == train[key].iloc[0], index].to_numpy()
    varying = [c for c in train.columns if c not in (key, index, *roles["context_columns"])]
    rows = np.repeat(np.arange(len(wide)), len(grid))
    long = {key: np.char.add("wide_", rows.astype(str)), index: np.tile(grid, len(wide))}
    for name in roles["context_columns"]:
        long[name] = wide[name].to_numpy()[rows]
    for name in varying:
        long[name] = wide[[f"{name}@{s}" for s in range(len(grid))]].to_numpy().ravel()
    return pd.DataFrame(long)[list(train.columns)].astype(train.dtypes.to_dict())


def wide_run(panel: str, seed: int) -> dict | None:
    """The synthpop-style anchor: the Bayesian network's per-column trees on one row per entity (every
    step a column), so each value is conditioned on the entity's whole history. Fixed-length panels only."""
    roles = roles_of(panel)
    train, holdout = entity_split(tabsynth.datasets.load(panel), roles["sequence_key"], seed)
    wide = to_wide(train, roles)
    if wide is None:
        return None
    started = time.perf_counter()
    synth = tabsynth.make("bayesian_network", random_state=seed).fit(wide)
    fit_seconds = time.perf_counter() - started
    fake = from_wide(synth.sample(len(wide), random_state=seed), train, roles)
    report = evaluate_sequences(train, fake, holdout=holdout, random_state=seed, **roles)
    return {"fit_seconds": fit_seconds, **report.scores}


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


def run_panel(panel: str, synthesizers: list[str], seeds: list[int], wide_baseline: bool = True) -> dict:
    """Every row of one panel: {row name: summary}."""
    rows = {}
    if panel != "weather":
        rows[REAL_ROW] = summarize([real_holdout_run(panel, s) for s in seeds], {})
    for name in synthesizers:
        runs = [weather_run(name, s) if panel == "weather" else synthesizer_run(name, panel, s) for s in seeds]
        rows[name] = summarize(runs, targets(panel, name))
    if panel != "weather" and wide_baseline:
        runs = [wide_run(panel, s) for s in seeds]
        if all(run is not None for run in runs):
            rows[WIDE_ROW] = summarize(runs, {})
    return rows


def cell(entry: dict | None) -> str:
    """``mean ± std`` of one summary entry, ``–`` if absent."""
    if entry is None or np.isnan(entry["mean"]):
        return "–"
    if abs(entry["mean"]) >= 1000:
        return f"{entry['mean']:,.0f} ± {entry['std']:,.0f}"
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
            verdict = "" if row in (REAL_ROW, WIDE_ROW) else (", ".join(missed) or "all met")
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
    parser.add_argument("--no-wide", action="store_true", help="skip the wide-table trees anchor row")
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
        "panels": {panel: run_panel(panel, args.synthesizers, seeds, not args.no_wide) for panel in args.panels},
    }
    results["total_seconds"] = time.perf_counter() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sequences.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (RESULTS / "sequences.md").write_text(markdown(results), encoding="utf-8")
    report(results)
    print(f"\n{results['total_seconds']:.0f} s; written to {RESULTS / 'sequences.json'} and sequences.md")


if __name__ == "__main__":
    main()
