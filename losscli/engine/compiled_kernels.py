"""The compiled loops (numba): imported only by :func:`.compiled.kernels`, never directly.

Each loop computes exactly what its NumPy counterpart does, in the same order, so the
values are bit for bit those of the NumPy path: per-key sums in row order from zero (as
``np.bincount``), ids from the same hash table, the same compaction, one add per key. Every
signature is fixed (columns passed as tuples of :data:`FLOATS` and :data:`FLAGS` arrays,
padded), so a run compiles, or loads from numba's cache, each loop once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np

FLOATS = 8  # float columns summed per call (more: another call)
FLAGS = 4  # boolean columns counted per call
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # as engine/key_hash.py: Fibonacci hashing
_EMPTY = -1


def _jit(function: Callable[..., Any]) -> Any:
    """Compiled without the GIL and cached (beside this module, as Python's .pyc, else in
    numba's user-wide cache directory); with no writable place, compiled every run."""
    try:
        return numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:  # numba found no cache directory it can write
        return numba.njit(nogil=True)(function)


@_jit
def block_sums(
    codes: np.ndarray,
    floats: tuple[np.ndarray, ...],
    n_floats: int,
    flags: tuple[np.ndarray, ...],
    n_flags: int,
    count: bool,
    out: np.ndarray,
) -> None:
    """Per key (``codes``), in ``out``'s rows: the first ``n_floats`` of ``floats`` summed,
    then the first ``n_flags`` of ``flags`` counted, then (``count``) the rows counted; every
    sum taken in row order from zero, in one pass over the rows."""
    out[:] = 0.0
    for i in range(len(codes)):
        key = codes[i]
        for j in range(n_floats):
            out[j, key] += floats[j][i]
        for j in range(n_flags):
            if flags[j][i]:
                out[n_floats + j, key] += 1.0
        if count:
            out[n_floats + n_flags, key] += 1.0


@_jit
def hash_lookup(slots: np.ndarray, bits: int, values: np.ndarray) -> np.ndarray:
    """The id of each value in the open-addressing table ``slots`` (key, id per slot; linear
    probing from a Fibonacci hash of ``bits`` bits), −1 where it is not there."""
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)
    found = np.empty(len(values), dtype=np.int64)
    for i in range(len(values)):
        value = values[i]
        at = np.int64((np.uint64(value) * _MULTIPLIER) >> shift)
        while True:
            held = slots[at, 1]
            if held == _EMPTY or slots[at, 0] == value:
                found[i] = held
                break
            at = (at + 1) & mask
    return found


@_jit
def hash_insert(slots: np.ndarray, bits: int, values: np.ndarray, ids: np.ndarray) -> None:
    """Each of ``values`` (none in the table yet) into the first free slot from its home."""
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)
    for i in range(len(values)):
        at = np.int64((np.uint64(values[i]) * _MULTIPLIER) >> shift)
        while slots[at, 1] != _EMPTY:
            at = (at + 1) & mask
        slots[at, 0] = values[i]
        slots[at, 1] = ids[i]


@_jit
def compact(ids: np.ndarray, scratch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``ids`` renumbered 0 … k − 1 and the id each number stands for, as
    :meth:`~.keys.KeySet._compact` numbers them: an id's row is its last, and ids are
    numbered in the order of those rows."""
    n = len(ids)
    for i in range(n):
        scratch[ids[i]] = i
    number = np.empty(n, dtype=np.int64)
    at = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        if scratch[ids[i]] == i:
            number[i] = k
            at[k] = ids[i]
            k += 1
    codes = np.empty(n, dtype=np.int64)
    for i in range(n):
        codes[i] = number[scratch[ids[i]]]
    return codes, at[:k]


@_jit
def scatter_add(mine: np.ndarray, where: np.ndarray, theirs: np.ndarray) -> None:
    """``mine[where[i]] += theirs[i]`` in order (``np.add.at``)."""
    for i in range(len(where)):
        mine[where[i]] += theirs[i]
