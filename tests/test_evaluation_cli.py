"""The ``evaluate`` subcommand helper, exercised through its own argparse parser."""

from __future__ import annotations

import argparse
import json

import pytest

from tabsynth.errors import InvalidDataError
from tabsynth.evaluation.cli import add_evaluate_command, run_evaluate_command

from .test_evaluation import mixed_frame


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tabsynth")
    add_evaluate_command(parser.add_subparsers(dest="command"))
    return parser


def test_evaluate_command_prints_summary_and_writes_reports(tmp_path, capsys):
    real, synth, holdout = mixed_frame(400, 1), mixed_frame(400, 2), mixed_frame(400, 3)
    real.to_csv(tmp_path / "real.csv", index=False)
    synth.to_parquet(tmp_path / "synth.parquet", index=False)
    holdout.to_csv(tmp_path / "holdout.csv", index=False)
    args = _parser().parse_args([
        "evaluate", str(tmp_path / "real.csv"), str(tmp_path / "synth.parquet"), "--target", "tier",
        "--holdout", str(tmp_path / "holdout.csv"), "--metrics", "marginal,joint,utility",
        "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"),
    ])
    assert args.handler is run_evaluate_command
    assert run_evaluate_command(args) == 0
    out = capsys.readouterr().out
    assert "Fidelity score" in out and "TSTR" in out
    report = json.loads((tmp_path / "r.json").read_text())
    assert 0 < report["score"] <= 1 and report["info"]["target"] == "tier"
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


def test_evaluate_command_refuses_unknown_file_types(tmp_path):
    (tmp_path / "real.txt").write_text("a\n1\n")
    args = _parser().parse_args(["evaluate", str(tmp_path / "real.txt"), str(tmp_path / "real.txt")])
    with pytest.raises(InvalidDataError, match="csv"):
        run_evaluate_command(args)
