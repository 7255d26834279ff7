"""--drift by simulation (fixed seeds, through the library's whole path on in-memory
tables): a stationary year of weeks gives a false onset in at most (1 − level)/2 of its
families; a shift is found at the week it starts (within one week) in at least 90% of
the series; and with autocorrelated errors, where two standard errors find too many,
the block bootstrap keeps false onsets within that bound."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from losscli import evaluate

WEEK = 7 * 86_400 * 10**9
MONDAY = 1_767_571_200 * 10**9  # 2026-01-05T00:00Z, the Monday of 2026-W02
LEVEL = 0.95


def series(
    groups: int,
    weeks: int = 52,
    rows: int = 50,
    *,
    seed: int,
    shift: float = 0.0,
    start: np.ndarray | None = None,
    phi: float = 0.0,
) -> pa.Table:
    """``rows`` rows a week per group, sorted by group and time: y ~ N(10, 1), and a
    forecast whose error is N(0, 1) (AR(1) with coefficient ``phi`` along each group's
    rows), plus ``shift`` from the week ``start[g]`` of group g on."""
    rng = np.random.default_rng(seed)
    per_group = weeks * rows
    noise = rng.normal(0.0, 1.0, (groups, per_group))
    if phi:
        innovations = noise * np.sqrt(1 - phi**2)
        noise[:, 0] = rng.normal(0.0, 1.0, groups)
        for t in range(1, per_group):  # along the rows: one step per row, all groups at once
            noise[:, t] = phi * noise[:, t - 1] + innovations[:, t]
    week = np.tile(np.repeat(np.arange(weeks), rows), groups).reshape(groups, per_group)
    if start is not None:
        noise = noise + shift * (week >= start[:, None])
    y = rng.normal(10.0, 1.0, groups * per_group)
    at = MONDAY + week.reshape(-1) * WEEK + np.tile(np.arange(rows) * 3600 * 10**9, groups * weeks)
    return pa.table(
        {
            "g": np.repeat(np.arange(groups), per_group),
            "t": pa.array(at, pa.timestamp("ns", "UTC")),
            "y": y,
            "p": y + noise.reshape(-1),
        }
    )


def onsets(table: pa.Table, **options: Any) -> dict[int | None, int | None]:
    """Per group (None: over all groups), the week of its mae's onset (None: no drift)."""
    result = evaluate(
        table, label="y", pred="p", losses="mae", group_by="g", period="t:W", drift=True,
        threads=1, **options,
    )  # fmt: skip
    return {
        None if v.group is None else int(v.group["g"]): None
        if v.onset is None
        else _week(v.onset)
        for v in result.drift
    }


def _week(onset: str) -> int:
    import datetime

    at = datetime.datetime.fromisoformat(onset).timestamp() * 10**9
    return round((at - MONDAY) / WEEK)


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
    hits = [found[g] is not None and 0 <= found[g] - start[g] <= 1 for g in range(200)]  # type: ignore[operator]
    early = [found[g] is not None and found[g] < start[g] for g in range(200)]  # type: ignore[operator]
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
    found = onsets(
        table, ci=LEVEL, ci_method="bootstrap", resamples=200, block_rows=12, seed=3
    )
    false = sum(onset is not None for onset in found.values())
    assert len(found) == 81
    assert false / len(found) <= (1 - LEVEL) / 2
