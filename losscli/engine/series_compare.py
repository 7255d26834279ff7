"""``--compare`` of a loss scaled by the history (``mase``, ``rmsse``): paired over series.

In each row, a model's and the reference's values of the same series are paired: Δ is
the (``--series-weight``-weighted) mean over the series both score of the difference of
their values, its interval t over those differences (k − 1 degrees of freedom, as the
rows' own intervals), its p-value the t test's. The verdicts are adjusted (``--adjust``)
across the rows of one kind, as the other losses' are: the group rows, the group ×
period rows and the period rows apart; the grand row's is its own test's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..losses import Direction, Loss
from ..result import CiSettings, Comparison, Frame
from ..result.adjust import adjusted
from ..result.keys import NO_PERIOD
from .intervals import t_two_sided_p
from .series_means import SeriesValues, series_means
from .uncertainty import finite as _finite


def series_comparisons(
    file: str,
    frame: Frame,
    found: dict[tuple[str, str], SeriesValues],
    losses: Sequence[Loss],
    *,
    reference: str,
    ci: CiSettings,
) -> list[Comparison]:
    """Every model against the reference on each scaled loss, per row, in row order."""
    out: list[Comparison] = []
    models = list(dict.fromkeys(frame.pred.tolist()))
    for model in models:
        for loss in losses:
            mine, ref = found.get((model, loss.name)), found.get((reference, loss.name))
            if model == reference or mine is None or ref is None:
                continue
            out += _compared(file, frame, mine, ref, loss, reference=reference, ci=ci)
    return out


def _compared(
    file: str,
    frame: Frame,
    mine: SeriesValues,
    ref: SeriesValues,
    loss: Loss,
    *,
    reference: str,
    ci: CiSettings,
) -> list[Comparison]:
    """One model's comparisons on one loss: a row's position among its model's rows
    matches the reference's row at the same position (both blocks list the same keys)."""
    width = int(max(mine.series.max(initial=0), ref.series.max(initial=0))) + 1
    at_mine = np.searchsorted(mine.shown, mine.row) * width + mine.series
    at_ref = np.searchsorted(ref.shown, ref.row) * width + ref.series
    both, i, j = np.intersect1d(at_mine[mine.ok], at_ref[ref.ok], return_indices=True)
    keep_m, keep_r = np.flatnonzero(mine.ok)[i], np.flatnonzero(ref.ok)[j]
    rows = len(mine.shown)
    difference = SeriesValues(
        row=both // width,
        series=both % width,
        value=mine.value[keep_m] - ref.value[keep_r],
        weight=mine.weight[keep_m],
        scored=np.ones(len(both), dtype=bool),
        missing=np.zeros(len(both), dtype=bool),
        shown=np.arange(rows),
    )
    means = series_means(difference)
    interval = means.interval(ci.level, floor=None)
    delta = means.value
    with np.errstate(all="ignore"):
        t = delta / interval.se
        p = t_two_sided_p(np.where(np.isfinite(t), t, np.nan), means.series - 1.0)
    after = _adjusted(frame, mine.shown, p, ci)
    better = -1.0 if loss.direction is Direction.LOWER else 1.0
    out = []
    for k, row in enumerate(mine.shown.tolist()):
        verdict = "indistinguishable"
        if after[k] < 1 - ci.level:
            verdict = "better" if better * delta[k] > 0 else "worse"
        start = None if frame.period is None else int(frame.period.start[row])
        out.append(
            Comparison(
                file, str(frame.pred[row]), reference, frame.group(row), loss.name,
                _finite(delta[k]), _finite(interval.low[k]), _finite(interval.high[k]),
                _finite(p[k]), verdict, _finite(interval.se[k]), _finite(means.series[k] - 1.0),
                p_adjusted=_finite(after[k]), method="paired over series",
                period=None if start == NO_PERIOD else start,
            )
        )  # fmt: skip
    return out


def _adjusted(frame: Frame, shown: np.ndarray, p: np.ndarray, ci: CiSettings) -> np.ndarray:
    """The p-values adjusted across the rows of each kind (group, group × period, period);
    the grand row's as it is."""
    overall = frame.overall[shown]
    period = (
        np.zeros(len(shown), dtype=bool) if frame.period is None else frame.period.present[shown]
    )
    after = p.copy()
    for kind in ((False, False), (False, True), (True, True)):
        rows = np.flatnonzero((overall == kind[0]) & (period == kind[1]))
        if len(rows):
            after[rows] = adjusted(p[rows], ci.adjust)
    return after
