"""Real, public data sets bundled with tabsynth (compressed CSV inside the package).

Every loader returns a fresh :class:`pandas.DataFrame` with pandas' default dtypes (int64, float64,
object text with NaN for missing cells) except that datetime columns are parsed to
``datetime64[ns, UTC]``. Each frame carries ``df.attrs["tabsynth_dataset"] = name``.

Examples
--------
>>> from tabsynth import datasets
>>> datasets.list_datasets()  # doctest: +NORMALIZE_WHITESPACE
['adult', 'flights', 'movies', 'gss_wages', 'ames', 'penguins', 'gapminder', 'empl_uk', 'us_states_produc',
 'chickweight', 'weather']
>>> train = datasets.load_adult()
>>> train.shape
(32561, 15)
>>> datasets.info("gapminder").sequence_key
'country'
"""

from __future__ import annotations

import dataclasses
import inspect
from importlib import resources

import pandas as pd

from ..errors import InvalidParameterError, TabsynthError
from ._catalog import CATALOG, FILES, KINDS, DatasetInfo

__all__ = [
    "DatasetInfo",
    "info",
    "list_datasets",
    "load",
    "load_adult",
    "load_ames",
    "load_chickweight",
    "load_empl_uk",
    "load_flights",
    "load_gapminder",
    "load_gss_wages",
    "load_movies",
    "load_penguins",
    "load_us_states_produc",
    "load_weather",
]

_ADULT_SPLITS = ("train", "test")
_READ_DTYPES = {"int": "int64", "float": "float64", "str": "object", "datetime": "object"}


def list_datasets() -> list[str]:
    """Names of the bundled data sets.

    Returns
    -------
    list of str
        ``["adult", "flights", "movies", "gss_wages", "ames", "penguins", "gapminder", "empl_uk",
        "us_states_produc", "chickweight", "weather"]``.
    """
    return list(CATALOG)


def info(name: str) -> DatasetInfo:
    """Describe a bundled data set without loading it.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`.

    Returns
    -------
    DatasetInfo
        Description, kind, suggested task, column meanings and sequence roles. The ``columns`` dict is a
        copy: changing it does not change the catalog.

    Raises
    ------
    InvalidParameterError
        If ``name`` is not a bundled data set; the message lists the known names.
    """
    entry = CATALOG.get(name) if isinstance(name, str) else None
    if entry is None:
        raise InvalidParameterError(
            f"The 'name' parameter of tabsynth.datasets must be one of {list_datasets()}. Got {name!r} instead."
        )
    return dataclasses.replace(entry, columns=dict(entry.columns))


def load(name: str, **kwargs) -> pd.DataFrame:
    """Load a bundled data set by name.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`.
    **kwargs
        Passed to the data set's loader (only ``split`` for ``"adult"``).

    Returns
    -------
    pandas.DataFrame
        The data, as returned by ``load_<name>()``.

    Raises
    ------
    InvalidParameterError
        If ``name`` is unknown or the loader does not accept ``kwargs``.

    Examples
    --------
    >>> from tabsynth import datasets
    >>> datasets.load("adult", split="test").shape
    (16281, 15)
    """
    info(name)  # validates the name
    loader = _LOADERS[name]
    try:
        inspect.signature(loader).bind(**kwargs)
    except TypeError:
        accepted = list(inspect.signature(loader).parameters)
        raise InvalidParameterError(
            f"load({name!r}) accepts the keyword arguments {accepted}. Got {sorted(kwargs)} instead."
        ) from None
    return loader(**kwargs)


def load_adult(split: str = "train") -> pd.DataFrame:
    """Load UCI Adult (Census Income): 15 columns, suggested task: classify ``income``.

    Parameters
    ----------
    split : {"train", "test"}, default "train"
        ``"train"``: 32,561 rows. ``"test"``: 16,281 rows, the official held-out split.

    Returns
    -------
    pandas.DataFrame
        Missing cells (the original ``?``) are NaN; ``income`` is ``"<=50K"`` or ``">50K"``.

    Raises
    ------
    InvalidParameterError
        If ``split`` is not ``"train"`` or ``"test"``.
    """
    if not isinstance(split, str) or split not in _ADULT_SPLITS:
        raise InvalidParameterError(
            f"The 'split' parameter of load_adult must be one of {list(_ADULT_SPLITS)}. Got {split!r} instead."
        )
    return _read("adult", FILES["adult"].format(split=split))


def load_flights() -> pd.DataFrame:
    """Load every flight out of New York City in 2013: 336,776 rows x 19 columns.

    Returns
    -------
    pandas.DataFrame
        ``time_hour`` is ``datetime64[ns, UTC]``; suggested task: regress ``arr_delay``.
    """
    return _read("flights")


def load_movies() -> pd.DataFrame:
    """Load IMDB movies (ggplot2movies): 58,788 rows x 24 columns.

    Returns
    -------
    pandas.DataFrame
        Suggested task: regress ``rating``.
    """
    return _read("movies")


def load_gss_wages() -> pd.DataFrame:
    """Load General Social Survey wages 1974-2018: 61,697 rows x 11 columns.

    Returns
    -------
    pandas.DataFrame
        Suggested task: classify ``gender``.
    """
    return _read("gss_wages")


def load_ames() -> pd.DataFrame:
    """Load Ames, Iowa house sales 2006-2010 (modeldata ``ames``): 2,930 rows x 74 columns.

    Returns
    -------
    pandas.DataFrame
        40 object and 34 numeric columns; ``Misc_Feature`` 96 % and ``Mas_Vnr_Type`` 61 % missing.
        Suggested task: regress ``Sale_Price``.
    """
    return _read("ames")


def load_penguins() -> pd.DataFrame:
    """Load the Palmer Archipelago penguins: 344 rows x 8 columns.

    Returns
    -------
    pandas.DataFrame
        The four measurements are float64 (2 rows miss them all); ``sex`` is missing in 11 rows.
        Suggested task: classify ``species``.
    """
    return _read("penguins")


def load_gapminder() -> pd.DataFrame:
    """Load the Gapminder panel: 142 country sequences of 12 rows (1952-2007), 1,704 rows.

    Returns
    -------
    pandas.DataFrame
        Sequence key ``country``, sequence index ``year``, context column ``continent``.
    """
    return _read("gapminder")


def load_empl_uk() -> pd.DataFrame:
    """Load the UK employment panel: 140 firm sequences of 7-9 rows (1976-1984, ragged), 1,031 rows.

    Returns
    -------
    pandas.DataFrame
        Sequence key ``firm`` (int64), sequence index ``year``, context column ``sector`` (int64 code 1-9);
        ``emp``, ``wage``, ``capital`` and ``output`` are float64.
    """
    return _read("empl_uk")


def load_us_states_produc() -> pd.DataFrame:
    """Load the US states productivity panel: 48 state sequences of 17 rows (1970-1986), 816 rows.

    Returns
    -------
    pandas.DataFrame
        Sequence key ``state``, sequence index ``year``, context column ``region`` (int64 code 1-9);
        ``pcap`` = ``hwy`` + ``water`` + ``util`` to rounding.
    """
    return _read("us_states_produc")


def load_chickweight() -> pd.DataFrame:
    """Load chick weights: 50 chick sequences of 2-12 rows (days 0-21, ragged), 578 rows x 4 columns.

    Returns
    -------
    pandas.DataFrame
        Sequence key ``Chick`` (int64), sequence index ``Time`` (days), context column ``Diet`` (int64, 1-4),
        ``weight`` in grams (int64).
    """
    return _read("chickweight")


def load_weather() -> pd.DataFrame:
    """Load hourly weather at New York City's three airports in 2013: 26,115 rows x 15 columns.

    Returns
    -------
    pandas.DataFrame
        Sequence key ``origin``, sequence index ``time_hour`` (``datetime64[ns, UTC]``).
    """
    return _read("weather")


_LOADERS = {
    "adult": load_adult,
    "flights": load_flights,
    "movies": load_movies,
    "gss_wages": load_gss_wages,
    "ames": load_ames,
    "penguins": load_penguins,
    "gapminder": load_gapminder,
    "empl_uk": load_empl_uk,
    "us_states_produc": load_us_states_produc,
    "chickweight": load_chickweight,
    "weather": load_weather,
}


def _read(name: str, file: str | None = None) -> pd.DataFrame:
    """Read one bundled file with the catalog's dtypes; parse datetimes to UTC; tag the frame."""
    kinds = KINDS[name]
    ref = resources.files(__name__) / "data" / (file or FILES[name])
    try:
        with resources.as_file(ref) as path:
            df = pd.read_csv(
                path,
                compression="gzip",
                dtype={col: _READ_DTYPES[kind] for col, kind in kinds.items()},
                keep_default_na=False,  # only empty cells are missing: a title "NA" stays a title
                na_values=[""],
                engine="c",
            )
    except FileNotFoundError:
        raise TabsynthError(
            f"The bundled data file {ref.name!r} of tabsynth.datasets is missing: reinstall tabsynth."
        ) from None
    if list(df.columns) != list(kinds):
        raise TabsynthError(f"The bundled data file {ref.name!r} has unexpected columns: reinstall tabsynth.")
    for col, kind in kinds.items():
        if kind == "datetime":
            df[col] = pd.to_datetime(df[col], format="ISO8601", utc=True).dt.as_unit("ns")
    df.attrs["tabsynth_dataset"] = name
    return df
