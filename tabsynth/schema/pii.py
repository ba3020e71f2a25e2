"""Personal data: columns whose real values must never leave, detected and generated fresh.

A PII column (SDV's sdtypes: ``email``, ``phone_number``, ``name``, ..., or any column declared with
``pii: True``) is not learned. Its codec keeps only what a fresh value needs: the missing share,
whether the real values are unique, and either their **format** (when every real value has one
shape, e.g. ``+1-555-####`` or ``AB-12345``: the characters every value shares are kept, the others
drawn by class) or a **Faker provider** (``email``, ``name``, ... in the chosen locale). It never
stores a real value. To guarantee that no generated value equals a training value it stores which
buckets of a short keyed hash the training values fall in, and redraws (bounded) every generated
value that falls in one of them. The hash is deliberately coarse: it has about twice as many buckets
as there are training values, so a quarter to a half of all buckets are taken, and a model file
cannot confirm that a given person is in the training data (any candidate value, real or not, lands
in a taken bucket with probability of at least about 1/5). Generation is seeded per
block of rows from the sampling seed (a local ``Faker`` instance, ``seed_instance``; never the
global seed), so a seeded sample is reproducible and independent of how it is chunked. A unique real
column stays unique across blocks: formatted values come from a keyed permutation of the format's
value space indexed by the row number (``_pii_unique``), emails carry their block as a ``+tag``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re

import numpy as np
import pandas as pd

from ..errors import ConditionError, InvalidDataError
from ._pii_unique import MAX_SPACE, space_size, unique_rows
from ._pii_values import VECTORIZED, emails_for_names, faker_instance
from .codecs import Codec, dtype_from_state, dtype_to_state, restore_dtype

PII_SDTYPES = ("email", "phone_number", "name", "first_name", "last_name", "address", "street_address", "city",
               "postcode", "ssn", "credit_card_number", "iban", "ipv4_address", "ipv6_address", "url", "uuid")
_FAKER_METHOD = {"email": "email", "phone_number": "phone_number", "name": "name", "first_name": "first_name",
                 "last_name": "last_name", "address": "address", "street_address": "street_address", "city": "city",
                 "postcode": "postcode", "ssn": "ssn", "credit_card_number": "credit_card_number", "iban": "iban",
                 "ipv4_address": "ipv4", "ipv6_address": "ipv6", "url": "url", "uuid": "uuid4"}
_NAME_HINTS = [  # (sdtype, column-name pattern), first match wins
    ("email", r"e[-_]?mail|^mail$|_mail$"), ("phone_number", r"phone|^tel$|telephone|mobile|cell"),
    ("first_name", r"first[-_ ]?name|given[-_ ]?name|forename"), ("last_name", r"last[-_ ]?name|surname|family[-_ ]?name"),
    ("name", r"(^|_)(full[-_ ]?)?name$"), ("street_address", r"street"), ("address", r"address"),
    ("postcode", r"zip|post[-_ ]?code|postal"), ("ssn", r"ssn|social[-_ ]?security"),
    ("credit_card_number", r"card|\bcc[-_]?num"), ("iban", r"iban"), ("ipv4_address", r"(^|_)ip(_?addr(ess)?)?(v4)?$"),
    ("url", r"url|website|homepage"), ("uuid", r"uuid|guid")]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_URL = re.compile(r"^(https?|ftp)://\S+$")
NUMERIC_PII = ("credit_card_number", "phone_number", "ssn", "postcode")  # kinds also stored as integers
DETECT_SAMPLE = 200
BLOCK_ROWS = 4096  # generation is seeded per block of this many rows
MAX_REDRAWS = 25
_PII_STREAM = 0x504949  # spawn key of the PII streams: independent of every model stream


def is_pii(spec) -> bool:
    """Whether a column spec says personal data: a PII sdtype, or ``pii: True``."""
    return spec["sdtype"] in PII_SDTYPES or bool(spec.get("pii", False))


# ---------------------------------------------------------------------- detection
def detect_pii(name: str, values: pd.Series) -> str | None:
    """The PII sdtype a string column looks like (by its values, or its name and values), or None."""
    sample = values.dropna().astype(str)
    if len(sample) == 0:
        return None
    sample = sample.iloc[:: max(1, len(sample) // DETECT_SAMPLE)]
    by_value = _kind_by_values(sample)
    if by_value is not None:
        return by_value
    hint = next((kind for kind, pattern in _NAME_HINTS if re.search(pattern, str(name), re.IGNORECASE)), None)
    if hint is None or not _plausible(hint, sample):
        return None
    return hint


def _kind_by_values(sample: pd.Series) -> str | None:
    """Kinds whose values prove themselves: emails, UUIDs, URLs, IP addresses, card numbers, IBANs."""
    def share(test) -> float:
        return float(np.mean([bool(test(v)) for v in sample]))

    if share(_EMAIL.match) >= 0.9:
        return "email"
    if share(_UUID.match) >= 0.9:
        return "uuid"
    if share(_URL.match) >= 0.9:
        return "url"
    if share(lambda v: _ip_version(v) == 4) >= 0.9:
        return "ipv4_address"
    if share(lambda v: _ip_version(v) == 6) >= 0.9:
        return "ipv6_address"
    if share(_is_card_number) >= 0.9:
        return "credit_card_number"
    if share(_is_iban) >= 0.9:
        return "iban"
    return None


def _plausible(kind: str, sample: pd.Series) -> bool:
    """Values that could be of ``kind`` (a name hint alone must not turn a category into PII)."""
    digits = sample.str.count(r"\d")
    if kind in ("phone_number", "ssn"):
        return bool((digits >= 7).mean() >= 0.9)
    if kind == "postcode":
        return bool(sample.str.fullmatch(r"[A-Za-z0-9 -]{3,10}").mean() >= 0.9 and (digits >= 2).mean() >= 0.9)
    if kind in ("credit_card_number", "iban", "email", "uuid", "url", "ipv4_address"):
        return False  # these prove themselves by value (above); a name alone is not enough
    # names and addresses: many distinct texts with letters
    return bool(sample.nunique() >= 0.5 * len(sample) and sample.str.contains(r"[A-Za-z]").mean() >= 0.9)


def _ip_version(value: str) -> int | None:
    try:
        return ipaddress.ip_address(value).version
    except ValueError:
        return None


def _is_card_number(value: str) -> bool:
    digits = re.sub(r"[ -]", "", value)
    if not digits.isdigit() or not 12 <= len(digits) <= 19:  # Maestro: 12 digits
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):  # Luhn
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _is_iban(value: str) -> bool:
    text = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", text):
        return False
    moved = text[4:] + text[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1  # ISO 13616 checksum


# ---------------------------------------------------------------------- formats
def learn_format(values: pd.Series) -> list | None:
    """The one shape every value has, as a list of (class, literal) per position, or None.

    Classes: ``'#'`` a digit, ``'A'`` an upper-case letter, ``'a'`` a lower-case letter, ``''`` a
    character every value has at that position (kept as it is). None when the values differ in
    shape or too few positions vary to make fresh values (fewer than 4).
    """
    texts = values.dropna().astype(str).unique()
    if len(texts) == 0 or len({len(t) for t in texts}) != 1:
        return None
    shape = []
    for position in range(len(texts[0])):
        chars = {t[position] for t in texts}
        classes = {_char_class(c) for c in chars}
        if len(chars) == 1:
            shape.append(["", next(iter(chars))])
        elif len(classes) == 1 and next(iter(classes)) != "":
            shape.append([next(iter(classes)), ""])
        else:
            return None
    return shape if sum(1 for cls, _ in shape if cls) >= 4 else None


MIN_SHAPE_VALUES = 20  # a shape of fewer real values is no format of its own (and could replay them)
MAX_SHAPES = 50


def learn_shapes(values: pd.Series) -> list | None:
    """A mixture of formats (phone numbers written several ways): ``[[shape, share], ...]`` or None.

    Each value's shape maps digits to ``'#'``, letters to ``'A'``/``'a'`` and keeps other
    characters. Shapes of at least ``MIN_SHAPE_VALUES`` values that together cover 90 % of the
    values are kept, each with the characters all its values share kept as they are. None when the
    values have no such few shapes (names, emails: their own generators are better).
    """
    texts = pd.Series(values.dropna().astype(str).unique())
    if len(texts) < MIN_SHAPE_VALUES:
        return None
    shapes = texts.map(lambda text: "".join(_char_class(c) or c for c in text))
    counts = shapes.value_counts()
    kept = counts[counts >= MIN_SHAPE_VALUES].iloc[:MAX_SHAPES]
    if kept.sum() < 0.9 * len(texts):
        return None
    out = []
    for shape, count in kept.items():
        members = texts[shapes == shape]
        fmt = learn_format(members)
        if fmt is not None:
            out.append([fmt, float(count / kept.sum())])
    return out or None


def _from_shapes(shapes: list, count: int, rng: np.random.Generator) -> list[str]:
    weights = np.array([share for _, share in shapes], dtype=float)
    which = rng.choice(len(shapes), size=count, p=weights / weights.sum())
    out = np.empty(count, dtype=object)
    for k, (shape, _) in enumerate(shapes):
        rows = np.flatnonzero(which == k)
        if len(rows):
            out[rows] = _from_format(shape, len(rows), rng)
    return list(out)


_POOLS = {"#": np.array(list("0123456789")), "A": np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
          "a": np.array(list("abcdefghijklmnopqrstuvwxyz"))}


def _char_class(char: str) -> str:
    if char.isdigit():
        return "#"
    if char.isalpha() and char.isascii():
        return "A" if char.isupper() else "a"
    return ""


def _from_format(shape: list, count: int, rng: np.random.Generator) -> list[str]:
    """``count`` strings of one shape, built as a (count, length) character array: no per-value Python."""
    if not shape:
        return [""] * count
    chars = np.empty((count, len(shape)), dtype="<U1")
    for position, (cls, literal) in enumerate(shape):
        chars[:, position] = literal if not cls else _POOLS[cls][rng.integers(0, len(_POOLS[cls]), count)]
    return np.ascontiguousarray(chars).view(f"<U{len(shape)}").ravel().astype(object).tolist()


# ---------------------------------------------------------------------- the codec
def buckets(values, key: str, bits: int) -> np.ndarray:
    """The ``bits``-bit bucket of each value (as text) under a keyed SipHash (pandas' vectorized hash)."""
    text = np.array([str(v) for v in values], dtype=object)
    hashed = pd.util.hash_array(text, hash_key=key, categorize=False)
    return (hashed % np.uint64(1 << bits)).astype(np.int64)


def bucket_bits(count: int) -> int:
    """About two buckets per training value: a quarter to a half of the buckets taken."""
    return max(8, int(np.ceil(np.log2(max(count, 1)))) + 1)


class PiiCodec(Codec):
    """A personal-data column: fresh values only (see the module docs); no model input, no real value kept."""

    outputs: tuple = ()

    def __init__(self, name: str, kind: str | None, locale: str = "en_US", consistent_with: str | None = None):
        self.name, self.kind, self.locale = name, kind, locale
        self.consistent_with = consistent_with  # an email column built from this name column's values

    def fit(self, column: pd.Series) -> PiiCodec:
        observed = column.dropna()
        self.dtype = dtype_to_state(column.dtype)
        self.missing_share = float(column.isna().mean()) if len(column) else 0.0
        self.unique = bool(len(observed) > 1 and observed.is_unique)
        self.format = learn_format(observed)
        if self.format is None and pd.api.types.is_numeric_dtype(column.dtype) and len(observed):
            # numbers of varying length: fresh digits of the typical length (Faker's text would not cast)
            width = int(np.median(observed.astype(np.int64).astype(str).str.len()))
            self.format = [["#", ""] for _ in range(max(width, 4))]
        self.shapes = learn_shapes(observed) if self.format is None and self.kind not in VECTORIZED else None
        if self.format is None and self.shapes is None and self.kind not in _FAKER_METHOD:
            self.kind = "uuid"  # a PII column of free text with no known kind: opaque fresh tokens
        distinct = observed.astype(str).unique()
        self.bits = bucket_bits(len(distinct))
        self.taken = np.unique(buckets(distinct, self._key(), self.bits))
        return self

    def _key(self) -> str:
        """The hash key (16 characters), fixed by the column name: no random state to store."""
        return hashlib.blake2b(("tabsynth-pii:" + str(self.name)).encode(), digest_size=8).hexdigest()

    def encode(self, column: pd.Series) -> dict[str, np.ndarray]:
        return {}

    def decode(self, encoded: dict, num_rows: int, row_offset: int = 0, seed: int | None = None) -> pd.Series:
        """``num_rows`` fresh values for rows ``row_offset..``: none equals a training value."""
        parts, first_block = [], row_offset // BLOCK_ROWS
        last_block = (row_offset + num_rows - 1) // BLOCK_ROWS if num_rows else first_block - 1
        for block in range(first_block, last_block + 1):
            parts.append(self._block(block, seed))
        values = np.concatenate(parts) if parts else np.zeros(0, dtype=object)
        start = row_offset - first_block * BLOCK_ROWS
        values = values[start:start + num_rows]
        return restore_dtype(pd.Series(values, dtype=object), dtype_from_state(self.dtype))

    def decode_from(self, names: pd.Series, row_offset: int = 0, seed: int | None = None) -> pd.Series:
        """Emails built from each row's generated name (column option ``consistent_with``).

        A redraw (a value in a training value's bucket) changes only the style, digits and domain;
        a row without a name gets an email of pool names. The missing share is kept.
        """
        rows = row_offset + np.arange(len(names))
        blocks, positions = rows // BLOCK_ROWS, rows % BLOCK_ROWS
        out = np.empty(len(names), dtype=object)
        for block in np.unique(blocks):
            here = np.flatnonzero(blocks == block)
            out[here] = self._block_from(names.to_numpy(dtype=object)[here], positions[here], int(block), seed)
        return restore_dtype(pd.Series(out, dtype=object), dtype_from_state(self.dtype))

    def _block_from(self, names, positions, block: int, seed) -> np.ndarray:
        rng = self._block_rng(block, seed)
        missing = (rng.random(BLOCK_ROWS) < self.missing_share)[positions]
        values = np.empty(len(names), dtype=object)
        pending = np.ones(len(names), dtype=bool)
        for _ in range(MAX_REDRAWS):
            values[pending] = emails_for_names(names, positions, BLOCK_ROWS, rng, self.locale)[pending]
            pending = np.isin(buckets(values, self._key(), self.bits), self.taken)
            if not pending.any():
                values[missing] = None
                return values
        raise InvalidDataError(f"Column {self.name!r}: emails built from the names keep matching training values; "
                               "drop 'consistent_with' for it.")

    def _unique_block(self, block: int, seed: int | None, rng: np.random.Generator, shapes: list) -> np.ndarray:
        """A block of a unique formatted column: values by keyed permutation of the rows (``_pii_unique``),
        independent draws (checked the same way) only for rows past the permutation's guarantee."""
        rows = np.arange(block * BLOCK_ROWS, (block + 1) * BLOCK_ROWS, dtype=np.int64)
        # one permutation for the whole sample (its keys do not depend on the block)
        keys = np.random.SeedSequence(0 if seed is None else int(seed),
                                      spawn_key=(_PII_STREAM, 2**31)).generate_state(4, np.uint64)
        key = self._key()

        def allowed(values):
            return ~np.isin(buckets(values, key, self.bits), self.taken)

        weights = np.array([share for _, share in shapes], dtype=float)
        which = rng.choice(len(shapes), size=BLOCK_ROWS, p=weights / weights.sum())  # per row: its position's
        # each shape its own permutation (shapes never share a value), all in one pass
        values, done = unique_rows([shape for shape, _ in shapes], which, rows,
                                   keys ^ np.uint64(self._stream_number()), allowed, _POOLS)
        # rows past the guarantee: fresh draws, unique within the block if possible (earlier rows first, so
        # that what is left over lands in the block's last rows, the ones a sample is least likely to reach)
        order = np.r_[np.flatnonzero(done), np.flatnonzero(~done)]
        for _ in range(MAX_REDRAWS):
            repeated = np.zeros(BLOCK_ROWS, dtype=bool)
            repeated[order] = pd.Series(values[order]).duplicated(keep="first").to_numpy()
            redo = ~done & (pd.isna(values) | repeated | ~allowed(np.where(pd.isna(values), "", values).astype(object)))
            if not redo.any():
                break
            values[redo] = self._fresh(int(redo.sum()), rng)
        values[~done] = self._redraw_seen(values[~done], rng)  # never a training value, whatever else
        values[rng.random(BLOCK_ROWS) < self.missing_share] = None
        return values

    def _stream_number(self) -> int:
        """Each column its own random stream (from its name): two email columns never agree by accident."""
        return int.from_bytes(hashlib.blake2b(str(self.name).encode(), digest_size=4).digest(), "little")

    def _block_rng(self, block: int, seed: int | None) -> np.random.Generator:
        entropy = 0 if seed is None else int(seed)
        return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(_PII_STREAM, self._stream_number(),
                                                                                 block)))

    def _block(self, block: int, seed: int | None) -> np.ndarray:
        rng = self._block_rng(block, seed)
        shapes = [[self.format, 1.0]] if self.format is not None else getattr(self, "shapes", None)
        if self.unique and shapes and all(space_size(shape) <= MAX_SPACE for shape, _ in shapes):
            return self._unique_block(block, seed, rng, shapes)
        tag = f"+{block}" if block and self.unique and self.format is None and self.kind == "email" else ""
        values = np.array(self._fresh(BLOCK_ROWS, rng, tag), dtype=object)
        values = self._redraw_seen(values, rng, tag)
        missing = rng.random(BLOCK_ROWS) < self.missing_share
        values[missing] = None
        return values

    def _fresh(self, count: int, rng: np.random.Generator, tag: str = "") -> list[str]:
        """``count`` new values; ``tag`` (a unique email column's block number, as plus-addressing)
        keeps blocks apart, since each block is generated on its own."""
        if self.format is not None:
            return _from_format(self.format, count, rng)
        if getattr(self, "shapes", None):
            return _from_shapes(self.shapes, count, rng)
        if self.kind in VECTORIZED:
            values = VECTORIZED[self.kind](count, rng, self.locale)
            return [v.replace("@", tag + "@", 1) for v in values] if tag else values
        faker = faker_instance(self.locale, int(rng.integers(0, 2**63 - 1)))
        from faker.exceptions import UniquenessException

        method = getattr(faker.unique if self.unique else faker, _FAKER_METHOD[self.kind])
        try:
            values = [str(method()).replace("\n", ", ") for _ in range(count)]
        except UniquenessException:  # this kind ran out of distinct values: repeats are redrawn below
            plain = getattr(faker, _FAKER_METHOD[self.kind])
            values = [str(plain()).replace("\n", ", ") for _ in range(count)]
        return [v.replace("@", tag + "@", 1) for v in values] if tag else values

    def _redraw_seen(self, values: np.ndarray, rng: np.random.Generator, tag: str = "") -> np.ndarray:
        """Redraw every value in a training value's bucket; fail loudly if that cannot end.

        Repeats within a block of a unique column are redrawn too, in the first half of the rounds
        only: a small format may not hold enough distinct values, and then repeats are allowed (a
        repeat of a fresh value leaks nothing); a training value never is.
        """
        key = self._key()
        taken = np.isin(buckets(values, key, self.bits), self.taken)
        for round_ in range(MAX_REDRAWS):
            clash = taken | (pd.Series(values).duplicated().to_numpy()
                             if self.unique and round_ < MAX_REDRAWS // 2 else False)
            if not clash.any():
                return values
            values[clash] = self._fresh(int(clash.sum()), rng, tag)
            taken[clash] = np.isin(buckets(values[clash], key, self.bits), self.taken)  # only the new ones
        if not taken.any():
            return values
        clash = taken
        raise InvalidDataError(
            f"Column {self.name!r} is personal data, but fresh values of its format keep matching training values "
            f"({int(clash.sum())} still do after {MAX_REDRAWS} redraws): the format has too few possible values. "
            "Declare it with another PII sdtype (e.g. 'uuid') or drop it."
        )

    def encode_condition(self, value) -> dict:
        raise ConditionError(f"Column {self.name!r} is personal data: its values are generated fresh, "
                             "never conditioned on.")

    @classmethod
    def from_state(cls, state: dict) -> PiiCodec:
        codec = super().from_state(state)
        codec.format = None if codec.format is None else [list(p) for p in codec.format]
        codec.shapes = None if codec.shapes is None else [[[list(p) for p in shape], float(share)]
                                                          for shape, share in codec.shapes]
        codec.taken = np.asarray(codec.taken, dtype=np.int64)
        codec.bits = int(codec.bits)
        return codec
