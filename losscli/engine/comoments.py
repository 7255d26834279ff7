"""Scaled co-moments per key: what the normal intervals' spread is computed from, at any
magnitude float64 holds.

For per-row columns v₀ … v_{V−1} (a ratio loss's w·a and w·b; with a paired comparison
the reference's too) a key keeps its row count n and, per column, a power-of-two scale
2^e (near the mean of |v|, so that no square of a scaled value overflows or vanishes),
the mean of v/2^e, and for every pair the co-moment C_ij = Σ(v_i' − m_i)(v_j' − m_j) of
the scaled columns around their means. Centred sums do not cancel: Σw²(a − R·b)² is
C_aa − 2R·C_ab + R²·C_bb (the means' term vanishes, as R is their ratio), which is 0
for identical rows, where Σx² − (Σx)²/n would leave rounding of the size of Σx². Where
the weights vary the three terms still cancel (for a constant term a, to 0): a residual
within its rounding bound (:func:`tolerance`) cannot be told from 0, and is taken as 0.

A chunk's table is summed block by block (:mod:`.shifted`); tables merge like every
other sum (Chan's formula, after moving both sides onto the larger scale), so chunks,
shards and threads give the same values up to rounding. A key's
table is one row of a (keys × fields) array: n, the V exponents, the V means, and the
V(V+1)/2 co-moments of the pairs i ≤ j in row-major order.
"""

from __future__ import annotations

import math

import numpy as np

from ..columns import Ones

Column = np.ndarray | Ones


def variables(fields: int) -> int:
    """V of a table with ``fields`` columns (1 + 2V + V(V + 1)/2)."""
    return round((-5 + math.sqrt(25 + 8 * (fields - 1))) / 2)


def pair(i: int, j: int, v: int) -> int:
    """The field of C_ij (i ≤ j) among V variables."""
    i, j = min(i, j), max(i, j)
    return 1 + 2 * v + i * v - i * (i - 1) // 2 + (j - i)


def leading(table: np.ndarray, count: int) -> np.ndarray:
    """The table of the first ``count`` variables of ``table`` alone (its fields copied)."""
    v = variables(table.shape[1])
    fields = [0, *range(1, 1 + count), *range(1 + v, 1 + v + count)]
    fields += [pair(i, j, v) for i in range(count) for j in range(i, count)]
    return table[:, fields]


def one_variable(weight: np.ndarray, mean: np.ndarray, m2: np.ndarray) -> np.ndarray:
    """The table of one variable, unscaled (2^0), from its (weight, mean, M2) per key: a
    spread (R²'s Σw(y − ȳ)²) merges and pools as these co-moments do, with the weight
    in place of the row count (Chan's formula is the same for weighted moments)."""
    return np.stack([weight, np.zeros_like(weight), mean, m2], axis=1)


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
    table: np.ndarray, x: tuple[int, int], u: tuple[int, int], *, r: np.ndarray, s: np.ndarray
) -> np.ndarray:
    """Σ(v_x₀' − r·v_x₁')(v_u₀' − s·v_u₁') per key, from the centred co-moments: the
    residuals of two scaled ratios (:func:`spread`), summed as a product."""
    v = variables(table.shape[1])

    def c(i: int, j: int) -> np.ndarray:
        return table[:, pair(i, j, v)]

    (a, b), (p, q) = x, u
    with np.errstate(all="ignore"):
        return c(a, p) - s * c(a, q) - r * c(b, p) + r * s * c(b, q)


def rounding(table: np.ndarray, x: tuple[int, int], r: np.ndarray) -> np.ndarray:
    """Per key, the size that :func:`residual`'s rounding is relative to for the residual
    v_x₀' − r·v_x₁': √C₀₀ + |r|·√C₁₁. Each co-moment is a sum over the key's n rows
    (and a few merges) of products of its shifted values, so its rounding error is at most
    about (n + merges)·ε·√(C_ii·C_jj) (shifts near the means: Σd² ≈ C), and that of
    Σ(v_x₀' − r·v_x₁')(v_u₀' − s·v_u₁') at most :func:`tolerance` times the product of
    the two sides' sizes. For a weighted mean whose terms are constant the residual is 0
    but its co-moments are not: what they give is that rounding, √ε of the size once
    square-rooted, and depends on the block size."""
    v = variables(table.shape[1])
    a, b = x
    with np.errstate(all="ignore"):
        return np.sqrt(np.abs(table[:, pair(a, a, v)])) + np.abs(r) * np.sqrt(
            np.abs(table[:, pair(b, b, v)])
        )


def tolerance(table: np.ndarray) -> np.ndarray:
    """Per key, the relative rounding bound of :func:`residual` (see :func:`rounding`):
    (n + 16)·ε, n the key's rows (16 for the table's own steps and the merges)."""
    return (table[:, 0] + 16.0) * np.finfo(float).eps


def effective_rows(table: np.ndarray, y: int) -> np.ndarray:
    """n_eff = (Σv_y)² / Σv_y² per key (n unweighted)."""
    v = variables(table.shape[1])
    n, mean = table[:, 0], table[:, 1 + v + y]
    with np.errstate(all="ignore"):
        squares = table[:, pair(y, y, v)] + n * mean**2
        return np.divide((n * mean) ** 2, squares, out=np.zeros(len(n)), where=squares > 0)
