"""Blocks: a chunk is computed a block of rows at a time, while its columns are in cache.

A block's per-key sums are taken once per column (two losses that share a column share
its sum), and its per-row terms once per term function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..columns import Ones
from ..losses import Batch
from ..losses.shapes import Terms
from .reduce import key_sum
from .statistics import SUM, Kind

Column = np.ndarray | Ones
# Rows per block (÷ a model's class columns): 128 KiB per column. Measured on a 2-core EPYC
# (512 KiB L2): 8k–64k rows alike (12–23 ns per row for MSE and MAPE by 1,000 groups), whole
# 262k-row chunks 44–47 ns (fresh memory, page faults); 10 logit columns: 1,638-row blocks
# 14k page faults per run, 3,276-row blocks 117k (glibc's mmap threshold).
CACHE_ROWS = 1 << 14
ROWS_PER_KEY = 4  # at least this many rows per key in a block (else the per-key sums dominate)


def rows_per_block(wanted: int, n_keys: int) -> int:
    """Rows computed at once: ``wanted``, but at least :data:`ROWS_PER_KEY` per key, so
    that the per-key sums of a block never cost more than its rows."""
    return max(1, wanted, ROWS_PER_KEY * n_keys)


class BlockSums:
    """The per-key states of one block's columns; a column shared by several losses (or
    statistics of one kind) is reduced once.

    The sums the kernel's steps declare are filed by their slot (:meth:`file`) and added
    into the chunk's table of sums at the block's end (:meth:`settle`): a reduction per
    distinct column, and no Python per statistic beyond filing it."""

    def __init__(self, codes: np.ndarray | None, n_keys: int, rows: int) -> None:
        self.codes, self.n_keys, self.rows = codes, n_keys, rows
        self._done: dict[tuple[int, int], tuple[object, Any]] = {}
        self.slots: list[int] = []  # filed: the slot of each column, and the column
        self.columns: list[Column] = []

    def __call__(self, column: Column) -> np.ndarray:
        """Σ column per key."""
        return self.state(SUM, column)

    def state(self, kind: Kind, column: Any) -> Any:
        """The state of ``kind`` made of ``column``'s rows."""
        tag = (id(kind), -1 if isinstance(column, Ones) else id(column))  # ints hash in C
        done = self._done.get(tag)
        if done is None:  # column and kind kept alive: their ids stay their own
            done = self._done[tag] = ((kind, column), kind.of_rows(self.codes, self.n_keys, column))
        return done[1]

    def settle(self, table: np.ndarray, touched: list[bool]) -> None:
        """Add the sums of the columns filed (``slots``, ``columns``) to ``table``'s rows, as
        :func:`~.reduce.key_sum` makes them (the sums of one column taken once); a row not
        ``touched`` yet takes them as they are (its first block's sums, as if it were its
        state), and is touched."""
        codes, n_keys, done = self.codes, self.n_keys, self._done
        sum_id = id(SUM)
        for slot, column in zip(self.slots, self.columns, strict=True):
            tag = (sum_id, -1 if isinstance(column, Ones) else id(column))
            found = done.get(tag)
            if found is None:
                found = done[tag] = (column, key_sum(codes, n_keys, column))
            if touched[slot]:
                table[slot] += found[1]
            else:
                table[slot] = found[1]
                touched[slot] = True


def sum_table(slots: int, n_keys: int) -> np.ndarray:
    """A chunk's sums, a row per slot, each row written by the first block that files a
    column in it (a row no block touched is never read)."""
    return np.empty((slots, n_keys))


class TermCache:
    """Per-row terms of one batch, computed once per term function (MSE and RMSE share)."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self._terms: dict[Callable[[Batch], Terms], Terms] = {}
        self._weighed: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, make: Callable[[Batch], Terms]) -> Terms:
        if make not in self._terms:
            self._terms[make] = make(self.batch)
        return self._terms[make]

    def weighed(self, term: np.ndarray | None) -> Column:
        """w·term, each array weighed once; None (the term 1) gives the weights."""
        if term is None:
            return self.batch.weights
        if id(term) not in self._weighed:
            self._weighed[id(term)] = (term, self.batch.weigh(term))
        return self._weighed[id(term)][1]
