"""Sources of record batches: CSV/TSV (plain or compressed), Parquet, stdin, in-memory tables.

A source knows its column names and streams record batches of just the columns
asked for. Numeric columns are read as float64, group columns as dictionaries.
"""

from __future__ import annotations

import glob
import lzma
import os
import sys
from collections.abc import Collection, Iterator, Sequence
from typing import IO, Any

import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import InputError
from .formats import STDIN, InputKind, detect

BATCH_ROWS = 1 << 18
CSV_BLOCK_BYTES = 8 << 20
_DICT_STRING = pa.dictionary(pa.int32(), pa.string())
READ_ERRORS = (pa.ArrowException, OSError, EOFError, lzma.LZMAError)


class Source:
    """One input, named as the user gave it."""

    name: str

    def columns(self) -> list[str]:
        raise NotImplementedError

    def progress(self) -> tuple[int, int | None, str]:
        """(done, total or None, unit) of the batches read so far: bytes or rows."""
        return 0, None, "rows"

    def batches(
        self, columns: Sequence[str], numeric: Collection[str]
    ) -> Iterator[pa.RecordBatch]:
        raise NotImplementedError


class CsvSource(Source):
    def __init__(self, name: str, kind: InputKind, data: pa.Buffer | None = None) -> None:
        self.name, self.kind, self._data = name, kind, data
        self._delimiter = "\t" if kind.format == "tsv" else ","
        self._first_types: dict[str, pa.DataType] = {}
        self._raw: Any = None  # the file as stored: its position is the progress in bytes

    def _stream(self) -> Any:
        if self._data is not None:
            self._raw = pa.BufferReader(self._data)
            return self._raw
        try:
            if self.kind.compression == "xz":
                self._raw = open(self.name, "rb")  # noqa: SIM115  (closed with the reader)
                return lzma.open(self._raw, "rb")
            self._raw = pa.OSFile(self.name)
            if self.kind.compression:
                return pa.CompressedInputStream(self._raw, self.kind.compression)
            return self._raw
        except (OSError, pa.ArrowException) as exc:
            raise open_error(self.name, exc) from exc

    def progress(self) -> tuple[int, int | None, str]:
        size = self._data.size if self._data is not None else os.path.getsize(self.name)
        done = 0 if self._raw is None or self._raw.closed else self._raw.tell()
        return done, size, "bytes"

    def _reader(self, convert: pacsv.ConvertOptions, block_size: int) -> pacsv.CSVStreamingReader:
        """A streaming reader; opening it already parses the first block."""
        return pacsv.open_csv(
            self._stream(),
            read_options=pacsv.ReadOptions(block_size=block_size),
            parse_options=pacsv.ParseOptions(delimiter=self._delimiter),
            convert_options=convert,
        )

    def columns(self) -> list[str]:
        try:
            with self._reader(pacsv.ConvertOptions(), 1 << 16) as reader:
                self._first_types = {f.name: f.type for f in reader.schema}
                return list(reader.schema.names)
        except READ_ERRORS as exc:
            raise read_error(self.name, exc) from exc

    def _numeric_type(self, column: str) -> pa.DataType:
        """float64, or bool where the first block holds true/false (binary labels)."""
        if pa.types.is_boolean(self._first_types.get(column, pa.float64())):
            return pa.bool_()
        return pa.float64()

    def batches(
        self, columns: Sequence[str], numeric: Collection[str]
    ) -> Iterator[pa.RecordBatch]:
        types = {c: (self._numeric_type(c) if c in numeric else _DICT_STRING) for c in columns}
        convert = pacsv.ConvertOptions(include_columns=list(columns), column_types=types)
        try:
            with self._reader(convert, CSV_BLOCK_BYTES) as reader:
                yield from reader
        except READ_ERRORS as exc:
            raise self._conversion_error(exc, columns, numeric) from exc

    def _conversion_error(
        self, exc: Exception, columns: Sequence[str], numeric: Collection[str]
    ) -> InputError:
        """Name the column, row and value behind a failed conversion (a second, diagnostic pass)."""
        if "conversion error" not in str(exc):
            return read_error(self.name, exc)
        from .values import first_unparsable

        as_text = {c: pa.string() for c in columns}
        convert = pacsv.ConvertOptions(include_columns=list(columns), column_types=as_text,
                                       strings_can_be_null=True)
        try:
            with self._reader(convert, CSV_BLOCK_BYTES) as text:
                found = first_unparsable(text, [c for c in columns if c in numeric])
        except READ_ERRORS:
            found = None
        if found is None:
            return read_error(self.name, exc)
        column, row, value = found
        return InputError(
            f"{self.name}: column {column!r}, row {row}: {value!r} is not a number. "
            "Fix the value, or check the delimiter and decimal mark of the file."
        )


class ParquetSource(Source):
    def __init__(self, name: str, data: pa.Buffer | None = None) -> None:
        self.name, self._data = name, data
        self._file: Any = None
        self._rows_read = 0

    def _parquet(self) -> Any:
        import pyarrow.parquet as pq

        if self._file is None:
            where = pa.BufferReader(self._data) if self._data is not None else self.name
            try:
                self._file = pq.ParquetFile(where, pre_buffer=False)
            except (OSError, pa.ArrowException) as exc:
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


class TableSource(Source):
    """An in-memory Arrow table (from a pandas DataFrame in the Python API)."""

    def __init__(self, name: str, table: pa.Table) -> None:
        self.name, self._table = name, table

    def columns(self) -> list[str]:
        return list(self._table.column_names)

    def batches(
        self, columns: Sequence[str], numeric: Collection[str]
    ) -> Iterator[pa.RecordBatch]:
        yield from self._table.select(list(columns)).to_batches(max_chunksize=BATCH_ROWS)


class ShardedSource(Source):
    """Several files read as one dataset: a directory of Parquet files, or a quoted glob."""

    def __init__(self, name: str, shards: list[Source]) -> None:
        self.name, self.shards = name, shards
        self._current = 0

    def columns(self) -> list[str]:
        return self.shards[0].columns()

    def progress(self) -> tuple[int, int | None, str]:
        parts = [shard.progress() for shard in self.shards]
        done = sum(p[0] for p in parts)
        totals = [p[1] for p in parts]
        total = None if None in totals else sum(t for t in totals if t is not None)
        return done, total, parts[0][2]

    def batches(
        self, columns: Sequence[str], numeric: Collection[str]
    ) -> Iterator[pa.RecordBatch]:
        for shard in self.shards:
            missing = [c for c in columns if c not in shard.columns()]
            if missing:
                raise InputError(f"{self.name}: shard {shard.name} has no column "
                                 f"{', '.join(map(repr, missing))}; every shard needs the same "
                                 "columns")
            yield from shard.batches(columns, numeric)


def open_source(
    name: str, input_format: str | None = None, stdin: IO[bytes] | None = None
) -> Source:
    """The source behind a command-line argument: a path, a directory or glob of shards, or
    ``-`` for standard input."""
    data = None
    if name == STDIN:
        data = pa.py_buffer((stdin or sys.stdin.buffer).read())
        if data.size == 0:
            raise InputError("-: standard input is empty; pipe a CSV or Parquet file into losscli")
    elif os.path.isdir(name) or (_is_glob(name) and not os.path.exists(name)):
        return ShardedSource(name, [open_source(s, input_format) for s in _shards(name)])
    elif not os.path.exists(name):
        raise InputError(f"{name}: no such file")
    kind = detect(name, input_format)
    if kind.format == "parquet":
        return ParquetSource(name, data)
    return CsvSource(name, kind, data)


def _is_glob(name: str) -> bool:
    return any(ch in name for ch in "*?[")


def _shards(name: str) -> list[str]:
    """The files of a directory (Parquet, recursively) or of a glob, sorted."""
    if os.path.isdir(name):
        found = sorted(glob.glob(os.path.join(glob.escape(name), "**", "*.parquet"),
                                 recursive=True)
                       + glob.glob(os.path.join(glob.escape(name), "**", "*.pq"), recursive=True))
        what = "no Parquet files (*.parquet, *.pq)"
    else:
        found = sorted(p for p in glob.glob(name, recursive=True) if os.path.isfile(p))
        what = "no files match it"
    if not found:
        raise InputError(f"{name}: {what}; give a file, a directory of Parquet files, or a glob")
    return found


def open_error(name: str, exc: Exception) -> InputError:
    if isinstance(exc, PermissionError):
        return InputError(f"{name}: permission denied; check the file's read permission")
    if isinstance(exc, FileNotFoundError):
        return InputError(f"{name}: no such file")
    return read_error(name, exc)


def read_error(name: str, exc: Exception) -> InputError:
    """An input error for a reader failure, in words a user can act on."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "Empty CSV file" in text:
        return InputError(f"{name}: the file is empty; expected a header line and data rows")
    if "magic bytes" in text or "Parquet file size is 0" in text:
        return InputError(f"{name}: not a valid Parquet file (corrupt or truncated)")
    if isinstance(exc, (EOFError, lzma.LZMAError)) or "gzip" in text.lower():
        return InputError(f"{name}: the compressed data is corrupt or truncated ({text})")
    return InputError(f"{name}: cannot read the file: {text}")


