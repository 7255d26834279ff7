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
# Rows whose terms are made at once where every statistic is a sum (rows_per_span): 256 KiB
# per column, within the 8k–64k rows measured alike above (BENCHMARKS.md run 18c)
SPAN_ROWS = 1 << 15
ROWS_PER_KEY = 4  # at least this many rows per key in a block (else the per-key sums dominate)


def rows_per_block(wanted: int, n_keys: int) -> int:
    """Rows computed at once: ``wanted``, but at least :data:`ROWS_PER_KEY` per key, so
    that the per-key sums of a block never cost more than its rows."""
    return max(1, wanted, ROWS_PER_KEY * n_keys)


class BlockSums:
    """The per-key states of one span of rows (:func:`rows_per_span`: one block, or several
    whose statistics are all sums); a column shared by several losses (or statistics of
    one kind) is reduced once.

    A sum is taken a block (``block`` rows) at a time, and the blocks' sums are added in
    order, as when each block is a span of its own: spans change no bit of a sum. The sums
    the kernel's steps declare are filed by their slot (``slots``, ``columns``) and added
    into the chunk's table of sums at the span's end (:meth:`settle`): a reduction per
    distinct column and block, and no Python per statistic beyond filing it."""

    def __init__(
        self, codes: np.ndarray | None, n_keys: int, rows: int, block: int | None = None
    ) -> None:
        self.codes, self.n_keys, self.rows = codes, n_keys, rows
        block = rows if block is None else max(1, block)
        self.bounds = [(a, min(a + block, rows)) for a in range(0, rows, block)] or [(0, 0)]
        self._done: dict[tuple[int, int], tuple[object, Any]] = {}
        self._parts: dict[int, tuple[Column, list[np.ndarray]]] = {}
        self.slots: list[int] = []  # filed: the slot of each column, and the column
        self.columns: list[Column] = []

    def __call__(self, column: Column) -> np.ndarray:
        """Σ column per key: its blocks' sums added in order."""
        parts = self.parts(column)
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total

    def parts(self, column: Column) -> list[np.ndarray]:
        """Σ column per key in each block, as :func:`~.reduce.key_sum` makes them (once per
        column: a column of ones, however made, is one column)."""
        tag = -1 if isinstance(column, Ones) else id(column)  # ints hash in C
        found = self._parts.get(tag)
        if found is None:  # the column kept alive: its id stays its own
            codes, n_keys = self.codes, self.n_keys
            if len(self.bounds) == 1:  # the rows as they are (codes keep their runs)
                parts = [key_sum(codes, n_keys, column)]
            else:
                parts = [
                    key_sum(None if codes is None else codes[a:b], n_keys, _rows(column, a, b))
                    for a, b in self.bounds
                ]
            found = self._parts[tag] = (column, parts)
        return found[1]

    def state(self, kind: Kind, column: Any) -> Any:
        """The state of ``kind`` made of ``column``'s rows (a sum, as :meth:`__call__`)."""
        if kind is SUM and (isinstance(column, Ones) or column.ndim == 1):
            return self(column)
        tag = (id(kind), -1 if isinstance(column, Ones) else id(column))
        done = self._done.get(tag)
        if done is None:  # column and kind kept alive: their ids stay their own
            done = self._done[tag] = ((kind, column), kind.of_rows(self.codes, self.n_keys, column))
        return done[1]

    def settle(self, table: np.ndarray, touched: list[bool]) -> None:
        """Add the sums of the columns filed (``slots``, ``columns``) to ``table``'s rows, a
        block's at a time; a row not ``touched`` yet takes the first block's as they are
        (as if they were its state), and is touched."""
        for slot, column in zip(self.slots, self.columns, strict=True):
            parts = self.parts(column)
            if not touched[slot]:
                table[slot] = parts[0]
                touched[slot] = True
                parts = parts[1:]
            for part in parts:
                table[slot] += part


def rows_per_span(block: int, *, widest: int, sums_only: bool) -> int:
    """Rows whose per-row terms are made at once: whole blocks, up to :data:`SPAN_ROWS`,
    where every statistic is a sum (``sums_only``: :attr:`~.kernel_spec.KernelSpec.sums_only`)
    and every model has one column; else one block. The sums are still taken a block at a
    time (:class:`BlockSums`), so their bits stay; what a span saves is the Python made per
    block (a batch, each loss's terms and what it found): a CSV chunk of 31,250 rows is one
    span of two blocks. Rows with group keys too: run 18c measured no gain there and ~4,000
    more page faults a run on a loaded machine; run 19a, the folding thread alone
    (``RUSAGE_THREAD``, no more faults), 8% less CPU per group on Parquet and the same on
    CSV."""
    if not sums_only or widest > 1:
        return block
    return max(block, SPAN_ROWS // block * block)


def _rows(column: Column, start: int, stop: int) -> Column:
    return Ones(stop - start) if isinstance(column, Ones) else column[start:stop]


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
