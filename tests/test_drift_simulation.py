"""--drift by simulation (fixed seeds, through the library's whole path on in-memory
tables): a stationary year of weeks gives a false onset in at most (1 − level)/2 of its
families; a shift is found at the week it starts (within one week) in at least 90% of
the series; and with autocorrelated errors, where two standard errors find too many,
the block bootstrap keeps false onsets within that bound."""

from __future__ import annotations

import numpy as np
from conftest import bench_module

LEVEL = 0.95
power = bench_module("drift_power")  # the simulated series, shared with the power curve
series, onsets = power.series, power.onsets


def test_a_stationary_year_gives_few_false_onsets() -> None:
    """52 weeks × 200 groups, no change: at most (1 − level)/2 of the 201 families (the
    groups and all groups) drift, over three seeds."""
    false, families = 0, 0
    for seed in (1, 2, 3):
        found = onsets(series(200, seed=seed, rows=30))
        families += len(found)
        false += sum(onset is not None for onset in found.values())
    assert families == 3 * 201
    assert false / families <= (1 - LEVEL) / 2


def test_a_shift_is_found_at_the_week_it_starts() -> None:
    """A shift of 1.5 (the error's SD) in the forecast's bias, from a week drawn between
    10 and 45, 50 rows a week: the onset is that week (or the next) in ≥ 90% of 200
    series."""
    rng = np.random.default_rng(11)
    start = rng.integers(10, 46, 200)
    found = onsets(series(200, seed=11, shift=1.5, start=start))
    weeks = [found[g] for g in range(200)]
    hits = [w is not None and 0 <= w - s <= 1 for w, s in zip(weeks, start, strict=True)]
    early = [w is not None and w < s for w, s in zip(weeks, start, strict=True)]
    assert np.mean(hits) >= 0.9
    assert np.mean(early) <= (1 - LEVEL) / 2


def test_autocorrelated_errors_with_the_block_bootstrap_give_few_false_onsets() -> None:
    """AR(1) errors (φ = 0.8 along each group's rows, no change), 60 rows a week: two
    standard errors, which take the rows as independent, find false onsets in more than
    (1 − level)/2 of the families; the bootstrap's blocks of 12 consecutive rows (the same
    replicates for both windows) keep them within it."""
    table = series(80, seed=5, rows=60, phi=0.8)
    normal = onsets(table)
    assert sum(onset is not None for onset in normal.values()) / len(normal) > (1 - LEVEL) / 2
    found = onsets(table, ci=LEVEL, ci_method="bootstrap", resamples=200, block_rows=12, seed=3)
    false = sum(onset is not None for onset in found.values())
    assert len(found) == 81
    assert false / len(found) <= (1 - LEVEL) / 2
