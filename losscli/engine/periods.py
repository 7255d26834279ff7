"""Each row's period (``--period``): the start of the period its time falls in, as an int64
key column (ns since the epoch, UTC) beside the group columns, computed a whole chunk at
a time with Arrow's and NumPy's vectorised functions.

The time column is a Parquet date or timestamp (with or without a zone), CSV text in
ISO 8601 (parsed by Arrow, never by guessing: ``2026-04-06``, ``2026-04-06T14:00``,
``2026-04-06 14:00:00+02:00``), or epoch numbers in ``--time-unit``. A time without a
zone is a wall time in ``--tz``. Calendar periods are cut in ``--tz`` local time (a row's
local day, then its week, month, quarter or year; the period starts at its first day's
local midnight); fixed lengths in absolute time from the origin.

The partial keeps the key under :data:`~losscli.reading.columns.PERIOD_KEY`, so it is
merged by value, remembered, resampled and shipped like any group column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import _arrow
from ..errors import InputError
from .period_spec import NS, PeriodSpec

DAY = 86_400 * NS["s"]
DATES = "\0period: the time column held dates"  # evidence a partial keeps (merged by AND)
# an ISO 8601 text's zone offset, after its time of day
_OFFSET = r"[Tt ]\d\d(?::?\d\d){0,2}(?:[.,]\d+)?(?:[Zz]|[+-]\d\d(?::?\d\d)?)$"


def period_keys(column: Any, spec: PeriodSpec, *, source: str, first_row: int) -> tuple[Any, bool]:
    """Each row's period start (an int64 Arrow array) and whether the column held dates."""
    column = _chunked(column)
    if spec.drop_na:  # rows without a time are dropped: parse a time present in their place
        missing = _missing(column)
        if missing is not None and missing.all():  # no evidence: True, neutral to an AND
            return _arrow.from_numpy(np.zeros(len(column), dtype=np.int64)), True
        if missing is not None:
            present = column[int(np.argmin(missing))]
            column = pc.if_else(_arrow.from_numpy(missing), present, column)
    try:
        found = _times(column, spec, source, first_row)
    except pa.ArrowInvalid as exc:  # a date or timestamp past what nanoseconds hold
        raise InputError(
            f"{source}: the --period column {spec.column!r}: {str(exc).splitlines()[0]}; "
            "times must lie between the years 1678 and 2261"
        ) from exc
    if found.has_offset is not None:  # CSV text, some with offsets
        assert found.instant is not None and found.wall is not None
        starts = np.where(
            found.has_offset,
            _starts_of_instants(found.instant, spec),
            _starts_of_walls(found.wall, spec),
        )
    elif found.instant is not None:
        starts = _starts_of_instants(found.instant, spec)
    else:
        assert found.wall is not None
        starts = _starts_of_walls(found.wall, spec)
    return _arrow.from_numpy(starts.astype(np.int64, copy=False)), found.dates


def missing_times(records: Any, spec: PeriodSpec) -> dict[str, np.ndarray]:
    """The chunk's ``--period`` column as a number per row, NaN where the time is missing
    (null, or empty text) and 0 elsewhere, for the row checks to drop and count those rows
    as they do rows with a value missing (``--drop-na``); nothing where every row has one."""
    missing = _missing(_chunked(records.column(spec.column)))
    if missing is None:
        return {}
    return {spec.column: np.where(missing, np.nan, 0.0)}


def _missing(column: pa.Array) -> np.ndarray | None:
    """Which rows have no time (null, or text empty but for blanks); None: all have one."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    if not text and not column.null_count:
        return None
    missing = _bools(column.is_null())
    if text:
        lengths = pc.utf8_length(pc.utf8_trim_whitespace(column.cast(kind)))
        missing |= _bools(pc.equal(pc.fill_null(lengths, 0), 0))
    return missing if missing.any() else None


class _Times:
    """A chunk's times: ``instant`` ns (UTC) and/or ``wall`` ns (local in --tz), and
    where both are given, which rows hold the instant (``has_offset``)."""

    def __init__(
        self,
        *,
        instant: np.ndarray | None = None,
        wall: np.ndarray | None = None,
        has_offset: np.ndarray | None = None,
        dates: bool = False,
    ) -> None:
        self.instant, self.wall, self.has_offset, self.dates = instant, wall, has_offset, dates


def _chunked(column: Any) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks()
    return column


def _times(column: pa.Array, spec: PeriodSpec, source: str, first_row: int) -> _Times:
    where = _Where(source, spec.column, first_row)
    where.no_nulls(column)
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _times(column.dictionary_decode(), spec, source, first_row)
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return _times(column.cast(pa.string()), spec, source, first_row)
    if pa.types.is_date(kind):
        days = _int64(column.cast(pa.date32()).cast(pa.int32()))
        if len(days) and np.abs(days).max() > np.iinfo(np.int64).max // DAY - 1:
            raise pa.ArrowInvalid(f"a date lies {np.abs(days).max():,} days from 1970")
        return _Times(wall=days * DAY, dates=True)
    if pa.types.is_timestamp(kind):
        ns = _int64(column.cast(pa.timestamp("ns", kind.tz)).cast(pa.int64()))
        return _Times(instant=ns) if kind.tz else _Times(wall=ns)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return _Times(instant=_epoch(column, spec, where))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _text(column, spec, where)
    raise InputError(
        f"{source}: the --period column {spec.column!r} holds {kind}, not times: give a "
        "date or timestamp column, ISO 8601 text, or epoch numbers with --time-unit"
    )


class _Where:
    """Where a chunk's values are, for messages naming the file, column, row and value."""

    def __init__(self, source: str, column: str, first_row: int) -> None:
        self.source, self.column, self.first_row = source, column, first_row

    def error(self, index: int, value: Any, why: str, advice: str) -> InputError:
        return InputError(
            f"{self.source}: column {self.column!r}, data row {self.first_row + index + 1}: "
            f"{value!r} {why}; {advice}"
        )

    def no_nulls(self, column: pa.Array, empty: np.ndarray | None = None) -> None:
        """A missing time (or an empty CSV cell: ``empty``) is an error naming its row."""
        missing = _bools(column.is_null()) if column.null_count else empty
        if missing is not None and missing.any():
            first = int(np.flatnonzero(missing)[0])
            raise InputError(
                f"{self.source}: column {self.column!r}, data row {self.first_row + first + 1} "
                "has no time; every row needs one: fill it in (in --period's column, "
                "--drop-na leaves such rows out)"
            )


def _epoch(column: pa.Array, spec: PeriodSpec, where: _Where) -> np.ndarray:
    """Epoch numbers in ``--time-unit`` as ns since the epoch."""
    if spec.unit is None:
        raise InputError(
            f"{where.source}: the --period column {spec.column!r} holds numbers; say what "
            f"they count with --time-unit s|ms|us|ns (since 1970-01-01 UTC)"
        )
    scale = NS[spec.unit]
    if pa.types.is_integer(column.type):
        values = _int64(column.cast(pa.int64()))
        limit = np.iinfo(np.int64).max // scale
        bad = np.abs(values) > limit
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise where.error(first, int(values[first]), "is out of range", "check --time-unit")
        return values * scale
    floats = _arrow.float64(column.cast(pa.float64()))
    ns = floats * scale
    bad = ~np.isfinite(ns) | (np.abs(ns) >= 2.0**63)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise where.error(first, float(floats[first]), "is not a time", "check --time-unit")
    return np.floor(ns).astype(np.int64)


def _text(column: pa.Array, spec: PeriodSpec, where: _Where) -> _Times:
    """ISO 8601 text (epoch numbers as text with --time-unit), parsed by Arrow: a text
    with a zone offset is an instant, one without a wall time in --tz."""
    if spec.unit is not None:
        for kind in (pa.int64(), pa.float64()):  # whole numbers exactly (ns exceed 2⁵³)
            try:
                return _Times(instant=_epoch(column.cast(kind), spec, where))
            except pa.ArrowInvalid:
                continue
        raise _first_bad(column, pa.float64(), where, "is not a number")
    text = pc.utf8_trim_whitespace(column)
    lengths = _int64(pc.utf8_length(text))
    where.no_nulls(text, lengths == 0)
    offset = _bools(pc.match_substring_regex(text, _OFFSET))
    dates = bool(np.all(lengths == 10)) and not offset.any()
    if not offset.any():
        return _Times(wall=_parsed(text, pa.timestamp("ns"), where), dates=dates)
    if offset.all():
        return _Times(instant=_parsed(text, pa.timestamp("ns", "UTC"), where))
    mask = _arrow.from_numpy(offset)
    instant = np.zeros(len(text), dtype=np.int64)
    wall = np.zeros(len(text), dtype=np.int64)
    instant[offset] = _parsed(text.filter(mask), pa.timestamp("ns", "UTC"), where, offset)
    wall[~offset] = _parsed(text.filter(pc.invert(mask)), pa.timestamp("ns"), where, ~offset)
    return _Times(instant=instant, wall=wall, has_offset=offset)


def _parsed(
    text: pa.Array, kind: pa.DataType, where: _Where, rows: np.ndarray | None = None
) -> np.ndarray:
    """ISO 8601 ``text`` as ns (``rows``: the chunk positions of ``text``'s values)."""
    try:
        return _int64(text.cast(kind).cast(pa.int64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        positions = None if rows is None else np.flatnonzero(rows)
        raise _first_bad(text, kind, where, "is not an ISO 8601 time", positions) from None


def _first_bad(
    text: pa.Array,
    kind: pa.DataType,
    where: _Where,
    why: str,
    positions: np.ndarray | None = None,
) -> InputError:
    """The error naming the first value that does not cast (found on the error path only)."""
    for i, value in enumerate(text.to_pylist()):
        try:
            pa.array([value]).cast(kind)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            index = i if positions is None else int(positions[i])
            advice = (
                "write times as ISO 8601 (2026-04-06, 2026-04-06T14:00, "
                "2026-04-06T14:00:00+02:00), or epoch numbers with --time-unit"
            )
            return where.error(index, value, why, advice)
    return InputError(f"{where.source}: column {where.column!r} does not read as times")


def _starts_of_instants(ns: np.ndarray, spec: PeriodSpec) -> np.ndarray:
    if not spec.calendar:
        return _fixed(ns, spec)
    return _calendar_starts(_local_walls(ns, spec.tz), spec)


def _starts_of_walls(ns: np.ndarray, spec: PeriodSpec) -> np.ndarray:
    if spec.calendar:
        return _calendar_starts(ns, spec)
    return _fixed(walls_to_instants(ns, spec.tz), spec)


def _fixed(ns: np.ndarray, spec: PeriodSpec) -> np.ndarray:
    """The start of each instant's fixed-length period, counted from the origin."""
    return spec.origin + np.floor_divide(ns - spec.origin, spec.length) * spec.length


def _calendar_starts(wall: np.ndarray, spec: PeriodSpec) -> np.ndarray:
    """The instant each local time's calendar period starts: its first day's local
    midnight (looked up per distinct first day, in a table spanning the chunk's days)."""
    days = first_day(np.floor_divide(wall, DAY), spec.freq)
    if spec.tz == "UTC" or not len(days):
        return days * DAY
    low = days.min()
    seen = np.zeros(days.max() - low + 1, dtype=bool)
    seen[days - low] = True
    distinct = np.flatnonzero(seen)
    table = np.zeros(len(seen), dtype=np.int64)
    table[distinct] = walls_to_instants((distinct + low) * DAY, spec.tz)
    return table[days - low]


def first_day(days: np.ndarray, freq: str) -> np.ndarray:
    """The first day (days since 1970-01-01) of each day's calendar period."""
    if freq == "D":
        return days
    if freq == "W":  # 1970-01-01 was a Thursday: Monday is 3 days before
        return days - (days + 3) % 7
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    months -= months % {"M": 1, "Q": 3, "Y": 12}[freq]
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def next_day(first: np.ndarray, freq: str) -> np.ndarray:
    """The first day of the period after the one starting on ``first``."""
    if freq == "D":
        return first + 1
    if freq == "W":
        return first + 7
    months = first.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    months += {"M": 1, "Q": 3, "Y": 12}[freq]
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _local_walls(ns: np.ndarray, tz: str) -> np.ndarray:
    """Instants as wall times in ``tz``."""
    if tz == "UTC":
        return ns
    instants = _arrow.from_numpy(ns).cast(pa.timestamp("ns", tz))
    return _int64(pc.local_timestamp(instants).cast(pa.int64()))


def walls_to_instants(ns: np.ndarray, tz: str) -> np.ndarray:
    """Wall times in ``tz`` as instants: a wall time that occurs twice (when clocks go back)
    is its earlier instant, one that never occurs (clocks go forward) the gap's end."""
    if tz == "UTC":
        return ns
    walls = _arrow.from_numpy(ns).cast(pa.timestamp("ns"))
    instants = pc.assume_timezone(walls, tz, ambiguous="earliest", nonexistent="latest")
    return _int64(instants.cast(pa.int64()))


def _int64(values: pa.Array) -> np.ndarray:
    """Numbers without nulls as int64 (pyarrow's ``to_numpy`` would import pandas)."""
    return _arrow.values(values.cast(pa.int64())).astype(np.int64, copy=False)


def _bools(values: pa.Array) -> np.ndarray:
    return _arrow.bools(values)
