"""The streamed Poisson bootstrap: replicate weights that depend only on a row's position.

Each resampling unit (a row, or a block of ``block_rows`` consecutive rows) gets one
Poisson(1) weight per resample from a counter-based generator: a hash of the seed, the
unit's index in its input and the resample's number. The weights are therefore the
same whatever the file is called, its format, its chunking or the thread count, and
two partials of one input can be made anywhere and merged.

A chunk's rows are first summed per (unit, key) cell; the replicate sums are then one
sparse matrix product of those cells with the units' weights, so blocks of rows cost
what their number costs, and many keys cost nothing extra.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..losses.batch import Ones

_MAX_K = 30  # P(Poisson(1) > 30) < 1e-30
POISSON_CDF = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(_MAX_K)])
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_STEPS = np.minimum(np.ceil(POISSON_CDF * 2.0**32), 2.0**32 - 1).astype(np.uint32)
_COMMON = 7  # draws of 0 … 6 cover all but 1e-4 of them
SLICE_DRAWS = 1 << 16
WEIGHTS_PER_SLICE = 1 << 20  # weights (8 MiB) made at once for a chunk


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
    """Replicate sums per key of one chunk's columns, made slice by slice of units so that
    the weights held at once stay small (each distinct column is summed once)."""

    def __init__(
        self, spec: Resampling, positions: np.ndarray, codes: np.ndarray | None, n_keys: int
    ) -> None:
        self.spec, self.codes, self.n_keys = spec, codes, n_keys
        self.units = positions // spec.block_rows
        self._requests: dict[object, tuple[np.ndarray | Ones, list[Any]]] = {}

    def request(self, name: Any, column: np.ndarray | Ones) -> None:
        """Ask for Σ over each key's rows of v_unit,b · column, filed under ``name``."""
        tag: object = "ones" if isinstance(column, Ones) else id(column)
        self._requests.setdefault(tag, (column, []))[1].append(name)

    def results(self) -> dict[Any, np.ndarray]:
        """Every requested (keys × resamples) array."""
        resamples = self.spec.resamples
        columns = [self._values(column) for column, _ in self._requests.values()]
        sums = [np.zeros((self.n_keys, resamples)) for _ in columns]
        if len(self.units):
            first, last = int(self.units[0]), int(self.units[-1])
            step = max(1, WEIGHTS_PER_SLICE // resamples)
            for start in range(first, last + 1, step):
                self._add_slice(start, min(start + step, last + 1), columns, sums)
        return {
            name: total
            for (_, names), total in zip(self._requests.values(), sums, strict=True)
            for name in names
        }

    def _values(self, column: np.ndarray | Ones) -> np.ndarray:
        if isinstance(column, Ones):
            return np.ones(len(self.units))
        return column.astype(float, copy=False)

    def _add_slice(
        self, start: int, stop: int, columns: list[np.ndarray], sums: list[np.ndarray]
    ) -> None:
        lo, hi = np.searchsorted(self.units, [start, stop])
        weights = poisson_weights(self.spec.seed, np.arange(start, stop), self.spec.resamples)
        local = self.units[lo:hi] - start
        if self.codes is None:
            for values, total in zip(columns, sums, strict=True):
                total += np.bincount(local, weights=values[lo:hi], minlength=stop - start) @ weights
            return
        from scipy import sparse

        pairs = local * self.n_keys + self.codes[lo:hi]
        cells, where = np.unique(pairs, return_inverse=True)
        keys, units = cells % self.n_keys, cells // self.n_keys
        for values, total in zip(columns, sums, strict=True):
            cell_sums = np.bincount(where.reshape(-1), weights=values[lo:hi], minlength=len(cells))
            matrix = sparse.csr_matrix(
                (cell_sums, (keys, units)), shape=(self.n_keys, stop - start)
            )
            total += matrix @ weights
