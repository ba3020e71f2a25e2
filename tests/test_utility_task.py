"""The utility task can be chosen, and integer codes are classes by default (issue 22, item 2)."""

import numpy as np
import pandas as pd
import pytest

import tabsynth


def frames(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=400)
    status = np.where(x > 0.5, 2, np.where(x > -0.5, 1, 0))
    return pd.DataFrame({"x": x + rng.normal(0, 0.3, 400), "status": status, "amount": x * 10 + rng.normal(0, 1, 400)})


@pytest.fixture
def data():
    return frames(0), frames(1), frames(2)


def test_integer_codes_are_classes_and_other_numbers_regressed(data):
    real, fake, holdout = data
    report = tabsynth.evaluate(real, fake, target="status", holdout=holdout, metrics=["utility"])
    assert report.info["task"] == "classification" and "utility.hgb.tstr.roc_auc" in report.scores
    assert "classification" in report.summary()
    report = tabsynth.evaluate(real, fake, target="amount", holdout=holdout, metrics=["utility"])
    assert report.info["task"] == "regression" and "utility.hgb.tstr.r2" in report.scores


def test_task_overrides_the_default(data):
    real, fake, holdout = data
    report = tabsynth.evaluate(real, fake, target="status", holdout=holdout, metrics=["utility"], task="regression")
    assert report.info["task"] == "regression" and "utility.hgb.tstr.r2" in report.scores
    with pytest.raises(tabsynth.InvalidParameterError, match="'task' parameter"):
        tabsynth.evaluate(real, fake, target="status", holdout=holdout, metrics=["utility"], task="ranking")
    labelled = {"columns": {"x": {"sdtype": "numerical"}, "status": {"sdtype": "categorical"},
                            "amount": {"sdtype": "numerical"}}}
    with pytest.raises(tabsynth.InvalidParameterError, match="cannot be regressed"):
        tabsynth.evaluate(real, fake, labelled, target="status", holdout=holdout, metrics=["utility"],
                          task="regression")


def test_the_command_line_takes_task(data, tmp_path, capsys):
    from tabsynth.cli import main

    paths = []
    for name, frame in zip(("real", "fake", "holdout"), data):
        paths.append(tmp_path / f"{name}.csv")
        frame.to_csv(paths[-1], index=False)
    assert main(["evaluate", str(paths[0]), str(paths[1]), "--target", "status", "--holdout", str(paths[2]),
                 "--task", "regression"]) == 0
    assert "regression" in capsys.readouterr().out
