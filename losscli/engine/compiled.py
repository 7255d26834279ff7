"""The compiled path for many groups: numba's loops (:mod:`.compiled_kernels`) in place of
NumPy passes, imported lazily, only by a run of many keys and rows.

Where a run's keys number in the hundreds of thousands, a row costs NumPy about ten passes
to find its key in the fold's hash table (:mod:`.key_hash`), two more to renumber a chunk's
keys (:meth:`~.keys.KeySet._compact`), a ``np.bincount`` per sum and an ``np.add.at`` per
sum to absorb the chunk. The compiled loops make each of those one pass, with the values
of the NumPy path bit for bit: they are used, or not, without any value changing.

Importing numba and loading its compiled loops costs about half a second of CPU (more the
first time, when they are compiled and cached: see BENCHMARKS.md Run 12), so they are
loaded only once a fold has coded :data:`MIN_ROWS` rows of at least :data:`MIN_KEYS` keys.
Without numba (the ``fast`` extra), with ``LOSSCLI_JIT=0``, or when loading fails, the
NumPy path runs.
"""

from __future__ import annotations

import os
import threading
import warnings
from types import ModuleType

import numpy as np

from ..columns import Ones
from .blocks import BlockSums

ENV = "LOSSCLI_JIT"  # "0": never load the compiled loops; "1": for every grouped run
MIN_KEYS = 1 << 15  # keys a fold must know before the compiled loops are worth loading
MIN_ROWS = 1 << 20  # ... and rows it must have coded

_lock = threading.Lock()
_state: dict[str, ModuleType | None] = {}  # "kernels": the loaded module, or None (not to be)


def _setting() -> str:
    return os.environ.get(ENV, "").strip().lower()


def loaded() -> ModuleType | None:
    """The compiled loops if some run has loaded them already (never loads them)."""
    return None if _setting() == "0" else _state.get("kernels")


def wanted(keys: int, rows: int) -> ModuleType | None:
    """The compiled loops, loaded now if need be, for a fold that knows ``keys`` keys and has
    coded ``rows`` rows; None below the thresholds (unless ``LOSSCLI_JIT=1``) or where they
    cannot be had."""
    setting = _setting()
    if setting == "0" or (setting != "1" and (keys < MIN_KEYS or rows < MIN_ROWS)):
        return None
    return kernels()


def kernels() -> ModuleType | None:
    """The compiled loops, imported and compiled (or loaded from numba's cache) on first use,
    each tried once on a few rows so that a failure shows here; None when numba is not
    installed, ``LOSSCLI_JIT=0``, or it failed (the NumPy path then runs)."""
    if _setting() == "0":
        return None
    if "kernels" in _state:
        return _state["kernels"]
    with _lock:
        if "kernels" not in _state:
            _state["kernels"] = _load()
    return _state["kernels"]


def _load() -> ModuleType | None:
    try:
        with warnings.catch_warnings():  # numba's own warnings (a cache it cannot write)
            warnings.simplefilter("ignore")
            from . import compiled_kernels

            _try(compiled_kernels)
    except Exception:  # not installed, or an LLVM or NumPy it does not support
        return None
    return compiled_kernels


def _try(module: ModuleType) -> None:
    """Each loop once, with the argument types of real use (compiled or loaded now)."""
    codes = _frozen(np.zeros(2, dtype=np.int64))
    out = np.empty((3, 1))
    floats = _padded([_frozen(np.ones(2))], module.FLOATS, _NO_FLOATS)
    flags = _padded([_frozen(np.ones(2, dtype=bool))], module.FLAGS, _NO_FLAGS)
    module.block_sums(codes, floats, 1, flags, 1, True, out)
    if out.tolist() != [[2.0], [2.0], [2.0]]:
        raise RuntimeError("the compiled sums are wrong")
    slots = np.zeros((4, 2), dtype=np.int64)
    slots[:, 1] = -1
    values = np.array([7], dtype=np.int64)
    module.hash_insert(slots, 2, values, np.array([0], dtype=np.int64))
    module.hash_lookup(slots, 2, _frozen(values))
    module.hash_lookup(slots, 2, values)
    module.compact(np.array([1, 0, 1], dtype=np.int64), np.zeros(2, dtype=np.int64))
    module.scatter_add(np.zeros(2), np.array([1], dtype=np.int64), np.ones(1))


def _frozen(array: np.ndarray) -> np.ndarray:
    """A read-only view: numba types read-only arrays apart, and Arrow's buffers are, so
    every column is passed read-only (one compiled signature)."""
    view = array.view()
    view.flags.writeable = False
    return view


_NO_FLOATS = _frozen(np.zeros(0))
_NO_FLAGS = _frozen(np.zeros(0, dtype=bool))


def _padded(arrays: list[np.ndarray], size: int, pad: np.ndarray) -> tuple[np.ndarray, ...]:
    return (*arrays, *([pad] * (size - len(arrays))))


def key_sums(
    module: ModuleType, codes: np.ndarray, n_keys: int, columns: list[np.ndarray | Ones]
) -> list[np.ndarray] | None:
    """Σ column per key of each of ``columns`` (float64 or boolean, one-dimensional, or
    :class:`Ones`), as :func:`~.reduce.key_sum` makes them, in one pass over the rows per
    :data:`~.compiled_kernels.FLOATS` columns; None if one is of another type."""
    floats: list[np.ndarray] = []
    flags: list[np.ndarray] = []
    where: list[tuple[int, int]] = []  # per column: (0 float, 1 flag, 2 count), its index
    for column in columns:
        if isinstance(column, Ones):
            where.append((2, 0))
        elif column.ndim != 1 or column.dtype not in (np.float64, np.bool_):
            return None
        elif column.dtype == np.float64:
            where.append((0, len(floats)))
            floats.append(_frozen(np.ascontiguousarray(column)))
        else:
            where.append((1, len(flags)))
            flags.append(_frozen(np.ascontiguousarray(column)))
    codes = _frozen(np.ascontiguousarray(codes, dtype=np.int64))
    float_sums, flag_sums, count = _summed(module, codes, n_keys, floats, flags)
    found = {0: float_sums, 1: flag_sums}
    return [count if kind == 2 else found[kind][i] for kind, i in where]


def _summed(
    module: ModuleType,
    codes: np.ndarray,
    n_keys: int,
    floats: list[np.ndarray],
    flags: list[np.ndarray],
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """The sums of ``floats``, the counts of ``flags`` and the count of the rows, per key:
    one pass over the rows for up to :data:`~.compiled_kernels.FLOATS` floats and
    :data:`~.compiled_kernels.FLAGS` flags (the rows counted in the last)."""
    float_sums: list[np.ndarray] = []
    flag_sums: list[np.ndarray] = []
    size, flag_size = module.FLOATS, module.FLAGS
    while True:
        these, floats = floats[:size], floats[size:]
        marks, flags = flags[:flag_size], flags[flag_size:]
        last = not floats and not flags
        out = np.empty((len(these) + len(marks) + last, n_keys))
        module.block_sums(
            codes,
            _padded(these, size, _NO_FLOATS),
            len(these),
            _padded(marks, flag_size, _NO_FLAGS),
            len(marks),
            last,
            out,
        )
        float_sums.extend(out[: len(these)])
        flag_sums.extend(out[len(these) : len(these) + len(marks)])
        if last:
            return float_sums, flag_sums, out[-1]


def summed_block(module: ModuleType, sums: BlockSums) -> np.ndarray:
    """The block's rows per key, and the sums of every column filed in ``sums``, made in one
    compiled pass and given to it (its :meth:`~.blocks.BlockSums.settle` then adds them as
    they are); the NumPy path's where a column is of a type the pass does not take."""
    columns: list[np.ndarray] = []
    seen: set[int] = set()
    for column in sums.columns:
        if not isinstance(column, Ones) and id(column) not in seen:
            seen.add(id(column))
            columns.append(column)
    ones = Ones(sums.rows)
    assert sums.codes is not None
    every: list[np.ndarray | Ones] = [*columns, ones]
    found = key_sums(module, sums.codes, sums.n_keys, every)
    if found is None:
        return sums(ones)
    for column, summed in zip(every, found, strict=True):
        sums.given(column, summed)
    return found[-1]


SCATTERED = 1 << 12  # fewer keys are scattered by NumPy (the call costs more than it saves)


def scattered(mine: np.ndarray, where: np.ndarray, theirs: np.ndarray) -> bool:
    """``np.add.at(mine, where, theirs)`` by the compiled loop, if loaded and the arrays are
    one-dimensional floats of many keys (False: not done)."""
    module = loaded()
    if module is None or len(where) < SCATTERED or mine.ndim != 1 or theirs.ndim != 1:
        return False
    if mine.dtype != np.float64 or theirs.dtype != np.float64 or not mine.flags.writeable:
        return False
    if not mine.flags.c_contiguous:
        return False
    where = np.ascontiguousarray(where, dtype=np.int64)
    module.scatter_add(mine, where, np.ascontiguousarray(theirs))
    return True
