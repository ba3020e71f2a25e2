"""What each bundled data set is: its file, columns, column types and suggested task.

The loaders in :mod:`tabsynth.datasets` read this catalog; nothing here touches the disk.
Column kinds are ``"int"`` (int64), ``"float"`` (float64), ``"str"`` (object, NaN for missing)
and ``"datetime"`` (ISO strings in the file, parsed to ``datetime64[ns, UTC]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CATALOG", "FILES", "KINDS", "DatasetInfo"]


@dataclass(frozen=True)
class DatasetInfo:
    """Description of one bundled data set.

    Attributes
    ----------
    name : str
        The name :func:`tabsynth.datasets.load` accepts.
    description : str
        A few lines: what the data is, its quirks, source and licence.
    kind : {"table", "sequences"}
        ``"table"``: independent rows. ``"sequences"``: long-format panel of several sequences.
    target : str or None
        Column of the suggested prediction task, if any.
    task : {"classification", "regression"} or None
        Kind of the suggested prediction task.
    columns : dict of str to str
        Column name -> one-line meaning, in the order of the loaded DataFrame.
    sequence_key : str or None
        Column identifying a sequence (``kind == "sequences"`` only).
    sequence_index : str or None
        Column ordering the rows within a sequence.
    context_columns : tuple of str
        Columns constant within a sequence (describing the whole sequence).
    """

    name: str
    description: str
    kind: str
    target: str | None
    task: str | None
    columns: dict[str, str]
    sequence_key: str | None = None
    sequence_index: str | None = None
    context_columns: tuple[str, ...] = field(default_factory=tuple)


def _split(spec: list[tuple[str, str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """Turn ``[(column, kind, meaning), ...]`` into ``(meanings, kinds)`` dicts."""
    return {c: m for c, _, m in spec}, {c: k for c, k, _ in spec}


_ADULT = [
    ("age", "int", "age in years"),
    ("workclass", "str", "employer type (Private, Self-emp-not-inc, State-gov, ...); 5.6 % missing"),
    ("fnlwgt", "int", "census final weight: how many people the row stands for"),
    ("education", "str", "highest education level (16 levels)"),
    ("education-num", "int", "education level as a number 1-16, one-to-one with `education`"),
    ("marital-status", "str", "marital status (7 levels)"),
    ("occupation", "str", "occupation (14 levels); missing wherever `workclass` is, and for Never-worked"),
    ("relationship", "str", "role in the household (Husband, Wife, Own-child, ...)"),
    ("race", "str", "race (5 levels)"),
    ("sex", "str", "Female / Male"),
    ("capital-gain", "int", "capital gains in US dollars (mostly 0)"),
    ("capital-loss", "int", "capital losses in US dollars (mostly 0)"),
    ("hours-per-week", "int", "usual working hours per week"),
    ("native-country", "str", "country of origin (41 values); 1.8 % missing"),
    ("income", "str", "target: yearly income `<=50K` or `>50K`"),
]

_FLIGHTS = [
    ("year", "int", "year of departure (always 2013)"),
    ("month", "int", "month of departure (local date)"),
    ("day", "int", "day of month of departure (local date)"),
    ("dep_time", "float", "actual departure, local HHMM (517 = 05:17, 2400 = midnight); NaN if cancelled"),
    ("sched_dep_time", "int", "scheduled departure time, local, HHMM"),
    ("dep_delay", "float", "departure delay in minutes, negative when early; missing if cancelled"),
    ("arr_time", "float", "actual arrival time, local, HHMM; missing if cancelled or diverted"),
    ("sched_arr_time", "int", "scheduled arrival time, local, HHMM"),
    ("arr_delay", "float", "target: arrival delay in minutes, negative when early"),
    ("carrier", "str", "two-letter airline code (16 values)"),
    ("flight", "int", "flight number"),
    ("tailnum", "str", "plane tail number (~4,000 values, 0.7 % missing)"),
    ("origin", "str", "departure airport: EWR, JFK or LGA"),
    ("dest", "str", "destination airport FAA code (105 values)"),
    ("air_time", "float", "minutes in the air; missing if cancelled or diverted"),
    ("distance", "int", "distance between the airports in miles"),
    ("hour", "int", "scheduled departure hour: `sched_dep_time // 100`"),
    ("minute", "int", "scheduled departure minute: `sched_dep_time % 100`"),
    ("time_hour", "datetime", "scheduled departure date and hour as a UTC timestamp"),
]

_MOVIES = [
    ("title", "str", "movie title (near-unique free text)"),
    ("year", "int", "year of release (1893-2005)"),
    ("length", "int", "length in minutes"),
    ("budget", "float", "total budget in US dollars; 91 % missing"),
    ("rating", "float", "target: average IMDB user rating, 1-10"),
    ("votes", "int", "number of IMDB users who rated the movie"),
    *[
        (f"r{i}", "float", f"share of votes giving {i}, as the mid-point of its decile (0, 4.5, 14.5, ...)")
        for i in range(1, 11)
    ],
    ("mpaa", "str", "MPAA rating: R, PG-13, PG or NC-17; 92 % missing"),
    *[
        (g, "int", f"1 if the movie is listed as {g}, else 0")
        for g in ("Action", "Animation", "Comedy", "Drama", "Documentary", "Romance", "Short")
    ],
]

_GSS_WAGES = [
    ("year", "int", "survey year, 1974-2018"),
    ("realrinc", "float", "respondent's income in constant 1986 US dollars; 39 % missing"),
    ("age", "float", "age in years (89 means 89 or older); float because 0.4 % missing"),
    ("occ10", "float", "occupation code of the 2010 Census classification; float because missing"),
    ("occrecode", "str", "occupation group (11 values, e.g. Professional, Service)"),
    ("prestg10", "float", "occupational prestige score (2010 scale)"),
    ("childs", "float", "number of children (8 means 8 or more)"),
    ("wrkstat", "str", "work status (Full-Time, Part-Time, Retired, Housekeeper, ...)"),
    ("gender", "str", "target: Female / Male"),
    ("educcat", "str", "education (Less Than High School, High School, ..., Graduate)"),
    ("maritalcat", "str", "marital status (Married, Never Married, Divorced, Widowed, Separated)"),
]

_AMES = [
    ("MS_SubClass", "str", "type of dwelling by storeys and age (16 classes, e.g. Two_Story_1946_and_Newer)"),
    ("MS_Zoning", "str", "zoning classification of the sale (7 values, e.g. Residential_Low_Density)"),
    ("Lot_Frontage", "int", "feet of street connected to the lot; 0 where unknown (17 % of rows)"),
    ("Lot_Area", "int", "lot size in square feet"),
    ("Street", "str", "type of road access: Pave or Grvl"),
    ("Alley", "str", "type of alley access: Gravel, Paved or No_Alley_Access"),
    ("Lot_Shape", "str", "general shape of the lot (Regular, Slightly_Irregular, ...)"),
    ("Land_Contour", "str", "flatness of the lot: Lvl, Bnk, HLS or Low"),
    ("Utilities", "str", "utilities available: AllPub, NoSewr or NoSeWa"),
    ("Lot_Config", "str", "lot configuration: Inside, Corner, CulDSac, FR2 or FR3"),
    ("Land_Slope", "str", "slope of the lot: Gtl, Mod or Sev"),
    ("Neighborhood", "str", "neighbourhood within Ames (28 values)"),
    ("Condition_1", "str", "proximity to a main road, railroad or park (9 values, mostly Norm)"),
    ("Condition_2", "str", "second proximity condition, if any (8 values, mostly Norm)"),
    ("Bldg_Type", "str", "type of dwelling: OneFam, TwoFmCon, Duplex, Twnhs or TwnhsE"),
    ("House_Style", "str", "style of dwelling (One_Story, Two_Story, SLvl, ...)"),
    ("Overall_Cond", "str", "overall condition of the house, 9 levels from Very_Poor to Excellent"),
    ("Year_Built", "int", "original construction year (1872-2010)"),
    ("Year_Remod_Add", "int", "remodel year, equal to `Year_Built` if never remodelled (1950-2010)"),
    ("Roof_Style", "str", "type of roof (Gable, Hip, Flat, ...)"),
    ("Roof_Matl", "str", "roof material (CompShg for 98.5 %)"),
    ("Exterior_1st", "str", "exterior covering of the house (16 values)"),
    ("Exterior_2nd", "str", "second exterior covering, if any (17 values, spelled unlike `Exterior_1st`)"),
    ("Mas_Vnr_Type", "str", "masonry veneer type (BrkFace, Stone, BrkCmn, CBlock); 61 % missing: no veneer"),
    ("Mas_Vnr_Area", "int", "masonry veneer area in square feet (0 without veneer)"),
    ("Exter_Cond", "str", "condition of the exterior material (Poor, Fair, Typical, Good, Excellent)"),
    ("Foundation", "str", "type of foundation (PConc, CBlock, BrkTil, Slab, Stone, Wood)"),
    ("Bsmt_Cond", "str", "general condition of the basement, or No_Basement"),
    ("Bsmt_Exposure", "str", "walkout or garden-level basement walls: Gd, Av, Mn, No or No_Basement"),
    ("BsmtFin_Type_1", "str", "rating of the basement finished area (GLQ, ALQ, BLQ, Rec, LwQ, Unf, No_Basement)"),
    ("BsmtFin_SF_1", "int", "not an area, despite the name: a code 0-7 of `BsmtFin_Type_1` (as in modeldata)"),
    ("BsmtFin_Type_2", "str", "rating of a second basement finished area, if any"),
    ("BsmtFin_SF_2", "int", "type 2 finished basement area in square feet"),
    ("Bsmt_Unf_SF", "int", "unfinished basement area in square feet"),
    ("Total_Bsmt_SF", "int", "total basement area in square feet"),
    ("Heating", "str", "type of heating (GasA for 98 %)"),
    ("Heating_QC", "str", "heating quality and condition (Poor, Fair, Typical, Good, Excellent)"),
    ("Central_Air", "str", "central air conditioning: Y or N"),
    ("Electrical", "str", "electrical system (SBrkr, FuseA, FuseF, FuseP, Mix, Unknown)"),
    ("First_Flr_SF", "int", "first floor area in square feet"),
    ("Second_Flr_SF", "int", "second floor area in square feet (0 for one storey)"),
    ("Gr_Liv_Area", "int", "above-ground living area in square feet: `First_Flr_SF` + `Second_Flr_SF` in 98.6 %"),
    ("Bsmt_Full_Bath", "int", "full bathrooms in the basement"),
    ("Bsmt_Half_Bath", "int", "half bathrooms in the basement"),
    ("Full_Bath", "int", "full bathrooms above ground"),
    ("Half_Bath", "int", "half bathrooms above ground"),
    ("Bedroom_AbvGr", "int", "bedrooms above ground"),
    ("Kitchen_AbvGr", "int", "kitchens above ground"),
    ("TotRms_AbvGrd", "int", "rooms above ground, bathrooms not counted"),
    ("Functional", "str", "home functionality, Typ (typical) down to Sal (salvage only)"),
    ("Fireplaces", "int", "number of fireplaces"),
    ("Garage_Type", "str", "garage location (Attchd, Detchd, BuiltIn, ..., No_Garage)"),
    ("Garage_Finish", "str", "interior finish of the garage: Fin, RFn, Unf or No_Garage"),
    ("Garage_Cars", "int", "garage size in car capacity (0-5)"),
    ("Garage_Area", "int", "garage area in square feet"),
    ("Garage_Cond", "str", "garage condition, or No_Garage"),
    ("Paved_Drive", "str", "paved driveway: Paved, Partial_Pavement or Dirt_Gravel"),
    ("Wood_Deck_SF", "int", "wood deck area in square feet"),
    ("Open_Porch_SF", "int", "open porch area in square feet"),
    ("Enclosed_Porch", "int", "enclosed porch area in square feet"),
    ("Three_season_porch", "int", "three-season porch area in square feet"),
    ("Screen_Porch", "int", "screen porch area in square feet"),
    ("Pool_Area", "int", "pool area in square feet (0 for 99.6 %)"),
    ("Pool_QC", "str", "pool quality, or No_Pool (99.6 %)"),
    ("Fence", "str", "fence quality (Good_Privacy, Minimum_Privacy, Good_Wood, ...), or No_Fence"),
    ("Misc_Feature", "str", "feature not covered elsewhere (Shed, Gar2, Othr, Elev, TenC); 96 % missing: none"),
    ("Misc_Val", "int", "value of the miscellaneous feature in US dollars (0 without one)"),
    ("Mo_Sold", "int", "month of the sale, 1-12"),
    ("Year_Sold", "int", "year of the sale, 2006-2010"),
    ("Sale_Type", "str", "type of sale (`WD ` with a trailing space: warranty deed; New, COD, ...)"),
    ("Sale_Condition", "str", "condition of the sale (Normal, Partial, Abnorml, Family, Alloca, AdjLand)"),
    ("Sale_Price", "int", "target: sale price in US dollars (12,789-755,000)"),
    ("Longitude", "float", "longitude of the house in degrees, close to its `Neighborhood`'s others"),
    ("Latitude", "float", "latitude of the house in degrees, close to its `Neighborhood`'s others"),
]

_PENGUINS = [
    ("species", "str", "target: Adelie, Chinstrap or Gentoo"),
    ("island", "str", "island in the Palmer Archipelago: Biscoe, Dream or Torgersen"),
    ("bill_length_mm", "float", "bill (culmen) length in millimetres; 2 missing"),
    ("bill_depth_mm", "float", "bill (culmen) depth in millimetres; 2 missing"),
    ("flipper_length_mm", "float", "flipper length in whole millimetres; float because 2 missing"),
    ("body_mass_g", "float", "body mass in whole grams; float because 2 missing"),
    ("sex", "str", "female / male; 11 missing"),
    ("year", "int", "year of the study, 2007-2009"),
]

_GAPMINDER = [
    ("country", "str", "sequence key: country (142 values)"),
    ("continent", "str", "context: continent of the country (5 values)"),
    ("year", "int", "sequence index: year, every 5 years from 1952 to 2007"),
    ("lifeExp", "float", "life expectancy at birth in years"),
    ("pop", "int", "population"),
    ("gdpPercap", "float", "GDP per capita in inflation-adjusted US dollars"),
]

_EMPL_UK = [
    ("firm", "int", "sequence key: firm number (140 values, 1-140)"),
    ("year", "int", "sequence index: year, 1976-1984 (7-9 consecutive years per firm)"),
    ("sector", "int", "context: sector of activity of the firm, a code 1-9"),
    ("emp", "float", "employment of the firm"),
    ("wage", "float", "wage level"),
    ("capital", "float", "capital stock"),
    ("output", "float", "output (an index around 100)"),
]

_US_STATES_PRODUC = [
    ("state", "str", "sequence key: US state, upper case (48 contiguous states)"),
    ("year", "int", "sequence index: year, 1970-1986 (17 rows per state)"),
    ("region", "int", "context: region of the state, a code 1-9"),
    ("pcap", "float", "public capital stock: `hwy` + `water` + `util` (to rounding)"),
    ("hwy", "float", "public capital in highways and streets"),
    ("water", "float", "public capital in water and sewer facilities"),
    ("util", "float", "public capital in other buildings and structures"),
    ("pc", "float", "private capital stock"),
    ("gsp", "int", "gross state product"),
    ("emp", "float", "employment on non-agricultural payrolls, in thousands"),
    ("unemp", "float", "unemployment rate in percent"),
]

_CHICKWEIGHT = [
    ("weight", "int", "body weight in grams"),
    ("Time", "int", "sequence index: days since birth (0, 2, ..., 20, 21)"),
    ("Chick", "int", "sequence key: chick number (50 values, 1-50)"),
    ("Diet", "int", "context: experimental diet of the chick, 1-4"),
]

_WEATHER = [
    ("origin", "str", "sequence key: weather station (airport EWR, JFK or LGA)"),
    ("year", "int", "year of the observation (always 2013), local time"),
    ("month", "int", "month, local time"),
    ("day", "int", "day of month, local time"),
    ("hour", "int", "hour of day, local time"),
    ("temp", "float", "temperature in degrees Fahrenheit"),
    ("dewp", "float", "dew point in degrees Fahrenheit"),
    ("humid", "float", "relative humidity in percent"),
    ("wind_dir", "float", "wind direction in degrees; 1.8 % missing"),
    ("wind_speed", "float", "wind speed in mph (one implausible 1048 mph reading kept as is)"),
    ("wind_gust", "float", "gust speed in mph; 80 % missing"),
    ("precip", "float", "precipitation in inches"),
    ("pressure", "float", "sea-level pressure in millibars; 10 % missing"),
    ("visib", "float", "visibility in miles"),
    ("time_hour", "datetime", "sequence index: hour of the observation as a UTC timestamp"),
]

_NYCFLIGHTS13 = "Source: R package nycflights13 (Hadley Wickham; data from the US BTS and NOAA), CC0."

_DESCRIPTIONS = {
    "adult": """
UCI Adult (Census Income): 1994 US census records of adults, split into train (32,561 rows) and test
(16,281 rows). Mixed numerical and categorical columns; `?` cells are missing (NaN). Rows missing
`workclass` also miss `occupation`; `education` and `education-num` are one-to-one.
Suggested task: classify `income` (<=50K / >50K).
Source: UCI Machine Learning Repository, Becker & Kohavi (1996), CC BY 4.0.
""",
    "flights": """
Every flight that left New York City's airports (EWR, JFK, LGA) in 2013: 336,776 rows x 19 columns.
Cancelled flights miss `dep_time`, `dep_delay`, `arr_time`, `arr_delay` and `air_time` together;
`hour`/`minute` are functions of `sched_dep_time`; date columns are local, `time_hour` is UTC.
Suggested task: regress `arr_delay`.
"""
    + _NYCFLIGHTS13,
    "movies": """
IMDB movies (58,788 rows x 24 columns): title, year, length, budget, average user rating, number of
votes, the distribution of votes over ratings 1-10 (`r1`..`r10`), MPAA rating and 0/1 genre flags.
`budget` and `mpaa` are mostly missing. Suggested task: regress `rating`.
Source: R package ggplot2movies (GPL-2 | GPL-3), data from IMDB's public lists.
""",
    "gss_wages": """
General Social Survey 1974-2018 (61,697 rows x 11 columns): income, age, occupation and prestige,
children, work status, gender, education and marital status of US respondents. `realrinc` is 39 %
missing. Suggested task: classify `gender`.
Source: R package stevedata (`gss_wages`), GSS data (NORC), public.
""",
    "ames": """
House sales in Ames, Iowa, 2006-2010 (2,930 rows x 74 columns: 40 categorical, 34 numeric). Areas
nearly add up (`Gr_Liv_Area` = `First_Flr_SF` + `Second_Flr_SF` in 98.6 % of rows), years are nearly
in order (`Year_Built` <= `Year_Remod_Add` <= `Year_Sold` in 99.9 %), `Longitude`/`Latitude` are tied
to `Neighborhood`; `Misc_Feature` is 96 % missing, `Mas_Vnr_Type` 61 %. Suggested task: regress
`Sale_Price`. Source: R package modeldata (`ames`, MIT), De Cock (2011), J. of Statistics Education 19(3).
""",
    "penguins": """
Palmer Archipelago penguins (344 rows x 8 columns): species, island, bill length and depth, flipper
length, body mass, sex and year. 11 rows miss `sex`, 2 of them miss every measurement too. A small
table, where a model can memorize its rows. Suggested task: classify `species`.
Source: R package palmerpenguins (CC0), Gorman, Williams & Fraser (2014), PLoS ONE.
""",
    "gapminder": """
Gapminder panel (1,704 rows): life expectancy, population and GDP per capita of 142 countries every
5 years from 1952 to 2007, 12 rows per country. Sequences: key `country`, index `year`,
context column `continent`.
Source: Gapminder via the R package gapminder (Jennifer Bryan), data CC BY 3.0.
""",
    "empl_uk": """
Employment panel of 140 UK firms (1,031 rows x 7 columns), observed 7 to 9 consecutive years between
1976 and 1984 (ragged). Employment `emp`, `wage`, `capital` and `output`; `emp` and `capital` are skewed.
Sequences: key `firm`, index `year`, context column `sector` (9 codes).
Source: R package plm (`EmplUK`, GPL >= 2), data of Arellano & Bond (1991), Review of Economic Studies.
""",
    "us_states_produc": """
Productivity panel of 48 US states x 17 years, 1970-1986 (816 rows x 11 columns, balanced): public
capital `pcap` = `hwy` + `water` + `util` (to rounding), private capital `pc`, gross state product `gsp`,
employment `emp` and unemployment rate `unemp`. Sequences: key `state`, index `year`, context column
`region` (9 codes). Source: R package plm (`Produc`, GPL >= 2), data of Munnell (1990).
""",
    "chickweight": """
Body weight of 50 chicks every 2 days from birth to day 21 (578 rows x 4 columns) on 4 diets. Ragged:
2 to 12 measurements per chick (some chicks died); weight grows fast and smoothly.
Sequences: key `Chick`, index `Time` (days), context column `Diet`.
Source: R package datasets (`ChickWeight`, part of R, GPL-2 | GPL-3), Crowder & Hand (1990).
""",
    "weather": """
Hourly weather at New York City's three airports in 2013 (26,115 rows x 15 columns), one sequence
per station, about 55 hours of the year absent from each. Sequences: key `origin`, index
`time_hour` (UTC); date columns are local time. `wind_gust` is 80 % missing, `pressure` 10 %.
"""
    + _NYCFLIGHTS13,
}


def _entry(name, file, spec, kind="table", target=None, task=None, **seq):
    """Build one catalog entry: ``(DatasetInfo, file name, {column: kind})``."""
    meanings, kinds = _split(spec)
    info = DatasetInfo(name, _DESCRIPTIONS[name].strip(), kind, target, task, meanings, **seq)
    return info, file, kinds


_ENTRIES = [
    _entry("adult", "adult_{split}.csv.gz", _ADULT, target="income", task="classification"),
    _entry("flights", "flights.csv.gz", _FLIGHTS, target="arr_delay", task="regression"),
    _entry("movies", "movies.csv.gz", _MOVIES, target="rating", task="regression"),
    _entry("gss_wages", "gss_wages.csv.gz", _GSS_WAGES, target="gender", task="classification"),
    _entry("ames", "ames.csv.gz", _AMES, target="Sale_Price", task="regression"),
    _entry("penguins", "penguins.csv.gz", _PENGUINS, target="species", task="classification"),
    _entry(
        "gapminder",
        "gapminder.csv.gz",
        _GAPMINDER,
        kind="sequences",
        sequence_key="country",
        sequence_index="year",
        context_columns=("continent",),
    ),
    _entry(
        "empl_uk",
        "empl_uk.csv.gz",
        _EMPL_UK,
        kind="sequences",
        sequence_key="firm",
        sequence_index="year",
        context_columns=("sector",),
    ),
    _entry(
        "us_states_produc",
        "us_states_produc.csv.gz",
        _US_STATES_PRODUC,
        kind="sequences",
        sequence_key="state",
        sequence_index="year",
        context_columns=("region",),
    ),
    _entry(
        "chickweight",
        "chickweight.csv.gz",
        _CHICKWEIGHT,
        kind="sequences",
        sequence_key="Chick",
        sequence_index="Time",
        context_columns=("Diet",),
    ),
    _entry(
        "weather",
        "nycflights13_weather.csv.gz",
        _WEATHER,
        kind="sequences",
        sequence_key="origin",
        sequence_index="time_hour",
    ),
]

CATALOG: dict[str, DatasetInfo] = {info.name: info for info, _, _ in _ENTRIES}
"""Name -> description of every bundled data set, in listing order."""

FILES: dict[str, str] = {info.name: file for info, file, _ in _ENTRIES}
"""Name -> file name under ``tabsynth/datasets/data`` (``{split}`` filled in for Adult)."""

KINDS: dict[str, dict[str, str]] = {info.name: kinds for info, _, kinds in _ENTRIES}
"""Name -> {column: "int" | "float" | "str" | "datetime"}, in file order."""
