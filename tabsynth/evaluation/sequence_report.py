"""``evaluate_sequences``: every sequence metric in one :class:`SequenceReport`."""

from __future__ import annotations

import html
import time
import warnings

import numpy as np
import pandas as pd

from . import sequence as seq
from .report import Report, summary_line

TRAJECTORIES_SHOWN = 4


class SequenceReport(Report):
    """Scores of synthetic sequences against real ones (see :func:`evaluate_sequences`).

    Attributes
    ----------
    score : float
        Mean sequence fidelity: the mean of value shapes, context shapes, length similarity,
        autocorrelation similarity, cross-correlation similarity and step-difference similarity
        (those defined). Detection, utility and privacy are reported beside it.
    """

    def summary(self) -> str:
        s, info = self.scores, self.info
        unit = f"windows of {info['window']} rows" if info.get("window") else "sequences"
        lines = [(f"tabsynth sequence evaluation: {info['units_real']:,} real and {info['units_synthetic']:,} "
                  f"synthetic {unit}"),
                 summary_line("Sequence fidelity score", self.score)]
        labels = {"value_shapes": "  Value shapes", "missing_value_similarity": "  Missing-value similarity",
                  "context_shapes": "  Context shapes", "length_similarity": "  Length similarity",
                  "autocorrelation.lag1": "  Lag-1 autocorrelation similarity",
                  "autocorrelation": "  Autocorrelation similarity (all lags)",
                  "cross_correlation": "  Cross-correlation similarity", "step_differences": "  Step differences",
                  "detection.roc_auc": "Detection ROC AUC (0.5 = indistinguishable)",
                  "utility.tstr_r2": "Forecast R2 trained on synthetic (TSTR)",
                  "utility.trtr_r2": "Forecast R2 trained on real (TRTR)",
                  "privacy.nearest_trajectory_share": "Nearest-trajectory share (0.5 ideal)"}
        lines += [summary_line(label, s[key]) for key, label in labels.items() if key in s]
        return "\n".join(lines)

    def to_html(self, path=None) -> str:
        from ._html import CSS, html_table

        head = (f"<html><head><meta charset='utf-8'><title>tabsynth sequence report</title><style>{CSS}</style>"
                "</head><body><h1>Sequence evaluation</h1>")
        parts = [head, f"<pre>{html.escape(self.summary())}</pre>"]
        figure = _trajectories_figure(self.plot_data)
        if figure:
            parts += ["<h2>Trajectories, real and synthetic</h2>", figure]
        for name, table in self.details.items():
            parts += [f"<h2>{html.escape(name.replace('_', ' ').capitalize())}</h2>", html_table(table)]
        text = "\n".join(parts + ["</body></html>"])
        if path is not None:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        return text

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.summary())}</pre>"


def evaluate_sequences(real: pd.DataFrame, synthetic: pd.DataFrame, *, sequence_key: str, sequence_index: str,
                       context_columns=(), holdout: pd.DataFrame | None = None, window: int | None = None,
                       max_lag: int = seq.MAX_LAG, random_state: int = 0) -> SequenceReport:
    """Compare synthetic sequences with real ones.

    Parameters
    ----------
    real, synthetic : pandas.DataFrame
        Long format: one row per entity and step, with the same columns.
    sequence_key, sequence_index : str
        The entity column and the ordering column.
    context_columns : sequence of str, default ()
        Columns constant within an entity.
    holdout : pandas.DataFrame, optional
        Real entities the synthesizer never saw: enables forecasting utility and the
        nearest-trajectory privacy check (NaN with a warning without it).
    window : int, optional
        Cut each sequence into consecutive windows of this many rows (for a few long sequences).
    max_lag : int, default 3
        Autocorrelation lags compared.
    random_state : int, default 0
        Seeds the detection folds and subsamples.

    Returns
    -------
    SequenceReport

    Examples
    --------
    >>> report = evaluate_sequences(real, fake, sequence_key="country", sequence_index="year",
    ...                             context_columns=["continent"], holdout=test)        # doctest: +SKIP
    >>> report.scores["autocorrelation.lag1"]                                          # doctest: +SKIP
    """
    context_columns = tuple([context_columns] if isinstance(context_columns, str) else context_columns)
    roles = (sequence_key, sequence_index, context_columns, window)
    r, s = seq.split_sequences(real, *roles), seq.split_sequences(synthetic, *roles)
    missing = [c for c in real.columns if c not in synthetic.columns]
    if missing:
        from ..errors import InvalidDataError

        raise InvalidDataError(f"The synthetic data lacks columns {missing} of the real data; give both the same "
                               "columns.")
    started, details = time.perf_counter(), {}
    details["value_shapes"] = seq.value_shapes(r, s)
    details["context_shapes"] = seq.context_shapes(r, s)
    details["autocorrelation"] = seq.autocorrelation_similarity(r, s, max_lag)
    details["cross_correlation"] = seq.cross_correlation_similarity(r, s)
    details["step_differences"] = seq.step_difference_shapes(r, s)
    scores = _fidelity_scores(details, seq.length_similarity(r, s))
    scores["detection.roc_auc"] = seq.sequence_detection(r, s, random_state=random_state)
    if holdout is not None:
        h = seq.split_sequences(holdout, *roles)
        details["utility"] = seq.forecasting_utility(r, s, h, random_state)
        means = details["utility"].groupby("Train")["R2"].mean()
        scores["utility.tstr_r2"], scores["utility.trtr_r2"] = means.get("synthetic"), means.get("real")
        scores["privacy.nearest_trajectory_share"] = seq.nearest_trajectory_share(r, s, h, random_state)
    else:
        warnings.warn("No holdout given: forecasting utility and the nearest-trajectory privacy check need real "
                      "sequences the synthesizer never saw; they are not computed. Pass holdout=...",
                      UserWarning, stacklevel=2)
    fidelity = [scores[k] for k in ("value_shapes", "context_shapes", "length_similarity", "autocorrelation",
                                    "cross_correlation", "step_differences") if k in scores]
    fidelity = [v for v in fidelity if v is not None and np.isfinite(v)]
    info = {"units_real": int(r.unit.max() + 1), "units_synthetic": int(s.unit.max() + 1), "window": window,
            "sequence_key": sequence_key, "sequence_index": sequence_index, "context_columns": list(context_columns),
            "seconds": time.perf_counter() - started}
    return SequenceReport(float(np.mean(fidelity)) if fidelity else float("nan"), scores, details, info,
                          _trajectory_data(r, s))


def _fidelity_scores(details: dict, length: float) -> dict:
    shapes = details["value_shapes"]
    main = shapes[shapes["Metric"] != "MissingValueSimilarity"]["Score"]
    scores = {"value_shapes": float(main.mean()) if len(main) else np.nan, "length_similarity": length}
    missing = shapes[shapes["Metric"] == "MissingValueSimilarity"]["Score"]
    if len(missing):
        scores["missing_value_similarity"] = float(missing.mean())
    if len(details["context_shapes"]):
        scores["context_shapes"] = float(details["context_shapes"]["Score"].mean())
    acf = details["autocorrelation"]
    if len(acf):
        scores["autocorrelation.lag1"] = float(acf[acf["Lag"] == 1]["Score"].mean())
        scores["autocorrelation"] = float(acf["Score"].mean())
    if len(details["cross_correlation"]):
        scores["cross_correlation"] = float(details["cross_correlation"]["Score"].mean())
    if len(details["step_differences"]):
        scores["step_differences"] = float(details["step_differences"]["Score"].mean())
    return scores


def _trajectory_data(real: seq.Sequences, synthetic: seq.Sequences) -> dict:
    out = {"columns": real.numeric[:4]}
    for role, data in (("real", real), ("synthetic", synthetic)):
        indices = list(data.groups().indices.values())[:TRAJECTORIES_SHOWN]
        out[role] = {c: [data.frame[c].to_numpy(dtype=float)[i].tolist() for i in indices] for c in out["columns"]}
    return out


def _trajectories_figure(plot_data: dict) -> str:
    from ._html import REAL_COLOR, SYNTH_COLOR, figure, png

    columns = plot_data.get("columns") or []
    if not columns:
        return ""
    fig = figure(4.0 * len(columns), 3.0)
    for k, column in enumerate(columns):
        ax = fig.add_subplot(1, len(columns), k + 1)
        for role, color in (("real", REAL_COLOR), ("synthetic", SYNTH_COLOR)):
            for j, line in enumerate(plot_data[role][column]):
                ax.plot(np.arange(len(line)), line, color=color, alpha=0.7, label=role if j == 0 else None)
        ax.set_title(column)
        ax.set_xlabel("step")
        if k == 0:
            ax.legend()
    return png(fig)
