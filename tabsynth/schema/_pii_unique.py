"""Unique fresh values of a learned format, in any chunking: a keyed permutation indexed by row.

A unique real column (phone numbers, codes) must give unique synthetic values, but the values are
generated block by block and a block cannot see the others. Here the ``r``-th row of a sample gets
the value number ``P(r)`` of the format's value space, where ``P`` is a keyed pseudorandom
permutation of that space (a balanced Feistel network over the next power of four, walked until it
lands inside the space): distinct rows get distinct values whatever the chunking. A value that
falls in a training value's bucket is replaced by attempt ``j`` at ``P(j * stride + r)``, inputs
that never meet another row's (``stride`` = space / attempts), so uniqueness holds for the first
``stride`` rows of every sample; past them rows fall back to independent draws. A column written in
several shapes (phone numbers) gives each row a shape drawn by position, and each shape its own
permutation: two shapes never write the same string.
"""

from __future__ import annotations

import numpy as np

ATTEMPTS = 8  # a row whose 8 attempts all land in taken buckets (p < 0.4^8) falls back
MAX_SPACE = 2**62  # larger spaces: independent draws repeat with negligible probability anyway
_ROUNDS = 4
_CLASS_SIZE = {"#": 10, "A": 26, "a": 26}


def space_size(shape: list) -> int:
    size = 1
    for cls, _ in shape:
        size *= _CLASS_SIZE.get(cls, 1)
    return size


_M1, _M2, _S1, _S2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(29), np.uint64(32)


def _round(x: np.ndarray, key: np.uint64, mask: np.uint64) -> np.ndarray:
    """A keyed mix of one half (splitmix64's finalizer); uint64 products wrap on purpose."""
    x = (x ^ key) * _M1
    x ^= x >> _S1
    x *= _M2
    x ^= x >> _S2
    return x & mask


def permute(indices: np.ndarray, size, keys: np.ndarray) -> np.ndarray:
    """``P(indices)`` for a keyed permutation ``P`` of ``[0, size)``.

    ``size`` may be one int or one per index, and ``keys`` one row of round keys or one row per
    index: the rows of several formats go through their own permutations in one call.
    """
    x = np.asarray(indices).astype(np.uint64)
    sizes = np.broadcast_to(np.asarray(size, dtype=np.uint64), x.shape)
    keys = np.broadcast_to(np.asarray(keys, dtype=np.uint64), (len(x), np.shape(keys)[-1]))
    halves = np.array([max(1, (int(s - 1).bit_length() + 1) // 2) for s in np.unique(sizes)], dtype=np.uint64)
    half = halves[np.searchsorted(np.unique(sizes), sizes)]
    mask = (np.uint64(1) << half) - np.uint64(1)
    todo = np.ones(len(x), dtype=bool)
    with np.errstate(over="ignore"):
        while todo.any():  # cycle walking: each network permutes [0, 4^half), which holds [0, size)
            h, m, k = half[todo], mask[todo], keys[todo]
            left, right = x[todo] >> h, x[todo] & m
            for r in range(_ROUNDS):
                left, right = right, left ^ _round(right, k[:, r], m)
            x[todo] = (left << h) | right
            todo = x >= sizes
    return x


def values_at(shape: list, numbers: np.ndarray, pools: dict) -> list[str]:
    """The format's value number ``numbers`` (mixed radix over its varying positions)."""
    chars = np.empty((len(numbers), len(shape)), dtype="<U1")
    rest = numbers.astype(np.uint64)
    for position in range(len(shape) - 1, -1, -1):
        cls, literal = shape[position]
        if not cls:
            chars[:, position] = literal
            continue
        base = np.uint64(_CLASS_SIZE[cls])
        chars[:, position] = pools[cls][(rest % base).astype(np.int64)]
        rest //= base
    return np.ascontiguousarray(chars).view(f"<U{len(shape)}").ravel().astype(object).tolist()


def unique_rows(shapes: list, which: np.ndarray, rows: np.ndarray, keys: np.ndarray, allowed,
                pools: dict) -> tuple[np.ndarray, np.ndarray]:
    """Values for global row numbers ``rows`` (row ``i`` in format ``shapes[which[i]]``), and which of
    them the guarantee covers. ``allowed(values)`` says which values may be emitted."""
    sizes = np.array([space_size(shape) for shape in shapes], dtype=np.uint64)[which]
    stride = sizes // np.uint64(ATTEMPTS)
    row_keys = keys[None, :] ^ (np.uint64(7919) * which.astype(np.uint64))[:, None]  # a permutation per format
    covered = rows.astype(np.uint64) < stride
    values = np.empty(len(rows), dtype=object)
    pending = covered.copy()
    for attempt in range(ATTEMPTS):
        if not pending.any():
            break
        where = np.flatnonzero(pending)
        numbers = permute(np.uint64(attempt) * stride[where] + rows[where].astype(np.uint64), sizes[where],
                          row_keys[where])
        candidate = np.empty(len(where), dtype=object)
        for k, shape in enumerate(shapes):
            mine = which[where] == k
            if mine.any():
                candidate[mine] = values_at(shape, numbers[mine], pools)
        ok = allowed(candidate)
        values[where[ok]] = candidate[ok]
        pending[where[ok]] = False
    return values, covered & ~pending
