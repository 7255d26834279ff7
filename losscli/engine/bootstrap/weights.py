"""Poisson(1) bootstrap weights that depend only on a row's position.

Each resampling unit (a row, or ``unit_rows`` consecutive rows, ``--block-rows``) gets one
Poisson(1) weight per resample from a counter-based generator: a hash of the seed, the
unit's index in its input and the resample's number. The weights are therefore the
same whatever the file is called, its format, its chunking or the thread count, and
two partials of one input can be made anywhere and merged.
"""

from __future__ import annotations

import math

import numpy as np

from ...records import datarecord

_MAX_K = 30  # P(Poisson(1) > 30) < 1e-30
POISSON_CDF = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(_MAX_K)])
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_STEPS = np.minimum(np.ceil(POISSON_CDF * 2.0**32), 2.0**32 - 1).astype(np.uint32)
_COMMON = 7  # draws of 0 … 6 cover all but 1e-4 of them
SLICE_DRAWS = 1 << 16
WEIGHTS_PER_SLICE = 1 << 20  # weights (8 MiB) made at once


@datarecord(frozen=True)
class Resampling:
    resamples: int
    seed: int
    unit_rows: int = 1  # rows in one resampling unit (--block-rows)


# The bootstrap of a loss with no sound streamed normal interval (R²) under the normal method
FALLBACK_BOOTSTRAP = Resampling(resamples=1000, seed=0)


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
