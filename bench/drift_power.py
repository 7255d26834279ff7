"""The power curve of ``--drift`` (README, "Drift: since when is it worse?"): for each
shift size, the share of simulated series whose onset is found at the week the shift
starts (or the next), and the share of false onsets without a shift. Not a test (the
simulation tests, tests/test_drift_simulation.py, use its series); run it as
``python bench/drift_power.py [--series 200] [--rows 50]``.

Each series is 52 weeks of ``rows`` rows, y ~ N(10, 1), a forecast whose error is N(0, 1)
plus a shift of the stated size (in the error's SD) from a week drawn between 10 and 45;
one run of losscli evaluates all the series as groups (mae, ``--period t:W --drift``,
defaults: the first 4 weeks as reference, 2 worse weeks in a row, Holm at 95%).
"""

from __future__ import annotations

import argparse
import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from losscli import evaluate

WEEK = 7 * 86_400 * 10**9
MONDAY = 1_767_571_200 * 10**9  # 2026-01-05T00:00Z, the Monday of 2026-W02


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
        None if v.group is None else int(v.group["g"]): None if v.onset is None else _week(v.onset)
        for v in result.drift
    }


def _week(onset: str) -> int:
    at = datetime.datetime.fromisoformat(onset).timestamp() * 10**9
    return round((at - MONDAY) / WEEK)


def power_curve(
    shifts: list[float], groups: int, rows: int, seed: int = 11
) -> list[tuple[float, float, float, float]]:
    """Per shift: (shift, the share found at its week or the next, found later, found
    before it)."""
    out = []
    for shift in shifts:
        rng = np.random.default_rng(seed)
        start = rng.integers(10, 46, groups)
        found = onsets(series(groups, rows=rows, seed=seed, shift=shift, start=start))
        lag = np.array([np.nan if found[g] is None else found[g] - start[g] for g in range(groups)])
        with np.errstate(invalid="ignore"):
            shares = [np.mean((lag >= 0) & (lag <= 1)), np.mean(lag > 1), np.mean(lag < 0)]
        out.append((shift, *(float(x) for x in shares)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--rows", type=int, default=50)
    args = parser.parse_args()
    shifts = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0]
    print("| shift (error SDs) | mae | found at its week or the next | later | before it |")
    print("|---:|---:|---:|---:|---:|")
    for shift, *shares in power_curve(shifts, args.series, args.rows):
        found = " | ".join(f"{100 * x:.1f}%" for x in shares)
        print(f"| {shift:g} | {_mae(shift):.3f} | {found} |")


def _mae(shift: float) -> float:
    """E|e| for e ~ N(shift, 1): the mae the shift makes of 0.798."""
    from scipy.stats import norm

    return float(2 * norm.pdf(shift) + shift * (1 - 2 * norm.cdf(-shift)))


if __name__ == "__main__":
    main()
