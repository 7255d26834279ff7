"""``--period COL:FREQ`` and its settings (``--period-origin``, ``--tz``, ``--time-unit``),
checked once into a :class:`PeriodSpec` that the engine buckets rows by and finalizing
labels periods with.

A frequency is a calendar one (``D``, ``W``: ISO weeks from Monday, ``M``, ``Q``, ``Y``),
cut in ``--tz`` local time, or a fixed length (``h``, ``6h``, ``15min``, ``7d``, ``30s``)
cut in absolute time from ``--period-origin`` (a wall time in ``--tz``), so a change of
daylight saving time never makes a 6-hour period 5 or 7 hours long.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..records import datarecord

if TYPE_CHECKING:  # zoneinfo (and sysconfig under it): imported where a run has periods
    from zoneinfo import ZoneInfo

CALENDAR = ("D", "W", "M", "Q", "Y")
NS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
_LENGTHS = {"min": 60 * NS["s"], "h": 3600 * NS["s"], "d": 86_400 * NS["s"], "s": NS["s"]}
_FIXED = re.compile(r"^(\d*)(min|h|d|s)$")
DEFAULT_ORIGIN = "1970-01-01T00:00"
FREQS_HELP = "h, D, W (ISO weeks from Monday), M, Q, Y, or a fixed length (7d, 6h, 15min)"


@datarecord(frozen=True)
class PeriodSpec:
    """Rows are put in periods of ``column``'s time: ``freq`` a calendar frequency
    (:data:`CALENDAR`) or a fixed ``length`` in nanoseconds (``freq`` as given) from
    ``origin`` (ns since the epoch, UTC); ``tz`` the zone periods are cut and shown in;
    ``unit`` the unit of epoch numbers (None: the column holds times or text); ``drop_na``
    (``--drop-na``): a row without a time is dropped (and counted) instead of an error."""

    column: str
    freq: str
    tz: str = "UTC"
    origin: int = 0
    length: int = 0  # a fixed length's nanoseconds; 0 for a calendar frequency
    unit: str | None = None
    drop_na: bool = False

    @property
    def calendar(self) -> bool:
        return self.length == 0

    @cached_property
    def zone(self) -> ZoneInfo:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.tz)


def period_spec(
    period: str | None,
    *,
    origin: str | None = None,
    tz: str | None = None,
    time_unit: str | None = None,
    drop_na: bool = False,
) -> PeriodSpec | None:
    """The checked ``--period`` (None where not given); a usage error names what is wrong."""
    if not period:
        for name, value in (("--period-origin", origin), ("--time-unit", time_unit)):
            if value is not None:
                raise UsageError(f"{name} sets how --period cuts time: give --period COL:FREQ")
        return None
    column, sep, freq = period.rpartition(":")
    if not sep or not column or not freq:
        raise UsageError(
            f"--period {period!r}: give a time column and a frequency, COL:FREQ "
            f"(e.g. date:W), the frequency one of {FREQS_HELP}"
        )
    zone = _zone(tz or "UTC")
    if time_unit is not None and time_unit not in NS:
        raise UsageError(f"--time-unit {time_unit!r}: one of {', '.join(NS)}")
    length = _length(freq, period)
    return PeriodSpec(
        column,
        freq,
        tz=zone.key,
        origin=_origin(origin or DEFAULT_ORIGIN, zone, length),
        length=length,
        unit=time_unit,
        drop_na=drop_na,
    )


def _zone(name: str) -> ZoneInfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(
            f"--tz {name!r} is not a time zone; give an IANA name such as UTC, "
            "Europe/Berlin or America/New_York"
        ) from exc


def _length(freq: str, period: str) -> int:
    """A fixed length in nanoseconds (0: a calendar frequency)."""
    if freq in CALENDAR:
        return 0
    found = _FIXED.match(freq)
    count = int(found.group(1) or 1) if found else 0
    if found is None or count < 1:
        raise UsageError(f"--period {period!r}: the frequency {freq!r} is not one of {FREQS_HELP}")
    return count * _LENGTHS[found.group(2)]


def _origin(text: str, zone: ZoneInfo, length: int) -> int:
    """``--period-origin`` (a wall time in the zone, or with an offset) in ns since the epoch."""
    try:
        wall = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(
            f"--period-origin {text!r} is not an ISO 8601 time (e.g. 2026-01-05T00:00)"
        ) from exc
    if not length and text != DEFAULT_ORIGIN:
        raise UsageError(
            "--period-origin anchors fixed lengths (7d, 6h, 15min); calendar periods "
            "(D, W, M, Q, Y) begin where the calendar's do"
        )
    at = wall if wall.tzinfo is not None else wall.replace(tzinfo=zone)
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    delta = at - epoch
    return (delta.days * 86_400 + delta.seconds) * NS["s"] + delta.microseconds * NS["us"]
