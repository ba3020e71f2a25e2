"""detect_constraints: the rules that hold in every row and would not hold by chance, ranked and consistent."""

import re

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth.constraints import FixedCombinations, FixedIncrements, Inequality, OneHot, detect_constraints


def _table(n=800, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2022-03-01") + pd.to_timedelta(rng.integers(0, 100, n), unit="D")
    a = rng.normal(0, 1, n).round(3)
    b = a + rng.exponential(1, n).round(3)
    city = rng.choice(["Paris", "Lyon", "Berlin", "Munich", "Rome"], n)
    hot = rng.integers(0, 3, n)
    frame = pd.DataFrame({
        "start": start, "end": start + pd.to_timedelta(rng.integers(1, 9, n), unit="D"),
        "a": a, "b": b, "c": b + rng.exponential(1, n).round(3),
        "x": rng.normal(0, 1, n).round(3), "y": rng.normal(0.5, 1, n).round(3),
        "city": city, "country": pd.Series(city).map({"Paris": "FR", "Lyon": "FR", "Berlin": "DE",
                                                     "Munich": "DE", "Rome": "IT"}),
        "colour": rng.choice(["red", "blue", "green"], n),
        "price": rng.integers(1, 60, n) * 5, "score": rng.integers(0, 20, n) / 4,
        **{f"hot{i}": (hot == i).astype(int) for i in range(3)},
    })
    frame.loc[::17, "b"] = np.nan
    return frame


def test_every_planted_rule_is_found_and_nothing_else():
    frame = _table()
    before = frame.copy()
    found = {repr(rule) for rule in detect_constraints(frame)}
    expected = {Inequality("start", "end", strict=True), Inequality("a", "b"), Inequality("b", "c"),
                FixedCombinations(["city", "country"]), OneHot(["hot0", "hot1", "hot2"]),
                FixedIncrements("price", 5), FixedIncrements("score", 0.25)}
    assert found == {repr(rule) for rule in expected}  # a <= c is implied by the chain; x, y, colour are free
    pd.testing.assert_frame_equal(frame, before)


def test_a_rule_that_holds_only_because_ranges_do_not_overlap_is_left_out():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"small": rng.uniform(0, 1, 500), "large": rng.uniform(10, 11, 500),
                          "near": rng.uniform(0.99, 2, 500)})
    found = detect_constraints(frame, details=True)
    assert found.empty or "large" not in {c for rule in found.constraint for c in rule.columns}
    # small <= near breaks in about 0.005 % of independent pairs: 500 rows are no evidence of a rule
    assert not any(set(rule.columns) == {"small", "near"} for rule in found.constraint)


def test_details_rank_by_chance_and_mark_rules_that_clash():
    rng = np.random.default_rng(2)
    kind = rng.choice(list("ABCD"), 600)
    level = pd.Series(kind).map({"A": 1, "B": 2, "C": 3, "D": 4}).to_numpy()
    frame = pd.DataFrame({"kind": kind, "level": level, "top": level + rng.integers(0, 3, 600)})
    details = detect_constraints(frame, details=True)
    assert list(details.columns) == ["constraint", "kind", "rows", "log10_chance", "kept"]
    assert details.log10_chance.is_monotonic_increasing and (details.log10_chance <= -4).all()
    rules = {repr(r): keep for r, keep in zip(details.constraint, details.kept)}
    combination, inequality = repr(FixedCombinations(["kind", "level"])), repr(Inequality("level", "top"))
    assert combination in rules and inequality in rules
    assert rules[combination] != rules[inequality]  # `level` may be in one kind of rule, not both
    kept = detect_constraints(frame)
    assert [repr(r) for r in kept] == [repr(r) for r, k in zip(details.constraint, details.kept) if k]


@pytest.mark.parametrize("name", ["bayesian_network", "gaussian_copula"])
def test_detected_rules_pass_back_and_hold_in_sampled_rows(name):
    frame = _table()
    rules = detect_constraints(frame)
    synth = tabsynth.make(name, constraints=rules, random_state=0).fit(frame)
    sampled = synth.sample(4000, random_state=1)
    for rule in rules:
        valid = rule.is_valid(sampled, frame) if isinstance(rule, FixedCombinations) else rule.is_valid(sampled)
        assert valid.all(), rule


def test_dates_written_as_strings_compare_as_dates():
    frame = _table()[["start", "end", "a"]]
    text = frame.assign(start=frame.start.dt.strftime("%d/%m/%Y"), end=frame.end.dt.strftime("%d/%m/%Y"))
    assert Inequality("start", "end").is_valid(text).all()
    assert not Inequality("end", "start").is_valid(text).any()
    synth = tabsynth.make("bayesian_network", constraints=[Inequality("start", "end")], random_state=0).fit(text)
    sampled = synth.sample(3000, random_state=0)
    assert (pd.to_datetime(sampled.start, format="%d/%m/%Y") <= pd.to_datetime(sampled.end, format="%d/%m/%Y")).all()


def test_the_report_scores_adherence_per_rule(tmp_path):
    frame = _table()
    fake = frame.copy()
    fake.loc[:99, "end"] = fake.loc[:99, "start"] - pd.Timedelta(days=1)
    fake.loc[:49, "country"] = "IT"
    rules = [Inequality("start", "end"), FixedCombinations(["city", "country"])]
    report = tabsynth.evaluate(frame, fake, metrics=["marginal"], constraints=rules)
    table = report.details["constraints"]
    assert table["Real"].tolist() == [1.0, 1.0]
    italian_rome = int((frame.loc[:49, "city"] == "Rome").sum())  # Rome-IT is a real pair
    assert table["Synthetic"].tolist() == [1 - 100 / len(frame), 1 - (50 - italian_rome) / len(frame)]
    assert report.scores["constraints.adherence"] == min(table["Synthetic"])
    assert "Constraint adherence" in report.summary()
    report.to_html(tmp_path / "r.html")
    assert "Constraints</h2>" in (tmp_path / "r.html").read_text()


def test_cli_detects_rules_fits_with_them_and_reports_adherence(tmp_path, capsys):
    from tabsynth.cli import main

    data, rules, model, fake = (tmp_path / n for n in ("real.csv", "rules.json", "m.tsyn", "fake.csv"))
    frame = _table()[["a", "b", "c", "x", "city", "country"]]
    frame.to_csv(data, index=False)
    assert main(["detect-constraints", str(data), "--output", str(rules)]) == 0
    assert "Inequality(low='a', high='b'" in capsys.readouterr().out
    assert main(["fit", str(data), "--synthesizer", "gaussian_copula", "--constraints", str(rules),
                 "--output", str(model)]) == 0
    assert main(["sample", str(model), "--rows", "3000", "--output", str(fake), "--seed", "0"]) == 0
    sampled = pd.read_csv(fake)
    assert (sampled.a.isna() | sampled.b.isna() | (sampled.a <= sampled.b)).all()
    capsys.readouterr()
    assert main(["evaluate", str(data), str(fake), "--metrics", "marginal", "--constraints", str(rules)]) == 0
    assert re.search(r"Constraint adherence \(lowest\) +1\.0000", capsys.readouterr().out)
    rules.write_text('{"type": "Inequality"}')
    assert main(["fit", str(data), "--synthesizer", "gaussian_copula", "--constraints", str(rules),
                 "--output", str(model)]) == 2
    assert "must hold a JSON list" in capsys.readouterr().err
