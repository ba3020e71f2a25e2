"""Tests of tabsynth.evaluation: agreement with sdmetrics 0.32 and metric properties on constructed cases."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tabsynth.errors import InvalidDataError, InvalidParameterError, MetadataError, TabsynthError
from tabsynth.evaluation import (
    Report,
    category_coverage,
    column_pair_trends,
    column_shapes,
    contingency_similarity,
    correlation_similarity,
    detection_score,
    evaluate,
    ks_complement,
    missing_value_similarity,
    range_coverage,
    tv_complement,
)
from tabsynth.schema.metadata import Metadata

ADULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "adult"
needs_adult = pytest.mark.skipif(not (ADULT / "train.csv").exists(), reason="Adult data not available")


@pytest.fixture(scope="module")
def adult_splits():
    return pd.read_csv(ADULT / "train.csv"), pd.read_csv(ADULT / "test.csv")


def mixed_frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """Numerical, categorical, boolean, datetime (dtype and strings) and id columns, with missing values."""
    rng = np.random.default_rng(seed)
    age = rng.normal(40 + shift, 10, n).round()
    city = rng.choice(["paris", "lyon", "nice", "lille"], n, p=[0.4, 0.3, 0.2, 0.1])
    tier = np.where(np.isin(city, ["paris", "lyon"]), "big", "small")
    tier[rng.random(n) < 0.1] = "mid"
    days = (age * 30 + rng.normal(0, 200, n)).astype(int)
    frame = pd.DataFrame({
        "user_id": np.arange(n) + 1000 * seed,
        "age": age,
        "income": age * 1000 + rng.normal(0, 8000, n),
        "city": city,
        "tier": tier,
        "member": rng.random(n) < 0.3 + shift / 100,
        "signup": pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D"),
        "last_visit": (pd.Timestamp("2023-06-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"))
        .strftime("%Y-%m-%d"),
    })
    for col, share in (("age", 0.1), ("city", 0.05), ("signup", 0.05), ("last_visit", 0.08)):
        frame.loc[rng.random(n) < share, col] = None
    return frame


def sdmetrics_report(real, synthetic, metadata, thresholds=True):
    with warnings.catch_warnings():  # the single-table class is deprecated but is the pinned reference
        warnings.simplefilter("ignore", FutureWarning)
        from sdmetrics.reports.single_table import QualityReport

    report = QualityReport()
    if not thresholds:
        report.real_correlation_threshold = 0
        report.real_association_threshold = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(real, synthetic, metadata.to_sdmetrics_dict(), verbose=False)
    return report


# ---------------------------------------------------------------------------------- sdmetrics agreement
def _assert_matches_sdmetrics(real, synthetic, metadata=None):
    md = Metadata.coerce(metadata, real)
    ours = evaluate(real, synthetic, md, metrics=["marginal", "joint"])
    ref = sdmetrics_report(real, synthetic, md)
    assert ours.score == pytest.approx(ref.get_score(), abs=1e-9)
    shapes = ref.get_details("Column Shapes")
    np.testing.assert_allclose(ours.details["column_shapes"]["Score"], shapes["Score"], atol=1e-9)
    assert list(ours.details["column_shapes"]["Column"]) == list(shapes["Column"])
    pairs, ref_pairs = ours.details["column_pair_trends"], ref.get_details("Column Pair Trends")
    assert list(pairs["Metric"]) == list(ref_pairs["Metric"])
    meets = pairs["Meets Threshold?"].to_numpy()
    np.testing.assert_array_equal(meets, ref_pairs["Meets Threshold?"].fillna(False).to_numpy(dtype=bool))
    np.testing.assert_allclose(pairs["Score"][meets], ref_pairs["Score"][meets], atol=1e-9)
    return ours, ref


@needs_adult
def test_score_equals_sdmetrics_on_adult(adult_splits):
    real, test = adult_splits
    ours, _ = _assert_matches_sdmetrics(real, test)
    assert int(ours.details["column_pair_trends"]["Meets Threshold?"].sum()) == 13
    assert len(ours.details["column_pair_trends"]) == 105
    assert ours.score == pytest.approx(0.990, abs=0.001)  # reference figure in shared/data/README.md


@needs_adult
def test_score_equals_sdmetrics_on_perturbed_adult(adult_splits):
    real, test = adult_splits
    rng = np.random.default_rng(5)
    synth = test.copy()
    for col in ("age", "occupation", "capital-gain"):
        synth[col] = rng.permutation(synth[col].to_numpy())
    synth.loc[rng.random(len(synth)) < 0.2, "hours-per-week"] = np.nan
    synth.loc[rng.random(len(synth)) < 0.01, "workclass"] = "Never-seen"
    ours, _ = _assert_matches_sdmetrics(real, synth)
    assert ours.score < 0.99


def test_score_equals_sdmetrics_with_missing_values_and_datetimes():
    real, synth = mixed_frame(3000, 1), mixed_frame(2500, 2, shift=3.0)
    md = Metadata.detect(real)
    assert md.sdtype("signup") == "datetime" and md.sdtype("last_visit") == "datetime"
    assert md.sdtype("user_id") == "id"
    ours, _ = _assert_matches_sdmetrics(real, synth, md)
    shapes = column_shapes(real, synth, md)
    pd.testing.assert_frame_equal(shapes, ours.details["column_shapes"])
    assert "user_id" not in set(shapes["Column"])
    assert shapes.set_index("Column").loc["signup", "Metric"] == "KSComplement"
    assert ours.details["column_pair_trends"]["Meets Threshold?"].sum() >= 3


def test_all_pairs_scores_equal_sdmetrics_without_thresholds():
    real, synth = mixed_frame(2000, 3), mixed_frame(2000, 4, shift=2.0)
    md = Metadata.detect(real)
    pairs = column_pair_trends(real, synth, md)
    ref = sdmetrics_report(real, synth, md, thresholds=False).get_details("Column Pair Trends")
    np.testing.assert_allclose(pairs["Score"], ref["Score"], atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_column_metrics_equal_sdmetrics_on_random_columns(seed):
    from sdmetrics.column_pairs import ContingencySimilarity, CorrelationSimilarity
    from sdmetrics.single_column import KSComplement, TVComplement

    rng = np.random.default_rng(seed)
    a = pd.Series(rng.normal(size=500) * 0.1 + 0.3)
    b = pd.Series(np.r_[rng.normal(size=400) * 0.1 + 0.32, [np.nan] * 20])
    assert ks_complement(a, b) == pytest.approx(KSComplement.compute(a, b), abs=1e-12)
    c = pd.Series(rng.choice(["x", "y", "z", None], 300))
    d = pd.Series(rng.choice(["x", "y", "w"], 200))
    assert tv_complement(c, d) == pytest.approx(TVComplement.compute(c, d), abs=1e-12)
    real = pd.DataFrame({"a": a[:300], "c": c})
    synth = pd.DataFrame({"a": b[:200].to_numpy(), "c": d})
    assert contingency_similarity(real[["c", "c"]].set_axis(["c", "e"], axis=1),
                                  synth[["c", "c"]].set_axis(["c", "e"], axis=1)) == pytest.approx(
        ContingencySimilarity.compute(real[["c", "c"]].set_axis(["c", "e"], axis=1),
                                      synth[["c", "c"]].set_axis(["c", "e"], axis=1)), abs=1e-12)
    x = pd.DataFrame({"u": a[:300], "v": a[:300] * 2 + rng.normal(size=300)})
    y = pd.DataFrame({"u": b[:300].to_numpy(), "v": rng.normal(size=300)})
    assert correlation_similarity(x, y) == pytest.approx(CorrelationSimilarity.compute(x, y), abs=1e-12)


# ---------------------------------------------------------------------------------- metric properties
def test_small_metric_values():
    assert ks_complement(pd.Series([1, 2, 3, 4]), pd.Series([3, 4, 5, 6])) == pytest.approx(0.5)
    assert ks_complement(pd.Series([np.nan]), pd.Series([1.0])) != ks_complement(pd.Series([1.0]), pd.Series([1.0]))
    assert tv_complement(pd.Series(["a", "b", None]), pd.Series(["a", "a"])) == pytest.approx(0.5)
    assert missing_value_similarity(pd.Series([1, None, None, 4]), pd.Series([1, 2, 3, None])) == 0.75
    assert category_coverage(pd.Series(["a", "b", "c", "d"]), pd.Series(["a", "x"])) == 0.25
    assert range_coverage(pd.Series([0.0, 10.0]), pd.Series([2.0, 20.0])) == pytest.approx(0.8)
    assert range_coverage(pd.Series([0.0, 10.0]), pd.Series([20.0, 30.0])) == 0.0
    assert (detection_score(0.5), detection_score(0.75), detection_score(0.3)) == (1.0, 0.5, 1.0)


def test_identical_frames_score_one():
    real = mixed_frame(1500, 7)
    report = evaluate(real, real.copy(), metrics=["marginal", "joint"])
    assert report.score == pytest.approx(1.0, abs=1e-12)
    assert (report.details["column_shapes"][["Score", "Missing Value Similarity", "Coverage"]] == 1.0).all().all()
    assert np.allclose(report.details["column_pair_trends"]["Score"], 1.0)


def test_shuffled_independent_columns_lose_pair_trends():
    real = mixed_frame(3000, 8)
    rng = np.random.default_rng(0)
    shuffled = real.apply(lambda col: pd.Series(rng.permutation(col.to_numpy()), index=col.index))
    report = evaluate(real, shuffled, metrics=["marginal", "joint"])
    assert report.scores["column_shapes"] == pytest.approx(1.0, abs=1e-12)  # marginals are untouched
    pairs = report.details["column_pair_trends"].set_index(["Column 1", "Column 2"])
    assert pairs.loc[("age", "income"), "Score"] < 0.65  # r ~ 0.8 in real, ~0 after shuffling
    assert pairs.loc[("city", "tier"), "Score"] < 0.8
    assert report.scores["column_pair_trends"] < 0.85
    assert report.scores["column_pair_trends_all_pairs"] > report.scores["column_pair_trends"]


def test_report_is_deterministic_and_leaves_inputs_untouched():
    real, synth, holdout = mixed_frame(300, 1), mixed_frame(300, 2), mixed_frame(300, 3)
    copies = [f.copy() for f in (real, synth, holdout)]
    first = evaluate(real, synth, target="tier", holdout=holdout, random_state=3)
    second = evaluate(real, synth, target="tier", holdout=holdout, random_state=3)
    for before, after in zip(copies, (real, synth, holdout)):
        pd.testing.assert_frame_equal(before, after)
    assert first.to_dict()["scores"] == second.to_dict()["scores"]
    assert first.to_dict()["details"] == second.to_dict()["details"]


# ---------------------------------------------------------------------------------- privacy and detection
def test_copy_of_training_rows_is_flagged_by_privacy_metrics():
    frame = mixed_frame(4000, 11).drop(columns="user_id")
    real, holdout = frame.iloc[:2000], frame.iloc[2000:]
    report = evaluate(real, real.copy(), holdout=holdout, metrics=["privacy"])
    s = report.scores
    assert s["privacy.exact_copy_rate"] == 1.0
    assert s["privacy.dcr_share"] > 0.95
    assert s["privacy.dcr_real_median"] == 0.0
    assert s["privacy.holdout_copy_rate"] < 0.05


def test_independent_sample_looks_like_fresh_real_data():
    real, synth, holdout = mixed_frame(3000, 21), mixed_frame(3000, 22), mixed_frame(3000, 23)
    report = evaluate(real, synth, holdout=holdout, metrics=["detection", "privacy"])
    s = report.scores
    assert abs(s["privacy.dcr_share"] - 0.5) < 0.05
    assert s["privacy.exact_copy_rate"] < 0.05
    for model in ("hgb", "linear"):
        assert abs(s[f"detection.{model}.roc_auc"] - 0.5) < 0.05
    assert s["detection.score"] > 0.9


def test_detection_sees_a_shifted_distribution():
    real, synth = mixed_frame(2000, 31), mixed_frame(2000, 32, shift=15.0)
    report = evaluate(real, synth, metrics=["detection"])
    assert report.scores["detection.hgb.roc_auc"] > 0.75
    assert report.scores["detection.score"] < 0.5


def test_detection_names_the_column_and_the_pair_that_give_rows_away():
    rng = np.random.default_rng(41)
    n = 3000
    size = rng.normal(100, 20, n)

    def frame(area, tier):
        return pd.DataFrame({"size": size, "area": area, "tier": tier, "noise": rng.normal(0, 1, n)})

    tiers = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    real = frame(size * 2 + rng.normal(0, 1, n), tiers)
    # The synthetic area has the real marginal but no tie to size; its tier shares are off.
    synth = frame(rng.permutation(real["area"].to_numpy()), rng.choice(["a", "b", "c"], n, p=[0.2, 0.3, 0.5]))
    report = evaluate(real, synth, metrics=["detection"], random_state=0)
    table = report.details["detection_columns"]
    singles = table[table["Beyond columns"].isna()].set_index("Columns")["ROC AUC"]
    assert singles.index[0] == "tier" and singles["tier"] > 0.65
    assert abs(singles["size"] - 0.5) < 0.05 and abs(singles["area"] - 0.5) < 0.05
    pairs = table[table["Beyond columns"].notna()]
    assert pairs["Columns"].iloc[0] == "size & area" and pairs["Beyond columns"].iloc[0] > 0.2
    assert "Most telling" in report.summary() and "size & area" in report.summary()


def test_privacy_distance_equals_sdmetrics_dcr():
    from sdmetrics.single_table.privacy.dcr_utils import calculate_dcr

    from tabsynth.evaluation._prepare import prepare
    from tabsynth.evaluation.privacy import _Encoded, nearest_distances

    real, synth = mixed_frame(300, 41).drop(columns="user_id"), mixed_frame(200, 42).drop(columns="user_id")
    data = prepare(real, synth)
    ours = nearest_distances(_Encoded(data, [data.synthetic, data.real]), 0, 1, k=1)[:, 0]
    md = data.metadata.to_sdmetrics_dict()
    np.testing.assert_allclose(ours, calculate_dcr(synth, real, md).to_numpy(), atol=1e-6)


# ---------------------------------------------------------------------------------- utility
@needs_adult
def test_trtr_on_adult_matches_the_reference_auc(adult_splits):
    from tabsynth.evaluation.utility import ml_utility

    real, test = adult_splits
    table = ml_utility(real, real.iloc[:5000], test, "income", models=("hgb",))
    scores = table.set_index(["Train", "Metric"])["Score"]
    assert scores[("real", "roc_auc")] == pytest.approx(0.927, abs=0.003)
    assert 0.85 < scores[("synthetic", "roc_auc")] <= scores[("real", "roc_auc")] + 0.01
    assert 0.8 < scores[("real", "accuracy")] < 0.9


def test_regression_utility_and_missing_holdout_warning():
    real, synth, holdout = mixed_frame(1000, 51), mixed_frame(1000, 52), mixed_frame(1000, 53)
    report = evaluate(real, synth, target="income", holdout=holdout, metrics=["utility"])
    assert report.scores["utility.hgb.trtr.r2"] > 0.35  # the best possible R² here is about 0.55
    assert report.scores["utility.linear.tstr.r2"] > 0.35
    assert report.scores["utility.hgb.tstr.rmse"] > 0
    with pytest.warns(UserWarning, match="holdout"):
        nohold = evaluate(real, synth, target="income", metrics=["utility", "privacy"])
    assert np.isnan(nohold.scores["utility.hgb.tstr.r2"])
    assert np.isnan(nohold.scores["privacy.dcr_share"])
    assert nohold.scores["privacy.exact_copy_rate"] == 0.0


def test_target_with_one_class_in_synthetic_data_gives_nan_and_warning():
    real, synth, holdout = mixed_frame(600, 61), mixed_frame(600, 62), mixed_frame(600, 63)
    synth["tier"] = "big"
    with pytest.warns(UserWarning, match="single value"):
        report = evaluate(real, synth, target="tier", holdout=holdout, metrics=["utility"])
    assert np.isnan(report.scores["utility.hgb.tstr.roc_auc"])
    assert report.scores["utility.hgb.trtr.roc_auc"] > 0.5


# ---------------------------------------------------------------------------------- bad input
def test_bad_inputs_raise_tabsynth_errors_that_name_the_problem():
    real = mixed_frame(200, 71)
    with pytest.raises(InvalidDataError, match="city"):
        evaluate(real, real.drop(columns="city"))
    with pytest.raises(InvalidDataError, match="no rows"):
        evaluate(real, real.iloc[:0])
    bad = real.copy()
    bad["income"] = "lots"
    with pytest.raises(MetadataError, match="synthetic data.*income"):
        evaluate(real, bad)
    bad_date = real.copy()
    bad_date["last_visit"] = "yesterday"
    with pytest.raises(MetadataError, match="last_visit"):
        evaluate(real, bad_date)
    with pytest.raises(InvalidParameterError, match="target"):
        evaluate(real, real, target="nope", holdout=real)
    constant = real.assign(tier="big")
    with pytest.raises(InvalidDataError, match="tier"):
        evaluate(constant, constant, target="tier", holdout=constant)
    with pytest.raises(InvalidParameterError, match="metrics"):
        evaluate(real, real, metrics=["marginal", "vibes"])
    with pytest.raises(InvalidParameterError, match="target"):
        evaluate(real, real, holdout=real, metrics=["utility"])
    numbers = real.assign(city=np.arange(len(real)) % 3)
    with pytest.raises(InvalidDataError, match="city.*same type"):
        evaluate(real, numbers)
    with pytest.raises(TabsynthError, match="DataFrame"):
        evaluate(real.to_numpy(), real)


def test_all_missing_column_gives_nan_score_with_warning():
    real, synth = mixed_frame(500, 81), mixed_frame(500, 82)
    synth["city"] = np.nan
    with pytest.warns(UserWarning, match="entirely missing"):
        report = evaluate(real, synth, metrics=["marginal", "joint"])
    shapes = report.details["column_shapes"].set_index("Column")
    assert np.isnan(shapes.loc["city", "Score"])
    assert np.isfinite(report.score)
    assert report.score == pytest.approx(sdmetrics_report(real, synth, Metadata.detect(real)).get_score(), abs=1e-9)


# ---------------------------------------------------------------------------------- rendering
def test_report_renders_summary_json_and_self_contained_html(tmp_path):
    real, synth, holdout = mixed_frame(600, 91), mixed_frame(600, 92), mixed_frame(600, 93)
    report = evaluate(real, synth, target="member", holdout=holdout)
    assert isinstance(report, Report)
    text = report.summary()
    for needle in ("Fidelity score", "Column pair trends", "TSTR", "Detection", "DCR share"):
        assert needle in text
    parsed = json.loads(report.to_json(tmp_path / "r.json"))
    assert parsed == json.loads((tmp_path / "r.json").read_text())
    assert parsed["score"] == pytest.approx(report.score)
    assert set(parsed["details"]) == {"column_shapes", "column_pair_trends", "utility", "detection",
                                      "detection_columns", "privacy", "validity"}
    page = report.to_html(tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == page
    assert page.count("data:image/png;base64,") == 4  # marginals, trends, worst pairs, bars
    assert "<script" not in page and "src=\"http" not in page and "src='http" not in page


def test_validity_counts_values_outside_the_real_data_and_repeated_keys():
    real = pd.DataFrame({"id": range(10), "x": np.arange(10.0), "c": list("ab") * 5})
    synth = pd.DataFrame({"id": [0, 1, 2, 3, 4, 5, 6, 7, 8, 8], "x": [0.0] * 7 + [-1.0, 20.0, np.nan],
                          "c": list("ab") * 4 + ["z", "a"]})
    report = evaluate(real, synth, {"columns": {"id": {"sdtype": "id"}}, "primary_key": "id"}, metrics=["marginal"])
    table = report.details["validity"].set_index("Column")
    assert table.loc["x", "Score"] == pytest.approx(0.7)  # two outside [0, 9], one missing where none was
    assert "1 missing" in table.loc["x", "Detail"]
    assert table.loc["c", "Score"] == pytest.approx(0.9)
    assert table.loc["id", "Score"] == pytest.approx(0.9)  # one key repeated
    assert report.scores["validity"] == pytest.approx(0.7)
    assert "Validity" in report.summary() and "below 1: x, c, id" in report.summary()


def test_detection_reports_a_fold_interval_around_the_auc():
    from tabsynth.evaluation.detection import fold_interval

    low, high = fold_interval(0.6, [0.5, 0.55, 0.6, 0.65, 0.7])
    half = 2.776445 * np.std([0.5, 0.55, 0.6, 0.65, 0.7], ddof=1) / np.sqrt(5)  # t(0.975, 4)
    assert (low, high) == pytest.approx((0.6 - half, 0.6 + half))
    assert fold_interval(0.99, [0.9, 1.0, 1.0, 0.95, 1.0])[1] == 1.0  # clipped
    real, synth = mixed_frame(300, 1), mixed_frame(300, 2)
    det = evaluate(real, synth, metrics=["detection"]).details["detection"]
    assert (det["AUC 95% low"] <= det["ROC AUC"]).all() and (det["ROC AUC"] <= det["AUC 95% high"]).all()
