"""Shifted moments (``engine.moments``): the one value type R²'s spread is kept, merged,
re-based and pooled as, in its two forms (a partial's centred state, the bootstrap's
power sums)."""

from __future__ import annotations

import numpy as np
import pytest

from losscli.engine.moments import Centred, PowerSums, first_values

Y = np.array([1e6 + 1.0, 1e6 + 3.0, 2.0, 1e6 + 2.0, 5.0, 4.0])
W = np.array([1.0, 2.0, 1.0, 0.5, 1.0, 3.0])
CODES = np.array([0, 0, 1, 0, 1, 1])


def _want(key: np.ndarray) -> tuple[float, float, float]:
    w, y = W[key], Y[key]
    mean = float(np.sum(w * y) / np.sum(w))
    return float(np.sum(w)), mean, float(np.sum(w * (y - mean) ** 2))


def _power_sums(codes: np.ndarray, y: np.ndarray, w: np.ndarray) -> PowerSums:
    shift = first_values(codes, 2, y)
    terms = PowerSums.terms(y, w, shift[codes])
    return PowerSums(shift, *(np.bincount(codes, t, minlength=2) for t in terms))


def test_both_forms_merge_and_pool_to_the_moments_of_all_rows() -> None:
    """Halves merged onto the first shift set, and every key pooled onto one, give the
    weight, mean and M2 of the rows themselves, whichever form holds them."""
    halves = slice(0, 3), slice(3, None)
    centred = [Centred.of_rows(CODES[h], 2, Y[h], W[h]) for h in halves]
    sums = [_power_sums(CODES[h], Y[h], W[h]) for h in halves]
    for merged in (centred[0].merged(centred[1]), sums[0].merged(sums[1])):
        assert merged.shift.tolist() == [Y[0], Y[2]]  # the first value each key had
        for key, got in enumerate(zip(*merged.shown(), strict=True)):
            assert got == pytest.approx(_want(np.equal(CODES, key)), rel=1e-12)
        pooled = merged.pooled()
        assert pooled.shift.tolist() == [Y[0]]
        assert [float(x[0]) for x in pooled.shown()] == pytest.approx(_want(CODES >= 0), rel=1e-12)


def test_rebasing_moves_only_the_shift_not_the_moments() -> None:
    """Moments re-based onto another shift near the values, and back, show the same rows;
    a key without rows keeps none."""
    empty_key = np.array([0, 0, 0])
    moments = Centred.of_rows(empty_key, 2, Y[:3], W[:3])
    sums = _power_sums(empty_key, Y[:3], W[:3])
    to = np.array([1e6, 3.0])
    for value in (moments, sums):
        moved = value.rebased(to)
        assert moved.shift.tolist() == to.tolist()
        assert moved.shown()[0][1] == 0.0
        back = moved.rebased(value.shift)
        for a, b in zip(back.shown(), value.shown(), strict=True):
            assert a[0] == pytest.approx(b[0], rel=1e-12)
