"""Fresh personal values made without a Faker call per value: names, emails, IP addresses, UUIDs.

Faker makes one value per call (tens of microseconds); these compose whole blocks with numpy from a
seeded pool of Faker names drawn once per locale, so a table with personal columns still samples
100,000+ rows per second. Emails sit at the reserved example domains (RFC 2606).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np

from ..errors import MissingDependencyError

POOL = 2048  # names drawn once per locale (seeded, cached); rows pick from them with the block's generator


@functools.lru_cache(maxsize=8)
def _name_pool(locale: str) -> tuple[np.ndarray, ...]:
    """First and last names, and their ASCII lower-case forms for emails."""
    faker = faker_instance(locale, 0)  # a fixed pool: the sampled rows' randomness is in the picks
    firsts = np.array([faker.first_name() for _ in range(POOL)], dtype=object)
    lasts = np.array([faker.last_name() for _ in range(POOL)], dtype=object)
    lower = (np.array([_ascii_lower(v) for v in firsts], dtype=object),
             np.array([_ascii_lower(v) for v in lasts], dtype=object))
    return firsts, lasts, *lower


def _names(count: int, rng: np.random.Generator, locale: str, part: str = "full") -> list[str]:
    firsts, lasts = _name_pool(locale)[:2]
    first, last = firsts[rng.integers(0, POOL, count)], lasts[rng.integers(0, POOL, count)]
    if part == "first":
        return list(first)
    if part == "last":
        return list(last)
    return list(first + " " + last)


def _emails(count: int, rng: np.random.Generator, locale: str) -> list[str]:
    firsts, lasts = _name_pool(locale)[2:]
    first, last = firsts[rng.integers(0, POOL, count)], lasts[rng.integers(0, POOL, count)]
    return compose_emails(first, last, rng)


def compose_emails(first: np.ndarray, last: np.ndarray, rng: np.random.Generator) -> list[str]:
    """first.last, first_last, flast or firstlast (lower-case ASCII), maybe with digits, at an example domain."""
    count = len(first)
    style = rng.integers(0, 4, count)
    initial = np.array([v[:1] for v in first], dtype=object)
    local = np.where(style == 0, first + "." + last, np.where(style == 1, first + "_" + last,
                                                                np.where(style == 2, initial + last, first + last)))
    digits = rng.integers(0, 100, count)
    local = np.where(rng.random(count) < 0.4, local + digits.astype(str).astype(object), local)
    domain = np.array(["example.com", "example.org", "example.net"], dtype=object)[rng.integers(0, 3, count)]
    return list(local + "@" + domain)


def emails_for_names(names: np.ndarray, positions: np.ndarray, block_size: int, rng: np.random.Generator,
                     locale: str) -> np.ndarray:
    """Emails of a block built from given names at ``positions`` (pool names elsewhere and where a name is
    missing): every draw is block-sized, so a row's email depends on its name and position only."""
    firsts, lasts = _name_pool(locale)[2:]
    first, last = firsts[rng.integers(0, POOL, block_size)], lasts[rng.integers(0, POOL, block_size)]
    for row, name in zip(positions, names):
        tokens = re.findall(r"[^\W\d_]+", str(name)) if isinstance(name, str) else []
        if tokens:
            first[row], last[row] = _ascii_lower(tokens[0]), _ascii_lower(tokens[-1])
    return np.array(compose_emails(first, last, rng), dtype=object)[positions]


def _ascii_lower(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", plain) or "user"


def _ipv4(count: int, rng: np.random.Generator, locale: str) -> list[str]:
    octets = rng.integers(1, 255, (count, 4)).astype(str).astype(object)
    return list(octets[:, 0] + "." + octets[:, 1] + "." + octets[:, 2] + "." + octets[:, 3])


def _ipv6(count: int, rng: np.random.Generator, locale: str) -> list[str]:
    groups = rng.integers(0, 2**16, (count, 8))
    return [":".join(f"{g:x}" for g in row) for row in groups]


def _uuids(count: int, rng: np.random.Generator, locale: str) -> list[str]:
    raw = rng.integers(0, 256, (count, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hexes = [row.tobytes().hex() for row in raw]
    return [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in hexes]


VECTORIZED = {"name": _names, "first_name": lambda n, r, loc: _names(n, r, loc, "first"),
               "last_name": lambda n, r, loc: _names(n, r, loc, "last"), "email": _emails,
               "ipv4_address": _ipv4, "ipv6_address": _ipv6, "uuid": _uuids}


def faker_instance(locale: str, seed: int):
    try:
        from faker import Faker
    except ImportError as error:  # a declared dependency; say so if an environment lacks it
        raise MissingDependencyError("Generating personal-data columns needs Faker: pip install faker") from error
    faker = Faker(locale)
    faker.seed_instance(seed)
    return faker
