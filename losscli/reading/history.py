"""``--history``: the input the scaled errors (``mase``, ``rmsse``) divide by, read like any
input (a path, glob, dataset, URL or an in-memory frame), of just the label, series and
time columns, part by part in order."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from ..errors import InputError
from ..records import datarecord
from .source import Source


@datarecord(frozen=True)
class HistorySpec:
    """Where the history is and what of it is read: ``label`` (``-l``), the ``series``
    columns, the ``time`` column that orders each series (``--time-col`` or ``--period``'s),
    read with ``tz`` and ``unit`` as ``--period`` reads its column; ``reading``: the input
    format, delimiter, encoding, decimal and storage options, as the inputs are read."""

    path: Any
    label: str | None  # None: the input's guess (``y_true``, ``label``, …) among its columns
    series: tuple[str, ...]
    time: str
    tz: str = "UTC"
    unit: str | None = None
    drop_na: bool = False
    reading: tuple[Any, ...] = (None, None, "utf8", ".", None)

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys([self.label or "", *self.series, self.time]))


def history_source(spec: HistorySpec) -> tuple[Source, HistorySpec]:
    """The history opened, its label found where -l names none (as the inputs' is), its
    columns checked (a missing one is an input error naming it)."""
    try:
        source = _opened(spec)
    except InputError as exc:
        raise InputError(f"--history: {exc}") from exc
    if spec.label is None:
        from dataclasses import replace

        from .columns import LABEL_NAMES, _guess

        label = _guess(source.name, source.columns(), LABEL_NAMES, "label", "--label")
        spec = replace(spec, label=label)
    have = set(source.columns())
    missing = [c for c in spec.columns if c not in have]
    if missing:
        shown = ", ".join(map(repr, source.columns()[:20]))
        raise InputError(
            f"--history {source.name}: no column {', '.join(map(repr, missing))} (the label, "
            f"series and time columns are read from it). Its columns are: {shown}"
        )
    return source, spec


def history_batches(source: Source, spec: HistorySpec) -> Iterator[tuple[str, int, pa.RecordBatch]]:
    """Every batch of the history's parts in order: (part name, its first data row, batch)."""
    for part in source.parts():
        first = 0
        for batch in part.batches(spec.columns, {spec.label or ""}):
            yield part.name, first, batch
            first += batch.num_rows


def _opened(spec: HistorySpec) -> Source:
    """The history's source: a path (``str`` or ``os.PathLike``, as the inputs take) or a
    frame; anything else is an input error (the caller names ``--history``)."""
    if isinstance(spec.path, (str, os.PathLike)):
        from .open import open_source

        fmt, delimiter, encoding, decimal, storage = spec.reading
        return open_source(
            os.fspath(spec.path), fmt, None, delimiter, encoding, decimal, storage_options=storage
        )
    from .frames import frame_source

    found = frame_source(spec.path, 0)
    if found is None:
        raise InputError(f"{type(spec.path).__name__} is not an input (give a path or a frame)")
    return found
