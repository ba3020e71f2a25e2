"""tabsynth.benchmark: cells in their own processes, failures and timeouts recorded, honest aggregation.

The `--quick` smoke run is the CI check of the whole pipeline (tables, JSON, plots); the other tests use
tiny frames so each spawned cell takes a second or two.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import tabsynth
from tabsynth.benchmarking import (
    CEILING,
    FLOOR,
    BenchmarkDataset,
    IndependentMarginals,
    benchmark,
    compare,
    summarize,
)
from tabsynth.cli import main
from tabsynth.errors import InvalidParameterError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "c": rng.choice(["a", "b", "c"], n),
                         "y": np.where(x + rng.normal(scale=0.5, size=n) > 0, "yes", "no")})


TINY = BenchmarkDataset("tiny", target="y", fit=_frame(300, 0), holdout=_frame(200, 1))
FAST = ("marginal", "joint", "privacy")


class Resampler:
    """A foreign synthesizer (not a tabsynth class): bootstrap rows of the training data."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def get_params(self, deep=True):
        return {"random_state": self.random_state}

    def set_params(self, **params):
        self.random_state = params.get("random_state", self.random_state)
        return self

    def fit(self, data):
        self.data_ = data
        return self

    def sample(self, n):
        rows = np.random.default_rng(self.random_state).integers(0, len(self.data_), n)
        return self.data_.iloc[rows].reset_index(drop=True)


class Broken(Resampler):
    def fit(self, data):
        raise RuntimeError("cannot fit this")


class Sleepy(Resampler):
    def fit(self, data):
        time.sleep(60)
        return self


def make_resampler(random_state=None):
    return Resampler(random_state=random_state)


def test_quick_run_writes_table_json_and_plots(tmp_path):
    assert main(["benchmark", "--quick", "--output", str(tmp_path), "--no-progress"]) == 0
    table = (tmp_path / "benchmark_quick.md").read_text()
    for label in (CEILING, "gaussian_copula", "bayesian_network", FLOOR):
        assert f"| {label} |" in table
    assert "Ran on" in table and "load average" in table
    data = json.loads((tmp_path / "benchmark_quick.json").read_text())
    assert {r["status"] for r in data["runs"]} == {"ok"} and len(data["runs"]) == 4
    runs = pd.DataFrame(data["runs"])
    model = runs[runs["synthesizer"] == "bayesian_network"].iloc[0]
    assert model["fit_s"] > 0 and model["peak_rss_mb"] > 50 and 0 < model["quality"] <= 1
    assert 0.5 < model["tstr"] <= 1 and 0 <= model["dcr_share"] <= 1
    for name in ("benchmark_quick_quality_vs_fit_time.png", "benchmark_quick_privacy_vs_utility.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG_MAGIC


def test_any_object_with_fit_and_sample_instances_and_factories():
    runs = benchmark({"instance": Resampler(), "factory": make_resampler, "class": Resampler}, TINY, seeds=[3],
                     metrics=FAST, references=False, progress=False)
    assert list(runs["status"].unique()) == ["ok"]
    assert set(runs["synthesizer"]) == {"instance", "factory", "class"} and set(runs["seed"]) == {3}
    # the same seed reaches every adapter form, so they give the same rows and the same scores
    by_seed = runs.groupby("seed")["dcr_share"].nunique()
    assert (by_seed == 1).all()
    assert (runs["exact_copy_rate"] == 1.0).all()  # a bootstrap copies training rows: privacy sees it


def test_failure_and_timeout_are_recorded_and_the_rest_go_on():
    seen = []
    runs = benchmark({"broken": Broken(), "sleepy": Sleepy(), "ok": Resampler()}, TINY, seeds=1, timeout=8,
                     metrics=("marginal",), references=False, progress=False, on_result=seen.append)
    status = dict(zip(runs["synthesizer"], runs["status"]))
    assert status == {"broken": "error", "sleepy": "timeout", "ok": "ok"}
    errors = dict(zip(runs["synthesizer"], runs["error"]))
    assert "RuntimeError: cannot fit this" in errors["broken"] and "8 s" in errors["sleepy"]
    assert runs.loc[runs["synthesizer"] == "sleepy", "cell_s"].iloc[0] < 30
    assert len(seen) == 3
    summary = summarize(runs)
    assert summary.loc[("tiny", "broken"), "ok"] == 0 and np.isnan(summary.loc[("tiny", "broken"), "quality"])


def test_reference_rows_ceiling_and_floor():
    runs = benchmark("bayesian_network", TINY, seeds=1, metrics=("marginal", "joint", "utility", "privacy"),
                     progress=False)
    assert list(runs["synthesizer"]) == [CEILING, "bayesian_network", FLOOR]
    ceiling = runs.iloc[0]
    assert ceiling["n_synthetic"] == 100 and ceiling["n_holdout"] == 100 and np.isnan(ceiling["fit_s"])
    floor = runs.iloc[2]
    assert floor["trends"] < runs.iloc[1]["trends"]  # independent columns lose the x-y association


def test_independent_marginals_keeps_marginals_and_breaks_joints():
    real = _frame(5_000, 0)
    fake = IndependentMarginals(random_state=0).fit(real).sample(5_000)
    assert list(fake.columns) == list(real.columns) and (fake.dtypes == real.dtypes).all()
    assert abs(fake["x"].mean() - real["x"].mean()) < 0.05
    assert abs((fake["y"] == "yes").mean() - (real["y"] == "yes").mean()) < 0.03
    real_assoc = np.corrcoef(real["x"], real["y"] == "yes")[0, 1]
    fake_assoc = np.corrcoef(fake["x"], fake["y"] == "yes")[0, 1]
    assert real_assoc > 0.5 and abs(fake_assoc) < 0.05


def _handmade_runs() -> pd.DataFrame:
    a, b = [0.90, 0.92, 0.95], [0.85, 0.88, 0.90]
    rows = [{"synthesizer": name, "dataset": "d", "seed": s, "status": "ok", "quality": q}
            for name, values in (("a", a), ("b", b)) for s, q in enumerate(values)]
    rows.append({"synthesizer": "b", "dataset": "d", "seed": 3, "status": "error", "quality": np.nan})
    return pd.DataFrame(rows)


def test_summarize_is_a_t_interval_over_successful_seeds():
    summary = summarize(_handmade_runs(), metrics=["quality"])
    row = summary.loc[("d", "a")]
    values = np.array([0.90, 0.92, 0.95])
    expected = stats.t.ppf(0.975, 2) * values.std(ddof=1) / np.sqrt(3)
    assert row["quality"] == pytest.approx(values.mean()) and row["quality_ci"] == pytest.approx(expected)
    assert summary.loc[("d", "b"), "runs"] == 4 and summary.loc[("d", "b"), "ok"] == 3


def test_compare_uses_paired_differences():
    result = compare(_handmade_runs(), "a", "b", "quality").loc["d"]
    diff = np.array([0.05, 0.04, 0.05])
    half = stats.t.ppf(0.975, 2) * diff.std(ddof=1) / np.sqrt(3)
    assert result["pairs"] == 3 and result["mean_diff"] == pytest.approx(diff.mean())
    assert result["ci_low"] == pytest.approx(diff.mean() - half) and result["ci_low"] > 0
    with pytest.raises(InvalidParameterError, match="No runs of 'c'"):
        compare(_handmade_runs(), "a", "c")


def test_standard_datasets_have_tasks_and_documented_sizes():
    adult, flights = tabsynth.benchmarking.standard_datasets(["adult", "flights"])
    fit, holdout, target = adult.split(0)
    assert (len(fit), len(holdout), target) == (32_561, 16_281, "income")
    fit, holdout, target = flights.split(0)
    assert (len(fit), len(holdout), target) == (20_000, 5_000, "arr_delay")
    again, _, _ = flights.split(0)
    other, _, _ = flights.split(1)
    assert fit.equals(again) and not fit.equals(other)
    movies = tabsynth.benchmarking.standard_datasets(["movies"], max_fit_rows=100)[0]
    fit, holdout, target = movies.split(0)
    assert "title" not in fit.columns and "title" not in holdout.columns and target == "rating"
    assert (len(fit), len(holdout)) == (100, 5_000)


class _Local:  # picklable by name only at module level: a nested class is refused below
    pass


@pytest.mark.parametrize("synthesizers, match", [
    ("no_such_model", "Unknown synthesizer"),
    (_Local(), "fit\\(DataFrame\\) and sample\\(n\\)"),
    ([], "at least one synthesizer"),
])
def test_bad_synthesizers_are_refused(synthesizers, match):
    with pytest.raises(InvalidParameterError, match=match):
        benchmark(synthesizers, TINY, progress=False)


def test_unpicklable_synthesizer_is_refused_with_advice():
    class Nested(Resampler):
        pass

    with pytest.raises(InvalidParameterError, match="module level"):
        benchmark(Nested(), TINY, progress=False)


@pytest.mark.parametrize("kwargs, match", [
    ({"seeds": 0}, "'seeds'"), ({"seeds": "3"}, "'seeds'"), ({"timeout": -1}, "'timeout'"),
    ({"threads": 0}, "'threads'"),
])
def test_bad_parameters_are_refused(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        benchmark(Resampler(), TINY, progress=False, **kwargs)


def test_sequence_dataset_is_refused():
    with pytest.raises(InvalidParameterError, match="sequences"):
        benchmark("gaussian_copula", "gapminder", progress=False)


@pytest.mark.parametrize("args", [["--datasets", "nope"], ["--synthesizers", "markov_chain"], ["--timeout", "-1"]])
def test_cli_errors_are_one_line_exit_2(capsys, args):
    assert main(["benchmark", "--quick", "--no-progress", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tabsynth: error:") and err.count("\n") == 1


def test_benchmark_on_your_own_table(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    table = pd.DataFrame({"x": x, "y": np.where(x + rng.normal(0, 0.5, 300) > 0, "yes", "no"),
                          "z": rng.choice(["a", "b", "c"], 300)})
    table.to_csv(tmp_path / "mine.csv", index=False)
    table.iloc[:80].to_csv(tmp_path / "held.csv", index=False)
    args = ["benchmark", "--data", str(tmp_path / "mine.csv"), "--target", "y", "--synthesizers", "gaussian_copula",
            "--seeds", "1", "--quick", "--no-progress", "--output", str(tmp_path / "out")]
    assert main(args) == 0
    runs = pd.DataFrame(json.loads((tmp_path / "out" / "benchmark_quick.json").read_text())["runs"])
    assert set(runs["dataset"]) == {"mine"} and set(runs["status"]) == {"ok"}
    model = runs[runs["synthesizer"] == "gaussian_copula"].iloc[0]
    assert 0.5 < model["tstr"] <= 1  # the target was used
    assert main([*args, "--holdout", str(tmp_path / "held.csv")]) == 0


@pytest.mark.parametrize(("extra", "message"), [(["--target", "nope"], "not a column"),
                                                (["--datasets", "adult"], "either --data"),
                                                (["--holdout", "WRONG"], "columns of --data")])
def test_benchmark_own_table_errors(tmp_path, capsys, extra, message):
    pd.DataFrame({"x": [1.0, 2.0] * 20, "y": ["a", "b"] * 20}).to_csv(tmp_path / "mine.csv", index=False)
    pd.DataFrame({"q": [1.0]}).to_csv(tmp_path / "wrong.csv", index=False)
    extra = [str(tmp_path / "wrong.csv") if e == "WRONG" else e for e in extra]
    assert main(["benchmark", "--data", str(tmp_path / "mine.csv"), "--quick", "--no-progress", *extra]) == 2
    assert message in capsys.readouterr().err
