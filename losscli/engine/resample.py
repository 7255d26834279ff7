"""The streamed Poisson bootstrap: replicate weights that depend only on a row's position.

Each resampling unit (a row, or a block of ``block_rows`` consecutive rows) gets one
Poisson(1) weight per resample from a counter-based generator: a hash of the seed, the
unit's index in its input and the resample's number. The weights are therefore the
same whatever the file is called, its format, its chunking or the thread count, and
two partials of one input can be made anywhere and merged.

A chunk's rows are first summed per (unit, key); the replicate sums are then one
matrix product with the units' weights, so blocks of rows cost what their number costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..losses.batch import Ones

_MAX_K = 30  # P(Poisson(1) > 30) < 1e-30
POISSON_CDF = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(_MAX_K)])
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
DENSE_CELLS = 1 << 22  # (unit × key) cells summed densely before one matrix product


@dataclass(frozen=True)
class Resampling:
    resamples: int
    seed: int
    block_rows: int = 1


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection of uint64 that scrambles every bit."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def poisson_weights(seed: int, units: np.ndarray, resamples: int) -> np.ndarray:
    """(units × resamples) Poisson(1) draws, each a pure function of (seed, unit, resample)."""
    with np.errstate(over="ignore"):
        key = _mix(np.array([seed], dtype=np.uint64) * _GOLDEN + _GOLDEN)
        counter = units.astype(np.uint64)[:, None] * np.uint64(resamples) + np.arange(
            resamples, dtype=np.uint64
        )
        bits = _mix(_mix(counter + key) ^ key)
    uniform = (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.searchsorted(POISSON_CDF, uniform, side="right").astype(np.float64)


class ChunkResampler:
    """Replicate sums per key of one chunk's columns (each distinct column summed once)."""

    def __init__(
        self, spec: Resampling, positions: np.ndarray, codes: np.ndarray | None, n_keys: int
    ) -> None:
        units = positions // spec.block_rows
        first = int(units[0]) if len(units) else 0
        self.local = (units - first).astype(np.int64)
        self.n_units = int(self.local[-1]) + 1 if len(units) else 0
        self.codes, self.n_keys = codes, n_keys
        self.weights = poisson_weights(
            spec.seed, np.arange(first, first + self.n_units), spec.resamples
        )
        self._cache: dict[object, tuple[object, np.ndarray]] = {}

    def sums(self, column: np.ndarray | Ones) -> np.ndarray:
        """Σ over the rows of each key of v_unit,b · column: an array (keys × resamples)."""
        tag: object = "ones" if isinstance(column, Ones) else id(column)
        if tag not in self._cache:
            values = np.ones(len(self.local)) if isinstance(column, Ones) else column
            self._cache[tag] = (column, self._replicate(values.astype(float, copy=False)))
        return self._cache[tag][1]

    def _replicate(self, values: np.ndarray) -> np.ndarray:
        n_units, n_keys, weights = self.n_units, self.n_keys, self.weights
        if self.codes is None:
            per_unit = np.bincount(self.local, weights=values, minlength=n_units)
            return (per_unit @ weights)[None, :]
        if n_units * n_keys <= DENSE_CELLS:
            cells = np.bincount(
                self.local * n_keys + self.codes, weights=values, minlength=n_units * n_keys
            )
            return cells.reshape(n_units, n_keys).T @ weights
        return self._by_sorted_keys(values)

    def _by_sorted_keys(self, values: np.ndarray) -> np.ndarray:
        """Many keys and units: rows sorted by key, weighted weights added per key run."""
        assert self.codes is not None
        out = np.zeros((self.n_keys, self.weights.shape[1]))
        order = np.argsort(self.codes, kind="stable")
        step = max(1, DENSE_CELLS // self.weights.shape[1])
        for start in range(0, len(order), step):
            rows = order[start : start + step]
            keys = self.codes[rows]
            starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
            contribution = self.weights[self.local[rows]] * values[rows, None]
            out[keys[starts]] += np.add.reduceat(contribution, starts, axis=0)
        return out
