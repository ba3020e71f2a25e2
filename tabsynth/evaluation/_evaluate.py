"""``evaluate``: run the metric families and collect them into a :class:`Report`."""

from __future__ import annotations

import time
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import pandas as pd

from .._threads import thread_limit
from ..errors import InvalidParameterError, param_error
from ..schema.pii import is_pii
from ._prepare import EvaluationData, check_families, prepare
from .adherence import adherence_details
from .detection import detection_details
from .giveaway import giveaway_details
from .joint import pair_trends_details, trends_scores
from .marginal import column_distributions, shapes_details
from .pair_plots import worst_pairs
from .privacy import pii_leakage, privacy_details
from .report import Report
from .utility import task_of, utility_details
from .validity import validity_details


def evaluate(real: pd.DataFrame, synthetic: pd.DataFrame, metadata=None, *, target: str | None = None,
             holdout: pd.DataFrame | None = None, metrics="all", constraints=None, task: str | None = None,
             random_state=0, n_jobs=None) -> Report:
    """Measure how faithful, useful and private synthetic data is.

    Parameters
    ----------
    real : pandas.DataFrame
        The data the synthesizer was fit on.
    synthetic : pandas.DataFrame
        The synthetic data; same columns as ``real``.
    metadata : Metadata, dict or None
        Column sdtypes (an SDV-style dict works); detected from ``real`` when None. Id columns are
        ignored by every metric.
    target : str, optional
        Column to predict for the utility family; without it utility is skipped.
    task : {"classification", "regression"}, optional
        How to predict ``target``. Default: classes for categorical and boolean targets and for a numerical
        target whose values are at most 10 distinct integers (codes such as a status 0/1/2), regression for
        other numbers; the report says which (``info["task"]``, the summary's utility line).
    holdout : pandas.DataFrame, optional
        Real rows the synthesizer never saw. Utility (TSTR/TRTR) and the privacy distances need it; without
        it they are NaN with a warning.
    metrics : "all" or sequence of str
        Families to compute, among ``"marginal"``, ``"joint"``, ``"utility"``, ``"detection"``,
        ``"privacy"``.
    constraints : list of tabsynth.constraints rules, optional
        Business rules to check: ``details["constraints"]`` gives the share of real and of synthetic
        rows that obey each, ``scores["constraints.adherence"]`` the lowest synthetic share (1 = every
        row obeys every rule).
    random_state : int or None
        Seeds every subsample and split, so the same inputs give the same report.
    n_jobs : int or None
        Native threads of the classifiers (OpenMP, BLAS). None: the cores no other process is running on (at
        least 1): with another CPU-bound process on one of two cores, two spinning threads made the Adult
        report take twice as long (``benchmarks/busy_machine.py``). -1: every core.

    Returns
    -------
    Report
        ``report.score`` equals sdmetrics 0.32's ``QualityReport`` score on the same inputs (the mean of
        the Column Shapes and Column Pair Trends scores; up to 50,000 rows, above which both subsample).

    Raises
    ------
    tabsynth.errors.TabsynthError
        On inputs that cannot be evaluated: different column sets, values that do not fit the metadata,
        an empty frame, an unknown metric family, an unusable target.

    Examples
    --------
    >>> report = evaluate(real, synthetic, target="income", holdout=test)   # doctest: +SKIP
    >>> print(report.summary())                                            # doctest: +SKIP
    """
    families = check_families(metrics)
    if random_state is not None and not isinstance(random_state, (int, np.integer)):
        raise param_error("evaluate", "random_state", "an int or None", random_state)
    with thread_limit(n_jobs, "evaluate(n_jobs=...)"):
        return _evaluate(real, synthetic, metadata, target, holdout, families, metrics, constraints, task,
                         random_state)


def _evaluate(real, synthetic, metadata, target, holdout, families, metrics, constraints, task,
              random_state) -> Report:
    data = prepare(real, synthetic, metadata, holdout)
    if target is not None:
        task = task_of(data, target, task)
    elif "utility" in families and metrics != "all":
        raise InvalidParameterError(
            "The utility metrics need the column to predict: pass target=... (e.g. target='income'), "
            "or leave 'utility' out of metrics."
        )
    details, timings = {}, {}
    for family in families:
        if family == "utility" and target is None:
            continue
        start = time.perf_counter()
        details.update(_run_family(family, data, target, random_state, task))
        timings[family] = round(time.perf_counter() - start, 4)
    details["validity"] = validity_details(synthetic, data)
    if constraints is not None:
        details["constraints"] = adherence_details(real, synthetic, constraints)
    leakage = pii_leakage(real, synthetic, data.metadata)
    if len(leakage):  # personal-data columns are not compared, only checked for real values
        details["pii_leakage"] = leakage
    return Report(
        score=_overall_score(details),
        scores=_flat_scores(details),
        details=details,
        info=_info(data, target, task, families, random_state, timings),
        plot_data=_plot_data(data, details, families, random_state),
    )


def _plot_data(data: EvaluationData, details: dict, families, random_state) -> dict:
    if "marginal" not in families and "joint" not in families:
        return {}
    plots = {"distributions": column_distributions(data), "columns": data.columns}
    if "column_pair_trends" in details:
        plots["worst_pairs"] = worst_pairs(data, details["column_pair_trends"], _seed(random_state))
    return plots


def _run_family(family: str, data: EvaluationData, target, random_state, task=None) -> dict:
    if family == "marginal":
        return {"column_shapes": shapes_details(data)}
    if family == "joint":
        return {"column_pair_trends": pair_trends_details(data, random_state)}
    if family == "utility":
        return {"utility": utility_details(data, target, random_state=_seed(random_state), task=task)}
    if family == "detection":
        return {"detection": detection_details(data, random_state=random_state),
                "detection_columns": giveaway_details(data, random_state=_seed(random_state))}
    return {"privacy": privacy_details(data, random_state=random_state)}


def _seed(random_state) -> int:
    return 0 if random_state is None else int(random_state)


def _overall_score(details: dict) -> float:
    """sdmetrics' QualityReport score: the NaN-skipping mean of the two property scores."""
    parts = []
    if "column_shapes" in details:
        parts.append(details["column_shapes"]["Score"].mean())
    if "column_pair_trends" in details:
        parts.append(trends_scores(details["column_pair_trends"])[0])
    parts = [p for p in parts if not pd.isna(p)]
    return float(np.mean(parts)) if parts else float("nan")


def _flat_scores(details: dict) -> dict:
    scores = {"score": _overall_score(details)}
    if "column_shapes" in details:
        shapes = details["column_shapes"]
        scores["column_shapes"] = float(shapes["Score"].mean())
        scores["missing_value_similarity"] = float(shapes["Missing Value Similarity"].mean())
        for metric, name in (("KSComplement", "range_coverage"), ("TVComplement", "category_coverage")):
            scores[name] = float(shapes.loc[shapes["Metric"] == metric, "Coverage"].mean())
    if "column_pair_trends" in details:
        thresholded, all_pairs = trends_scores(details["column_pair_trends"])
        scores["column_pair_trends"] = thresholded
        scores["column_pair_trends_all_pairs"] = all_pairs
    if "utility" in details:
        for row in details["utility"].itertuples(index=False):
            train = "tstr" if row.Train == "synthetic" else "trtr"
            scores[f"utility.{row.Model}.{train}.{row.Metric}"] = float(row.Score)
    if "detection" in details:
        det = details["detection"]
        for model, auc in zip(det["Model"], det["ROC AUC"]):
            scores[f"detection.{model}.roc_auc"] = float(auc)
        scores["detection.score"] = float(det["Detection Score"].min())
    if "privacy" in details:
        for metric, value in zip(details["privacy"]["Metric"], details["privacy"]["Score"]):
            scores[f"privacy.{metric}"] = float(value)
    if "constraints" in details:
        table = details["constraints"]
        scores["constraints.adherence"] = float(table["Synthetic"].min()) if len(table) else float("nan")
        for rule, share in zip(table["Constraint"], table["Synthetic"]):
            scores[f"constraints.{rule}"] = share
    if "validity" in details:  # the lowest share of valid values over the columns and the key (1 = all valid)
        shares = details["validity"]["Score"].dropna()
        scores["validity"] = float(shares.min()) if len(shares) else float("nan")
    if "pii_leakage" in details:
        scores["privacy.pii_leakage"] = float(details["pii_leakage"]["Leaked share"].max())
    return scores


def _info(data: EvaluationData, target, task, families, random_state, timings) -> dict:
    return {
        "num_rows_real": len(data.real),
        "num_rows_synthetic": len(data.synthetic),
        "num_rows_holdout": None if data.holdout is None else len(data.holdout),
        "columns": data.columns,
        "sdtypes": {c: data.sdtype(c) for c in data.columns},
        "pii_columns": [c for c, spec in data.metadata.columns.items() if is_pii(spec)],
        "target": target,
        "task": None if target is None else task,
        "families": list(families),
        "random_state": random_state,
        "seconds": timings,
        "tabsynth_version": _version("tabsynth"),
        "sdmetrics_version": _version("sdmetrics"),
    }


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None
