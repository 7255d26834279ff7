"""A result row's key: file and model, then three optional parts (group, period, class).

Every row has a file and a prediction column (model). The optional parts:

- **group**: the ``-g`` columns' values (``Frame.keys``); ``Frame.overall`` marks rows over
  all groups.
- **period** (``--period``, :class:`PeriodColumns`): a half-open span of time
  ``[start, end)``; a row without one is over all periods.
- **class** (``--per-class``, :class:`ClassColumns`): one class of a classifier's row, or
  an average over its classes (``accuracy``, ``macro avg``, ``weighted avg``, ``micro avg``,
  as scikit-learn's ``classification_report`` names them); a row without one is the
  model's own row (its losses over all classes).

A row's **scope** (CSV, TSV, JSON and Parquet's ``scope`` field, :meth:`Frame.scopes`) says
what kind of row it is, from its parts:

======== ===============================================================================
group    one group's row (over all periods, or within its period)
overall  the row over all groups (over all periods, or within its period)
class    one class of its *parent* row: the row with the same file, model, group and
         period and no class part
average  an average over the classes of its parent row
======== ===============================================================================

Rows come in **blocks**, one per file and model, ending with the block's **grand row**
(all groups, all periods, no class part: :attr:`Frame.grand`) and the grand row's class
rows (:meth:`Frame.blocks`). Within a block: group by
group (in key order, or as ``--sort-by`` orders them), each group's periods in time order
followed by its row over all periods; then the rows over all groups, periods first in the
same way; every row with a class part directly after its parent row (classes in label
order, then the averages). Periods are never invented (a period without rows has no row)
and never reordered by ``--sort-by``/``--top``, which order and count groups.

With ``--per-class``, ``Frame.support`` holds each row's support (the weight of its true
labels: of its class on a class row, of all its rows elsewhere), written after ``n``.

A row is matched with a baseline's row by (file, model, group values, period start and
end, class part's scope and name); a baseline written before periods and classes existed
has neither, so its rows match the rows without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import numpy as np

from ..records import datarecord

if TYPE_CHECKING:
    from .frame import Frame

NO_PERIOD = np.iinfo(np.int64).min  # start/end of a row over all periods
SCOPES = ("group", "overall", "class", "average")
AVERAGES = ("accuracy", "macro avg", "weighted avg", "micro avg")  # sklearn's names
AFTER_N = ("support", "n_series")  # the parts written after n (per class; mase's series)


@datarecord(frozen=True)
class PeriodColumns:
    """Each row's period: ``start``/``end`` in nanoseconds since the epoch (UTC instants;
    :data:`NO_PERIOD` on rows over all periods), and its ``label`` as the table shows it
    (``2026-W14``, ``2026-04``; None on rows over all periods). ``freq`` is ``--period``'s
    frequency, ``tz`` the zone periods were cut in and are shown in, ``dates`` True where the
    time column held dates and every period starts and ends at a midnight in ``tz`` (shown
    as plain dates, the local dates of those midnights)."""

    start: np.ndarray  # int64
    end: np.ndarray  # int64
    label: np.ndarray  # object
    freq: str = ""
    tz: str = "UTC"
    dates: bool = False

    @property
    def present(self) -> np.ndarray:
        """True on rows within a period."""
        return self.start != NO_PERIOD

    def take(self, index: np.ndarray | slice) -> PeriodColumns:
        return PeriodColumns(
            self.start[index],
            self.end[index],
            self.label[index],
            freq=self.freq,
            tz=self.tz,
            dates=self.dates,
        )

    @classmethod
    def none(cls, n: int) -> PeriodColumns:
        """``n`` rows over all periods."""
        start = np.full(n, NO_PERIOD, dtype=np.int64)
        return cls(start, start.copy(), np.full(n, None, dtype=object))

    @classmethod
    def concat(cls, parts: Sequence[PeriodColumns | None], sizes: Sequence[int]) -> PeriodColumns:
        """Several frames' periods one after another (a frame without any: all periods)."""
        filled = [p if p is not None else cls.none(n) for p, n in zip(parts, sizes, strict=True)]
        like = next(p for p in parts if p is not None)
        return cls(
            np.concatenate([p.start for p in filled]),
            np.concatenate([p.end for p in filled]),
            np.concatenate([p.label for p in filled]),
            freq=like.freq,
            tz=like.tz,
            dates=like.dates,
        )


@datarecord(frozen=True)
class ClassColumns:
    """Each row's class part: ``name`` is the class's label (as the data writes it) on class
    rows, an average's name (one of :data:`AVERAGES`) on average rows, None on rows without a
    class part; ``average`` is True on average rows."""

    name: np.ndarray  # object
    average: np.ndarray  # bool

    @property
    def present(self) -> np.ndarray:
        """True on class and average rows."""
        return self.name != None  # noqa: E711 (elementwise)

    def take(self, index: np.ndarray | slice) -> ClassColumns:
        return ClassColumns(self.name[index], self.average[index])

    @classmethod
    def none(cls, n: int) -> ClassColumns:
        return cls(np.full(n, None, dtype=object), np.zeros(n, dtype=bool))

    @classmethod
    def concat(cls, parts: Sequence[ClassColumns | None], sizes: Sequence[int]) -> ClassColumns:
        filled = [p if p is not None else cls.none(n) for p, n in zip(parts, sizes, strict=True)]
        return cls(
            np.concatenate([p.name for p in filled]),
            np.concatenate([p.average for p in filled]),
        )


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def period_texts(period: PeriodColumns, bound: str) -> np.ndarray:
    """Each row's period ``start`` or ``end`` (``bound``) as ISO 8601 text (None on rows over
    all periods): with the offset of ``period.tz`` for timestamps (``2026-03-30T00:00:00+02:00``),
    a plain date where the time column held dates (``2026-03-30``). One text is made per
    distinct period, not per row."""
    values = getattr(period, bound)
    distinct, inverse = np.unique(values, return_inverse=True)
    texts = np.empty(len(distinct), dtype=object)
    for i, nanoseconds in enumerate(distinct.tolist()):
        texts[i] = None if nanoseconds == NO_PERIOD else _iso(nanoseconds, period)
    return texts[inverse.reshape(-1)] if len(values) else np.empty(0, dtype=object)


def _iso(nanoseconds: int, period: PeriodColumns) -> str:
    seconds, rest = divmod(nanoseconds, 1_000_000_000)
    instant = EPOCH + timedelta(seconds=seconds, microseconds=rest // 1000)
    from zoneinfo import ZoneInfo

    local = instant.astimezone(ZoneInfo(period.tz))
    return local.date().isoformat() if period.dates else local.isoformat()


def part_columns(frame: Frame, group_by: Sequence[str]) -> tuple[list[str], list[str]]:
    """The flat rows' columns of the period and class parts that ``frame`` has: those
    between the group columns and ``n`` (``period_start``, ``period_end``, ``class``), and
    those after ``n`` (``support``, and ``n_series``: the series a row of ``mase``/``rmsse``
    averages over). A group column of one of these names is a usage error,
    as ``--table comparisons`` refuses a group column named like one of its own."""
    before = ["period_start", "period_end"] if frame.period is not None else []
    before += ["class"] if frame.classes is not None else []
    after = [name for name in AFTER_N if getattr(frame, name) is not None]
    taken = [g for g in group_by if g in (*before, *after)]
    if taken:
        from ..errors import UsageError

        raise UsageError(
            f"the rows have a column {taken[0]!r} of their own, and so has -g {taken[0]}: "
            "rename that column of the input (or write -f json, whose group is an object)"
        )
    return before, after


def refuse_clashing_groups(
    table: str, group_by: Sequence[str], own: Sequence[str], *, carried: str
) -> None:
    """``--table TABLE`` has the columns ``own``: a ``-g`` column named like one of them
    would make two columns of one name, so it is a usage error saying what to do (the
    rows' JSON document carries what the table holds: ``carried``)."""
    taken = [g for g in group_by if g in own]
    if taken:
        from ..errors import UsageError

        raise UsageError(
            f"--table {table} has a column {taken[0]!r} of its own, and so has -g "
            f"{taken[0]}: rename that column of the input, or leave out --table (the rows' "
            f"JSON document carries the {carried} too)"
        )


def row_key_columns(
    frame: Frame, rows: np.ndarray, group_by: Sequence[str]
) -> dict[str, np.ndarray]:
    """The keys of ``frame``'s rows ``rows`` (indices, repeated where a table has several
    lines a row) as the per-row tables write them first: ``file``, ``pred``, ``scope``,
    the group columns and, with periods, ``period_start``/``period_end`` (ISO 8601 text)."""
    out: dict[str, np.ndarray] = {
        "file": frame.file[rows],
        "pred": frame.pred[rows],
        "scope": frame.scopes()[rows],
    }
    for g in group_by:
        out[g] = frame.keys[g].take(rows).objects()
    if frame.period is not None:
        shown = frame.period.take(rows)
        out.update({f"period_{b}": period_texts(shown, b) for b in ("start", "end")})
    return out


def part_arrays(frame: Frame) -> dict[str, np.ndarray]:
    """The arrays of :func:`part_columns`' columns: a period's bounds as ISO 8601 text
    (:func:`period_texts`), the class's name, the support (NaN where a row has none)."""
    out: dict[str, np.ndarray] = {}
    if frame.period is not None:
        out["period_start"] = period_texts(frame.period, "start")
        out["period_end"] = period_texts(frame.period, "end")
    if frame.classes is not None:
        out["class"] = frame.classes.name
    if frame.support is not None:
        out["support"] = frame.support
    if frame.n_series is not None:
        out["n_series"] = frame.n_series
    return out


def period_timestamps(period: PeriodColumns, bound: str) -> object:
    """A period bound as pandas holds it: timestamps in ``period.tz`` (NaT on rows over
    all periods), or, where the periods are dates, datetime64 at their local midnights
    (no zone)."""
    import pandas as pd

    instants = pd.Series(pd.to_datetime(getattr(period, bound), unit="ns"))  # NO_PERIOD: NaT
    local = instants.dt.tz_localize("UTC").dt.tz_convert(period.tz)
    return local.dt.tz_localize(None) if period.dates else local


def part_records(frame: Frame, rows: np.ndarray) -> list[dict[str, object]]:
    """Per row of ``rows`` (indices of ``frame``), its JSON fields past the group: ``scope``
    where ``frame`` has a period or class part, ``period`` (``{"start", "end"}``, ISO 8601
    as :func:`period_texts` writes them; null over all periods), ``class`` (null on rows
    without one) and ``support`` (null where missing), each only where ``frame`` has it."""
    if all(x is None for x in (frame.period, frame.classes, frame.support, frame.n_series)):
        return [{} for _ in range(len(rows))]
    shown = frame.take(rows)
    columns: dict[str, list[object]] = {}
    if shown.period is not None or shown.classes is not None:
        columns["scope"] = shown.scopes().tolist()
    if shown.period is not None:
        starts = period_texts(shown.period, "start").tolist()
        ends = period_texts(shown.period, "end").tolist()
        columns["period"] = [
            None if a is None else {"start": a, "end": b} for a, b in zip(starts, ends, strict=True)
        ]
    if shown.classes is not None:
        columns["class"] = shown.classes.name.tolist()
    if shown.support is not None:
        columns["support"] = [None if v != v else v for v in shown.support.tolist()]
    if shown.n_series is not None:
        columns["n_series"] = shown.n_series.tolist()
    return [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]


def periods_at(period: PeriodColumns, starts: Sequence[int | None]) -> PeriodColumns:
    """The periods of ``period`` that start at ``starts`` (None: over all periods), with
    their ends and labels, for what carries only a period's start (a comparison, a
    confusion matrix, a threshold row): a run's periods have one end per start."""
    known, first = np.unique(period.start, return_index=True)
    wanted = np.array([NO_PERIOD if s is None else s for s in starts], dtype=np.int64)
    at = first[np.clip(np.searchsorted(known, wanted), 0, max(len(known) - 1, 0))]
    found = PeriodColumns.none(len(wanted)) if not len(known) else period.take(at)
    over_all = wanted == NO_PERIOD
    label = found.label.copy()
    label[over_all] = None
    end = np.where(over_all, NO_PERIOD, found.end)
    return replace(found, start=wanted, end=end, label=label)
