"""In-memory inputs of the Python API as sources: pandas and polars DataFrames (and polars
LazyFrames, collected), Arrow tables, record batches and record-batch readers, and Dask
DataFrames.

Each is recognised by its type's module, so that none of those libraries is imported
unless the input is one of its objects. A record-batch reader is streamed (it can be read
once); a Dask DataFrame is computed a partition at a time by the local engine, and
folded partition by partition on the workers by the Dask engine
(:mod:`~losscli.engine.distributed`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

import pyarrow as pa

from ..errors import UsageError
from .source import TABLE_BATCH_ROWS, Source, TableSource


class FrameSource(TableSource):
    """An in-memory Arrow table, whole (the Dask engine cuts it into slices)."""

    def __init__(self, name: str, table: pa.Table) -> None:
        super().__init__(name, table)
        self.table = table

    def read_all(self) -> pa.Table:
        return self.table


class ReaderSource(Source):
    """A record-batch reader, streamed once (the Dask engine reads it whole first)."""

    def __init__(self, name: str, reader: pa.RecordBatchReader) -> None:
        self.name, self._reader = name, reader

    def columns(self) -> list[str]:
        return list(self._reader.schema.names)

    def batches(self, columns: Sequence[str], numeric: Collection[str]) -> Iterator[pa.RecordBatch]:
        for batch in self._reader:
            yield batch.select(list(columns))

    def read_all(self) -> pa.Table:
        return self._reader.read_all()


class DaskFrameSource(Source):
    """A Dask DataFrame: each partition computed and read in turn (locally), or folded on
    the workers (the Dask engine, which reads ``frame`` itself)."""

    def __init__(self, name: str, frame: Any) -> None:
        self.name, self.frame = name, frame

    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def batches(self, columns: Sequence[str], numeric: Collection[str]) -> Iterator[pa.RecordBatch]:
        for index in range(self.frame.npartitions):
            part = self.frame.partitions[index][list(columns)].compute()
            table = pa.Table.from_pandas(part, preserve_index=False)
            yield from table.to_batches(max_chunksize=TABLE_BATCH_ROWS)


def frame_source(item: Any, index: int) -> Source | None:
    """The source of an in-memory input, or None if ``item`` is none of those known."""
    module = type(item).__module__.split(".")[0]
    name = f"DataFrame[{index}]"
    if isinstance(item, pa.Table):
        return FrameSource(f"Table[{index}]", item)
    if isinstance(item, pa.RecordBatch):
        return FrameSource(f"Table[{index}]", pa.Table.from_batches([item]))
    if isinstance(item, pa.RecordBatchReader):
        return ReaderSource(f"RecordBatchReader[{index}]", item)
    if module == "polars":
        collected = item.collect() if hasattr(item, "collect") else item
        return FrameSource(name, collected.to_arrow())
    if module.startswith("dask") and hasattr(item, "npartitions"):
        return DaskFrameSource(name, item)
    if hasattr(item, "columns") and hasattr(item, "dtypes"):  # pandas, or alike
        return FrameSource(name, pa.Table.from_pandas(item, preserve_index=False))
    return None


def is_frame(item: Any) -> bool:
    """Whether ``item`` is one in-memory input (not a list of inputs)."""
    if isinstance(item, (pa.Table, pa.RecordBatch, pa.RecordBatchReader)):
        return True
    if type(item).__module__.split(".")[0] == "polars":  # a LazyFrame's columns cost a plan
        return True
    return hasattr(item, "columns")


def unknown(item: Any) -> UsageError:
    return UsageError(
        f"cannot evaluate a {type(item).__name__}; give a path, a pandas or polars "
        "DataFrame, an Arrow table or record-batch reader, or a Dask DataFrame"
    )
