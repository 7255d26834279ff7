"""Parquet sources: record batches of just the needed columns, without pre-buffering."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

import pyarrow as pa

from .source import READ_ERRORS, Source, open_error, read_error

BATCH_ROWS = 1 << 18
BATCH_VALUES = 1 << 20  # numeric values per batch: 10 class columns get 10× fewer rows


def batch_rows(numeric_columns: int) -> int:
    """Rows per batch, so that a batch's arrays (and the loss math's temporaries) stay small."""
    return max(1, min(BATCH_ROWS, max(BATCH_VALUES // max(numeric_columns, 1), 1 << 14)))


class ParquetSource(Source):
    def __init__(self, name: str, data: pa.Buffer | None = None) -> None:
        self.name, self._data = name, data
        self._file: Any = None
        self._rows_read = 0

    def _parquet(self, read_dictionary: Sequence[str] = ()) -> Any:
        import pyarrow.parquet as pq

        if self._file is None or read_dictionary:
            # Through ParquetFile, also for bytes from stdin: pq.read_table on an in-memory
            # buffer was seen to abort the interpreter at exit (pyarrow 26).
            where = pa.BufferReader(self._data) if self._data is not None else self.name
            try:
                self._file = pq.ParquetFile(
                    where, pre_buffer=False, read_dictionary=list(read_dictionary) or None
                )
            except READ_ERRORS as exc:
                raise open_error(self.name, exc) from exc
        return self._file

    def columns(self) -> list[str]:
        return list(self._parquet().schema_arrow.names)

    def progress(self) -> tuple[int, int | None, str]:
        return self._rows_read, self._parquet().metadata.num_rows, "rows"

    def batches(self, columns: Sequence[str], numeric: Collection[str]) -> Iterator[pa.RecordBatch]:
        self._rows_read = 0
        schema = self._parquet().schema_arrow
        text = [
            c
            for c in columns
            if c not in numeric
            and (
                pa.types.is_string(schema.field(c).type)
                or pa.types.is_large_string(schema.field(c).type)
            )
        ]
        try:
            parquet = self._parquet(read_dictionary=text)  # group keys as dictionary codes
            rows = batch_rows(len(numeric))
            for batch in parquet.iter_batches(batch_size=rows, columns=list(columns)):
                self._rows_read += batch.num_rows
                yield batch
        except READ_ERRORS as exc:
            raise read_error(self.name, exc) from exc
