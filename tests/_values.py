"""Value checks shared by the table and sequence property tests."""

import pandas as pd


def assert_values_honour(real: pd.DataFrame, fake: pd.DataFrame, columns) -> None:
    """Missingness as in the real column, only seen categories, numbers inside the seen range."""
    for name in columns:
        seen, made = real[name], fake[name]
        if seen.notna().all():
            assert made.notna().all(), f"{name}: missing values appeared"
        if seen.isna().all():
            assert made.isna().all(), f"{name}: values appeared in an all-missing column"
        observed = seen.dropna()
        if len(observed) and (seen.dtype == object or pd.api.types.is_bool_dtype(seen.dtype)):
            assert set(made.dropna()) <= set(observed), f"{name}: unseen categories"
        elif len(observed):
            assert made.dropna().between(observed.min(), observed.max()).all(), f"{name}: out of range"
