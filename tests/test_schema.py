"""Schema round trips: encode then decode gives the input back, values, dtypes and relations."""

import numpy as np
import pandas as pd
import pytest

from tabsynth import ConditionError, Metadata
from tabsynth.schema.table import Schema
from tabsynth.testing import make_check_data


def round_trip(data, **options):
    schema = Schema.fit(data, Metadata.detect(data), **options)
    encoded = schema.encode(data)
    return schema, encoded, schema.decode(encoded)


def test_round_trip_restores_values_and_dtypes_except_ids():
    data = make_check_data()
    _, encoded, decoded = round_trip(data)
    assert set(encoded.dtypes.astype(str)) <= {"float64", "int64"}
    assert not encoded.isna().any().any()
    pd.testing.assert_frame_equal(decoded.drop(columns="key_id"), data.drop(columns="key_id"))
    assert decoded["key_id"].dtype == data["key_id"].dtype and decoded["key_id"].is_unique
    assert not set(decoded["key_id"]) & set(data["key_id"]), "fresh ids must not repeat real ones"


def test_missing_values_become_flags_and_constant_and_id_columns_are_not_learned():
    schema, encoded, _ = round_trip(make_check_data())
    names = [c.name for c in schema.columns]
    assert "job#missing" in names and "hours#missing" in names
    assert "constant" not in names and "key_id" not in names
    assert encoded["job#missing"].mean() == pytest.approx(make_check_data()["job"].isna().mean())


def test_string_dates_come_back_in_their_format_and_tz_aware_in_their_zone():
    data = pd.DataFrame({
        "day": ["2021-01-05", np.nan, "2021-03-01", "2022-12-31"],
        "local": pd.to_datetime(["2021-01-05 10:00", "2021-06-01 12:30", None, "2021-02-01 00:00"]).tz_localize(
            "Europe/Paris"),
    })
    _, _, decoded = round_trip(data)
    pd.testing.assert_frame_equal(decoded, data)


def test_one_to_one_and_functional_relations_are_derived():
    rng = np.random.default_rng(0)
    education = rng.choice(["HS", "BSc", "MSc", "PhD"], size=500)
    data = pd.DataFrame({
        "education": education,
        "years": pd.Series(education).map({"HS": 12, "BSc": 15, "MSc": 17, "PhD": 21}).to_numpy(),
        "minutes": rng.integers(0, 60, size=500) * 10,
    })
    data["hour"] = data["minutes"] // 60
    schema, encoded, decoded = round_trip(data)
    assert schema.relations == {"years": "education", "hour": "minutes"}
    assert list(encoded.columns) == ["education", "minutes"]
    pd.testing.assert_frame_equal(decoded, data)
    # a sampled determinant value between seen ones still maps through the nearest seen key
    decoded = schema.decode({"education": np.array([0]), "minutes": np.array([61.4])})
    assert decoded.loc[0, "hour"] == 1


def test_a_numerical_determinant_with_missing_values_still_maps_to_the_nearest_key():
    rng = np.random.default_rng(0)
    code = pd.Series(rng.choice([110.0, 120.0, 510.0, 520.0], size=600)).mask(rng.random(600) < 0.1)
    group = code.map({110.0: "office", 120.0: "office", 510.0: "service", 520.0: "service"})  # NaN stays NaN
    data = pd.DataFrame({"code": code, "group": group})
    schema = Schema.fit(data, Metadata.detect(data))
    assert schema.relations == {"group": "code"}
    assert list(schema.encode(data).columns) == ["code", "code#missing"]
    decoded = schema.decode({"code": np.array([113.0, 490.0, 521.7, 0.0, 120.0]),
                             "code#missing": np.array([0, 0, 0, 1, 0])})
    assert decoded["group"].tolist()[:3] == ["office", "service", "service"] and decoded["group"].iloc[4] == "office"
    assert pd.isna(decoded["group"].iloc[3])  # a missing determinant gives what it gave in the data


def test_relations_are_not_claimed_on_small_data():
    data = pd.DataFrame({"a": ["x", "y", "z"], "b": [1, 2, 3]})
    schema, _, _ = round_trip(data)
    assert schema.relations == {}


def test_out_of_range_values_are_clipped_and_integers_rounded():
    data = pd.DataFrame({"n": [1, 5, 9, 3], "f": [0.25, 0.5, 0.75, 1.0]})
    schema = Schema.fit(data, Metadata.detect(data))
    decoded = schema.decode({"n": np.array([-4.0, 4.6, 12.0]), "f": np.array([0.333, 2.0, -1.0])})
    assert decoded["n"].tolist() == [1, 5, 9] and decoded["n"].dtype == np.int64
    assert decoded["f"].tolist() == [0.33, 1.0, 0.25]


def test_conditions_are_encoded_and_unknown_values_refused():
    data = make_check_data()
    schema = Schema.fit(data, Metadata.detect(data))
    encoded = schema.encode_conditions(pd.DataFrame({"group": ["b"], "job": [None]}))
    assert encoded.iloc[0].to_dict() == {"group": schema.codecs["group"].categories.tolist().index("b"),
                                         "job#missing": 1}
    with pytest.raises(ConditionError, match="never occurs"):
        schema.encode_conditions(pd.DataFrame({"group": ["zzz"]}))
    with pytest.raises(ConditionError, match="id column"):
        schema.encode_conditions(pd.DataFrame({"key_id": [3]}))
    with pytest.raises(ConditionError, match="not in the data"):
        schema.encode_conditions(pd.DataFrame({"nope": [3]}))


def test_all_missing_and_constant_columns_come_back_as_they_were():
    data = pd.DataFrame({
        "empty_float": [np.nan] * 60,
        "empty_text": pd.Series([None] * 60, dtype=object),
        "empty_int": pd.array([None] * 60, dtype="Int64"),
        "seven": [7] * 60,
        "value": np.arange(60) % 7,
    })
    _, encoded, decoded = round_trip(data)
    assert list(encoded.columns) == ["value"]
    assert decoded.dtypes.to_dict() == data.dtypes.to_dict()
    assert decoded["empty_float"].isna().all() and decoded["empty_text"].isna().all()
    assert decoded["empty_int"].isna().all() and (decoded["seven"] == 7).all()
