"""The sequence check-suite: the promises every sequence synthesizer keeps, as plain functions.

Each check takes a factory (``random_state -> unfitted synthesizer``) and a temporary directory, and
raises ``AssertionError`` on failure. ``tests/test_sequence_check_suite.py`` runs every check over
every registered sequence synthesizer.

>>> from tabsynth.testing import SEQUENCE_CHECKS
>>> for check in SEQUENCE_CHECKS:                                   # doctest: +SKIP
...     check(lambda seed: MySequenceSynthesizer(random_state=seed), tmp_path)
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InvalidDataError, InvalidParameterError, ModelFileError, NotFittedError
from ..registry import load
from ._common import expect, expect_parameter_checks, expect_round_trip

NUM_ENTITIES = 40
ROLES = {"sequence_key": "entity", "sequence_index": "when", "context_columns": ["kind"]}


def make_sequence_check_data(num_entities: int = NUM_ENTITIES, seed: int = 0) -> pd.DataFrame:
    """Entities of different lengths on an hourly tz-aware index with a few holes, a context column,
    a trending number, a categorical state, a number missing in runs, and hour/day columns that are
    functions of the index (in New York time)."""
    rng = np.random.default_rng(seed)
    frames = []
    for e in range(num_entities):
        length = int(rng.integers(20, 40))
        steps = rng.choice([1, 1, 1, 1, 1, 1, 1, 1, 1, 3], size=length - 1)
        hours = np.r_[0, np.cumsum(steps)]
        when = pd.Timestamp("2021-03-10", tz="UTC") + pd.to_timedelta(hours + int(rng.integers(0, 24)), unit="h")
        kind = "fast" if e % 3 == 0 else "slow"
        level = np.cumsum(rng.normal(2.0 if kind == "fast" else 0.5, 0.3, size=length)) + rng.normal(10, 1)
        gust = np.where(rng.random(length) < 0.5, np.nan, rng.normal(20, 3, length))
        gust[: length // 2] = np.nan  # a run of missing values
        local = when.tz_convert("America/New_York")
        frames.append(pd.DataFrame({
            "entity": f"e{e:03d}", "kind": kind, "when": when, "hour": local.hour.astype(np.int64),
            "day": local.day.astype(np.int64), "level": np.round(level, 2),
            "state": rng.choice(["on", "off"], size=length), "gust": np.round(gust, 1),
        }))
    return pd.concat(frames, ignore_index=True)


def _fit(factory, data=None, seed: int = 0):
    return factory(seed).fit(make_sequence_check_data() if data is None else data, **ROLES)


# ---------------------------------------------------------------------- checks
def check_fit_returns_self(factory, tmp_path: Path) -> None:
    synth = factory(0)
    assert synth.fit(make_sequence_check_data(), **ROLES) is synth


def check_unfitted_raises(factory, tmp_path: Path) -> None:
    synth = factory(0)
    expect(NotFittedError, lambda: synth.sample(3))
    expect(NotFittedError, lambda: synth.save(tmp_path / "unfitted.tsyn"))


def check_sample_schema(factory, tmp_path: Path) -> None:
    """Same columns, order and dtypes; fresh unique keys; index sorted within each sequence."""
    data = make_sequence_check_data()
    fake = _fit(factory, data).sample(25)
    assert list(fake.columns) == list(data.columns)
    assert fake.dtypes.to_dict() == data.dtypes.to_dict(), (fake.dtypes, data.dtypes)
    assert fake["entity"].nunique() == 25
    assert not set(fake["entity"]) & set(data["entity"]), "keys must be fresh"
    assert fake.groupby("entity")["kind"].nunique().max() == 1, "context must be constant within a sequence"
    assert fake.groupby("entity")["when"].apply(lambda s: s.is_monotonic_increasing).all()
    assert set(fake["state"].dropna()) <= set(data["state"])


def check_index_functions(factory, tmp_path: Path) -> None:
    """Columns that are functions of the index are recomputed from the sampled index."""
    fake = _fit(factory).sample(10)
    local = fake["when"].dt.tz_convert("America/New_York")
    assert (fake["hour"] == local.dt.hour).all() and (fake["day"] == local.dt.day).all()


def check_index_steps(factory, tmp_path: Path) -> None:
    """Steps come from the real ones (1 h and 3 h here), at about their real frequency; a regular index stays
    regular; lengths within the seen range."""
    data = make_sequence_check_data()
    fake = _fit(factory, data).sample(200)
    steps = fake.groupby("entity")["when"].diff().dropna().dt.total_seconds() / 3600
    assert set(steps.unique()) <= {1.0, 3.0}
    real_share = (data.groupby("entity")["when"].diff().dropna().dt.total_seconds() == 3 * 3600).mean()
    assert abs((steps == 3).mean() - real_share) < 0.05
    lengths = fake.groupby("entity").size()
    real_lengths = data.groupby("entity").size()
    assert lengths.between(real_lengths.min(), real_lengths.max()).all()
    regular = data.assign(when=data.groupby("entity").cumcount().astype(np.int64) * 5 + 1950)
    regular = regular.drop(columns=["hour", "day"])
    fake = factory(0).fit(regular, **ROLES).sample(20)
    assert set(fake.groupby("entity")["when"].diff().dropna().unique()) == {5}


def check_missing_runs(factory, tmp_path: Path) -> None:
    """Missing rate near the real one, and missingness in runs (lag-1 dependence kept)."""
    data = make_sequence_check_data()
    fake = _fit(factory, data).sample(200)
    assert abs(fake["gust"].isna().mean() - data["gust"].isna().mean()) < 0.06
    def stay(frame):
        missing = frame["gust"].isna().to_numpy()
        same = frame["entity"].to_numpy()[1:] == frame["entity"].to_numpy()[:-1]
        return (missing[1:] & missing[:-1])[same].sum() / max(missing[:-1][same].sum(), 1)
    assert stay(fake) > 0.5 * stay(data) + 0.5 * fake["gust"].isna().mean() - 0.05


def check_context(factory, tmp_path: Path) -> None:
    """Given context rows, one sequence each with that context; trajectories depend on the context."""
    synth = _fit(factory)
    wanted = pd.DataFrame({"kind": ["fast"] * 30 + ["slow"] * 30})
    fake = synth.sample(context=wanted, random_state=2)
    kinds = fake.groupby("entity", sort=False)["kind"].first()
    assert kinds.tolist() == wanted["kind"].tolist()
    growth = fake.groupby("entity").agg(kind=("kind", "first"), d=("level", lambda s: s.diff().mean()))
    assert growth.query("kind == 'fast'")["d"].mean() > growth.query("kind == 'slow'")["d"].mean() + 0.5


def check_randomness_rule(factory, tmp_path: Path) -> None:
    """Seeded samples are fixed and prefixes of longer ones (across blocks); plain calls advance."""
    from ..synthesizers.sequence import SEQUENCE_BLOCK

    synth = _fit(factory)
    big = synth.sample(SEQUENCE_BLOCK + 20, random_state=7)
    pd.testing.assert_frame_equal(big, synth.sample(SEQUENCE_BLOCK + 20, random_state=7))
    small = synth.sample(SEQUENCE_BLOCK + 3, random_state=7)
    pd.testing.assert_frame_equal(small, big.iloc[: len(small)])
    assert not synth.sample(5).equals(synth.sample(5))
    pd.testing.assert_frame_equal(_fit(factory).sample(5), _fit(factory).sample(5))


def check_sequence_length(factory, tmp_path: Path) -> None:
    fake = _fit(factory).sample(4, sequence_length=50)
    assert (fake.groupby("entity").size() == 50).all()


def check_save_load(factory, tmp_path: Path) -> None:
    synth = _fit(factory)
    synth.sample(3)
    path = tmp_path / "sequences.tsyn"
    expect_round_trip(synth, path, 12)
    truncated = tmp_path / "truncated.tsyn"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    expect(ModelFileError, lambda: load(truncated))


def check_input_unmodified(factory, tmp_path: Path) -> None:
    data = make_sequence_check_data().sample(frac=1.0, random_state=0)  # shuffled rows
    before = copy.deepcopy(data)
    _fit(factory, data).sample(3)
    pd.testing.assert_frame_equal(data, before)


def check_bad_input(factory, tmp_path: Path) -> None:
    data = make_sequence_check_data()
    duplicated = pd.concat([data, data.iloc[:1]], ignore_index=True)
    changing = data.assign(kind=np.where(np.arange(len(data)) % 2 == 0, "fast", "slow"))
    for label, bad in {"duplicate rows": duplicated, "changing context": changing,
                       "missing key": data.assign(entity=data["entity"].mask(data.index == 3))}.items():
        expect(InvalidDataError, lambda bad=bad: factory(0).fit(bad, **ROLES), label)
    expect(InvalidParameterError, lambda: factory(0).fit(data, sequence_key="nope", sequence_index="when"))
    expect(InvalidParameterError, lambda: factory(0).fit(data, **{**ROLES, "context_columns": ["nope"]}))
    synth = _fit(factory, data)
    for bad in (0, -1, 2.5, "3"):
        expect(InvalidParameterError, lambda bad=bad: synth.sample(bad), repr(bad))
    expect(InvalidParameterError, lambda: synth.sample(context=pd.DataFrame({"nope": [1]})))
    expect(InvalidParameterError, lambda: factory(-1).fit(data, **ROLES))


def check_param_validation(factory, tmp_path: Path) -> None:
    expect_parameter_checks(factory, lambda synth: synth.fit(make_sequence_check_data(), **ROLES))


SEQUENCE_CHECKS = [
    check_fit_returns_self,
    check_unfitted_raises,
    check_sample_schema,
    check_index_functions,
    check_index_steps,
    check_missing_runs,
    check_context,
    check_randomness_rule,
    check_sequence_length,
    check_save_load,
    check_input_unmodified,
    check_bad_input,
    check_param_validation,
]
