"""The series level of a run with ``mase``/``rmsse``: series within each group.

A series is identified by ``--series`` columns (default: the ``-g`` columns; with neither,
the whole input is one series). The kernel keys rows by the group columns, ``--period``'s
key, then the series columns and ``--series-weight``'s that are not group columns already:
hidden key parts, merged by value like any key, so every engine and every chunking gives
the same per-series sums. Finalizing (:mod:`.series_rows`) takes the hidden parts out
again: the other losses are pooled from the same sums as without them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import InputError, UsageError
from ..losses import Loss
from ..reading import ColumnPlan
from ..records import datarecord
from .budget import MemoryBudget

if TYPE_CHECKING:
    from .history_fold import SeriesScales
    from .period_spec import PeriodSpec


@datarecord(frozen=True)
class SeriesRun:
    """What the series level needs: the ``series`` columns, ``weight`` (``--series-weight``,
    None: series count equally), the history's ``scales``, ``drop_na`` (a series without a
    history is counted and left out instead of an input error)."""

    series: tuple[str, ...]
    weight: str | None
    scales: SeriesScales
    group_by: tuple[str, ...] = ()  # the -g columns
    drop_na: bool = False

    def hidden(self) -> tuple[str, ...]:
        """The key columns the series level adds to the -g columns (the kernel's keys)."""
        wanted = (*self.series, *filter(None, [self.weight]))
        return tuple(c for c in dict.fromkeys(wanted) if c not in self.group_by)


def with_series(plan: ColumnPlan, run: SeriesRun, source: str, columns: list[str]) -> ColumnPlan:
    """The plan keyed by the series (and series weight) columns too, after every other key."""
    wanted = [*run.series, *filter(None, [run.weight])]
    missing = [c for c in wanted if c not in columns]
    if missing:
        shown = ", ".join(map(repr, columns[:20]))
        raise InputError(
            f"{source}: no column {', '.join(map(repr, missing))} (--series/--series-weight). "
            f"The file's columns are: {shown}"
        )
    return replace(plan, group_by=(*plan.group_by, *run.hidden()))


def seasons(losses: tuple[Loss, ...]) -> tuple[int, ...]:
    """The seasons the history's scale is needed at, one per distinct ``season``."""
    found = {int(loss.arguments.get("season", 1) or 1) for loss in losses if loss.history}
    return tuple(sorted(found))


def refuse_without_history(losses: tuple[Loss, ...], history: object, method: str) -> None:
    """``mase``/``rmsse`` need ``--history`` (and are not resampled by the bootstrap)."""
    scaled = [loss.name for loss in losses if loss.history]
    if not scaled:
        return
    if history is None:
        raise UsageError(
            f"{scaled[0]} scales each series' errors by its history: give --history FILE "
            "(the past values of the label, with the series and time columns)"
        )
    if method == "bootstrap":
        raise UsageError(
            f"{scaled[0]}: --ci-method bootstrap does not resample series; its interval is "
            "t over the series' values: use --ci-method normal"
        )


def series_run(
    losses: tuple[Loss, ...],
    *,
    history: Any,
    series: tuple[str, ...],
    series_weight: str | None,
    time_col: str | None,
    group_by: tuple[str, ...],
    label: str | None,
    period: PeriodSpec | None,
    tz: str | None,
    time_unit: str | None,
    drop_na: bool,
    reading: tuple[Any, ...],
    budget: MemoryBudget,
    ci_method: str,
) -> SeriesRun | None:
    """The series level of a run, its history read (None: no loss is scaled by one). The
    options that only the scaled losses read are usage errors without them."""
    refuse_without_history(losses, history, ci_method)
    if not any(loss.history for loss in losses):
        given = [
            name
            for name, value in (
                ("--history", history),
                ("--series", series),
                ("--series-weight", series_weight),
                ("--time-col", time_col),
            )
            if value is not None and (not isinstance(value, (str, tuple)) or value)
        ]
        if given:
            raise UsageError(
                f"{given[0]} is read by the losses scaled by the history: name mase or rmsse "
                "with -m (e.g. -m mae,mase:season=7)"
            )
        return None
    time = time_col or (period.column if period is not None else None)
    if not time:
        raise UsageError(
            "mase and rmsse order each series' history by time: give --time-col COL (or "
            "--period COL:FREQ, whose column is used)"
        )
    from ..reading.history import HistorySpec  # here: a run without mase or rmsse reads none

    names = series or group_by
    spec = HistorySpec(
        history,
        label,
        names,
        time,
        tz=(period.tz if period is not None else tz) or "UTC",
        unit=(period.unit if period is not None else time_unit),
        drop_na=drop_na,
        reading=reading,
    )
    from .history_fold import fold_history  # here: a plain run needs no time parsing

    scales = fold_history(spec, seasons(losses), budget)
    return SeriesRun(names, series_weight, scales, group_by=group_by, drop_na=drop_na)
