"""The tabsynth command: real runs through main(), errors as one line on stderr with exit status 2."""

import pandas as pd
import pytest

from tabsynth.cli import main
from tabsynth.testing import make_check_data


@pytest.fixture()
def table(tmp_path):
    path = tmp_path / "real.csv"
    make_check_data().drop(columns=["when", "level"]).to_csv(path, index=False)
    return path


def test_fit_then_sample_csv_and_parquet(table, tmp_path, capsys):
    model = tmp_path / "model.tsyn"
    assert main(["fit", str(table), "--synthesizer", "gaussian_copula", "--param", "max_quantiles=50",
                 "--output", str(model)]) == 0
    for name in ("out.csv", "out.parquet"):
        out = tmp_path / name
        assert main(["sample", str(model), "--rows", "250", "--output", str(out), "--seed", "3"]) == 0
        fake = pd.read_csv(out) if name.endswith(".csv") else pd.read_parquet(out)
        assert len(fake) == 250 and list(fake.columns) == list(pd.read_csv(table).columns)
    again = tmp_path / "again.csv"
    main(["sample", str(model), "--rows", "250", "--output", str(again), "--seed", "3"])
    assert again.read_text() == (tmp_path / "out.csv").read_text()
    assert "Wrote 250 rows" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["fit", "missing.csv", "--synthesizer", "gaussian_copula", "--output", "m.tsyn"], "No data file"),
    (["fit", "{table}", "--synthesizer", "nope", "--output", "m.tsyn"], "Unknown synthesizer"),
    (["fit", "{table}", "--synthesizer", "gaussian_copula", "--param", "bogus=1", "--output", "m.tsyn"],
     "no parameter"),
    (["fit", "{table}", "--synthesizer", "gaussian_copula", "--param", "max_quantiles=-1", "--output", "m.tsyn"],
     "max_quantiles"),
    (["sample", "missing.tsyn", "--rows", "10", "--output", "o.csv"], "No model file"),
    (["sample", "{table}", "--rows", "10", "--output", "o.csv"], "not a"),
    (["sample", "m.tsyn", "--rows", "-5", "--output", "o.csv"], "--rows"),
    (["sample", "m.tsyn", "--rows", "ten", "--output", "o.csv"], "--rows"),
    (["sample", "m.tsyn", "--rows", "10", "--output", "o.xlsx"], ".csv or .parquet"),
])
def test_errors_are_one_line_and_exit_2(argv, message, table, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = [a.replace("{table}", str(table)) for a in argv]
    with pytest.raises(SystemExit) if "--rows" in message else _no_exit() as caught:
        code = main(argv)
    code = caught.value.code if caught is not None and hasattr(caught, "value") else code
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1, err


class _no_exit:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_malformed_csv_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b'a,b\n1,"unterminated\n')
    assert main(["fit", str(bad), "--synthesizer", "gaussian_copula", "--output", str(tmp_path / "m.tsyn")]) == 2
    assert "Could not read" in capsys.readouterr().err


def test_demo_prints_quality_scores(capsys):
    assert main(["demo", "--rows", "5000"]) == 0
    out = capsys.readouterr().out
    assert "Column Pair Trends" in out and "overall" in out


def test_fit_takes_partial_metadata_and_sample_takes_conditions(tmp_path, capsys):
    import json

    import numpy as np

    rng = np.random.default_rng(0)
    real = pd.DataFrame({"stage": rng.choice([1, 2, 3], 400), "city": rng.choice(["Paris", "Rome"], 400),
                         "price": rng.normal(100, 10, 400).round(2)})
    data, meta, model = tmp_path / "real.csv", tmp_path / "meta.json", tmp_path / "m.tsyn"
    real.to_csv(data, index=False)
    meta.write_text(json.dumps({"columns": {"stage": {"sdtype": "categorical"}}}))
    assert main(["fit", str(data), "--synthesizer", "bayesian_network", "--metadata", str(meta),
                 "--output", str(model)]) == 0
    import tabsynth

    assert tabsynth.load(model).metadata_.sdtype("stage") == "categorical"
    out = tmp_path / "out.csv"
    assert main(["sample", str(model), "--rows", "50", "--output", str(out), "--seed", "1",
                 "--conditions", "city=Rome", "--conditions", '{"stage": 2}']) == 0
    fake = pd.read_csv(out)
    assert len(fake) == 50 and (fake["city"] == "Rome").all() and (fake["stage"] == 2).all()
    assert main(["sample", str(model), "--rows", "5", "--output", str(out), "--conditions", "city"]) == 2
    assert "col=value" in capsys.readouterr().err
    assert main(["fit", str(data), "--synthesizer", "bayesian_network", "--metadata", str(tmp_path / "no.json"),
                 "--output", str(model)]) == 2
