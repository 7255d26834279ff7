"""``--drift``: each period row against its group's reference window, at finalizing.

A partial keyed by the group columns and the period (:mod:`.period_rows`: the group ×
period keys, or the periods over all groups) gives, per group, its periods in time
order. The reference window of a group is its first N periods (or those starting in
``--drift-reference``'s window): their sums are pooled into one key per group by the
sums' own kinds (:func:`.period_merge.rekeyed`), never averaged, and finalized as any
row is. Per period after the window, Δ = value − reference value. Its standard error is
√(se² + se_ref²), the two rows taken as independent samples (as the baseline gate does;
rows within a period are not independent for forecasts); under the bootstrap, the
replicates' standard deviation of Δ, the reference's replicate sums being the sums of
its periods' (the same resamples for both windows). The interval is Δ ± z·se, the
p-value the normal tail of being worse, adjusted within each family by ``--adjust``
(:mod:`.drift_stats`); a period is worse when that is below (1 − level)/2, and the onset
is the first of ``--drift-min-periods`` consecutive worse periods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .. import _arrow
from ..losses import Direction, Loss
from ..losses.shapes import Ranked
from ..reading import Model
from ..records import datarecord
from ..result import CiSettings, Frame
from ..result.drift import DriftColumns, DriftLoss, DriftSettings
from ..result.keys import NO_PERIOD
from .drift_spec import DriftSpec
from .drift_stats import adjusted_within, onsets, worse_p
from .keys import KeySet
from .partial import Partial
from .period_merge import rekeyed
from .period_spec import PeriodSpec

if TYPE_CHECKING:
    from .finalize import Finishing
    from .uncertainty import LossRows


@datarecord(frozen=True)
class Windows:
    """The keys of a partial in finalizing's order (``order``: their ids), each key's
    group (``group``: a number per group) and period start, whether it is in its group's
    reference window or judged against it, and the reference key of each (-1: none)."""

    order: np.ndarray
    group: np.ndarray
    start: np.ndarray
    in_reference: np.ndarray  # per key id
    judged: np.ndarray  # per ordered key
    why: np.ndarray  # per ordered key: why its group has no verdict (None: it has one)


def with_drift(
    frame: Frame,
    partial: Partial,
    models: Sequence[Model],
    spec: Finishing,
    *,
    groups: int,
    dates: bool,
) -> Frame:
    """``frame`` (``partial`` finalized: per model its keys' rows in key order, each with
    its class rows, then the grand row) with its drift columns; ``partial`` is keyed by
    ``groups`` group columns, then the period."""
    from .finalize import _sorted_keys

    drift = spec.uncertainty.drift
    assert drift is not None and spec.period is not None
    order = _sorted_keys(partial)
    windows = _windows(partial, order, groups, drift, spec.period)
    reference, ref_ids, ref_of = _reference(partial, windows, groups)
    ci = spec.compare_ci
    parents = (
        np.arange(len(frame)) if frame.classes is None else np.flatnonzero(~frame.classes.present)
    )
    size = len(order) + 1
    losses: dict[str, list[tuple[np.ndarray, DriftLoss]]] = {}
    judged_losses = [x for x in spec.losses if x.direction is not Direction.NONE and not x.history]
    for m, model in enumerate(models):
        rows = parents[m * size : m * size + len(order)]
        found = _model_drift(
            partial, reference, model, judged_losses, (order, ref_ids, ref_of), windows, ci, drift
        )
        for name, loss in found.items():
            losses.setdefault(name, []).append((rows, loss))
    settings = DriftSettings(
        drift.min_periods, ci.level, ci.adjust, ci.method, _described(drift, spec.period, dates)
    )
    columns = _placed(frame, parents, size, models, windows, losses, settings, spec, dates)
    undirected = tuple(x.name for x in spec.losses if x.direction is Direction.NONE)
    series_means = tuple(x.name for x in spec.losses if x.history)
    return replace(frame, drift=replace(columns, undirected=undirected, series_means=series_means))


def _windows(
    partial: Partial,
    order: np.ndarray,
    groups: int,
    drift: DriftSpec,
    period: PeriodSpec,
) -> Windows:
    arrays = partial.keys.arrays()
    start_of = _arrow.values(arrays[groups]).astype(np.int64)
    if groups:
        keys = KeySet(partial.keys.columns[:groups], partial.keys.empty_is_missing)
        group_of = keys.codes(arrays[:groups]).astype(np.int64)
    else:
        group_of = np.zeros(len(start_of), dtype=np.int64)
    g, s = group_of[order], start_of[order]
    by_time = np.lexsort((s, g))
    gs = g[by_time]
    first = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
    sizes = np.diff(np.r_[first, len(gs)])
    rank = np.empty(len(order), dtype=np.int64)
    rank[by_time] = np.arange(len(order)) - np.repeat(first, sizes)
    count = np.empty(len(order), dtype=np.int64)
    count[by_time] = np.repeat(sizes, sizes)
    if drift.window is None:
        in_ref = rank < drift.periods
        after = ~in_ref
        refs = np.minimum(count, drift.periods)
    else:
        low, high = drift.bounds(period.tz)
        in_ref = (s >= low) & (s < high)
        after = s >= high
        refs = _per_group(g, in_ref)
    afters = _per_group(g, after)
    short = (refs < (drift.periods if drift.window is None else 1)) | (afters < drift.min_periods)
    why = np.full(len(order), None, dtype=object)
    if short.any():
        why[short] = _too_few(drift)
    in_reference = np.zeros(len(start_of), dtype=bool)
    in_reference[order[in_ref]] = True
    return Windows(order, g, s, in_reference, after & ~short, why)


def _per_group(g: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per key, how many keys of its group ``mask`` holds."""
    _, inverse = np.unique(g, return_inverse=True)
    return np.bincount(inverse.reshape(-1), weights=mask, minlength=0)[inverse.reshape(-1)]


def _too_few(drift: DriftSpec) -> str:
    if drift.window is None:
        return (
            f"fewer than {drift.periods + drift.min_periods} periods (the reference's "
            f"{drift.periods} and --drift-min-periods {drift.min_periods} after it)"
        )
    return (
        f"no period in the reference window, or fewer than {drift.min_periods} "
        "(--drift-min-periods) after it"
    )


def _reference(
    partial: Partial, windows: Windows, groups: int
) -> tuple[Partial, np.ndarray, np.ndarray]:
    """The reference windows pooled into one key per group (by the sums' kinds), their
    ids in that partial, and per ordered key the place of its group's among those ids
    (-1: its group has none). The reference's periods are re-keyed to one start,
    :data:`NO_PERIOD`; the other keys keep theirs, so only the reference's are merged."""
    arrays = list(partial.keys.arrays())
    starts = _arrow.values(arrays[groups]).astype(np.int64)
    arrays[groups] = pa.array(np.where(windows.in_reference, NO_PERIOD, starts))
    pooled = rekeyed(partial, range(groups + 1), arrays)
    flags = _arrow.values(pooled.keys.arrays()[groups]).astype(np.int64)
    ref_ids = np.flatnonzero((flags == NO_PERIOD) & (pooled.n > 0))
    place = np.full(pooled.size, -1, dtype=np.int64)
    place[ref_ids] = np.arange(len(ref_ids))
    window = pa.array(np.full(len(windows.order), NO_PERIOD, dtype=np.int64))
    taken = _arrow.from_numpy(windows.order.astype(np.int64))
    ids = pooled.keys.copy().codes([*(a.take(taken) for a in arrays[:groups]), window])
    known = ids < pooled.size
    ref_of = np.full(len(windows.order), -1, dtype=np.int64)
    ref_of[known] = place[ids[known]]
    return pooled, ref_ids, ref_of


def _model_drift(
    partial: Partial,
    reference: Partial,
    model: Model,
    losses: Sequence[Loss],
    ids: tuple[np.ndarray, np.ndarray, np.ndarray],
    windows: Windows,
    ci: CiSettings,
    drift: DriftSpec,
) -> dict[str, DriftLoss]:
    """Per loss of ``model``: the ordered keys' drift against their reference (``ids``:
    the ordered keys, the reference keys, and each ordered key's place among those)."""
    from .finalize import _model_sums, finalize
    from .uncertainty import with_intervals

    order, ref_ids, ref_of = ids
    kept = [x for x in losses if x.applies_to(model.multiclass, model.levels)]
    mine = _model_sums(partial, model.name, kept, order)
    theirs = _model_sums(reference, model.name, kept, ref_ids)
    values = [
        with_intervals(
            finalize(sums, kept, model.multiclass, model.levels),
            sums,
            kept,
            ci=ci,
            multiclass=model.multiclass,
            levels=model.levels,
        )
        for sums in (mine, theirs)
    ]
    z = NormalDist().inv_cdf(0.5 + ci.level / 2)
    has = ref_of >= 0
    at = np.where(has, ref_of, -1)  # -1: the padding row of NaN (_picked)
    out = {}
    for loss in kept:
        now, before = values[0][loss.name], values[1][loss.name]
        judged = windows.judged & has
        with np.errstate(all="ignore"):
            delta = np.where(judged, now.values[:-1] - _picked(before.values, at), np.nan)
        se = _se(loss, mine[loss.name], theirs[loss.name], now.se, before.se, at, ci)
        se = np.where(judged, se, np.nan)
        sign = 1.0 if loss.direction is Direction.LOWER else -1.0
        p = worse_p(delta, se, sign)
        adjusted = adjusted_within(p, windows.group, ci.adjust)
        worse = adjusted < (1 - ci.level) / 2
        by_time = np.lexsort((windows.start, windows.group))
        onset = np.zeros(len(order), dtype=bool)
        onset[by_time] = onsets(
            worse[by_time], windows.group[by_time], judged[by_time], drift.min_periods
        )  # a judged period without an interval is not worse: it breaks a run
        out[loss.name] = DriftLoss(delta, delta - z * se, delta + z * se, p, adjusted, worse, onset)
    return out


def _se(
    loss: Loss,
    mine: LossRows,
    theirs: LossRows,
    se_now: np.ndarray | None,
    se_before: np.ndarray | None,
    at: np.ndarray,
    ci: CiSettings,
) -> np.ndarray:
    """Δ's standard error: from the replicates of both windows where the loss's interval
    is the bootstrap's (the same resamples: Δ per replicate), else √(se² + se_ref²)."""
    shape = loss.shape
    if isinstance(shape, Ranked) and ci.method == "bootstrap":
        ranked = _ranked_se(shape, mine, theirs, at, ci.level)
        if ranked is not None:
            return ranked
    boot = mine.replicates is not None and theirs.replicates is not None
    if boot and not isinstance(shape, Ranked) and (ci.method == "bootstrap" or shape.no_interval):
        assert mine.replicates is not None and theirs.replicates is not None
        with np.errstate(all="ignore"):
            now = np.asarray(shape.finalize(mine.replicates))[:-1]
            before = _picked(np.asarray(shape.finalize(theirs.replicates), dtype=float), at)
            differences = now - before
        lonely = _one_unit(mine)[:-1] | (_picked(_one_unit(theirs).astype(float), at) != 0)
        differences[lonely] = np.nan
        from .intervals import percentile_interval

        return percentile_interval(differences, ci.level)[2]
    if se_now is None or se_before is None:
        return np.full(len(at), np.nan)
    return np.hypot(se_now[:-1], _picked(se_before, at))


def _ranked_se(
    shape: Ranked, mine: LossRows, theirs: LossRows, at: np.ndarray, level: float
) -> np.ndarray | None:
    """Δ's standard error of a rank loss (ROC-AUC, average precision) from both windows'
    replicate rank tables (the same resamples); None where they were left out (ROC-AUC then
    falls back to DeLong's standard errors, average precision has none)."""
    from .intervals import percentile_interval
    from .rank_intervals import replicates

    now, before = replicates(shape, mine), replicates(shape, theirs)
    if not isinstance(now, np.ndarray) or not isinstance(before, np.ndarray):
        return None
    with np.errstate(all="ignore"):
        differences = now[:-1] - _picked(before, at)
    return percentile_interval(differences, level)[2]


def _picked(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The reference keys' ``values`` (their last row, the pooled key, dropped) at ``at``;
    NaN where ``at`` is -1 (no reference)."""
    padded = np.concatenate([values[:-1], np.full((1, *values.shape[1:]), np.nan)])
    return padded[at]


def _one_unit(rows: LossRows) -> np.ndarray:
    from .uncertainty import _one_unit as one_unit

    return one_unit(rows)


def _placed(
    frame: Frame,
    parents: np.ndarray,
    size: int,
    models: Sequence[Model],
    windows: Windows,
    losses: dict[str, list[tuple[np.ndarray, DriftLoss]]],
    settings: DriftSettings,
    spec: Finishing,
    dates: bool,
) -> DriftColumns:
    """The drift columns of every row of ``frame``: each model's ordered keys' at their
    rows (``parents``' first ``size`` − 1 of each model's), nothing elsewhere."""
    n = len(frame)
    placed = {}
    for name, parts in losses.items():
        column = DriftLoss.absent(n)
        for rows, found in parts:
            for field, values in vars(found).items():
                getattr(column, field)[rows] = values
        placed[name] = column
    first, end, label = _reference_windows(windows, spec, dates)
    starts = np.full(n, NO_PERIOD, dtype=np.int64)
    ends, labels, why = starts.copy(), np.full(n, None, dtype=object), np.full(n, None, object)
    for m in range(len(models)):
        rows = parents[m * size : m * size + size - 1]
        starts[rows], ends[rows], labels[rows], why[rows] = first, end, label, windows.why
    after = np.zeros(n, dtype=bool)
    for m in range(len(models)):
        after[parents[m * size : m * size + size - 1]] = windows.judged
    return DriftColumns(placed, starts, ends, labels, why, after, settings)


def _reference_windows(
    windows: Windows, spec: Finishing, dates: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per ordered key, its group's reference window: the first reference period's start,
    the last one's end (:data:`NO_PERIOD`: none) and ``first..last`` as labels."""
    from .period_labels import period_columns

    assert spec.period is not None
    in_ref = windows.in_reference[windows.order]
    groups, inverse = np.unique(windows.group, return_inverse=True)
    inverse = inverse.reshape(-1)
    big = np.iinfo(np.int64).max
    lows = np.full(len(groups), big, dtype=np.int64)
    highs = np.full(len(groups), NO_PERIOD, dtype=np.int64)
    np.minimum.at(lows, inverse[in_ref], windows.start[in_ref])
    np.maximum.at(highs, inverse[in_ref], windows.start[in_ref])
    has = highs != NO_PERIOD
    lows = np.where(has, lows, NO_PERIOD)
    low_p = period_columns(lows, spec.period, dates=dates)
    high_p = period_columns(highs, spec.period, dates=dates)
    pairs, which = np.unique(np.stack([lows, highs], axis=1), axis=0, return_inverse=True)
    texts = np.full(len(pairs), None, dtype=object)
    for j, k in enumerate(np.unique(which.reshape(-1), return_index=True)[1].tolist()):
        a, b = low_p.label[k], high_p.label[k]  # one text per distinct window
        texts[j] = None if not has[k] else a if a == b else f"{a}..{b}"
    label = texts[which.reshape(-1)]
    return lows[inverse], high_p.end[inverse], label[inverse]


def _described(drift: DriftSpec, period: PeriodSpec, dates: bool) -> str:
    """The reference window as a sentence names it."""
    del period, dates
    if drift.window is None:
        return f"each group's first {drift.periods} period{'s' if drift.periods > 1 else ''}"
    return f"the periods starting {drift.window[0]}..{drift.window[1]}"
