"""Parquet sources: record batches of just the needed columns, read through a small buffer.

Pages are read through a buffered stream of ``READ_BUFFER_BYTES`` rather than a column
chunk at a time, so memory does not grow with row groups; columns are decoded on the
reading thread, never on Arrow's pool (:data:`ARROW_THREADS`), whatever ``--threads`` says.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Sequence
from typing import IO, Any

import pyarrow as pa

from .source import READ_ERRORS, Source, open_error, read_error

BATCH_ROWS = 1 << 16
BATCH_VALUES = 1 << 20  # numeric values per batch: 10 class columns get 10× fewer rows
READ_BUFFER_BYTES = 1 << 20
# Arrow's thread pool is not used to decode: for the few columns losscli reads, handing each
# batch's columns to the pool costs more than decoding them on the reading thread, which
# overlaps the kernel anyway. Measured on 2 idle cores, 50M rows, whole process, 3 alternating
# runs: overall --threads 1 0.75 s without the pool, 0.93 s with; --threads 2 0.89 against
# 1.04 s; per group (1,000) 1.30 against 1.41 s and 1.66 against 2.00 s (BENCHMARKS.md run 8).
ARROW_THREADS = False


def batch_rows(numeric_columns: int) -> int:
    """Rows per batch, so that a batch's arrays (and the loss math's temporaries) stay small."""
    return max(1, min(BATCH_ROWS, max(BATCH_VALUES // max(numeric_columns, 1), 1 << 14)))


class ParquetSource(Source):
    read_buffer_bytes = READ_BUFFER_BYTES  # a remote object's reads are larger (``remote``)
    row_groups: list[int] | None = None  # a partition's row groups (the Dask engine); None: all
    gathered = True  # a small shard's rows are computed with the next shards' (engine/gather.py)

    def __init__(self, name: str, spool: IO[bytes] | None = None) -> None:
        """``spool``: an open file holding the file's bytes (standard input's copy, which
        has no name to open)."""
        self.name, self._spool = name, spool
        self._file: Any = None  # opened for the schema, kept open for the read that follows
        self._metadata: Any = None  # the footer, parsed once, until the file is read
        self._schema: Any = None  # its Arrow schema, made once (columns, then the read)
        self._rows_read = 0
        self._rows_total: int | None = None

    def _open(self, read_dictionary: Sequence[str] = ()) -> Any:
        """The file, opened to read; a second opening reuses the parsed footer."""
        import pyarrow.parquet as pq

        # Through ParquetFile, also for bytes from stdin: pq.read_table on an in-memory
        # buffer was seen to abort the interpreter at exit (pyarrow 26). A file object
        # rather than a path: resolving a path to a file system costs as much as the read
        # of a small file.
        where: Any = None
        try:
            where = self._where()
            opened = pq.ParquetFile(
                where,
                metadata=self._metadata,
                pre_buffer=False,
                buffer_size=self.read_buffer_bytes,
                read_dictionary=list(read_dictionary) or None,
            )
        except READ_ERRORS as exc:
            if where is not None:
                where.close()
            raise open_error(self.name, exc) from exc
        self._metadata = opened.metadata
        self._rows_total = opened.metadata.num_rows
        if self._schema is None:
            self._schema = opened.schema_arrow
        return opened

    def _where(self) -> Any:
        """The file to read: the spool or the named file. The spool has no name:
        on Linux it is opened anew through /proc (read by Arrow alone, never calling back
        into Python from Arrow's threads), elsewhere through a descriptor of its own."""
        if self._spool is not None:
            opened = f"/proc/self/fd/{self._spool.fileno()}"
            if os.path.exists(opened):
                return pa.OSFile(opened)
            return pa.PythonFile(os.fdopen(os.dup(self._spool.fileno()), "rb"), mode="r")
        return pa.OSFile(self.name)

    def columns(self) -> list[str]:
        if self._file is None:
            self._file = self._open()
        return list(self._schema.names)

    def progress(self, part: int = 0) -> tuple[int, int | None, str]:
        return self._rows_read, self._rows_total, "rows"

    def rows_in_a_batch(self, numeric: Collection[str]) -> int | None:
        rows = self._rows_total
        return rows if rows is not None and rows <= batch_rows(len(numeric)) else None

    def row_group_rows(self) -> list[int]:
        """The rows of each row group, from the footer (the Dask engine's partitions)."""
        if self._file is None:
            self._file = self._open()
        found = self._file.metadata
        return [found.row_group(i).num_rows for i in range(found.num_row_groups)]

    def batches(self, columns: Sequence[str], numeric: Collection[str]) -> Iterator[pa.RecordBatch]:
        self._rows_read = 0
        parquet = self._reading(columns, numeric)
        rows = batch_rows(len(numeric))
        try:
            with parquet:
                for batch in parquet.iter_batches(
                    batch_size=rows,
                    columns=list(columns),
                    use_threads=ARROW_THREADS,
                    row_groups=self.row_groups,
                ):
                    self._rows_read += batch.num_rows
                    yield batch
        except READ_ERRORS as exc:
            raise read_error(self.name, exc) from exc
        finally:  # a dataset of 10,000 shards holds no 10,000 footers
            self._metadata = self._schema = None

    def _reading(self, columns: Sequence[str], numeric: Collection[str]) -> Any:
        """The file to read ``columns`` from: text (group) columns as dictionary codes."""
        opened, self._file = self._file or self._open(), None
        schema = self._schema
        text = [
            c
            for c in columns
            if c not in numeric and c in schema.names and _is_text(schema.field(c).type)
        ]
        if not text:
            return opened
        opened.close()
        return self._open(read_dictionary=text)


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)
