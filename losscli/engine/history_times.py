"""The history's times as int64 nanoseconds, to order each series' values: read as
``--period`` reads its column (:mod:`.periods`: Parquet dates and timestamps, ISO 8601
text parsed by Arrow, epoch numbers with ``--time-unit``), a time without a zone taken as
a wall time in ``--tz``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pyarrow as pa

from ..errors import InputError
from .period_spec import PeriodSpec
from .periods import _chunked, _times, walls_to_instants

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def time_values(
    column: pa.Array, *, name: str, source: str, first_row: int, tz: str, unit: str | None
) -> np.ndarray:
    """Each row's time (ns since the epoch, UTC) of the history's time column ``name``."""
    spec = PeriodSpec(name, "D", tz=tz, unit=unit)
    try:
        found = _times(_chunked(column), spec, source, first_row)
    except pa.ArrowInvalid as exc:
        raise InputError(
            f"{source}: the time column {name!r}: {str(exc).splitlines()[0]}; times must "
            "lie between the years 1678 and 2261"
        ) from exc
    walls = None if found.wall is None else walls_to_instants(found.wall, tz)
    if found.has_offset is not None:
        assert found.instant is not None and walls is not None
        return np.where(found.has_offset, found.instant, walls)
    if found.instant is not None:
        return found.instant
    assert walls is not None
    return walls


def shown_time(ns: int) -> str:
    """A time for a message: ISO 8601 in UTC (a plain date at midnight)."""
    seconds, rest = divmod(int(ns), 1_000_000_000)
    instant = EPOCH + timedelta(seconds=seconds, microseconds=rest // 1000)
    if not (seconds % 86_400 or rest):
        return instant.date().isoformat()
    return instant.isoformat()
