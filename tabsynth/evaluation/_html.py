"""Self-contained HTML rendering of a :class:`~tabsynth.evaluation.report.Report`.

Plots are matplotlib figures embedded as base64 PNG (no pyplot, no global backend change, no network):
real vs synthetic marginals, a heat map of pairwise trend differences, the worst pairs real beside synthetic,
utility and detection bars.
"""

from __future__ import annotations

import base64
import html
import io
import math

import numpy as np
import pandas as pd

REAL_COLOR, SYNTH_COLOR = "#1f4e79", "#e07b39"
CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em} h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.cards{display:flex;flex-wrap:wrap;gap:12px} .card{border:1px solid #ddd;border-radius:8px;padding:10px 16px;
min-width:150px} .card .v{font-size:1.6em;font-weight:600} .card .k{color:#666;font-size:.85em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0} th,td{border:1px solid #ddd;padding:3px 8px;
text-align:right} th{background:#f4f4f4} td:first-child,th:first-child{text-align:left}
img{max-width:100%} pre{background:#f7f7f7;padding:10px;overflow-x:auto;font-size:.85em}
.note{color:#555;font-size:.9em}
"""


def png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def figure(width: float, height: float):
    from matplotlib.figure import Figure

    # constrained layout reserves room for every tick label: with tight_layout the rotated category labels of one
    # row ran under the next row's axes, which covered them ("(other)" showed as "r)")
    return Figure(figsize=(width, height), layout="constrained")


def _short(label: str, width: int = 16) -> str:
    return label if len(label) <= width else label[:width - 1] + "…"


def marginals_figure(distributions: dict, columns: list[str]) -> str:
    """Small multiples: each column's real and synthetic distribution overlaid."""
    n = len(columns)
    if n == 0:
        return ""
    ncols = min(4, n)
    nrows = math.ceil(n / ncols)
    fig = figure(4.0 * ncols, 2.8 * nrows)
    for k, name in enumerate(columns):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        dist = distributions[name]
        if dist["kind"] == "continuous":
            edges = np.asarray(dist["edges"])
            for role, color in (("real", REAL_COLOR), ("synthetic", SYNTH_COLOR)):
                ax.stairs(dist[role], edges, color=color, fill=role == "real", alpha=0.45 if role == "real"
                          else 1.0, label=role, linewidth=1.6)
            if dist.get("datetime"):
                ticks = ax.get_xticks()
                ax.set_xticks(ticks, [str(pd.Timestamp(int(t)).date()) for t in ticks], rotation=30,
                              fontsize=7)
        else:
            x = np.arange(len(dist["labels"]))
            ax.bar(x - 0.2, dist["real"], 0.4, color=REAL_COLOR, label="real")
            ax.bar(x + 0.2, dist["synthetic"], 0.4, color=SYNTH_COLOR, label="synthetic")
            ax.set_xticks(x, [_short(str(label)) for label in dist["labels"]], rotation=60, ha="right",
                          rotation_mode="anchor", fontsize=7)
        ax.set_title(name, fontsize=10)
        ax.tick_params(labelsize=7)
        if k == 0:
            ax.legend(fontsize=8)
    return png(fig)


def trends_figure(pairs: pd.DataFrame, columns: list[str]) -> str:
    """Heat map of ``1 - score`` for every pair (0 = same trend in real and synthetic data)."""
    if pairs.empty:
        return ""
    from .joint import pair_matrix

    matrix = 1.0 - pair_matrix(pairs, columns).to_numpy(dtype=float)
    size = max(4.0, 0.45 * len(columns) + 2)
    fig = figure(size + 1, size)
    ax = fig.add_subplot(1, 1, 1)
    vmax = max(0.05, float(np.nanmax(matrix)) if np.isfinite(matrix).any() else 0.05)
    im = ax.imshow(np.ma.masked_invalid(matrix), cmap="Reds", vmin=0, vmax=vmax)
    ax.set_xticks(range(len(columns)), columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(columns)), columns, fontsize=8)
    lookup = {(a, b): m for a, b, m in zip(pairs["Column 1"], pairs["Column 2"], pairs["Meets Threshold?"])}
    for i, a in enumerate(columns):
        for j, b in enumerate(columns):
            if lookup.get((a, b)) or lookup.get((b, a)):
                ax.text(j, i, "•", ha="center", va="center", fontsize=8, color="black")
    fig.colorbar(im, ax=ax, label="trend difference (1 - pair score)", shrink=0.8)
    ax.set_title("Pairwise trend differences (• = counts toward the score)", fontsize=10)
    return png(fig)


def worst_pairs_figure(pairs: list[dict]) -> str:
    """One row per pair: the real rows on the left, the synthetic ones on the right, on shared axes."""
    if not pairs:
        return ""
    fig = figure(9.0, 3.3 * len(pairs))
    for k, pair in enumerate(pairs):
        a, b = pair["columns"]
        axes = [fig.add_subplot(len(pairs), 2, 2 * k + 1)]
        axes.append(fig.add_subplot(len(pairs), 2, 2 * k + 2, sharex=axes[0], sharey=axes[0]))
        vmax = max(max(max(row) for row in pair[r]) for r in ("real", "synthetic")) if pair["kind"] == "shares" else 0
        for ax, role, color in zip(axes, ("real", "synthetic"), (REAL_COLOR, SYNTH_COLOR)):
            if pair["kind"] == "points":
                ax.scatter(*pair[role], s=4, alpha=0.35, color=color, linewidths=0)
            else:
                ax.imshow(np.asarray(pair[role]), cmap="Blues", vmin=0, vmax=max(vmax, 1e-9), aspect="auto",
                          origin="lower")
                ax.set_xticks(range(len(pair["x_labels"])), [_short(x, 12) for x in pair["x_labels"]],
                              rotation=60, ha="right", rotation_mode="anchor", fontsize=7)
                ax.set_yticks(range(len(pair["y_labels"])), [_short(y, 12) for y in pair["y_labels"]], fontsize=7)
            ax.set_title(f"{role}: {_short(a, 20)} × {_short(b, 20)} (score {pair['score']:.3f})", fontsize=9)
            ax.set_xlabel(_short(a, 30), fontsize=8)
            ax.set_ylabel(_short(b, 30), fontsize=8)
            ax.tick_params(labelsize=7)
    return png(fig)


def bars_figure(utility: pd.DataFrame | None, detection: pd.DataFrame | None) -> str:
    """Utility (TSTR vs TRTR of the primary metric) and detection ROC AUC bars side by side."""
    panels = [p for p in (utility, detection) if p is not None and not p.empty]
    if not panels:
        return ""
    fig = figure(5.0 * len(panels), 3.2)
    k = 1
    if utility is not None and not utility.empty:
        ax = fig.add_subplot(1, len(panels), k)
        k += 1
        metric = utility["Metric"].iloc[0]
        table = utility[utility["Metric"] == metric].pivot(index="Model", columns="Train", values="Score")
        x = np.arange(len(table))
        ax.bar(x - 0.2, table.get("real", pd.Series(np.nan, table.index)), 0.4, color=REAL_COLOR,
               label="train real (TRTR)")
        ax.bar(x + 0.2, table.get("synthetic", pd.Series(np.nan, table.index)), 0.4, color=SYNTH_COLOR,
               label="train synthetic (TSTR)")
        ax.set_xticks(x, list(table.index))
        ax.set_ylabel(metric)
        ax.set_ylim(0, 1.05 if metric != "rmse" else None)
        ax.set_title(f"Utility on the holdout ({metric})", fontsize=10)
        ax.legend(fontsize=8, loc="lower right")
    if detection is not None and not detection.empty:
        ax = fig.add_subplot(1, len(panels), k)
        auc = detection["ROC AUC"].to_numpy(dtype=float)
        low = detection.get("AUC 95% low", detection["ROC AUC"]).to_numpy(dtype=float)
        high = detection.get("AUC 95% high", detection["ROC AUC"]).to_numpy(dtype=float)
        errors = np.nan_to_num(np.vstack([auc - low, high - auc]))
        ax.bar(detection["Model"], auc, color=SYNTH_COLOR, width=0.5, yerr=errors, capsize=6,
               label="95 % fold interval")
        ax.axhline(0.5, color="gray", linestyle="--", label="0.5 = indistinguishable")
        ax.set_ylim(0, 1)
        ax.set_ylabel("ROC AUC")
        ax.set_title("Detection (real vs synthetic classifier)", fontsize=10)
        ax.legend(fontsize=8)
    return png(fig)


def html_table(df: pd.DataFrame, max_rows: int = 200) -> str:
    """The table's first rows; columns with no value in them are left out (a column of n/a says nothing)."""
    shown = df.head(max_rows)
    shown = shown.loc[:, shown.notna().any().to_numpy() | (len(shown) == 0)]
    return shown.to_html(index=False, float_format=lambda v: f"{v:.4f}", na_rep="n/a", border=0)


def _cards(report) -> str:
    s = report.scores
    items = [("Fidelity score", report.score), ("Column shapes", s.get("column_shapes")),
             ("Column pair trends", s.get("column_pair_trends")), ("Detection score", s.get("detection.score")),
             ("DCR share", s.get("privacy.dcr_share")), ("Validity", s.get("validity"))]
    cells = []
    for key, value in items:
        if value is None:
            continue
        shown = "n/a" if isinstance(value, float) and math.isnan(value) else f"{value:.3f}"
        cells.append(f'<div class="card"><div class="v">{shown}</div><div class="k">{html.escape(key)}</div></div>')
    return f'<div class="cards">{"".join(cells)}</div>'


def render_tables(report) -> str:
    """The summary and the detail tables as an HTML fragment (used in notebooks)."""
    parts = [f"<pre>{html.escape(report.summary())}</pre>"]
    for name, df in report.details.items():
        parts.append(f"<h3>{html.escape(name.replace('_', ' ').capitalize())}</h3>{html_table(df)}")
    return "\n".join(parts)


def render_html(report) -> str:
    """The whole self-contained page."""
    d, plots = report.details, report.plot_data
    columns = plots.get("columns", report.info.get("columns", []))
    body = [f"<h1>Synthetic data evaluation</h1>{_cards(report)}",
            f"<h2>Summary</h2><pre>{html.escape(report.summary())}</pre>"]
    if "column_shapes" in d:
        body.append("<h2>Column shapes</h2><p class='note'>Real (filled) and synthetic (line) distributions; "
                    "shares of all rows. KSComplement for numerical/datetime columns, TVComplement for the "
                    "others, as sdmetrics.</p>")
        if plots.get("distributions"):
            body.append(marginals_figure(plots["distributions"], columns))
        body.append(html_table(d["column_shapes"]))
    if "column_pair_trends" in d:
        pairs = d["column_pair_trends"]
        body.append("<h2>Column pair trends</h2>" + trends_figure(pairs, columns))
        worst = pairs.sort_values("Score").head(20)
        body.append("<p class='note'>The 20 pairs with the lowest scores:</p>" + html_table(worst))
        if plots.get("worst_pairs"):
            body.append("<p class='note'>The lowest-scoring pairs, real rows (left) beside synthetic ones (right): "
                        "points for two numbers (a subsample), shares of rows otherwise (numbers in quantile bins "
                        "of the real values).</p>" + worst_pairs_figure(plots["worst_pairs"]))
    if "utility" in d or "detection" in d:
        body.append("<h2>Utility and detection</h2>" + bars_figure(d.get("utility"), d.get("detection")))
        for name in ("utility", "detection"):
            if name in d:
                body.append(html_table(d[name]))
        if "detection_columns" in d:
            body.append("<p class='note'>What gives the synthetic rows away: each column's own detection ROC AUC "
                        "(a histogram detector, 0.5 = gives nothing away), then the pairs of columns that add "
                        "most beyond their two columns alone (a blurred relation).</p>"
                        + html_table(d["detection_columns"]))
    if "privacy" in d:
        body.append("<h2>Privacy</h2>" + html_table(d["privacy"]))
    if "validity" in d:
        body.append("<h2>Validity</h2><p class='note'>Share of synthetic values the real data allows: numbers and "
                    "dates inside the real range, categories among the real ones, missing values only where the "
                    "real column has them; the primary key unique (1 = every value valid).</p>"
                    + html_table(d["validity"]))
    if "constraints" in d:
        body.append("<h2>Constraints</h2><p class='note'>Share of rows that obey each rule (1 = every row).</p>"
                    + html_table(d["constraints"]))
    info = html.escape(", ".join(f"{k}: {v}" for k, v in report.info.items() if k not in ("columns", "sdtypes")))
    body.append(f"<p class='note'>{info}</p>")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>tabsynth evaluation</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>")
