"""Parquet sources: record batches of just the needed columns, without pre-buffering."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

import pyarrow as pa

from .source import READ_ERRORS, Source, open_error, read_error

BATCH_ROWS = 1 << 18


class ParquetSource(Source):
    def __init__(self, name: str, data: pa.Buffer | None = None) -> None:
        self.name, self._data = name, data
        self._file: Any = None
        self._rows_read = 0

    def _parquet(self) -> Any:
        import pyarrow.parquet as pq

        if self._file is None:
            # Through ParquetFile, also for bytes from stdin: pq.read_table on an in-memory
            # buffer was seen to abort the interpreter at exit (pyarrow 26).
            where = pa.BufferReader(self._data) if self._data is not None else self.name
            try:
                self._file = pq.ParquetFile(where, pre_buffer=False)
            except READ_ERRORS as exc:
                raise open_error(self.name, exc) from exc
        return self._file

    def columns(self) -> list[str]:
        return list(self._parquet().schema_arrow.names)

    def progress(self) -> tuple[int, int | None, str]:
        return self._rows_read, self._parquet().metadata.num_rows, "rows"

    def batches(
        self, columns: Sequence[str], numeric: Collection[str]
    ) -> Iterator[pa.RecordBatch]:
        self._rows_read = 0
        try:
            for batch in self._parquet().iter_batches(batch_size=BATCH_ROWS, columns=list(columns)):
                self._rows_read += batch.num_rows
                yield batch
        except READ_ERRORS as exc:
            raise read_error(self.name, exc) from exc
