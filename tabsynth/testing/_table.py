"""The table check-suite: the promises every table synthesizer keeps, as plain functions.

Each check takes a factory (``random_state -> unfitted synthesizer``) and a temporary directory, and
raises ``AssertionError`` on failure. ``tests/test_check_suite.py`` runs every check over every
registered table synthesizer; a new synthesizer passes them all before it is registered.

>>> from tabsynth.testing import TABLE_CHECKS, make_check_data
>>> for check in TABLE_CHECKS:                                  # doctest: +SKIP
...     check(lambda seed: MySynthesizer(random_state=seed, epochs=2), tmp_path)
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InvalidDataError, InvalidParameterError, MetadataError, ModelFileError, NotFittedError
from ..registry import load
from ._common import expect, expect_parameter_checks, expect_round_trip

NUM_ROWS = 400


def make_check_data(num_rows: int = NUM_ROWS, seed: int = 0) -> pd.DataFrame:
    """A small mixed table with every column kind the schema handles, and joint missingness."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], size=num_rows, p=[0.5, 0.3, 0.2])
    x = rng.normal(size=num_rows) + (group == "a") * 2.0
    unemployed = rng.random(num_rows) < 0.15  # both job columns missing together, as in Adult
    frame = pd.DataFrame({
        "key_id": np.arange(1000, 1000 + num_rows),
        "group": group,
        "x": np.round(x, 3),
        "count": rng.poisson(3, size=num_rows).astype(np.int64),
        "job": pd.Series(rng.choice(["clerk", "smith", "tailor"], size=num_rows), dtype=object).mask(unemployed),
        "hours": pd.array(rng.integers(10, 60, size=num_rows), dtype="Int64"),
        "flag": rng.random(num_rows) < 0.3,
        "when": pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 365, num_rows), unit="D"),
        "level": pd.Categorical(rng.choice(["low", "high"], size=num_rows), categories=["low", "high"]),
        "constant": "same",
    })
    frame.loc[unemployed, "hours"] = pd.NA
    return frame


# ---------------------------------------------------------------------- checks
def check_fit_returns_self(factory, tmp_path: Path) -> None:
    synth = factory(0)
    assert synth.fit(make_check_data()) is synth


def check_unfitted_sample_raises(factory, tmp_path: Path) -> None:
    synth = factory(0)
    for action in (lambda: synth.sample(5), lambda: synth.save(tmp_path / "unfitted.tsyn")):
        try:
            action()
        except NotFittedError:
            continue
        raise AssertionError("an unfitted synthesizer must raise NotFittedError")


def check_sample_schema(factory, tmp_path: Path) -> None:
    """Same columns, order and dtypes; categories a subset of the seen ones; bounds kept; ids unique."""
    data = make_check_data()
    fake = factory(0).fit(data).sample(1000)
    assert len(fake) == 1000
    assert list(fake.columns) == list(data.columns)
    assert fake.dtypes.to_dict() == data.dtypes.to_dict(), (fake.dtypes, data.dtypes)
    for name in ("group", "job", "level", "flag", "constant"):
        seen = set(data[name].dropna())
        assert set(fake[name].dropna()) <= seen, name
    assert fake["x"].between(data["x"].min(), data["x"].max()).all()
    assert fake["when"].between(data["when"].min(), data["when"].max()).all()
    assert fake["key_id"].is_unique


def check_missing_values(factory, tmp_path: Path) -> None:
    """Missing rates near the real ones, and missingness learned jointly (job and hours go together)."""
    data = make_check_data()
    fake = factory(0).fit(data).sample(4000)
    for name in ("job", "hours"):
        assert abs(fake[name].isna().mean() - data[name].isna().mean()) < 0.05, name
    both = fake["job"].isna() & fake["hours"].isna()
    independent = fake["job"].isna().mean() * fake["hours"].isna().mean()
    assert both.mean() > independent + 0.5 * (data["job"].isna().mean() - independent), (
        "missingness of 'job' and 'hours' must be learned jointly"
    )


def check_randomness_rule(factory, tmp_path: Path) -> None:
    """Explicit seeds give fixed streams (prefixes across blocks); plain calls advance the generator."""
    data = make_check_data()
    synth = factory(0).fit(data)
    first = synth.sample(5000, random_state=7)
    pd.testing.assert_frame_equal(first, synth.sample(5000, random_state=7))
    pd.testing.assert_frame_equal(first.iloc[:4200], synth.sample(4200, random_state=7))
    assert not synth.sample(50).equals(synth.sample(50)), "two plain calls must differ"
    refit = factory(0).fit(data)
    pd.testing.assert_frame_equal(factory(0).fit(data).sample(30), refit.sample(30))


def check_save_load(factory, tmp_path: Path) -> None:
    """A loaded model gives the same seeded rows and continues the own generator where it stood."""
    synth = factory(0).fit(make_check_data())
    synth.sample(10)
    expect_round_trip(synth, tmp_path / "model.tsyn", 300)


def check_input_unmodified(factory, tmp_path: Path) -> None:
    data = make_check_data()
    before = copy.deepcopy(data)
    synth = factory(0).fit(data)
    synth.sample(20)
    pd.testing.assert_frame_equal(data, before)


def check_params_round_trip(factory, tmp_path: Path) -> None:
    synth = factory(0)
    params = synth.get_params()
    clone = type(synth)(**params)
    assert clone.get_params() == params
    clone.set_params(random_state=5)
    assert clone.get_params()["random_state"] == 5
    expect(InvalidParameterError, lambda: clone.set_params(no_such_parameter=1))
    expect(InvalidParameterError, lambda: factory(-1).fit(make_check_data()))


def check_bad_data(factory, tmp_path: Path) -> None:
    """Bad tables give an InvalidDataError that names the problem."""
    data = make_check_data()
    duplicated = pd.concat([data[["x"]], data[["x"]]], axis=1)
    lists = data.assign(group=[[1, 2]] * len(data))
    infinite = data.assign(x=np.where(np.arange(len(data)) == 3, np.inf, data["x"]))
    cases = {
        "no rows": data.iloc[:0], "no columns": pd.DataFrame(index=range(3)), "duplicate": duplicated,
        "list": lists, "infinite": infinite, "not a frame": data.to_numpy(),
    }
    for label, bad in cases.items():
        expect(InvalidDataError, lambda bad=bad: factory(0).fit(bad), label)
    metadata = {"columns": {"nope": {"sdtype": "numerical"}}}
    expect(MetadataError, lambda: factory(0).fit(data[["x"]], metadata=metadata), "metadata")


def check_bad_num_rows(factory, tmp_path: Path) -> None:
    synth = factory(0).fit(make_check_data())
    for bad in (0, -3, 2.5, "10", True):
        expect(InvalidParameterError, lambda bad=bad: synth.sample(bad), repr(bad))


def check_truncated_model_file(factory, tmp_path: Path) -> None:
    path = tmp_path / "model.tsyn"
    factory(0).fit(make_check_data()).save(path)
    truncated = tmp_path / "truncated.tsyn"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    expect(ModelFileError, lambda: load(truncated))


def check_conditions(factory, tmp_path: Path) -> None:
    """Where supported, every row honours a dict or per-row DataFrame of conditions."""
    synth = factory(0).fit(make_check_data())
    if synth.conditional_sampling == "none":
        return
    fake = synth.sample(200, conditions={"group": "c", "flag": True})
    assert (fake["group"] == "c").all() and fake["flag"].all()
    wanted = pd.DataFrame({"group": ["a", "b", "c"] * 10})
    fake = synth.sample(conditions=wanted, random_state=1)
    assert fake["group"].tolist() == wanted["group"].tolist()


def check_sample_to_file(factory, tmp_path: Path) -> None:
    """Streaming to a file gives the same rows as sample() with the same seed, whatever the chunk size."""
    synth = factory(0).fit(make_check_data())
    expected = synth.sample(5000, random_state=11)
    for name, chunk_size in (("out.parquet", 1000), ("out.parquet", 4096 * 2), ("out.csv", 777)):
        path = tmp_path / name
        synth.sample_to_file(path, 5000, chunk_size=chunk_size, random_state=11)
        if name.endswith(".parquet"):
            pd.testing.assert_frame_equal(_nulls_as_none(pd.read_parquet(path)), _nulls_as_none(expected))
        else:
            written = pd.read_csv(path)
            assert len(written) == 5000 and list(written.columns) == list(expected.columns)
            np.testing.assert_allclose(written["x"], expected["x"])
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def check_param_validation(factory, tmp_path: Path) -> None:
    expect_parameter_checks(factory, lambda synth: synth.fit(make_check_data(60)))


def _nulls_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet reads missing strings back as None where pandas wrote NaN: the same missing value."""
    objects = frame.select_dtypes(include="object").columns
    return frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), None) for c in objects})


TABLE_CHECKS = [
    check_fit_returns_self,
    check_unfitted_sample_raises,
    check_sample_schema,
    check_missing_values,
    check_randomness_rule,
    check_save_load,
    check_input_unmodified,
    check_params_round_trip,
    check_bad_data,
    check_bad_num_rows,
    check_truncated_model_file,
    check_conditions,
    check_sample_to_file,
    check_param_validation,
]
