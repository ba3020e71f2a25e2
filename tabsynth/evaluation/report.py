"""The :class:`Report` returned by :func:`tabsynth.evaluate`: the numbers, and their renderings."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

# The summary names a column from this single-column detection AUC on, a pair from this gain on
# (real held-out rows against real rows: pairs gain up to ~0.05 by chance on 1,500 rows).
GIVEAWAY_AUC, GIVEAWAY_GAIN = 0.6, 0.08

_FAMILY_TITLES = {
    "column_shapes": "Column shapes",
    "column_pair_trends": "Column pair trends",
    "utility": "Utility",
    "detection": "Detection",
    "detection_columns": "What gives the synthetic rows away",
    "validity": "Validity",
    "privacy": "Privacy",
}


class Report:
    """Scores of an evaluation of synthetic data against real data.

    Parameters
    ----------
    score : float
        The sdmetrics-compatible fidelity score.
    scores : dict of str to float
        Every headline number, flat (``"column_shapes"``, ``"utility.hgb.tstr.roc_auc"``, ...).
    details : dict of str to pandas.DataFrame
        Per-family tables: ``column_shapes``, ``column_pair_trends``, ``utility``, ``detection``,
        ``privacy`` (those that were computed).
    info : dict
        Row counts, columns, target, timings and versions.
    plot_data : dict, optional
        Binned distributions used by :meth:`to_html`.

    Attributes
    ----------
    score : float
        Mean of the Column Shapes and Column Pair Trends scores, exactly as sdmetrics' QualityReport.
        Utility, detection and privacy are reported beside it, not folded in.

    Examples
    --------
    >>> report = tabsynth.evaluate(real, fake, target="income", holdout=test)   # doctest: +SKIP
    >>> report.score, report.scores["detection.score"]                          # doctest: +SKIP
    >>> report.to_html("report.html")                                           # doctest: +SKIP
    """

    def __init__(self, score: float, scores: dict, details: dict, info: dict, plot_data: dict | None = None):
        self.score = score
        self.scores = scores
        self.details = details
        self.info = info
        self.plot_data = plot_data or {}

    def __repr__(self) -> str:
        return f"Report(score={self.score:.4f}, families={list(self.details)})"

    # ------------------------------------------------------------------ text
    def summary(self) -> str:
        """A readable text table of the headline numbers."""
        s, info = self.scores, self.info
        holdout = f", holdout {info['num_rows_holdout']:,} rows" if info.get("num_rows_holdout") else ""
        lines = [
            (f"tabsynth evaluation: {info['num_rows_real']:,} real rows, {info['num_rows_synthetic']:,} "
             f"synthetic rows, {len(info['columns'])} columns{holdout}"),
            summary_line("Fidelity score (sdmetrics QualityReport)", self.score),
        ]
        if "column_shapes" in self.details:
            lines += [summary_line("  Column shapes", s["column_shapes"]),
                      summary_line("  Missing-value similarity", s["missing_value_similarity"]),
                      summary_line("  Category coverage", s["category_coverage"]),
                      summary_line("  Range coverage", s["range_coverage"])]
        if "column_pair_trends" in self.details:
            pairs = self.details["column_pair_trends"]
            counted = int(pairs["Meets Threshold?"].sum())
            lines += [summary_line("  Column pair trends", s["column_pair_trends"],
                            f"({counted} of {len(pairs)} pairs pass the real-association threshold)"),
                      summary_line("  Column pair trends, all pairs", s["column_pair_trends_all_pairs"])]
        lines += self._utility_lines() + self._detection_lines() + self._privacy_lines() + self._constraint_lines()
        lines += self._validity_lines()
        return "\n".join(lines)

    def _validity_lines(self) -> list[str]:
        table = self.details.get("validity")
        if table is None or "validity" not in self.scores:
            return []
        bad = table[table["Score"] < 1]
        note = "(every value inside the real ranges and categories)" if bad.empty else \
            f"(lowest share of valid values; below 1: {', '.join(c or k for c, k in zip(bad['Column'], bad['Check']))})"
        return [summary_line("Validity", self.scores["validity"], note)]

    def _constraint_lines(self) -> list[str]:
        table = self.details.get("constraints")
        if table is None or not len(table):
            return []
        lines = [summary_line("Constraint adherence (lowest)", self.scores["constraints.adherence"],
                              "(share of synthetic rows that obey a rule, then of real rows)")]
        for rule, real, synthetic in zip(table["Constraint"], table["Real"], table["Synthetic"]):
            lines.append(f"  {_fmt(synthetic).strip()}  {_fmt(real).strip()}  {rule}")
        return lines

    def _utility_lines(self) -> list[str]:
        if "utility" not in self.details:
            return []
        table = self.details["utility"].pivot_table(index=["Model", "Metric"], columns="Train",
                                                    values="Score", sort=False, dropna=False)
        title = f"Utility, tested on the holdout (target {self.info['target']!r}, {self.info.get('task')})"
        lines = [f"{title:<42}    TSTR      TRTR"]
        for (model, metric), row in table.iterrows():
            lines.append(f"  {model + ' ' + metric:<40}{_fmt(row.get('synthetic'))}  {_fmt(row.get('real'))}")
        return lines

    def _detection_lines(self) -> list[str]:
        if "detection" not in self.details:
            return []
        det = self.details["detection"]
        aucs = ", ".join(f"{m} {_fmt(a).strip()} [{_fmt(lo).strip()}, {_fmt(hi).strip()}]" for m, a, lo, hi in
                         zip(det["Model"], det["ROC AUC"], det.get("AUC 95% low", det["ROC AUC"] * np.nan),
                             det.get("AUC 95% high", det["ROC AUC"] * np.nan)))
        lines = [summary_line("Detection score (1 = indistinguishable)", self.scores["detection.score"],
                              f"(ROC AUC, 95 % fold interval: {aucs}; 0.5 is ideal)")]
        if (det.get("AUC 95% high", det["ROC AUC"]) < 0.5).any():
            lines.append("  An AUC below 0.5 with its interval: cross-validation on few rows, not rows more real "
                         "than real ones; read as 0.5.")
        return lines + self._giveaway_lines()

    def _giveaway_lines(self) -> list[str]:
        """The column and the pair of columns that give synthetic rows away most, when they do."""
        table = self.details.get("detection_columns")
        if table is None or table.empty:
            return []
        singles, pairs = table[table["Beyond columns"].isna()], table[table["Beyond columns"].notna()]
        told = [f"{row['Columns']} {row['ROC AUC']:.2f}" for _, row in singles.head(3).iterrows()
                if row["ROC AUC"] >= GIVEAWAY_AUC]
        told += [f"{row['Columns']} {row['ROC AUC']:.2f} (+{row['Beyond columns']:.2f})"
                 for _, row in pairs.head(2).iterrows() if row["Beyond columns"] >= GIVEAWAY_GAIN]
        return [f"  Most telling (ROC AUC): {'; '.join(told)}"] if told else []

    def _privacy_lines(self) -> list[str]:
        pii = []
        if "pii_leakage" in self.details:
            columns = ", ".join(self.details["pii_leakage"]["Column"])
            pii = [summary_line("  Real personal values in synthetic rows", self.scores["privacy.pii_leakage"],
                                f"(PII columns: {columns}; must be 0)")]
        if "privacy" not in self.details:
            return ["Privacy", *pii] if pii else []
        s = self.scores
        return [
            "Privacy", *pii,
            summary_line("  Exact copies of training rows", s["privacy.exact_copy_rate"],
                  f"(holdout rows that equal a training row: {_fmt(s['privacy.holdout_copy_rate']).strip()})"),
            summary_line("  DCR share (0.5 ideal, 1 = memorised)", s["privacy.dcr_share"]),
            summary_line("  Median DCR to training / holdout", s["privacy.dcr_real_median"],
                  f"/ {_fmt(s['privacy.dcr_holdout_median']).strip()}"),
            summary_line("  Median nearest-neighbour distance ratio", s["privacy.nndr_median"]),
        ]

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        """Plain-Python content of the report (NaN as None), as written by :meth:`to_json`."""
        return _clean({
            "score": self.score,
            "scores": self.scores,
            "details": {name: df.to_dict(orient="records") for name, df in self.details.items()},
            "info": self.info,
        })

    def to_json(self, path: str | Path | None = None) -> str:
        """The report as JSON; written to ``path`` when given. Returns the JSON string."""
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    # ------------------------------------------------------------------ HTML
    def to_html(self, path: str | Path | None = None) -> str:
        """A self-contained HTML page (plots embedded as PNG); written to ``path`` when given.

        Returns
        -------
        str
            The HTML text.
        """
        from ._html import render_html

        text = render_html(self)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def _repr_html_(self) -> str:
        from ._html import render_tables

        return render_tables(self)


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "     n/a"
    return f"{value:8.4f}"


def summary_line(label: str, value, note: str = "") -> str:
    return f"{label:<42}{_fmt(value)}  {note}".rstrip()


def _clean(obj):
    """Recursively turn numpy/pandas scalars into Python ones and NaN into None (valid JSON)."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return None if math.isnan(obj) or math.isinf(obj) else float(obj)
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, (pd.Timestamp, np.datetime64)):
        return str(obj)
    return obj
