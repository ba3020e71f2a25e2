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


# ---------------------------------------------------------------------- correlations compared with a tolerance
def test_ks_complement_within_zero_tolerance_is_the_ks_complement():
    from tabsynth.evaluation.marginal import ks_complement
    from tabsynth.evaluation.sequence import ks_complement_within

    rng = np.random.default_rng(0)
    for _ in range(50):
        a, b = rng.normal(size=rng.integers(5, 40)), rng.normal(0.3, size=rng.integers(5, 40))
        assert ks_complement_within(a, b, 0.0) == pytest.approx(ks_complement(pd.Series(a), pd.Series(b)), abs=1e-12)


def test_ks_complement_within_forgives_shifts_below_the_tolerance_only():
    from tabsynth.evaluation.sequence import ks_complement_within

    a = np.linspace(0.2, 0.8, 30)
    assert ks_complement_within(a, a + 0.015, 0.02) == 1.0
    assert ks_complement_within(a, a + 0.3, 0.02) < 0.6
    assert np.isnan(ks_complement_within(np.array([np.nan]), a, 0.02))


def test_a_counter_that_agrees_scores_one_on_autocorrelation():
    from tabsynth.evaluation.marginal import ks_complement

    # ``step`` rises by one each step: its per-sequence lag-1 autocorrelation is a constant of the length
    # (0.9832 and the like); real and synthetic agreeing to 4 digits must not score 0
    rows = [{"id": e, "t": t, "step": t + e, "x": np.sin(t + e)} for e in range(20) for t in range(12)]
    real = pd.DataFrame(rows)
    fake = real.assign(step=real["step"] + 1e-3 * real["t"] ** 2, id=real["id"] + 100)  # a hair of curvature
    a = seq.per_sequence_autocorrelation(seq.split_sequences(real, "id", "t"), "step")
    b = seq.per_sequence_autocorrelation(seq.split_sequences(fake, "id", "t"), "step")
    assert np.abs(a.mean() - b.mean()) < 1e-3 and len(set(a.round(12)) & set(b.round(12))) == 0
    assert ks_complement(pd.Series(a), pd.Series(b)) < 0.2  # the plain KS complement punishes the agreement
    report = evaluate_sequences(real, fake, sequence_key="id", sequence_index="t")
    table = report.details["autocorrelation"]
    assert table.loc[(table["Column"] == "step") & (table["Lag"] == 1), "Score"].item() == 1.0
