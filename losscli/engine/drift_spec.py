"""``--drift`` and its settings (``--drift-reference``, ``--drift-reference-periods``,
``--drift-min-periods``), checked once into a :class:`DriftSpec` that finalizing reads
(:mod:`.drift`).

The reference window is a group's first ``periods`` periods (those it has rows in), or
the periods whose start lies in ``START..END`` (ISO 8601 dates or times, wall times in
``--tz`` unless they carry an offset; a date END takes in its whole day).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from ..errors import UsageError
from ..records import datarecord

DEFAULT_REFERENCE_PERIODS = 4
DEFAULT_MIN_PERIODS = 2
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@datarecord(frozen=True)
class DriftSpec:
    """Compare each period with a reference window: a group's first ``periods`` periods, or
    (``window``) the periods starting between two ISO 8601 texts; the onset is the first
    of ``min_periods`` consecutive worse periods."""

    periods: int = DEFAULT_REFERENCE_PERIODS
    window: tuple[str, str] | None = None  # START..END as given
    min_periods: int = DEFAULT_MIN_PERIODS

    def bounds(self, tz: str) -> tuple[int, int]:
        """The window as [low, high) in ns since the epoch (UTC), as period starts are kept:
        its dates and times are wall times in ``tz``, as periods are cut (a date column's
        periods start at their dates' midnights in ``tz``)."""
        assert self.window is not None
        start, end = self.window
        low = _instant(start, tz, end=False)
        high = _instant(end, tz, end=True)
        return low, high


def drift_spec(
    drift: bool,
    *,
    reference: str | None = None,
    reference_periods: int | None = None,
    min_periods: int | None = None,
    period: bool,
) -> DriftSpec | None:
    """The checked ``--drift`` (None where not asked for); a usage error names what is wrong."""
    if not drift:
        given = [
            name
            for name, value in (
                ("--drift-reference", reference),
                ("--drift-reference-periods", reference_periods),
                ("--drift-min-periods", min_periods),
            )
            if value is not None
        ]
        if given:
            raise UsageError(f"{given[0]} sets how --drift judges periods: add --drift")
        return None
    if not period:
        raise UsageError(
            "--drift compares periods with a reference window: add --period COL:FREQ "
            "(e.g. --period date:W)"
        )
    if reference is not None and reference_periods is not None:
        raise UsageError(
            "--drift-reference and --drift-reference-periods both set the reference window: "
            "give one"
        )
    periods = DEFAULT_REFERENCE_PERIODS if reference_periods is None else reference_periods
    if periods < 1:
        raise UsageError(f"--drift-reference-periods must be 1 or more, not {periods}")
    k = DEFAULT_MIN_PERIODS if min_periods is None else min_periods
    if k < 1:
        raise UsageError(f"--drift-min-periods must be 1 or more, not {k}")
    return DriftSpec(periods, None if reference is None else _window(reference), k)


def _window(text: str) -> tuple[str, str]:
    start, sep, end = text.partition("..")
    if not sep or not start.strip() or not end.strip():
        raise UsageError(
            f"--drift-reference {text!r}: give START..END, ISO 8601 dates or times "
            "(e.g. 2026-01-05..2026-02-01)"
        )
    window = (start.strip(), end.strip())
    low = _instant(window[0], "UTC", end=False)
    high = _instant(window[1], "UTC", end=True)
    if high <= low:
        raise UsageError(f"--drift-reference {text!r}: END lies before START")
    return window


def _instant(text: str, tz: str, *, end: bool) -> int:
    """An ISO 8601 date or time in ns since the epoch: a wall time in ``tz`` (unless it
    names its offset); past the last instant of ``text`` where ``end``
    (a date's next midnight, a time's next nanosecond)."""
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
        wall = (
            datetime.fromisoformat(text) if day is None else datetime(day.year, day.month, day.day)
        )
    except ValueError as exc:
        raise UsageError(
            f"--drift-reference: {text!r} is not an ISO 8601 date or time (e.g. 2026-01-05 "
            "or 2026-01-05T06:00)"
        ) from exc
    if wall.tzinfo is None:
        from zoneinfo import ZoneInfo  # here: a run without --drift-reference loads no zones

        wall = wall.replace(tzinfo=ZoneInfo(tz))
    delta = wall - EPOCH
    ns = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    if not end:
        return ns
    if day is not None:
        following = (wall + timedelta(days=1)).replace(tzinfo=wall.tzinfo)
        after = following - EPOCH
        return (after.days * 86_400 + after.seconds) * 1_000_000_000
    return ns + 1
