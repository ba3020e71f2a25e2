"""Property-based tests for sequence synthesizers: generated long-format panels either fit and sample honouring
the schema, or raise a TabsynthError that names the problem. Never a deep traceback, never silently wrong output."""

import os
import tempfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tabsynth
from tabsynth import TabsynthError
from tabsynth.errors import InvalidDataError
from tabsynth.registry import get_class
from tabsynth.synthesizers.sequence import SequenceSynthesizer

from ._values import assert_values_honour

SEQUENCE_SYNTHESIZERS = [name for name in tabsynth.available() if issubclass(get_class(name), SequenceSynthesizer)]
FAST = {"neural_sequence": {"epochs": 2, "hidden_size": 8, "head_size": 8}}  # the properties are not about fidelity

MAX_EXAMPLES = int(os.environ.get("TABSYNTH_PROPERTY_EXAMPLES", "40"))
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                    derandomize=True)
INDEX_KINDS = ["int", "float", "datetime", "datetime_tz"]
VALUE_KINDS = ["float", "int", "Int64", "text", "bool", "constant", "all_missing", "datetime"]
CATEGORIES = ["a", "b", "", "é", "z z"]
FLOATS = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.floats(allow_nan=False, allow_infinity=False),
                   st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1e300, -1e300]))


def _index(kind: str, numbers: np.ndarray) -> pd.Series:
    if kind == "int":
        return pd.Series(numbers.astype(np.int64))
    if kind == "float":
        return pd.Series(numbers.astype(np.float64) / 4)
    stamps = pd.Series(pd.to_datetime(numbers.astype(np.int64) * 3600 + 1_600_000_000, unit="s"))
    return stamps.dt.tz_localize("UTC").dt.tz_convert("Europe/Paris") if kind == "datetime_tz" else stamps


def _values(kind: str, draw, n: int) -> pd.Series:
    missing = st.booleans() if draw(st.booleans()) else st.just(False)
    holes = np.array(draw(st.lists(missing, min_size=n, max_size=n)), dtype=bool)
    if kind == "float":
        values = draw(st.lists(FLOATS, min_size=n, max_size=n))
        return pd.Series(values, dtype="float64").mask(holes)
    if kind == "int":
        return pd.Series(draw(st.lists(st.one_of(st.integers(-50, 50), st.integers(-(2**40), 2**40)), min_size=n, max_size=n)), dtype="int64")
    if kind == "Int64":
        values = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
        return pd.Series(pd.array(values, dtype="Int64")).mask(holes)
    if kind == "text":
        values = draw(st.lists(st.sampled_from(CATEGORIES), min_size=n, max_size=n))
        return pd.Series(values, dtype=object).mask(holes)
    if kind == "bool":
        return pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    if kind == "datetime":
        seconds = draw(st.lists(st.integers(0, 2_000_000_000), min_size=n, max_size=n))
        return pd.Series(pd.to_datetime(seconds, unit="s")).mask(holes)
    if kind == "constant":
        return pd.Series([7.5] * n, dtype="float64")
    return pd.Series([np.nan] * n, dtype="float64")


@st.composite
def panels(draw):
    """(panel, context column names): ragged entities (single-step ones too), an index of any kind."""
    lengths = draw(st.lists(st.integers(1, 8), min_size=1, max_size=14))
    index_kind = draw(st.sampled_from(INDEX_KINDS))
    key_kind = draw(st.sampled_from(["int", "text"]))
    keys, index = [], []
    for e, length in enumerate(lengths):
        steps = draw(st.lists(st.integers(1, 3), min_size=length - 1, max_size=length - 1))
        index.append(draw(st.integers(0, 20)) + np.r_[0, np.cumsum(steps, dtype=np.int64)])
        keys += [e * 3 if key_kind == "int" else f"k{e}"] * length
    n = len(keys)
    frame = pd.DataFrame({"key": pd.Series(keys), "when": _index(index_kind, np.concatenate(index))})
    context = []
    for i in range(draw(st.integers(0, 2))):
        per_entity = draw(st.lists(st.sampled_from(["x", "y", None]) if i == 0 else st.integers(0, 3),
                                   min_size=len(lengths), max_size=len(lengths)))
        frame[f"ctx{i}"] = pd.Series(np.repeat(np.array(per_entity, dtype=object), lengths))
        if i == 1:
            frame[f"ctx{i}"] = frame[f"ctx{i}"].astype(np.int64)
        context.append(f"ctx{i}")
    for i, kind in enumerate(draw(st.lists(st.sampled_from(VALUE_KINDS), min_size=0, max_size=4))):
        frame[f"v{i}_{kind}"] = _values(kind, draw, n)
    if draw(st.booleans()):  # rows in any order: fit sorts them
        frame = frame.sample(frac=1.0, random_state=draw(st.integers(0, 9))).reset_index(drop=True)
    return frame, context


def _assert_honours_schema(real: pd.DataFrame, fake: pd.DataFrame, context: list, length=None) -> None:
    assert list(fake.columns) == list(real.columns)
    assert fake.dtypes.to_dict() == real.dtypes.to_dict(), (fake.dtypes, real.dtypes)
    assert len(fake) and fake["key"].notna().all()
    assert fake.groupby("key")["when"].apply(lambda s: s.is_monotonic_increasing and s.is_unique).all()
    starts = np.flatnonzero(np.r_[True, fake["key"].to_numpy()[1:] != fake["key"].to_numpy()[:-1]])
    assert len(starts) == fake["key"].nunique(), "each sequence's rows must be contiguous under one fresh key"
    real_lengths, fake_lengths = real.groupby("key").size(), fake.groupby("key").size()
    if length is None:
        assert fake_lengths.between(real_lengths.min(), real_lengths.max()).all()
    else:
        assert (fake_lengths == length).all()
    for name in context:
        assert (fake.groupby("key")[name].nunique(dropna=False) == 1).all(), f"{name}: context changes"
    assert_values_honour(real, fake, real.columns.drop(["key", "when"]))
    index_min, index_max = real["when"].min(), real["when"].max()
    assert fake.groupby("key")["when"].min().between(index_min, index_max).all(), "start outside the seen starts"


@pytest.mark.parametrize("name", SEQUENCE_SYNTHESIZERS)
def test_generated_panels_fit_and_sample_or_fail_clearly(name):
    @SETTINGS
    @given(case=panels(), num_sequences=st.integers(1, 40), length=st.one_of(st.none(), st.integers(1, 9)))
    def check(case, num_sequences, length):
        real, context = case
        before = real.copy(deep=True)
        try:
            synth = tabsynth.make(name, random_state=0, **FAST.get(name, {}))
            synth.fit(real, sequence_key="key", sequence_index="when", context_columns=context)
            fake = synth.sample(num_sequences, sequence_length=length)
        except TabsynthError as exc:
            assert str(exc)
            return
        finally:
            pd.testing.assert_frame_equal(real, before)
        assert fake["key"].nunique() == num_sequences
        _assert_honours_schema(real, fake, context, length)
        with tempfile.TemporaryDirectory() as folder:  # the learned state survives its model file
            synth.save(os.path.join(folder, "panel.tsyn"))
            same = tabsynth.load(os.path.join(folder, "panel.tsyn"))
        pd.testing.assert_frame_equal(same.sample(3, random_state=1), synth.sample(3, random_state=1))

    check()


@pytest.mark.parametrize("name", SEQUENCE_SYNTHESIZERS)
def test_duplicate_index_within_a_sequence_is_refused(name):
    @SETTINGS
    @given(case=panels(), pick=st.integers(0, 10_000))
    def check(case, pick):
        real, context = case
        row = real.iloc[[pick % len(real)]]
        bad = pd.concat([real, row], ignore_index=True)
        with pytest.raises(InvalidDataError, match="when"):
            tabsynth.make(name, random_state=0, **FAST.get(name, {})).fit(bad, sequence_key="key", sequence_index="when",
                                                    context_columns=context)

    check()


# ---------------------------------------------------------------------- defects the properties found, pinned
def _two_step_panel(**columns) -> pd.DataFrame:
    when = pd.Series(pd.to_datetime(["2021-01-01 10:00", "2021-01-01 11:00"] * 2)).dt.tz_localize("UTC")
    return pd.DataFrame({"key": [0, 0, 1, 1], "when": when, **columns})


def _neural(**params):
    pytest.importorskip("torch")
    return tabsynth.make("neural_sequence", random_state=0, **{**FAST["neural_sequence"], **params})


@pytest.mark.parametrize("index_kind", ["int", "datetime"])
def test_neural_numbers_near_the_float64_limit_stay_finite(index_kind):
    # these once overflowed the float32 levels to inf and every later value of the sequence came back missing
    values = [1e300, -1e300, 5.3e72, -4.4e72, 0.0, 1e-300, 6.9e5, 3.0] * 2
    real = pd.DataFrame({"key": np.repeat([0, 1, 2, 3], 4), "when": _index(index_kind, np.tile(np.arange(4), 4)),
                         "v": values})
    fake = _neural().fit(real, sequence_key="key", sequence_index="when").sample(30)
    assert fake["v"].notna().all() and fake["v"].between(-1e300, 1e300).all()


def test_neural_panel_with_only_constant_columns_samples_them():
    real = pd.DataFrame({"key": [0, 3, 3], "when": [0, 0, 1], "c": [7.5, 7.5, 7.5]})  # once a layer of width 0
    synth = _neural().fit(real, sequence_key="key", sequence_index="when")
    fake = synth.sample(6)
    assert (fake["c"] == 7.5).all() and fake.dtypes.to_dict() == real.dtypes.to_dict()
    assert fake.groupby("key").size().between(1, 2).all()


def test_nullable_integer_column_beside_a_datetime_index():
    when = pd.Series(pd.date_range("2021-01-01", periods=15, freq="h", tz="UTC"))
    real = pd.DataFrame({"key": np.repeat([0, 1], 15), "when": pd.concat([when, when], ignore_index=True),
                         "count": pd.array([1, None, 3] * 10, dtype="Int64")})
    fake = tabsynth.make("markov_chain", random_state=0).fit(real, sequence_key="key", sequence_index="when").sample(5)
    assert fake["count"].dtype == "Int64"


def test_few_rows_do_not_make_a_column_a_function_of_the_index():
    real = _two_step_panel(level=[3, 4, 3, 4])  # equals the hour in UTC-7 on these four rows, by chance
    synth = tabsynth.make("markov_chain", random_state=0).fit(real, sequence_key="key", sequence_index="when")
    assert synth.index_.functions == {}
    assert synth.sample(20, sequence_length=2)["level"].between(3, 4).all()


def test_rounded_values_stay_within_the_seen_range():
    real = pd.DataFrame({"key": [0, 1], "when": [0, 0], "value": [0.0, 50000.84375]})
    fake = tabsynth.make("markov_chain", random_state=0).fit(real, sequence_key="key", sequence_index="when")
    assert fake.sample(40)["value"].between(0.0, 50000.84375).all()


def test_parent_keys_never_overflow():
    from tabsynth.synthesizers.markov_chain._tables import MAX_KEY_SPACE, BackoffTable

    rng = np.random.default_rng(0)
    features = {f"p{i}": rng.integers(0, 2, 2000) for i in range(4)}
    target = sum(features.values())  # every parent informs: without the guard three are chosen (2**90 keys)
    cards = {name: 2**30 for name in features}
    table = BackoffTable(5, 2.0).fit(target, features, cards, list(features), max_parents=4)
    assert len(table.parents) == 2 and int(np.prod(table.cards, dtype=object)) < MAX_KEY_SPACE


def test_an_index_near_the_int64_limit_is_refused_not_wrapped():
    from tabsynth.errors import InvalidParameterError

    top = np.iinfo(np.int64).max - 5
    real = pd.DataFrame({"key": np.repeat([0, 1], 3), "when": np.array([-4, -2, 0, -4, -3, -1]) + top,
                         "v": np.arange(6.0)})
    synth = tabsynth.make("markov_chain", random_state=0).fit(real, sequence_key="key", sequence_index="when")
    with pytest.raises(InvalidParameterError, match="'when'.*wrap around"):
        synth.sample(3, sequence_length=8)


@pytest.mark.parametrize(("keys", "expected_first"), [(["c1", "c2", "c10"], "c11"),
                                                      (["firm_0003", "firm_0120"], "firm_0121"),
                                                      (["ALABAMA", "OHIO"], "sequence_000000")])
def test_new_keys_keep_the_real_keys_form_and_never_reuse_one(keys, expected_first):
    rows = [{"key": k, "t": t, "x": float(i * 10 + t)} for i, k in enumerate(keys) for t in range(5)]
    panel = pd.DataFrame(rows)
    synth = tabsynth.make("markov_chain", random_state=0).fit(panel, sequence_key="key", sequence_index="t")
    fake = synth.sample(30, random_state=0)
    new = fake["key"].unique()
    assert new[0] == expected_first and len(new) == 30
    assert not set(new) & set(keys)
    prefix = expected_first.rstrip("0123456789")
    assert all(k.startswith(prefix) and len(k) == len(expected_first) for k in new[:9])


def test_keep_keys_reuses_each_real_key_once_with_its_own_context(tmp_path):
    from tabsynth.errors import InvalidParameterError

    rows = [{"key": k, "t": t, "group": g, "x": float(i * 10 + t)}
            for i, (k, g) in enumerate([(7, "a"), (3, "b"), (11, "a"), (5, "c")]) for t in range(4)]
    panel = pd.DataFrame(rows)
    synth = tabsynth.make("markov_chain", keep_keys=True, random_state=0)
    synth.fit(panel, sequence_key="key", sequence_index="t", context_columns=["group"])
    fake = synth.sample(3, random_state=0)
    assert fake["key"].dtype == panel["key"].dtype
    assert list(fake["key"].unique()) == [3, 5, 7]  # the real keys in sorted order
    assert fake.groupby("key")["group"].first().to_dict() == {3: "b", 5: "c", 7: "a"}
    given = synth.sample(context=pd.DataFrame({"group": ["c", "c"]}), random_state=0)
    assert list(given["key"].unique()) == [3, 5] and set(given["group"]) == {"c"}
    with pytest.raises(InvalidParameterError, match="at most 4 sequences"):
        synth.sample(5)
    synth.save(tmp_path / "kept.tabsynth")
    assert tabsynth.load(tmp_path / "kept.tabsynth").sample(3, random_state=0).equals(fake)
