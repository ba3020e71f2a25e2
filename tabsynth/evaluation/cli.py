"""The ``tabsynth evaluate`` subcommand (wired into :mod:`tabsynth.cli` by ``add_evaluate_command``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import InvalidParameterError
from ..schema.constraints import read_constraints
from ._prepare import FAMILIES


def add_evaluate_command(subparsers) -> argparse.ArgumentParser:
    """Add ``evaluate REAL SYNTHETIC [--target COL] [--task T] [--holdout FILE] [--json FILE] [--html FILE]``.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The object returned by ``parser.add_subparsers()``.

    Returns
    -------
    argparse.ArgumentParser
        The new subparser; its ``handler`` (and ``func``) default is :func:`run_evaluate_command`.
    """
    parser = subparsers.add_parser(
        "evaluate",
        help="score synthetic data against real data (fidelity, utility, detection, privacy)",
        description="Compare a synthetic table with the real table it imitates and print a summary. "
        "Tables are .csv(.gz) or .parquet files with the same columns.",
    )
    parser.add_argument("real", help="the real data the synthesizer was fit on (.csv or .parquet)")
    parser.add_argument("synthetic", help="the synthetic data (.csv or .parquet)")
    parser.add_argument("--target", default=None, help="column to predict for the utility scores")
    parser.add_argument("--task", default=None, choices=["classification", "regression"],
                        help="how to predict the target (default: classes for categories and few integer codes)")
    parser.add_argument("--holdout", default=None,
                        help="real rows the synthesizer never saw; needed by utility and privacy distances")
    parser.add_argument("--metadata", default=None, help="JSON file with SDV-style metadata (default: detect)")
    parser.add_argument("--metrics", default="all",
                        help=f"comma-separated families among {','.join(FAMILIES)} (default: all)")
    parser.add_argument("--constraints", default=None, metavar="FILE",
                        help="JSON list of rules: the report gives the share of rows that obey each")
    parser.add_argument("--seed", type=int, default=0, help="random_state of subsamples and splits")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="native threads (default: the cores no other process is using; -1: every core)")
    parser.add_argument("--json", default=None, metavar="FILE", help="write the full report as JSON")
    parser.add_argument("--html", default=None, metavar="FILE", help="write a self-contained HTML report")
    parser.set_defaults(handler=run_evaluate_command, func=run_evaluate_command)
    return parser


def run_evaluate_command(args: argparse.Namespace) -> int:
    """Run ``tabsynth evaluate`` from parsed arguments; print the summary and return the exit status.

    Errors the user can cause are raised as :class:`~tabsynth.errors.TabsynthError` for the caller
    (``tabsynth.cli.main``) to print.
    """
    from ..io import read_table
    from ._evaluate import evaluate

    metadata = _read_metadata(args.metadata) if getattr(args, "metadata", None) else None
    metrics = "all" if args.metrics == "all" else [m.strip() for m in args.metrics.split(",") if m.strip()]
    real, synthetic = read_table(args.real), read_table(args.synthetic)
    holdout = read_table(args.holdout) if args.holdout else None
    constraints = read_constraints(args.constraints) if getattr(args, "constraints", None) else None
    report = evaluate(real, synthetic, metadata, target=args.target, task=args.task, holdout=holdout,
                      metrics=metrics, constraints=constraints, random_state=args.seed,
                      n_jobs=getattr(args, "jobs", None))
    print(report.summary())
    if args.json:
        report.to_json(args.json)
        print(f"JSON report written to {args.json}")
    if args.html:
        report.to_html(args.html)
        print(f"HTML report written to {args.html}")
    return 0


def _read_metadata(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidParameterError(
            f"Could not read the metadata file {path!r}: {exc}. Pass a JSON file like "
            '{"columns": {"age": {"sdtype": "numerical"}}}.'
        ) from None
