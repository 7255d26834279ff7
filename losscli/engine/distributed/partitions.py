"""An input cut into partitions, each with its first row in its part and in its input.

Parquet files are cut at row groups, several to a partition up to :data:`PARTITION_ROWS`
rows; their footers, read on the workers (a task per :data:`FOOTERS_PER_TASK` files),
give every row group's rows, so every partition's first row is known before any data
is read. A CSV file is one partition: its row positions in a dataset of several files
matter only to the bootstrap, which then counts each file's rows first (a pre-pass on the
workers that parses one column of every file but the last: measured at about the CPU of the
run itself, since parsing the text is most of a CSV run's cost). An in-memory table is cut
into slices, scattered to the workers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from ...errors import LossCliError
from ...reading import Source
from ..run import Options, Work
from .tasks import Failed, Partition, count_rows

PARTITION_ROWS = 1 << 22  # rows of a partition, at most (a bigger row group is one of its own)
FOOTERS_PER_TASK = 64


def partitions(
    client: Any, source: Source, work: Work, options: Options, reading: tuple[Any, ...]
) -> tuple[list[Partition], list[Any]]:
    """The partitions of ``source`` in reading order, and beside each the future of its
    rows where the source is in memory (else None)."""
    if hasattr(source, "frame"):  # a Dask DataFrame: its own partitions
        return _frame_partitions(client, source)
    if hasattr(source, "read_all"):  # an in-memory table or a record-batch reader
        return _table_partitions(client, source)
    parts = [getattr(part, "url", part.name) for part in source.parts()]  # a URL's query too
    kinds = [_is_parquet(part) for part in source.parts()]
    groups = _row_groups(client, parts, kinds, reading)
    rows = _part_rows(client, parts, groups, work, options, reading)
    found: list[Partition] = []
    positions = itertools.accumulate(rows, initial=0)
    for part_index, (name, position) in enumerate(zip(parts, positions, strict=False)):
        cut = groups[part_index]
        if cut is None:
            found.append(Partition(len(found), name, part_index, 0, position, reading=reading))
            continue
        for first_row, chosen in _grouped(cut):
            rows_in = sum(cut[i] for i in chosen)
            at = (first_row, position + first_row)
            found.append(Partition(len(found), name, part_index, *at, chosen, rows_in, reading))
    return found, [None] * len(found)


def _is_parquet(part: Source) -> bool:
    from ...reading.parquet_source import ParquetSource

    return isinstance(part, ParquetSource)


def _row_groups(
    client: Any, parts: list[str], kinds: list[bool], reading: tuple[Any, ...]
) -> list[list[int] | None]:
    """Each Parquet part's rows per row group (None for a CSV part), from the footers."""
    parquet = [name for name, kind in zip(parts, kinds, strict=True) if kind]
    batches = [parquet[i : i + FOOTERS_PER_TASK] for i in range(0, len(parquet), FOOTERS_PER_TASK)]
    futures = [client.submit(footer_rows, batch, reading, pure=False) for batch in batches]
    read = iter([rows for batch in map(_raised, client.gather(futures)) for rows in batch])
    return [next(read) if kind else None for kind in kinds]


def footer_rows(names: Sequence[str], reading: tuple[Any, ...]) -> list[list[int]] | Failed:
    """On a worker: the rows of each row group of each named Parquet file."""
    from ...inputs import reopen

    found = []
    try:
        for name in names:
            source = reopen(name, reading)
            found.append(source.row_group_rows())  # type: ignore[attr-defined]
    except LossCliError as exc:
        return Failed.of(exc)
    return found


def _raised(found: Any) -> Any:
    """A worker's result, or the losscli error it failed with, raised here."""
    if isinstance(found, Failed):
        raise found.error()
    return found


def _part_rows(
    client: Any,
    parts: list[str],
    groups: list[list[int] | None],
    work: Work,
    options: Options,
    reading: tuple[Any, ...],
) -> list[int]:
    """Each part's rows: a Parquet file's from its footer; a CSV file's counted on the
    workers where the bootstrap needs its rows' positions in a dataset of several files
    (else 0: no other value depends on them)."""
    counting = options.uncertainty.resampling is not None and len(parts) > 1
    column = work.plan.needed[0]
    futures = {
        i: client.submit(count_rows, Partition(0, name, i, reading=reading), column, pure=False)
        for i, name in enumerate(parts)
        if groups[i] is None and counting and i < len(parts) - 1
    }
    counts = map(_raised, client.gather(list(futures.values())))
    counted = dict(zip(futures, counts, strict=True))
    return [sum(cut) if cut is not None else counted.get(i, 0) for i, cut in enumerate(groups)]


def _grouped(rows: list[int]) -> list[tuple[int, tuple[int, ...]]]:
    """Row groups gathered in order up to :data:`PARTITION_ROWS` rows: (first row, groups)."""
    found: list[tuple[int, tuple[int, ...]]] = []
    chosen: list[int] = []
    first = taken = 0
    for index, count in enumerate(rows):
        if chosen and taken + count > PARTITION_ROWS:
            found.append((first, tuple(chosen)))
            first, chosen, taken = first + taken, [], 0
        chosen.append(index)
        taken += count
    if chosen or not found:
        found.append((first, tuple(chosen)))
    return found


def _table_partitions(client: Any, source: Any) -> tuple[list[Partition], list[Any]]:
    """An in-memory table in slices of :data:`PARTITION_ROWS` rows, scattered."""
    table = source.read_all()
    starts = range(0, max(table.num_rows, 1), PARTITION_ROWS)
    slices = [table.slice(start, PARTITION_ROWS) for start in starts]
    futures = client.scatter(slices, hash=False)
    found = [
        Partition(i, source.name, 0, start, start, rows=min(PARTITION_ROWS, table.num_rows - start))
        for i, start in enumerate(starts)
    ]
    return found, list(futures)


def _frame_partitions(client: Any, source: Any) -> tuple[list[Partition], list[Any]]:
    """A Dask DataFrame's partitions, computed on the workers and kept there: their lengths
    first (for each one's first row), then each folded where it lies."""
    futures = client.compute(source.frame.to_delayed())
    lengths = client.gather(client.map(len, futures, pure=False))
    starts = itertools.accumulate(lengths, initial=0)
    found = [Partition(i, source.name, 0, start, start) for i, start in enumerate(starts)][:-1]
    return found, list(futures)


def tasks(found: list[Partition], limit: int | None = None) -> list[list[int]]:
    """The partitions (their indexes) each task folds: consecutive ones whose rows add up
    to ``limit`` at most, so that 100,000 small files are not 100,000 tasks (a task costs
    the scheduler about a millisecond); one of unknown rows (a CSV file) alone."""
    limit = PARTITION_ROWS if limit is None else limit
    grouped: list[list[int]] = []
    taken = limit + 1
    for index, partition in enumerate(found):
        rows = partition.rows
        if rows is None or not grouped or taken + rows > limit or len(grouped[-1]) >= 1024:
            grouped.append([index])
            taken = limit + 1 if rows is None else rows
        else:
            grouped[-1].append(index)
            taken += rows
    return grouped
