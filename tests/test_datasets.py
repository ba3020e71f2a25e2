"""Bundled data sets: shapes, dtypes, missingness, catalog consistency and errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from pandas.api import types as ptypes

from tabsynth import datasets
from tabsynth.datasets._catalog import KINDS as _CATALOG_KINDS
from tabsynth.errors import InvalidParameterError, TabsynthError

NAMES = [
    "adult",
    "flights",
    "movies",
    "gss_wages",
    "ames",
    "penguins",
    "gapminder",
    "empl_uk",
    "us_states_produc",
    "chickweight",
    "weather",
]
PANELS = {  # name -> (sequence_key, sequence_index, context_columns, sequences, (min, max) rows per sequence)
    "gapminder": ("country", "year", ("continent",), 142, (12, 12)),
    "empl_uk": ("firm", "year", ("sector",), 140, (7, 9)),
    "us_states_produc": ("state", "year", ("region",), 48, (17, 17)),
    "chickweight": ("Chick", "Time", ("Diet",), 50, (2, 12)),
}
SHAPES = {  # rows x columns from ../shared/data/README.md
    "adult": (32_561, 15),
    "flights": (336_776, 19),
    "movies": (58_788, 24),
    "gss_wages": (61_697, 11),
    "ames": (2_930, 74),
    "penguins": (344, 8),
    "gapminder": (1_704, 6),
    "empl_uk": (1_031, 7),
    "us_states_produc": (816, 11),
    "chickweight": (578, 4),
    "weather": (26_115, 15),
}
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SHARED_FILES = {
    "adult": "adult/train.csv",
    "flights": "tables/flights.csv.gz",
    "movies": "tables/movies.csv.gz",
    "gss_wages": "tables/gss_wages.csv.gz",
    "ames": "tables/ames.csv.gz",
    "penguins": "tables/penguins.csv.gz",
    "gapminder": "timeseries/gapminder.csv",
    "empl_uk": "timeseries/empl_uk.csv",
    "us_states_produc": "timeseries/us_states_produc.csv",
    "chickweight": "timeseries/chickweight.csv",
    "weather": "timeseries/nycflights13_weather.csv",
}
DATETIME_COLUMNS = {"flights": ["time_hour"], "weather": ["time_hour"]}


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    """Every data set loaded once (adult: train split) for the whole module."""
    return {name: datasets.load(name) for name in NAMES}


@pytest.fixture(scope="module")
def adult_test() -> pd.DataFrame:
    return datasets.load_adult(split="test")


def test_list_datasets_matches_catalog():
    assert datasets.list_datasets() == NAMES
    assert [datasets.info(n).name for n in NAMES] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_shape_columns_and_tag(frames, name):
    df = frames[name]
    assert df.shape == SHAPES[name]
    assert list(df.columns) == list(datasets.info(name).columns)
    assert df.attrs["tabsynth_dataset"] == name
    assert isinstance(df.index, pd.RangeIndex)


@pytest.mark.parametrize("name", NAMES)
def test_dtypes_are_pandas_defaults_with_utc_datetimes(frames, name):
    df = frames[name]
    for col in df.columns:
        dtype = df[col].dtype
        if col in DATETIME_COLUMNS.get(name, []):
            assert dtype == "datetime64[ns, UTC]", col
        else:
            assert dtype in ("int64", "float64", "object"), (col, dtype)
        if dtype == object:
            values = df[col].dropna()
            assert values.map(type).eq(str).all(), col
            assert not values.eq("").any(), f"{col} holds empty strings instead of NaN"


@pytest.mark.parametrize("name", NAMES)
def test_info_is_consistent_with_the_data(frames, name):
    meta, df = datasets.info(name), frames[name]
    assert meta.kind in ("table", "sequences")
    assert meta.description and all(len(line) <= 110 for line in meta.description.splitlines())
    assert all(isinstance(text, str) and text for text in meta.columns.values())
    if meta.kind == "table":
        assert meta.task in ("classification", "regression")
        assert meta.target in df.columns
        assert meta.sequence_key is None and meta.sequence_index is None and meta.context_columns == ()
    else:
        assert meta.target is None and meta.task is None
        assert {meta.sequence_key, meta.sequence_index, *meta.context_columns} <= set(df.columns)
        assert not df.duplicated([meta.sequence_key, meta.sequence_index]).any()
        for col in meta.context_columns:
            assert df.groupby(meta.sequence_key)[col].nunique().eq(1).all(), col


def test_suggested_tasks_and_sequence_roles():
    roles = {n: (datasets.info(n).target, datasets.info(n).task) for n in NAMES}
    assert roles == {
        "adult": ("income", "classification"),
        "flights": ("arr_delay", "regression"),
        "movies": ("rating", "regression"),
        "gss_wages": ("gender", "classification"),
        "ames": ("Sale_Price", "regression"),
        "penguins": ("species", "classification"),
        **{name: (None, None) for name in PANELS},
        "weather": (None, None),
    }
    for name, (key, index, context, _, _) in PANELS.items():
        meta = datasets.info(name)
        assert (meta.kind, meta.sequence_key, meta.sequence_index, meta.context_columns) == (
            "sequences",
            key,
            index,
            context,
        )
    weather = datasets.info("weather")
    assert (weather.sequence_key, weather.sequence_index, weather.context_columns) == (
        "origin",
        "time_hour",
        (),
    )


def test_info_is_frozen_and_returns_copies():
    meta = datasets.info("adult")
    with pytest.raises(dataclasses.FrozenInstanceError):
        meta.target = "age"
    meta.columns.clear()
    assert "income" in datasets.info("adult").columns


def test_adult_splits(frames, adult_test):
    train = frames["adult"]
    assert adult_test.shape == (16_281, 15)
    assert list(adult_test.columns) == list(train.columns)
    assert adult_test.dtypes.equals(train.dtypes)
    assert adult_test.attrs["tabsynth_dataset"] == "adult"
    for df in (train, adult_test):
        assert set(df["income"].unique()) == {"<=50K", ">50K"}
        missing_work, missing_occ = df["workclass"].isna(), df["occupation"].isna()
        assert missing_work.any()
        assert not (missing_work & ~missing_occ).any()  # missing workclass => missing occupation
        assert df["native-country"].isna().any()
        assert df[["age", "education-num", "capital-gain"]].notna().all().all()
    assert datasets.load("adult", split="test").equals(adult_test)


def test_datetimes_and_missingness(frames):
    flights, weather = frames["flights"], frames["weather"]
    assert flights["time_hour"].min() == pd.Timestamp("2013-01-01 10:00", tz="UTC")
    local = flights["time_hour"].dt.tz_convert("America/New_York")
    assert local.dt.hour.eq(flights["hour"]).all()
    assert flights["hour"].eq(flights["sched_dep_time"] // 100).all()
    cancelled = flights["dep_time"].isna()
    assert flights.loc[cancelled, ["dep_delay", "arr_time", "arr_delay", "air_time"]].isna().all().all()
    assert weather["time_hour"].is_monotonic_increasing is False  # three stations, one after another
    assert weather.groupby("origin")["time_hour"].apply(lambda s: s.is_monotonic_increasing).all()
    assert 0.75 < weather["wind_gust"].isna().mean() < 0.85
    assert ptypes.is_float_dtype(frames["gss_wages"]["realrinc"])


_READ_DTYPES = {"int": "int64", "float": "float64", "str": "object", "datetime": "datetime64[ns, UTC]"}


@pytest.mark.parametrize("name", NAMES)
def test_dtypes_match_the_catalog_kinds(frames, name):
    kinds = dict(_CATALOG_KINDS[name])
    assert list(kinds) == list(frames[name].columns)
    assert {col: str(dtype) for col, dtype in frames[name].dtypes.items()} == {
        col: _READ_DTYPES[kind] for col, kind in kinds.items()
    }


def test_ames_quirks(frames):
    ames = frames["ames"]
    assert datasets.info("ames").target == "Sale_Price"
    assert ((ames.dtypes == object).sum(), (ames.dtypes != object).sum()) == (40, 34)
    floors = ames["Gr_Liv_Area"].eq(ames["First_Flr_SF"] + ames["Second_Flr_SF"])
    assert round(floors.mean(), 3) == 0.986  # the rest hold low-quality finished area on top
    assert ames["Gr_Liv_Area"].ge(ames["First_Flr_SF"] + ames["Second_Flr_SF"]).all()
    in_order = ames["Year_Built"].le(ames["Year_Remod_Add"]) & ames["Year_Remod_Add"].le(ames["Year_Sold"])
    assert (~in_order).sum() == 4  # 99.9 %: one remodel before construction, three after the sale
    assert (ames["Year_Sold"].min(), ames["Year_Sold"].max()) == (2006, 2010)
    spread = ames.groupby("Neighborhood")[["Longitude", "Latitude"]].std().mean()
    assert (spread < ames[["Longitude", "Latitude"]].std() / 4).all()  # coordinates follow the neighbourhood
    assert round(ames["Misc_Feature"].isna().mean(), 2) == 0.96
    assert round(ames["Mas_Vnr_Type"].isna().mean(), 2) == 0.61
    assert ames.drop(columns=["Misc_Feature", "Mas_Vnr_Type"]).notna().all().all()
    assert ames["Sale_Price"].gt(0).all() and ames["Sale_Price"].dtype == "int64"


def test_penguins_missingness(frames):
    penguins = frames["penguins"]
    measurements = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    assert penguins["sex"].isna().sum() == 11
    assert penguins[measurements].isna().all(axis=1).sum() == 2
    assert penguins[measurements].isna().any(axis=1).sum() == 2  # a row misses all four or none
    assert penguins.loc[penguins[measurements[0]].isna(), "sex"].isna().all()
    assert penguins[["species", "island", "year"]].notna().all().all()
    assert set(penguins["species"]) == {"Adelie", "Chinstrap", "Gentoo"}
    assert set(penguins["sex"].dropna()) == {"female", "male"}
    assert datasets.load("penguins").equals(penguins)


@pytest.mark.parametrize("name", list(PANELS))
def test_panels_sequences_and_integer_roles(frames, name):
    df, (key, index, context, sequences, (shortest, longest)) = frames[name], PANELS[name]
    lengths = df.groupby(key).size()
    assert len(lengths) == sequences
    assert (lengths.min(), lengths.max()) == (shortest, longest)
    assert df.groupby(key, sort=False)[index].apply(lambda s: s.is_monotonic_increasing).all()
    assert df[index].dtype == "int64"
    assert df[key].dtype == ("int64" if name in ("empl_uk", "chickweight") else "object")
    assert all(df[col].dtype == ("object" if name == "gapminder" else "int64") for col in context)
    assert df.notna().all().all()
    assert getattr(datasets, f"load_{name}")().equals(df)


def test_panel_quirks(frames):
    produc, chicks, firms = frames["us_states_produc"], frames["chickweight"], frames["empl_uk"]
    assert (produc["pcap"] - produc[["hwy", "water", "util"]].sum(axis=1)).abs().max() < 0.02
    weights = chicks.groupby("Chick")["weight"]
    grows = weights.last().gt(weights.first())
    assert list(grows.index[~grows]) == [18]  # chick 18 died after two weighings, lighter
    assert sorted(chicks["Time"].unique()) == [*range(0, 21, 2), 21]
    assert (firms["year"].min(), firms["year"].max()) == (1976, 1984)
    assert firms.groupby("firm")["year"].apply(lambda s: s.diff().dropna().eq(1).all()).all()  # no gaps


def test_loaders_return_fresh_frames():
    first = datasets.load_gapminder()
    first.loc[0, "pop"] = -1
    assert datasets.load_gapminder().loc[0, "pop"] != -1


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not available")
@pytest.mark.parametrize("name", NAMES)
def test_bundled_copy_matches_reference_data(frames, name):
    expected = pd.read_csv(SHARED / SHARED_FILES[name])
    for col in DATETIME_COLUMNS.get(name, []):
        expected[col] = pd.to_datetime(expected[col], utc=True).dt.as_unit("ns")
    pd.testing.assert_frame_equal(frames[name], expected)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not available")
def test_bundled_adult_test_split_matches_reference_data(adult_test):
    pd.testing.assert_frame_equal(adult_test, pd.read_csv(SHARED / "adult" / "test.csv"))


def test_package_ships_its_own_files():
    data_dir = Path(datasets.__file__).parent / "data"
    shipped = sorted(p.name for p in data_dir.glob("*.csv.gz"))
    assert len(shipped) == 12
    assert "shared" not in Path(datasets.__file__).read_text(encoding="utf-8")


@pytest.mark.parametrize("split", ["validation", "TRAIN", "", None, 0])
def test_bad_split_names_the_valid_values(split):
    with pytest.raises(InvalidParameterError, match=r"'train', 'test'"):
        datasets.load_adult(split=split)


@pytest.mark.parametrize("name", ["iris", "Adult", "", None, 3])
def test_unknown_name_lists_the_known_names(name):
    for call in (datasets.info, datasets.load):
        with pytest.raises(InvalidParameterError) as err:
            call(name)
        assert all(known in str(err.value) for known in NAMES)
        assert isinstance(err.value, TabsynthError)


def test_load_rejects_keywords_the_loader_does_not_take():
    with pytest.raises(InvalidParameterError, match="split"):
        datasets.load("adult", splt="test")
    with pytest.raises(InvalidParameterError, match="flights"):
        datasets.load("flights", split="test")
    with pytest.raises(InvalidParameterError, match="'train', 'test'"):
        datasets.load("adult", split="valid")
