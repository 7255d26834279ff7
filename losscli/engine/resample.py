"""The streamed Poisson bootstrap: replicate weights that depend only on a row's position.

Each resampling unit (a row, or a block of ``block_rows`` consecutive rows) gets one
Poisson(1) weight per resample from a counter-based generator: a hash of the seed, the
unit's index in its input and the resample's number. The weights are therefore the
same whatever the file is called, its format, its chunking or the thread count, and
two partials of one input can be made anywhere and merged.

A chunk's rows are first summed per (unit, key) cell; the replicate sums are then one
matrix product of those cells with the units' weights (dense where most cells hold
rows, sparse otherwise), so blocks of rows cost what their number costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..losses.batch import Ones
from .blas import one_blas_thread

_MAX_K = 30  # P(Poisson(1) > 30) < 1e-30
POISSON_CDF = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(_MAX_K)])
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_STEPS = np.minimum(np.ceil(POISSON_CDF * 2.0**32), 2.0**32 - 1).astype(np.uint32)
_COMMON = 7  # draws of 0 … 6 cover all but 1e-4 of them
SLICE_DRAWS = 1 << 16
WEIGHTS_PER_SLICE = 1 << 20  # weights (8 MiB) made at once for a chunk
DENSE_CELLS_PER_ROW = 8  # a dense product where cells are at most this many times the rows


@dataclass(frozen=True)
class Resampling:
    resamples: int
    seed: int
    block_rows: int = 1


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, in place: a bijection of uint64 that scrambles every bit."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def poisson_weights(seed: int, units: np.ndarray, resamples: int) -> np.ndarray:
    """(units × resamples) Poisson(1) draws, each a pure function of (seed, unit, resample).

    SplitMix64: the i-th output is mix(key + i·γ) with i = unit·resamples + resample; its
    top 32 bits are a uniform u, and the draw is the number of CDF steps at or below u.
    Computed in slices that stay in cache.
    """
    out = np.empty((len(units), resamples))
    key = _mix(np.array([seed], dtype=np.uint64) * _GOLDEN + _GOLDEN)
    step = max(1, SLICE_DRAWS // resamples)
    for start in range(0, len(units), step):
        out[start : start + step] = _draws(key, units[start : start + step], resamples)
    return out


def _draws(key: np.ndarray, units: np.ndarray, resamples: int) -> np.ndarray:
    counter = units.astype(np.uint64)[:, None] * np.uint64(resamples) + np.arange(
        resamples, dtype=np.uint64
    )
    counter *= _GOLDEN
    counter += key
    uniform = (_mix(counter) >> np.uint64(32)).astype(np.uint32)
    draws = np.zeros(uniform.shape, dtype=np.uint8)
    for threshold in _STEPS[:_COMMON]:
        draws += uniform >= threshold
    rare = uniform >= _STEPS[_COMMON - 1]  # P ≈ 1e-4: the exact count of steps
    draws[rare] = np.searchsorted(_STEPS, uniform[rare], side="right")
    return draws


class ChunkResampler:
    """Replicate sums per key of one chunk's columns. The kernel hands them over block by
    block; they are summed per (unit, key) cell and multiplied by the units' weights once
    per chunk, slice by slice of units, so that the weights held at once stay small."""

    def __init__(self, spec: Resampling, n_keys: int) -> None:
        self.spec, self.n_keys = spec, n_keys
        self._positions: list[np.ndarray] = []
        self._codes: list[np.ndarray] = []
        self._columns: dict[Any, list[np.ndarray]] = {}  # per name, its blocks' values
        self._requests: dict[object, tuple[np.ndarray | Ones, list[Any]]] = {}

    def block(self, positions: np.ndarray, codes: np.ndarray | None) -> None:
        """The next block's rows: their positions in the input, and their keys."""
        self._flush()
        self._positions.append(positions)
        if codes is not None:
            self._codes.append(codes)

    def request(self, name: Any, column: np.ndarray | Ones) -> None:
        """Ask for Σ over each key's rows of v_unit,b · column, filed under ``name``."""
        tag: object = "ones" if isinstance(column, Ones) else id(column)
        self._requests.setdefault(tag, (column, []))[1].append(name)

    def _flush(self) -> None:
        """File the current block's requested columns (each distinct column once)."""
        rows = len(self._positions[-1]) if self._positions else 0
        for column, names in self._requests.values():
            values = np.ones(rows) if isinstance(column, Ones) else column.astype(float)
            for name in names:
                self._columns.setdefault(name, []).append(values)
        self._requests = {}

    def _distinct(self) -> dict[tuple[Any, ...], np.ndarray]:
        """The chunk's distinct columns, each with the names it was requested under (two
        names share a column when they shared it in every block)."""
        names: dict[tuple[int, ...], list[Any]] = {}
        for name, parts in self._columns.items():
            names.setdefault(tuple(map(id, parts)), []).append(name)
        return {tuple(group): np.concatenate(self._columns[group[0]]) for group in names.values()}

    def results(self) -> dict[Any, np.ndarray]:
        """Every requested (keys × resamples) array."""
        self._flush()
        distinct = self._distinct()
        columns = list(distinct.values())
        totals: np.ndarray | None = None
        units = np.concatenate(self._positions) // self.spec.block_rows
        codes = np.concatenate(self._codes) if self._codes else None
        first, last = (int(units[0]), int(units[-1])) if len(units) else (0, -1)
        step = max(1, WEIGHTS_PER_SLICE // self.spec.resamples)
        for start in range(first, last + 1, step):
            stop = min(start + step, last + 1)
            lo, hi = np.searchsorted(units, [start, stop])
            cells = _Cells(units[lo:hi] - start, stop - start, codes, lo, hi, self.n_keys)
            weights = poisson_weights(self.spec.seed, np.arange(start, stop), self.spec.resamples)
            product = cells.product([values[lo:hi] for values in columns], weights)
            totals = product if totals is None else np.add(totals, product, out=totals)
        if totals is None:
            totals = np.zeros((len(columns), self.n_keys, self.spec.resamples))
        return {
            name: total for names, total in zip(distinct, totals, strict=True) for name in names
        }


class _Cells:
    """The (key, unit) cells of a slice's rows, and the product of their sums with the
    units' weights: dense (one BLAS product) where most cells hold rows, as with blocks of
    rows spread over the keys, else sparse (a row per cell, as with per-row resampling)."""

    def __init__(
        self,
        local: np.ndarray,
        units: int,
        codes: np.ndarray | None,
        lo: int,
        hi: int,
        n_keys: int,
    ) -> None:
        self.units, self.n_keys = units, n_keys
        keys = np.zeros(hi - lo, dtype=np.intp) if codes is None else codes[lo:hi]
        self.dense = units * n_keys <= DENSE_CELLS_PER_ROW * len(local)
        if self.dense:  # key-major: the sums come out as the (keys × units) matrix
            self.pairs = keys * units + local
        else:  # unit-major: rows arrive in unit order, so the pairs are nearly sorted
            self.cells, where = np.unique(local * n_keys + keys, return_inverse=True)
            self.pairs = where.reshape(-1)

    def product(self, columns: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
        """Per column, Σ over each key's rows of weight(unit, b) · value: (columns × keys ×
        resamples), from one product of every column's cell sums with the weights."""
        if self.dense:
            cells = self.n_keys * self.units
            sums = np.stack([np.bincount(self.pairs, v, minlength=cells) for v in columns])
            with one_blas_thread(), np.errstate(over="ignore", invalid="ignore"):
                product = sums.reshape(-1, self.units) @ weights  # overflow: noted per key
            return product.reshape(len(columns), self.n_keys, -1)
        from scipy import sparse

        sums = np.stack([np.bincount(self.pairs, v, minlength=len(self.cells)) for v in columns])
        units, keys = np.divmod(self.cells, self.n_keys)
        rows = (np.arange(len(columns))[:, None] * self.n_keys + keys).reshape(-1)
        shape = (len(columns) * self.n_keys, self.units)
        entries = (sums.reshape(-1), (rows, np.tile(units, len(columns))))
        matrix = sparse.csr_matrix(entries, shape=shape)
        return (matrix @ weights).reshape(len(columns), self.n_keys, -1)
