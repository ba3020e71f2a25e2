"""Sequence metrics: oracles on hand-built sequences, and evaluate_sequences end to end."""

import json

import numpy as np
import pandas as pd
import pytest

from tabsynth.evaluation import sequence as seq
from tabsynth.evaluation.sequence_report import evaluate_sequences

ROLES = {"sequence_key": "id", "sequence_index": "t"}


def panel(n=60, length=20, phi=0.9, seed=0, drift=0.0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        x = np.zeros(length)
        for t in range(1, length):
            x[t] = phi * x[t - 1] + rng.normal() + drift
        rows.append(pd.DataFrame({"id": i, "t": np.arange(length), "x": x, "y": 2 * x + rng.normal(0, .1, length),
                                  "c": rng.choice(["a", "b"], length)}))
    return pd.concat(rows, ignore_index=True)


def test_identical_data_scores_one():
    data = panel()
    report = evaluate_sequences(data, data, holdout=panel(seed=1), **ROLES)
    for key in ("value_shapes", "length_similarity", "autocorrelation", "step_differences", "cross_correlation"):
        assert report.scores[key] == pytest.approx(1.0), key
    assert report.scores["privacy.nearest_trajectory_share"] > 0.9, "replaying training sequences must show"
    json.loads(report.to_json())
    assert "<img" in report.to_html()


def test_autocorrelation_oracle():
    data = seq.split_sequences(panel(n=200, length=200, phi=0.5), "id", "t")
    acf = seq.per_sequence_autocorrelation(data, "x", 1)
    assert abs(np.mean(acf) - 0.5) < 0.05  # an AR(1) with phi=0.5 has lag-1 autocorrelation 0.5


def test_different_dynamics_are_detected():
    real, white = panel(phi=0.95, seed=0), panel(phi=0.0, seed=1)
    report = evaluate_sequences(real, white, holdout=panel(phi=0.95, seed=2), **ROLES)
    assert report.scores["autocorrelation.lag1"] < 0.3
    assert report.scores["detection.roc_auc"] > 0.9
    same = evaluate_sequences(real, panel(phi=0.95, seed=3), holdout=panel(phi=0.95, seed=2), **ROLES)
    assert same.scores["detection.roc_auc"] < 0.75
    assert 0.3 < same.scores["privacy.nearest_trajectory_share"] < 0.7


def test_windows_and_missing_holdout_warning():
    data = panel(n=3, length=240)
    with pytest.warns(UserWarning, match="holdout"):
        report = evaluate_sequences(data, panel(n=3, length=240, seed=4), window=24, **ROLES)
    assert report.info["units_real"] == 30
    assert "utility.tstr_r2" not in report.scores
