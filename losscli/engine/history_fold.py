"""The history read into each series' scale (:class:`SeriesScales`), once per run.

Rows must reach each series in time order. Where the history is sorted by series and time
(checked as it is read, a batch at a time) it is streamed: each batch's partial
(:class:`~.history_scale.ScalePartial`) follows the total. Otherwise the label, series
and time are read into memory and sorted there, under ``--max-memory``; above it, the run
stops, naming a command that sorts the file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from .. import _arrow
from ..errors import InputError
from ..reading.history import HistorySpec, history_batches, history_source
from ..reading.source import Source
from ..records import datarecord
from .budget import MemoryBudget, shown
from .history_scale import ScalePartial, SeriesNamer, raise_order
from .history_times import time_values
from .keys import KeySet

ROW_BYTES = 3 * 8 * 2  # id, time and value per row, twice while sorting


@datarecord(frozen=True)
class SeriesScales:
    """Each series' history scale at each season: series ids are positions in ``keys``
    (the series columns' values)."""

    keys: KeySet
    partials: dict[int, ScalePartial]  # season → sums per series

    def ids(self, arrays: Sequence[pa.Array], n: int) -> np.ndarray:
        """The series id of each of ``n`` rows of ``arrays`` (the series columns), −1 where
        the history has no such series."""
        if not self.keys.columns:
            return (
                np.zeros(n, dtype=np.int64) if self.keys.size and self.partials else np.full(n, -1)
            )
        known = self.keys.size
        typed = [_as_type(a, h.type) for a, h in zip(arrays, self.keys.arrays(), strict=True)]
        ids = self.keys.copy().codes(typed).astype(np.int64)
        return np.where(ids < known, ids, -1)

    def scale(self, season: int, squared: bool) -> np.ndarray:
        """Per series id: the mean |Δ_m y| (or (Δ_m y)²) of its history (NaN: fewer than
        m + 1 values)."""
        part = self.partials[season]
        out = np.full(self.keys.size, np.nan)
        out[part.ids] = part.scales()[1 if squared else 0]
        return out

    def name(self, series_id: int) -> str:
        """The series as a message names it: ``store='3', item='A'``."""
        if not self.keys.columns:
            return "(the whole input)"
        values = self.keys.key(series_id)
        return ", ".join(f"{c}={v!r}" for c, v in zip(self.keys.columns, values, strict=True))


def _as_type(values: pa.Array, kind: pa.DataType) -> pa.Array:
    """The inputs' series values as the history holds them (a CSV's text ``3`` and a
    Parquet file's integer 3 are one series); as they are where they do not convert."""
    plain = lambda a: a.dictionary_decode() if pa.types.is_dictionary(a.type) else a  # noqa: E731
    values, kind = plain(values), kind.value_type if pa.types.is_dictionary(kind) else kind
    if values.type == kind or pa.types.is_null(kind):
        return values
    try:
        return values.cast(kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return values


def fold_history(spec: HistorySpec, seasons: Sequence[int], budget: MemoryBudget) -> SeriesScales:
    """The history's scale per series and season: streamed where it is sorted, else sorted
    in memory (see the module's docstring)."""
    source, spec = history_source(spec)
    streamed = _streamed(source, spec, seasons)
    if streamed is not None:
        return streamed
    from ..reading.stdin import StdinCsvSource

    if isinstance(source, StdinCsvSource):  # read once: its first rows are gone
        by = ", ".join([*spec.series, spec.time])
        raise InputError(
            f"--history -: standard input is not sorted by series and time ({by}), and it "
            f"can be read once, so it cannot be sorted here: sort it first (e.g. sort it "
            f"with duckdb or polars by {by}) or give --history a file"
        )
    return _sorted_in_memory(source, spec, seasons, budget)


def _rows(
    keys: KeySet, spec: HistorySpec, part: str, first: int, batch: pa.RecordBatch
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A batch's series ids, times and values (rows without a label dropped under
    --drop-na, else an input error naming the row)."""
    label = batch.column(spec.label or "")
    if not (pa.types.is_integer(label.type) or pa.types.is_floating(label.type)):
        raise InputError(f"{part}: the --history label column {spec.label!r} is not numeric")
    y = _arrow.values(label.cast(pa.float64()).fill_null(np.nan)).astype(np.float64)
    keep = ~np.isnan(y)
    if not keep.all() and not spec.drop_na:
        row = first + int(np.flatnonzero(~keep)[0]) + 1
        raise InputError(
            f"{part}: column {spec.label!r}, data row {row} has no value; --history needs "
            "a label on every row (or --drop-na to leave such rows out)"
        )
    arrays = [batch.column(c) for c in spec.series]
    ids = keys.codes(arrays).astype(np.int64) if arrays else np.zeros(len(y), dtype=np.int64)
    t = time_values(
        batch.column(spec.time), name=spec.time, source=part, first_row=first,
        tz=spec.tz, unit=spec.unit,
    )  # fmt: skip
    if not keep.all():
        return ids[keep], t[keep], y[keep]
    return ids, t, y


def _streamed(source: Source, spec: HistorySpec, seasons: Sequence[int]) -> SeriesScales | None:
    """The scales of a history sorted by series and time, a batch at a time; None as soon
    as a batch shows it is not sorted."""
    keys = KeySet(spec.series, source.empty_is_missing)
    totals = {m: ScalePartial.empty(m) for m in seasons}
    last: tuple[int, int] | None = None  # the last row's series id and time
    for part, first, batch in history_batches(source, spec):
        known = keys.size if spec.series else (1 if last is not None else 0)
        ids, t, y = _rows(keys, spec, part, first, batch)
        if not len(ids):
            continue
        if not _in_order(ids, t, known, last):
            return None
        _refuse_equal_times(ids, t, keys)
        for m in seasons:
            totals[m] = totals[m].then(ScalePartial.of_sorted(m, ids, t, y), _namer(keys))
        last = (int(ids[-1]), int(t[-1]))
    return SeriesScales(keys, totals)


def _in_order(ids: np.ndarray, t: np.ndarray, known: int, last: tuple[int, int] | None) -> bool:
    """Whether a batch continues a history sorted by series (ids given in order of first
    appearance: a new series has a new, larger id) and time."""
    start = np.r_[True, ids[1:] != ids[:-1]]
    runs = ids[start]
    if len(runs) > 1 and not (np.all(np.diff(runs) > 0) and runs[1] >= known):
        return False
    if last is not None and runs[0] != last[0] and runs[0] < known:
        return False
    if last is not None and runs[0] == last[0] and t[0] < last[1]:
        return False
    same = ~start[1:]
    return not np.any(np.diff(t)[same] < 0)


def _refuse_equal_times(ids: np.ndarray, t: np.ndarray, keys: KeySet) -> None:
    """Two rows of one series at one time (adjacent once sorted) are an input error."""
    twice = np.flatnonzero((ids[1:] == ids[:-1]) & (t[1:] == t[:-1]))
    if len(twice):
        i = int(twice[0])
        raise_order(_namer(keys)(int(ids[i])), int(t[i]), int(t[i + 1]))


def _sorted_in_memory(
    source: Source, spec: HistorySpec, seasons: Sequence[int], budget: MemoryBudget
) -> SeriesScales:
    """The history's rows read whole and sorted by series and time, charged to the budget
    (beside what the run holds already) until the scales are made."""
    keys = KeySet(spec.series, source.empty_is_missing)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    rows = charged = 0
    try:
        for part, first, batch in history_batches(source, spec):
            parts.append(_rows(keys, spec, part, first, batch))
            rows += len(parts[-1][0])
            if not budget.try_charge(len(parts[-1][0]) * ROW_BYTES):
                raise InputError(_too_big(source.name, spec, rows, budget))
            charged += len(parts[-1][0]) * ROW_BYTES
        return _scales(keys, parts, seasons)
    finally:
        budget.release(charged)


def _scales(
    keys: KeySet, parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], seasons: Sequence[int]
) -> SeriesScales:
    """The series' scales from their rows, sorted here by series and time."""
    ids, t, y = (np.concatenate([p[i] for p in parts]) if parts else np.zeros(0) for i in range(3))
    order = np.lexsort((t, ids))
    ids, t, y = ids[order].astype(np.int64), t[order].astype(np.int64), y[order]
    _refuse_equal_times(ids, t, keys)
    totals = {m: ScalePartial.of_sorted(m, ids, t, y) for m in seasons}
    return SeriesScales(keys, totals)


def _too_big(name: str, spec: HistorySpec, rows: int, budget: MemoryBudget) -> str:
    by = ", ".join([*spec.series, spec.time])
    return (
        f"--history {name} is not sorted by series and time ({by}), and sorting its rows in "
        f"memory needs more than --max-memory {shown(budget.limit)} (over {rows:,} rows so "
        f'far): raise --max-memory, or sort the file first, e.g. duckdb -c "COPY (SELECT * '
        f"FROM '{name}' ORDER BY {by}) TO 'sorted.parquet'\" (or with polars: "
        f"pl.scan_parquet/scan_csv(...).sort([{', '.join(map(repr, [*spec.series, spec.time]))}])"
        ".sink_parquet('sorted.parquet'))"
    )


def _namer(keys: KeySet) -> SeriesNamer:
    """A series id's name for messages, from the key set being read."""
    return SeriesScales(keys, {}).name
