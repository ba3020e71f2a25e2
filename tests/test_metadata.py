import warnings

import numpy as np
import pandas as pd
import pytest

from tabsynth import Metadata, MetadataError


def frame():
    return pd.DataFrame({
        "user_id": [10, 11, 12, 13],
        "code": ["a1", "a2", "a3", "a4"],
        "age": [20, 30, 40, 50],
        "score": [0.5, 0.1, 0.2, 0.9],
        "city": ["x", "y", "x", None],
        "ok": [True, False, True, True],
        "born": pd.to_datetime(["2000-01-01", "2001-02-03", "2002-03-04", None]),
        "day": ["2020-01-02", "2020-03-04", None, "2021-12-31"],
        "stamp": ["2020-01-02T10:00:00Z", "2020-01-02T11:30:00Z", "2020-01-03T00:00:00Z", "2020-01-04T00:00:00Z"],
        "maybe": pd.array([True, None, False, True], dtype="boolean"),
    })


def test_detects_sdtypes():
    md = Metadata.detect(frame())
    assert {n: s["sdtype"] for n, s in md.columns.items()} == {
        "user_id": "id", "code": "categorical", "age": "numerical", "score": "numerical", "city": "categorical",
        "ok": "boolean", "born": "datetime", "day": "datetime", "stamp": "datetime", "maybe": "boolean",
    }
    assert md.columns["day"]["datetime_format"] == "%Y-%m-%d"
    assert md.columns["stamp"]["datetime_format"] == "%Y-%m-%dT%H:%M:%SZ"
    assert md.primary_key == "user_id"


def test_unique_float_is_numerical_and_unique_int_without_key_name_is_numerical():
    md = Metadata.detect(pd.DataFrame({"weight": [1.5, 2.5, 3.5], "count": [1, 2, 3], "order_key": ["a", "b", "c"]}))
    assert md.sdtype("weight") == "numerical" and md.sdtype("count") == "numerical"
    assert md.sdtype("order_key") == "id"


def test_sdv_dict_round_trip_and_unknown_sdtypes_warn():
    sdv = {"columns": {"company": {"sdtype": "company"}, "age": {"sdtype": "numerical"}}, "primary_key": None}
    with pytest.warns(UserWarning, match="treated as 'categorical'"):
        md = Metadata.from_dict(sdv)
    assert md.sdtype("company") == "categorical"
    assert md.to_dict() == {"columns": {"company": {"sdtype": "company"}, "age": {"sdtype": "numerical"}}}
    assert md.to_sdmetrics_dict()["columns"]["company"] == {"sdtype": "categorical"}


def test_pii_sdtypes_are_kept_as_declared():
    sdv = {"columns": {"email": {"sdtype": "email", "pii": True}, "age": {"sdtype": "numerical"}}, "primary_key": None}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no remapping warning: tabsynth models PII sdtypes (fresh values)
        md = Metadata.from_dict(sdv)
    assert md.sdtype("email") == "email"
    assert md.to_dict()["columns"]["email"] == {"sdtype": "email", "pii": True}
    assert md.to_sdmetrics_dict()["columns"]["email"]["sdtype"] == "email"  # sdmetrics skips PII columns


def test_overrides_and_validation_errors():
    md = Metadata.detect(frame()).update_column("age", sdtype="categorical")
    assert md.sdtype("age") == "categorical"
    with pytest.raises(MetadataError, match="not in the data"):
        Metadata({"nope": {"sdtype": "numerical"}}).validate(frame())
    with pytest.raises(MetadataError, match="does not describe"):  # validate() itself stays strict
        Metadata({"age": {"sdtype": "numerical"}}).validate(frame())
    bad = Metadata.detect(frame()).update_column("city", sdtype="numerical")
    with pytest.raises(MetadataError, match="non-numeric"):
        bad.validate(frame())
    with pytest.raises(MetadataError, match="duplicate"):
        Metadata.detect(frame(), primary_key="city").validate(frame().assign(city=["x", "x", "y", "z"]))
    with pytest.raises(MetadataError, match="sdtype"):
        Metadata.from_dict({"columns": {"a": {}}})


def test_coerce_accepts_dict_none_and_rejects_other_types():
    data = frame()
    assert Metadata.coerce(None, data) == Metadata.detect(data)
    assert Metadata.coerce(Metadata.detect(data).to_dict(), data).sdtype("age") == "numerical"
    with pytest.raises(MetadataError):
        Metadata.coerce(np.zeros(3), data)
