"""A chunk's co-moments (:mod:`.comoments`), summed block by block while the block's
columns are in cache.

Each key's columns are shifted by a value near their mean, fixed where the key first
appears in the chunk (its mean in that block), and scaled by a power of two fixed
there too: the block adds Σd and Σd_i·d_j of the shifted values d, plain sums. At the
chunk's end they become centred co-moments, C_ij = Σd_i·d_j − Σd_i·Σd_j / n, which
cancel only as far as the shift is from the mean (identical rows give d = 0 exactly).
A block whose scale is far from a key's (2^300 apart) first turns what was summed into
a table, merged by Chan's formula with the rest: no square overflows or vanishes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..columns import Ones
from . import comoments
from .comoments import Column, merged, pair
from .reduce import key_sum

REBASE = 300  # a block this many powers of two from a key's scale starts a new sum
UNSCALED = 450  # within 2^±450 (1e±135) no scaling: squares stay far inside float64
Known = Sequence["np.ndarray | None"]  # per column: Σv per key where v ≥ 0 and summed


class ChunkMoments:
    """Per name, the co-moments of its columns over a chunk's blocks."""

    def __init__(self, n_keys: int) -> None:
        self.n_keys = n_keys
        self._sums: dict[Any, _Sums] = {}
        self._pending: dict[Any, tuple[Sequence[Column], Known]] = {}
        self._within: dict[Any, Any] = {}  # a name whose columns lead another's: that other
        self._codes: np.ndarray | None = None
        self._n = np.zeros(n_keys)

    def block(self, codes: np.ndarray | None, n: np.ndarray) -> None:
        """The next block: its rows' keys, and its rows per key."""
        self._add_pending()
        self._codes, self._n = codes, n

    def add(self, name: Any, columns: Sequence[Column], known: Known) -> None:
        """The current block's columns of ``name`` (always as many for one name)."""
        self._pending[name] = (columns, known)

    def add_joint(self, name: Any, *, within: Any, columns: Sequence[Column]) -> None:
        """The current block's columns of ``within``, whose first ones are those ``name``
        was given in it (a model's, then the reference's): summed once, ``name``'s table is
        taken from ``within``'s."""
        own, _ = self._pending.pop(name)
        assert all(a is b for a, b in zip(own, columns, strict=False))
        self._pending[within] = (columns, [None] * len(columns))
        self._within[name] = (within, len(own))

    def tables(self) -> dict[Any, np.ndarray]:
        """Per name, the (keys × fields) table of every block's rows."""
        self._add_pending()
        tables = {name: sums.table() for name, sums in self._sums.items()}
        for name, (within, count) in self._within.items():
            leading = comoments.leading(tables[within], count)
            known = tables.get(name)
            tables[name] = leading if known is None else comoments.merged(known, leading)
        return tables

    def _add_pending(self) -> None:
        with np.errstate(all="ignore"):  # an infinite term: its value is reported as such
            for name, (columns, known) in self._pending.items():
                sums = self._sums.get(name)
                if sums is None:
                    sums = self._sums[name] = _Sums(self.n_keys, len(columns))
                sums.add(self._codes, self._n, columns, known)
        self._pending = {}


class _Sums:
    """Shifted power sums of ``width`` columns per key, and the table of what came before a
    new scale."""

    def __init__(self, n_keys: int, width: int) -> None:
        self.n_keys, self.width = n_keys, width
        self._reset()
        self.before: np.ndarray | None = None

    def _reset(self) -> None:
        v, k = self.width, self.n_keys
        self.ones = [False] * v  # so far a column of ones (never built): mean 1, no spread
        self.arrays = [False] * v  # so far given as values
        self.n = np.zeros(k)
        self.seen = np.zeros(k, dtype=bool)  # keys with a shift
        self.unseen = k
        self.shift = np.zeros((v, k))
        self.exps = np.zeros((v, k), dtype=np.int64)
        self.scaled = [False] * v  # some key's exponent is not 0
        self.s1 = np.zeros((v, k))
        self.s2 = np.zeros((v * (v + 1) // 2, k))

    def add(
        self, codes: np.ndarray | None, n: np.ndarray, columns: Sequence[Column], known: Known
    ) -> None:
        columns = self._values(columns)
        exps = [_exponent(n, c, k, codes) for c, k in zip(columns, known, strict=True)]
        if self._far(n, exps):
            self._flush()
        fresh = None
        if self.unseen:
            fresh = (n > 0) & ~self.seen
            self.seen |= fresh
            self.unseen = self.n_keys - int(np.count_nonzero(self.seen))
        d: list[np.ndarray | None] = []
        for i, (column, exponent) in enumerate(zip(columns, exps, strict=True)):
            if isinstance(column, Ones):
                self.ones[i] = True
                d.append(None)
                continue
            self.arrays[i] = True
            d.append(
                self._shifted(
                    i, codes, n, values=column, exponent=exponent, known=known[i], fresh=fresh
                )
            )
        v = self.width
        for i in range(v):
            for j in range(i, v):
                a, b = d[i], d[j]
                if a is not None and b is not None:
                    self.s2[pair(i, j, v) - 1 - 2 * v] += key_sum(codes, self.n_keys, a * b)
        self.n += n

    def _values(self, columns: Sequence[Column]) -> list[Column]:
        """The block's columns; a column of ones where values came before is built, and
        values where ones came before first turn the ones' rows into a table."""
        if any(self.ones[i] and not isinstance(c, Ones) for i, c in enumerate(columns)):
            self._flush()
        return [
            np.ones(len(c)) if isinstance(c, Ones) and self.arrays[i] else c
            for i, c in enumerate(columns)
        ]

    def _far(self, n: np.ndarray, exps: list[np.ndarray | int]) -> bool:
        """Is a key's scale in this block :data:`REBASE` powers of two from its own?"""
        for i, e in enumerate(exps):
            if isinstance(e, int) and not self.scaled[i]:
                continue  # no key is scaled, here or before
            far = (n > 0) & self.seen & (np.abs(e - self.exps[i]) > REBASE)
            if far.any():
                return True
        return False

    def _shifted(
        self,
        i: int,
        codes: np.ndarray | None,
        n: np.ndarray,
        *,
        values: np.ndarray,
        exponent: np.ndarray | int,
        known: np.ndarray | None,
        fresh: np.ndarray | None,
    ) -> np.ndarray:
        """Column i over its keys' scales, minus their shifts (set where new); Σd added,
        from the block's known sum where there is one (the shift is near the mean: the
        difference loses digits only as far as it is from it) rather than a pass."""
        if fresh is not None and not isinstance(exponent, int):
            self.exps[i][fresh] = exponent[fresh]
            self.scaled[i] = self.scaled[i] or bool(exponent[fresh].any())
        if self.scaled[i]:
            exps = self.exps[i]
            values = np.ldexp(values, -(exps[0] if codes is None else exps[codes]))
            known = None
        if fresh is not None and fresh.any():
            total = key_sum(codes, self.n_keys, values) if known is None else known
            self.shift[i][fresh] = total[fresh] / n[fresh]
        shift = self.shift[i]
        d = values - (shift[0] if codes is None else shift[codes])
        if known is None:
            self.s1[i] += key_sum(codes, self.n_keys, d)
        else:
            self.s1[i] += known - n * shift
        return d

    def _flush(self) -> None:
        """What was summed, as a table merged into the earlier ones; the sums start again."""
        table = self._table()
        self.before = table if self.before is None else merged(self.before, table)
        self._reset()

    def table(self) -> np.ndarray:
        table = self._table()
        return table if self.before is None else merged(self.before, table)

    def _table(self) -> np.ndarray:
        v, n = self.width, self.n
        out = np.zeros((self.n_keys, 1 + 2 * v + v * (v + 1) // 2))
        out[:, 0] = n
        seen = n > 0
        safe = np.where(seen, n, 1.0)
        for i in range(v):
            if self.ones[i]:
                out[:, 1 + v + i] = np.where(seen, 1.0, 0.0)
                continue
            out[:, 1 + i] = np.where(seen, self.exps[i], 0)
            out[:, 1 + v + i] = np.where(seen, self.shift[i] + self.s1[i] / safe, 0.0)
        with np.errstate(invalid="ignore", over="ignore"):  # an infinite term: inf − inf
            for i in range(v):
                for j in range(i, v):
                    c = pair(i, j, v)
                    if self.ones[i] or self.ones[j]:
                        continue
                    centred = self.s2[c - 1 - 2 * v] - self.s1[i] * self.s1[j] / safe
                    out[:, c] = np.maximum(centred, 0.0) if i == j else centred
        return out


def _exponent(
    n: np.ndarray, column: Column, known: np.ndarray | None, codes: np.ndarray | None
) -> np.ndarray | int:
    """Per key, the power of two nearest the mean of |v| in this block (0 without rows);
    0 (an int) where every key's lies within 2^±:data:`UNSCALED`, or for ones."""
    if isinstance(column, Ones):
        return 0
    size = key_sum(codes, len(n), np.abs(column)) if known is None else known
    top, rows = float(size.max(initial=0.0)), float(n.max(initial=0.0))
    if top < 2.0**UNSCALED:
        positive = size[size > 0]
        if not len(positive) or float(positive.min()) / max(rows, 1.0) > 2.0**-UNSCALED:
            return 0
    exponent = np.frexp(np.where(n > 0, size / np.maximum(n, 1), 0.0))[1].astype(np.int64)
    exponent = np.where(np.isfinite(size), exponent, 0)
    return np.where(np.abs(exponent) <= UNSCALED, 0, exponent)
