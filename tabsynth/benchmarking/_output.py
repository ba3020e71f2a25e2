"""Render a benchmark: markdown tables (one per data set), JSON, and two PNG plots (matplotlib, Agg)."""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
from pathlib import Path

import numpy as np
import pandas as pd

from ._cells import CEILING, FLOOR
from ._stats import compare

COLUMNS = [  # (metric, header, format)
    ("quality", "Quality", "{:.3f}"), ("shapes", "Shapes", "{:.3f}"), ("trends", "Trends", "{:.3f}"),
    ("tstr", "TSTR", "{:.3f}"), ("detection_auc", "Detection AUC", "{:.3f}"), ("dcr_share", "DCR share", "{:.3f}"),
    ("exact_copy_rate", "Exact copies", "{:.4f}"), ("fit_s", "Fit s", "{:.3g}"),
    ("rows_per_s", "Sample rows/s", "{:,.0f}"), ("peak_rss_mb", "Peak RSS MB", "{:,.0f}"),
]


def machine_info() -> dict:
    """Where and when the benchmark ran (the markdown table quotes it)."""
    from .._version import __version__

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count()
    return {"machine": f"{platform.machine()}, {platform.system()}, {cores} cores, "
                       f"{platform.processor() or 'cpu'}",
            "python": platform.python_version(), "tabsynth": __version__,
            "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def _cell(mean, half, fmt: str) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "–"
    text = fmt.format(mean)
    if half is not None and not (isinstance(half, float) and math.isnan(half)):
        text += " ± " + fmt.format(half)
    return text


def _order(labels) -> list[str]:
    middle = [x for x in labels if x not in (CEILING, FLOOR)]
    return ([CEILING] if CEILING in labels else []) + middle + ([FLOOR] if FLOOR in labels else [])


def _load(info: dict) -> str:
    before = info.get("load_average_before")
    after = f"load average (1, 5, 15 min) {info.get('load_average')} at the end"
    return f"load average {before} at the start, {after}" if before else after


def dataset_table(runs: pd.DataFrame, summary: pd.DataFrame, dataset: str) -> list[str]:
    """The markdown lines of one data set: a heading with its sizes and task, then one row per synthesizer."""
    sub = runs[runs["dataset"] == dataset]
    ok = sub[(sub["status"] == "ok") & (sub["synthesizer"] != CEILING)]  # the ceiling holds out half the holdout
    first = ok.iloc[0] if len(ok) else None
    heading = f"### {dataset}"
    if first is not None:
        trtr = pd.to_numeric(ok["trtr"], errors="coerce").mean()
        heading += (f" — fit {int(first['n_fit']):,} rows, holdout {int(first['n_holdout']):,} rows; "
                    f"TSTR/TRTR: HGB {first.get('utility_metric') or 'n/a'}, TRTR {_cell(trtr, None, '{:.3f}')}")
    lines = [heading, "", "| Synthesizer | " + " | ".join(h for _, h, _ in COLUMNS) + " | Runs ok |",
             "|---|" + "---:|" * (len(COLUMNS) + 1)]
    table = summary.loc[dataset]
    for label in _order(list(table.index)):
        row = table.loc[label]
        cells = [_cell(row.get(m), row.get(f"{m}_ci"), fmt) for m, _, fmt in COLUMNS]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {int(row['ok'])}/{int(row['runs'])} |")
    return lines + [""]


def paired_lines(runs: pd.DataFrame, summary: pd.DataFrame, metric: str = "quality") -> list[str]:
    """Per data set: the two best synthesizers by mean ``metric``, compared by paired per-seed differences."""
    lines = []
    for dataset in runs["dataset"].unique():
        table = summary.loc[dataset]
        ranked = table.drop(index=[CEILING, FLOOR], errors="ignore")[metric].dropna().sort_values(ascending=False)
        if len(ranked) < 2:
            continue
        a, b = ranked.index[:2]
        row = compare(runs, a, b, metric).loc[dataset]
        if row["pairs"] < 2:
            continue
        lines.append(f"- {dataset}: {a} − {b} = {row['mean_diff']:+.4f} (95 % CI {row['ci_low']:+.4f} to "
                     f"{row['ci_high']:+.4f}, paired t-test p = {row['p_value']:.3g}, {int(row['pairs'])} seeds)")
    head = [f"Paired per-seed differences in {metric} of the two best synthesizers per data set:", ""]
    return head + lines + [""] if lines else []


def markdown(runs: pd.DataFrame, summary: pd.DataFrame, title: str, info: dict) -> str:
    """The whole markdown report: machine line, one table per data set, failures, how to read it."""
    seeds = sorted(int(s) for s in runs["seed"].unique())
    lines = [f"## {title}", "",
             (f"Ran on {info['machine']}, Python {info['python']}, tabsynth {info['tabsynth']}, {info['date']}; "
              f"{_load(info)}. Seeds {seeds}; mean ± 95 % t-interval over seeds."), ""]
    for dataset in runs["dataset"].unique():
        lines += dataset_table(runs, summary, dataset)
    lines += paired_lines(runs, summary)
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        lines += ["Failed or timed-out runs:", ""]
        lines += [f"- {r.synthesizer} / {r.dataset} / seed {r.seed}: {r.status}: {r.error}"
                  for r in failed.itertuples()] + [""]
    lines += [
        ("Quality, Shapes, Trends: sdmetrics QualityReport against the fit rows (1 = best). TSTR: gradient "
         "boosting trained on the synthetic rows, tested on the holdout (compare with TRTR, trained on the real fit "
         "rows). Detection AUC: gradient boosting telling fit rows from synthetic rows (0.5 = indistinguishable). "
         "DCR share: share of synthetic rows nearer a training row than a holdout row (0.5 ideal, 1 = memorised). "
         "Exact copies: share of synthetic rows equal to a training row. Fit s and sample rows/s: wall time in "
         "the cell's own process; Peak RSS: that process's peak resident memory after sampling (data included). "
         f"`{CEILING}`: half of the holdout scored as synthetic, the other half as holdout (what fresh real rows "
         "get; being fewer rows than a synthetic sample and sharing fewer rare categories with the fit rows, it can "
         "score below a model that re-uses training values on high-cardinality columns). "
         f"`{FLOOR}`: every column sampled independently from its real marginal."),
    ]
    if info.get("notes"):
        lines += [""] + [f"- {note}" for note in info["notes"]]
    return "\n".join(lines) + "\n"


def _clean(obj):
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return None if not math.isfinite(obj) else float(obj)
    return obj


def _plot_points(ax, summary: pd.DataFrame, dataset: str, x: str, y: str, colors: dict, log_x: bool) -> None:
    table = summary.loc[dataset]
    for label in _order(list(table.index)):
        row = table.loc[label]
        if np.isnan(row.get(y, np.nan)):
            continue
        if np.isnan(row.get(x, np.nan)):  # the ceiling has no fit time: a reference line
            ax.axhline(row[y], color=colors[label], linestyle="--", linewidth=1, label=label)
            continue
        xerr = None if log_x else _err(row, x)  # a symmetric interval of a time is meaningless on a log axis
        ax.errorbar(row[x], row[y], xerr=xerr, yerr=_err(row, y), fmt="o", color=colors[label],
                    capsize=3, label=label)
    if log_x:
        ax.set_xscale("log")
    ax.set_title(dataset)
    ax.grid(alpha=0.3)


def _err(row, metric):
    half = row.get(f"{metric}_ci", np.nan)
    return None if half is None or np.isnan(half) else half


def plot(summary: pd.DataFrame, path: Path, x: str, y: str, xlabel: str, ylabel: str, log_x: bool) -> Path:
    """One panel per data set of ``y`` against ``x`` (means with 95 % intervals), saved as PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(summary.index.get_level_values("dataset")))
    labels = _order(list(dict.fromkeys(summary.index.get_level_values("synthesizer"))))
    colors = {label: plt.get_cmap("tab10")(i % 10) for i, label in enumerate(labels)}
    fig, axes = plt.subplots(1, len(datasets), figsize=(max(4.2 * len(datasets), 7.0), 4.2), squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        _plot_points(ax, summary, dataset, x, y, colors, log_x)
        if y == "dcr_share":
            ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
        ax.set_xlabel(xlabel)
    axes[0][0].set_ylabel(ylabel)
    handles = {h.get_label(): h for ax in axes[0] for h in ax.get_legend_handles_labels()[0]}
    if handles:
        fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=min(len(handles), 3), fontsize=8)
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_all(runs: pd.DataFrame, summary: pd.DataFrame, directory, *, prefix: str, title: str | None,
              info: dict) -> dict:
    """Write ``<prefix>.md``, ``<prefix>.json`` and the two PNG plots under ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    info = {**machine_info(), **info}
    md_path, json_path = directory / f"{prefix}.md", directory / f"{prefix}.json"
    md_path.write_text(markdown(runs, summary, title or "tabsynth benchmark", info), encoding="utf-8")
    payload = {"info": info, "summary": summary.reset_index().to_dict(orient="records"),
               "runs": runs.to_dict(orient="records")}
    json_path.write_text(json.dumps(_clean(payload), indent=2), encoding="utf-8")
    plots = [plot(summary, directory / f"{prefix}_quality_vs_fit_time.png", "fit_s", "quality",
                  "fit seconds (log scale)", "quality (sdmetrics)", log_x=True),
             plot(summary, directory / f"{prefix}_privacy_vs_utility.png", "tstr", "dcr_share",
                  "utility: TSTR (ROC AUC or R²)", "DCR share (0.5 ideal)", log_x=False)]
    return {"markdown": md_path, "json": json_path, "plots": plots}
