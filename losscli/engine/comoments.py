"""Scaled co-moments per key: what the normal intervals' spread is computed from, at any
magnitude float64 holds.

For per-row columns v₀ … v_{V−1} (a ratio loss's w·a and w·b; with a paired comparison
the reference's too) a key keeps its row count n and, per column, a power-of-two scale
2^e (near the mean of |v|, so that no square of a scaled value overflows or vanishes),
the mean of v/2^e, and for every pair the co-moment C_ij = Σ(v_i' − m_i)(v_j' − m_j) of
the scaled columns around their means. Centred sums do not cancel: Σw²(a − R·b)² is
C_aa − 2R·C_ab + R²·C_bb (the means' term vanishes, as R is their ratio), which is 0
for identical rows, where Σx² − (Σx)²/n would leave rounding of the size of Σx².

They merge like every other sum (Chan's formula, after moving both sides onto the larger
scale), so chunks, shards and threads give the same values up to rounding. A key's
table is one row of a (keys × fields) array: n, the V exponents, the V means, and the
V(V+1)/2 co-moments of the pairs i ≤ j in row-major order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..losses.batch import Ones
from .reduce import key_sum

Column = np.ndarray | Ones


def variables(fields: int) -> int:
    """V of a table with ``fields`` columns (1 + 2V + V(V + 1)/2)."""
    return round((-5 + math.sqrt(25 + 8 * (fields - 1))) / 2)


def pair(i: int, j: int, v: int) -> int:
    """The field of C_ij (i ≤ j) among V variables."""
    i, j = min(i, j), max(i, j)
    return 1 + 2 * v + i * v - i * (i - 1) // 2 + (j - i)


# Scales 2^±450 (1e±135) need none: squares stay within float64's normal range (1e±308)
# even summed over 2^40 rows. Blocks whose keys all lie there skip the scaling.
UNSCALED = 450


Block = tuple["np.ndarray | None", Sequence[Column]]  # a block's keys, and its columns


def block_table(
    codes: np.ndarray | None,
    n_keys: int,
    columns: Sequence[Column],
    known: Sequence[np.ndarray | None],
) -> np.ndarray:
    """The (keys × fields) table of one block's rows. ``known[i]`` is Σv_i per key where
    already summed and v_i ≥ 0 (so that it is Σ|v_i| too), else None."""
    return table_of_blocks([(codes, columns)], n_keys, known)


def table_of_blocks(
    blocks: Sequence[Block],
    n_keys: int,
    known: Sequence[np.ndarray | None],
    n: np.ndarray | None = None,
) -> np.ndarray:
    """The table of the rows of several blocks, each pass a block at a time (its columns
    stay in cache, none is copied); ``n``: their rows per key, where known."""
    with np.errstate(all="ignore"):  # an infinite term: the value is reported as overflowing
        if n is None:
            n = _summed(blocks, n_keys, [np.ones(len(c[0])) for _, c in blocks])
        return _table(blocks, n_keys, known, np.asarray(n, dtype=float))


def _table(
    blocks: Sequence[Block], n_keys: int, known: Sequence[np.ndarray | None], n: np.ndarray
) -> np.ndarray:
    v = len(blocks[0][1])
    table = np.zeros((n_keys, 1 + 2 * v + v * (v + 1) // 2))
    table[:, 0] = n
    centred: list[list[np.ndarray] | None] = []
    for i in range(v):
        parts = [columns[i] for _, columns in blocks]
        if all(isinstance(p, Ones) for p in parts):  # the constant 1: mean 1, no spread
            table[:, 1 + v + i] = np.where(n > 0, 1.0, 0.0)
            centred.append(None)
            continue
        arrays = [np.ones(len(p)) if isinstance(p, Ones) else p for p in parts]
        exponent, scaled, total = _scaled(blocks, n_keys, n, arrays, known[i])
        table[:, 1 + i] = exponent
        mean = np.divide(total, n, out=np.zeros(n_keys), where=n > 0)
        table[:, 1 + v + i] = mean
        centred.append([x - _per_row(mean, c) for x, (c, _) in zip(scaled, blocks, strict=True)])
    for i in range(v):
        for j in range(i, v):
            a, b = centred[i], centred[j]
            if a is not None and b is not None:
                products = [x * y for x, y in zip(a, b, strict=True)]
                table[:, pair(i, j, v)] = _summed(blocks, n_keys, products)
    return table


def _per_row(values: np.ndarray, codes: np.ndarray | None) -> np.ndarray | float:
    return values[0] if codes is None else values[codes]


def _summed(blocks: Sequence[Block], n_keys: int, columns: list[np.ndarray]) -> np.ndarray:
    """Σ per key over the blocks' rows of ``columns`` (one per block)."""
    parts = [key_sum(codes, n_keys, x) for (codes, _), x in zip(blocks, columns, strict=True)]
    return parts[0] if len(parts) == 1 else np.sum(parts, axis=0)


def _scaled(
    blocks: Sequence[Block],
    n_keys: int,
    n: np.ndarray,
    arrays: list[np.ndarray],
    known: np.ndarray | None,
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Each key's exponent e (near the mean of |v|), the blocks' columns over 2^e per
    row, and their sum per key; e = 0 throughout where no key needs scaling (the common
    case: nothing is computed again)."""
    size = _summed(blocks, n_keys, [np.abs(x) for x in arrays]) if known is None else known
    exponent = np.frexp(np.where(n > 0, size / np.maximum(n, 1), 0.0))[1]
    exponent = np.where(np.isfinite(size), exponent, 0)
    if np.all(np.abs(exponent) <= UNSCALED):
        total = _summed(blocks, n_keys, arrays) if known is None else known
        return np.zeros(n_keys), arrays, total
    scaled = [
        np.ldexp(x, _per_row(-exponent, codes))
        for x, (codes, _) in zip(arrays, blocks, strict=True)
    ]
    return exponent.astype(float), scaled, _summed(blocks, n_keys, scaled)


class ChunkColumns:
    """A chunk's columns for the co-moments, kept block by block and made into one table
    per name at the chunk's end: one merge per chunk, not one per block."""

    def __init__(self, n_keys: int) -> None:
        self.n_keys = n_keys
        self._codes: list[np.ndarray | None] = []
        self._found: dict[Any, dict[int, tuple[Sequence[Column], Sequence[np.ndarray | None]]]] = {}

    def block(self, codes: np.ndarray | None) -> None:
        """The next block's rows' keys."""
        self._codes.append(codes)

    def add(self, name: Any, columns: Sequence[Column], known: Sequence[np.ndarray | None]) -> None:
        """The current block's columns of ``name`` (replacing those given before in it)."""
        self._found.setdefault(name, {})[len(self._codes) - 1] = (columns, known)

    def tables(self, n: np.ndarray) -> dict[Any, np.ndarray]:
        """Per name, the (keys × fields) table of its rows in every block; ``n`` is the
        rows per key of all the blocks."""
        out = {}
        for name, found in self._found.items():
            blocks = [(self._codes[b], columns) for b, (columns, _) in found.items()]
            width = len(blocks[0][1])
            known = [_total([k[i] for _, k in found.values()]) for i in range(width)]
            every = len(found) == len(self._codes)
            out[name] = table_of_blocks(blocks, self.n_keys, known, n if every else None)
        return out


def _total(parts: list[np.ndarray | None]) -> np.ndarray | None:
    known = [p for p in parts if p is not None]
    return np.sum(known, axis=0) if len(known) == len(parts) else None


def merged(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The tables of two disjoint row sets, key by key (rows of ``a`` and ``b`` align)."""
    v = variables(a.shape[1])
    first, second = _pairs(v)
    with np.errstate(all="ignore"):
        if not np.array_equal(a[:, 1 : 1 + v], b[:, 1 : 1 + v]):  # scales differ somewhere
            exps = np.maximum(_exponents(a, v), _exponents(b, v))
            exps = np.where((a[:, :1] > 0) | (b[:, :1] > 0), exps, 0.0)
            a, b = _rescaled(a, v, exps), _rescaled(b, v, exps)
        na, nb = a[:, :1], b[:, :1]
        n = na + nb
        share = np.divide(nb, n, out=np.zeros_like(n), where=n > 0)
        delta = b[:, 1 + v : 1 + 2 * v] - a[:, 1 + v : 1 + 2 * v]
        out = a + b
        out[:, 1 : 1 + v] = a[:, 1 : 1 + v]
        out[:, 1 + v : 1 + 2 * v] = a[:, 1 + v : 1 + 2 * v] + delta * share
        out[:, 1 + 2 * v :] += delta[:, first] * delta[:, second] * (na * share)
    return out


def _pairs(v: int) -> tuple[np.ndarray, np.ndarray]:
    """The (i, j) of each co-moment field, i ≤ j in row-major order."""
    found = [(i, j) for i in range(v) for j in range(i, v)]
    return np.array([i for i, _ in found]), np.array([j for _, j in found])


def pooled(table: np.ndarray) -> np.ndarray:
    """One row: every key's rows together (the overall row), in one vectorised step."""
    v = variables(table.shape[1])
    seen = table[:, 0] > 0
    if not seen.any():
        return np.zeros((1, table.shape[1]))
    exps = _exponents(table[seen], v).max(axis=0, keepdims=True)
    with np.errstate(all="ignore"):
        scaled = _rescaled(table[seen], v, exps)
        n = scaled[:, 0]
        total = n.sum()
        means = scaled[:, 1 + v : 1 + 2 * v]
        grand = (n[:, None] * means).sum(axis=0) / total
        offsets = means - grand
        out = np.zeros((1, table.shape[1]))
        out[0, 0], out[0, 1 : 1 + v], out[0, 1 + v : 1 + 2 * v] = total, exps[0], grand
        first, second = _pairs(v)
        spread = (n[:, None] * offsets[:, first] * offsets[:, second]).sum(axis=0)
        out[0, 1 + 2 * v :] = scaled[:, 1 + 2 * v :].sum(axis=0) + spread
    return out


def _exponents(table: np.ndarray, v: int) -> np.ndarray:
    """Each key's exponents; a key without rows takes any (its sums are 0): the least."""
    exps = table[:, 1 : 1 + v]
    return np.where(table[:, :1] > 0, exps, -1e9)


def _rescaled(table: np.ndarray, v: int, exps: np.ndarray) -> np.ndarray:
    """``table`` with every column's scale moved to 2^``exps`` (never a larger value)."""
    first, second = _pairs(v)
    shift = np.clip(_exponents(table, v) - exps, -4000, 0).astype(np.int64)
    out = table.copy()
    out[:, 1 : 1 + v] = exps
    out[:, 1 + v : 1 + 2 * v] = np.ldexp(table[:, 1 + v : 1 + 2 * v], shift)
    out[:, 1 + 2 * v :] = np.ldexp(table[:, 1 + 2 * v :], shift[:, first] + shift[:, second])
    return out


def spread(table: np.ndarray, x: int, y: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(R', Σy', scale) per key for the ratio R = Σv_x / Σv_y: R' = R / scale is the ratio of
    the scaled columns, whose co-moments :func:`residual` combines; scale = 2^(e_x − e_y)."""
    v = variables(table.shape[1])
    n = table[:, 0]
    mean_x, mean_y = table[:, 1 + v + x], table[:, 1 + v + y]
    with np.errstate(all="ignore"):
        ratio = np.divide(mean_x, mean_y, out=np.full(len(n), np.nan), where=mean_y != 0)
        scale = np.ldexp(1.0, (table[:, 1 + x] - table[:, 1 + y]).astype(np.int64))
    return ratio, n * mean_y, scale


def residual(
    table: np.ndarray, x: tuple[int, int], u: tuple[int, int], r: np.ndarray, s: np.ndarray
) -> np.ndarray:
    """Σ(v_x₀' − r·v_x₁')(v_u₀' − s·v_u₁') per key, from the centred co-moments: the
    residuals of two scaled ratios (:func:`spread`), summed as a product."""
    v = variables(table.shape[1])

    def c(i: int, j: int) -> np.ndarray:
        return table[:, pair(i, j, v)]

    (a, b), (p, q) = x, u
    with np.errstate(all="ignore"):
        return c(a, p) - s * c(a, q) - r * c(b, p) + r * s * c(b, q)


def effective_rows(table: np.ndarray, y: int) -> np.ndarray:
    """n_eff = (Σv_y)² / Σv_y² per key (n unweighted)."""
    v = variables(table.shape[1])
    n, mean = table[:, 0], table[:, 1 + v + y]
    with np.errstate(all="ignore"):
        squares = table[:, pair(y, y, v)] + n * mean**2
        return np.divide((n * mean) ** 2, squares, out=np.zeros(len(n)), where=squares > 0)
