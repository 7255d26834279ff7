"""Periods as a result shows them: each period's end and label (``2026-W14``, ``2026-04``,
``2026-Q2``, ``2026``, ``2026-04-06``, ``2026-04-06 14:00``) in ``--tz``, found once per
distinct period (a result has few), then spread to the rows in one step."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from ..result.keys import NO_PERIOD, PeriodColumns
from .period_spec import NS, PeriodSpec
from .periods import DAY, next_day, walls_to_instants

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def period_columns(starts: np.ndarray, spec: PeriodSpec, *, dates: bool) -> PeriodColumns:
    """The rows' periods from their starts (ns, UTC; :data:`NO_PERIOD`: all periods). They
    are shown as dates where the time column held dates and every period starts and ends at
    a midnight in ``--tz`` (not so for fixed lengths such as ``6h``)."""
    present = starts != NO_PERIOD
    distinct, index = np.unique(starts[present], return_inverse=True)
    ends = np.full(len(starts), NO_PERIOD, dtype=np.int64)
    labels = np.full(len(starts), None, dtype=object)
    local = [_local(int(ns), spec) for ns in distinct]
    distinct_ends = _ends(distinct, local, spec)
    ends[present] = distinct_ends[index.reshape(-1)]
    bounds = [*local, *(_local(int(ns), spec) for ns in distinct_ends)]
    dates = dates and all(at.time() == datetime.min.time() for at in bounds)  # 6h: times
    shown = np.array([_label(at, spec, dates) for at in local] or [""], dtype=object)
    labels[present] = shown[index.reshape(-1)]
    return PeriodColumns(starts, ends, labels, freq=spec.freq, tz=spec.tz, dates=dates)


def _local(ns: int, spec: PeriodSpec) -> datetime:
    seconds, rest = divmod(ns, NS["s"])
    return (_EPOCH + timedelta(seconds=seconds, microseconds=rest // 1000)).astimezone(spec.zone)


def _ends(starts: np.ndarray, local: list[datetime], spec: PeriodSpec) -> np.ndarray:
    """Each period's end: the next period's start."""
    if not spec.calendar:
        return starts + spec.length
    days = np.array([(at.date() - _EPOCH.date()).days for at in local], dtype=np.int64)
    return walls_to_instants(next_day(days, spec.freq) * DAY, spec.tz)


def _label(at: datetime, spec: PeriodSpec, dates: bool) -> str:
    freq = spec.freq
    if freq == "W":
        year, week, _ = at.isocalendar()
        return f"{year}-W{week:02d}"
    if freq == "M":
        return f"{at.year}-{at.month:02d}"
    if freq == "Q":
        return f"{at.year}-Q{(at.month - 1) // 3 + 1}"
    if freq == "Y":
        return f"{at.year}"
    if freq == "D" or (dates and spec.length % DAY == 0 and at.hour == at.minute == 0):
        return at.strftime("%Y-%m-%d")
    if spec.length % (60 * NS["s"]):
        return at.strftime("%Y-%m-%d %H:%M:%S")
    return at.strftime("%Y-%m-%d %H:%M")
