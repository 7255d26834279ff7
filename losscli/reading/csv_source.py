"""CSV and TSV sources: streamed by pyarrow, projected to the needed columns, typed explicitly.

Blocks grow when a header or a field does not fit one (a file of 100,000 columns,
a 20 MB cell); a read that outgrew its block resumes at the row it had reached.
Failures are turned into messages naming the file, column, row and value.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .. import _arrow
from ..errors import EnvironmentFailure, InputError
from . import csv_slices
from .csv_slices import SlicedRead
from .formats import InputKind, text_encoding
from .source import READ_ERRORS, Source, decompressed, open_error, read_error
from .values import FLOAT64_EXACT, beyond_float64, cell_repr, not_a_number

# A block is a batch, and a batch one chunk of the fold, whose fixed cost (~0.45 ms) 1 MiB
# blocks paid 640 times per 10M rows. Idle, 10M rows: 2 MiB 0.1 s faster than 1 MiB, overall
# and per group (4 per 8 MiB slice keep two parsing threads busy); 4 MiB less CPU, but slower.
BLOCK_BYTES = 2 << 20
HEADER_BLOCK_BYTES = 1 << 16
MAX_BLOCK_BYTES = 1 << 30
DICT_STRING = pa.dictionary(pa.int32(), pa.string())
SUSPECT_DELIMITERS = (",", ";", "\t", "|")
INTEGER = re.compile(r"[+-]?[0-9]+")


class CsvSource(Source):
    empty_is_missing = True
    sliceable = True  # a large local file may be read in slices (a remote one is not)

    def __init__(
        self,
        name: str,
        kind: InputKind,
        data: pa.Buffer | None = None,
        delimiter: str | None = None,
        encoding: str = "utf8",
        decimal: str = ".",
        *,
        first_row: int = 0,
        first_types: dict[str, pa.DataType] | None = None,
        block_bytes: int | None = None,
    ) -> None:
        """``first_row``: the data rows before this text (a later chunk of standard input),
        added to the rows its errors name; ``first_types``: the types the first block of
        the whole input showed (true/false labels), where this text is not its start;
        ``block_bytes``: the block to read the batches in (a chunk of standard input
        whole, so that its rows make one batch, as the block of a file does)."""
        self.name, self.kind, self._data, self.encoding = name, kind, data, encoding
        self.decimal = decimal
        self.delimiter = delimiter or ("\t" if kind.format == "tsv" else ",")
        self.first_row, self.block_bytes = first_row, block_bytes
        self._first_types: dict[str, pa.DataType] = dict(first_types or {})
        self._raw: Any = None  # the file as stored: its position is the progress in bytes
        self._done = 0  # the bytes read, as last seen by progress()
        self._bom_codec: str | None = None  # "" when the text has no UTF-16/32 byte-order mark

    def _stream(self) -> Any:
        try:
            self._raw = self._stored()
            return decompressed(self._raw, self.kind.compression)
        except (OSError, pa.ArrowException) as exc:
            raise open_error(self.name, exc) from exc

    def _stored(self) -> Any:
        """The bytes as stored: standard input's buffer, or the file (for xz, a Python file)."""
        if self._data is not None:
            return pa.BufferReader(self._data)
        if self.kind.compression == "xz":
            return open(self.name, "rb")  # closed with the reader
        return pa.OSFile(self.name)

    def _codec(self) -> str:
        """The encoding to decode with: UTF-16 or UTF-32 where the text starts with their
        byte-order mark (no other encoding starts so), else ``--encoding``'s."""
        if self._bom_codec is None:
            try:
                stream = self._stream()
                head = stream.read(4)
                stream.close()
                self._raw.close()
            except READ_ERRORS:
                head = b""  # the reader reports the real problem
            self._bom_codec = text_encoding(head) or ""
        return self._bom_codec or self.encoding

    def _reader(
        self, convert: pacsv.ConvertOptions, block: int, skip: int = 0, offset: int = 0
    ) -> Any:
        """A streaming reader; opening it already parses the first block. ``offset``: the
        byte of an uncompressed file it starts at (a line's start, after the header)."""
        codec = self._codec()  # before the stream: a first call peeks at the file's start
        names = self.columns() if offset else None
        stream = self._stream()
        if offset:
            stream.seek(offset)
        return pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(
                block_size=block, skip_rows_after_names=skip, encoding=codec, column_names=names
            ),
            parse_options=parse_options(self.delimiter),
            convert_options=convert,
        )

    def _stored_size(self) -> int:
        """The size of the bytes as stored."""
        return self._data.size if self._data is not None else os.path.getsize(self.name)

    def size(self) -> int | None:
        return self._stored_size()

    def progress(self, part: int = 0) -> tuple[int, int | None, str]:
        size = self._stored_size()
        try:
            if self._raw is not None and not self._raw.closed:
                self._done = self._raw.tell()
        except (ValueError, OSError):  # closed by the reader thread meanwhile (between the
            pass  # check and tell: "lseek failed"): the last position stands
        return self._done, size, "bytes"

    def columns(self) -> list[str]:
        block = HEADER_BLOCK_BYTES
        while True:
            try:
                with self._reader(pacsv.ConvertOptions(), block) as reader:
                    schema = reader.schema
                    names = list(schema.names)  # decoding them may fail: not UTF-8
                break
            except READ_ERRORS as exc:
                # A header larger than the block reads as an empty file, or a straddling one.
                header_cut = "Empty CSV file" in str(exc) or _outgrew(exc, block)
                if header_cut and block < self._size_hint():
                    block *= 16
                    continue
                raise self._error(exc, (), ()) from exc
        self._first_types = {f.name: f.type for f in schema}
        self._check_delimiter(names)
        return names

    @property
    def first_types(self) -> dict[str, pa.DataType]:
        """The types the first block showed (after :meth:`columns`)."""
        return dict(self._first_types)

    def batches(self, columns: Sequence[str], numeric: Collection[str]) -> Iterator[pa.RecordBatch]:
        types = {c: (self._numeric_type(c) if c in numeric else DICT_STRING) for c in columns}
        convert = pacsv.ConvertOptions(
            include_columns=list(columns), column_types=types, decimal_point=self.decimal
        )
        block, rows, offset, before = self.block_bytes or BLOCK_BYTES, 0, 0, 0
        if self._sliceable():
            sliced = SlicedRead(
                self.name, self.columns(), parse=parse_options(self.delimiter),
                convert=convert, block=block,
            )  # fmt: skip
            for batch in sliced:
                self._raw = sliced.file
                self._refuse_big_integers(batch, numeric, rows)
                rows += batch.num_rows
                yield batch
            if sliced.done:
                return
            offset, before = sliced.offset, rows  # the rest streamed, from there
        while True:
            try:
                with self._reader(convert, block, skip=rows - before, offset=offset) as reader:
                    for batch in reader:
                        self._refuse_big_integers(batch, numeric, rows)
                        rows += batch.num_rows
                        yield batch
                return
            except READ_ERRORS as exc:
                if _outgrew(exc, block) and block < MAX_BLOCK_BYTES:
                    block *= 8  # resume at the row reached, with larger blocks
                    continue
                raise self._error(exc, columns, numeric) from exc

    def _sliceable(self) -> bool:
        """Whether the file is read in slices (:mod:`.csv_slices`): a large, uncompressed
        file of UTF-8 text (the streamed read transcodes other encodings as it goes), where
        pyarrow has more than one thread (on one, slices cost CPU and save nothing)."""
        return (
            pa.cpu_count() > 1
            and self.sliceable
            and self._data is None
            and self.kind.compression is None
            and codecs.lookup(self._codec()).name == "utf-8"
            and os.path.getsize(self.name) >= csv_slices.MIN_FILE_BYTES
        )

    def _refuse_big_integers(
        self, batch: pa.RecordBatch, numeric: Collection[str], rows: int
    ) -> None:
        """Integers beyond 2⁵³ were rounded by the float64 parse: an input error, as in Parquet.

        Only a chunk holding a value of that magnitude is looked at again, as text. Its
        highest and lowest values say whether it does: two passes that make no array (NaN
        is passed over), on the reading thread for every batch.
        """
        for name in batch.schema.names:
            column = batch.column(name)
            if name not in numeric or column.type != pa.float64() or not len(column):
                continue
            values = _arrow.values(column)
            highest, lowest = np.fmax.reduce(values), np.fmin.reduce(values)
            if not (highest >= FLOAT64_EXACT or lowest <= -FLOAT64_EXACT):
                continue
            large = np.flatnonzero(np.abs(values) >= FLOAT64_EXACT)
            texts = self._texts(name, rows, int(large[-1]) + 1)
            for index in large:
                text = (texts[index] or "").strip()
                if INTEGER.fullmatch(text) and abs(int(text)) > FLOAT64_EXACT:
                    raise beyond_float64(self.name, name, self.first_row + rows + index + 1, text)

    def _texts(self, column: str, skip: int, count: int) -> list[str | None]:
        """The text of ``count`` cells of ``column`` after the first ``skip`` data rows."""
        convert = pacsv.ConvertOptions(include_columns=[column], column_types={column: pa.string()})
        texts: list[str | None] = []
        reading = self._raw  # the main read's file, whose position is the progress
        with self._reader(convert, BLOCK_BYTES, skip=skip) as reader:
            for batch in reader:
                texts += batch.column(0).to_pylist()
                if len(texts) >= count:
                    break
        self._raw = reading
        return texts

    def _numeric_type(self, column: str) -> pa.DataType:
        """float64, or bool where the first block holds true/false (binary labels)."""
        if not self._first_types:
            self.columns()  # reads the first block, and its inferred types
        if pa.types.is_boolean(self._first_types.get(column, pa.float64())):
            return pa.bool_()
        return pa.float64()

    def _size_hint(self) -> int:
        if self._data is not None:
            return self._data.size
        return max(self._stored_size() * 20, HEADER_BLOCK_BYTES)  # compressed files expand

    def _check_delimiter(self, names: list[str]) -> None:
        if len(names) != 1:
            return
        for mark in SUSPECT_DELIMITERS:
            if mark != self.delimiter and mark in names[0]:
                shown = "\\t" if mark == "\t" else mark
                raise InputError(
                    f"{self.name}: the header has one column, {names[0]!r}: the file "
                    f"looks separated by '{shown}'; pass --delimiter '{shown}'"
                )

    def _error(
        self, exc: Exception, columns: Sequence[str], numeric: Collection[str]
    ) -> InputError | EnvironmentFailure:
        """Name the column, row and value behind a failed read (diagnostic passes, if needed)."""
        text = str(exc)
        if not _wide(self._codec()) and self._looks_binary():
            return InputError(
                f"{self.name}: not a text CSV file (it holds binary data); if it is text in "
                "an encoding such as UTF-16 without a byte-order mark, pass --encoding "
                "(e.g. --encoding utf-16-le)"
            )
        if isinstance(exc, UnicodeError) or "invalid UTF8" in text:
            return InputError(
                f"{self.name}: the file is not {self.encoding} text; pass "
                "--encoding with its encoding (e.g. --encoding latin-1)"
            )
        if "conversion error" in text and numeric:
            found = self._diagnose(lambda: self._first_unparsable(columns, numeric))
            if found is not None:
                column, row, value = found
                row += self.first_row
                if pa.types.is_boolean(self._numeric_type(column)):
                    return InputError(
                        f"{self.name}: column {column!r} begins with true/false labels, but "
                        f"data row {row} holds {cell_repr(value)}; a label column holds numbers or "
                        "true/false, "
                        "not both"
                    )
                return not_a_number(self.name, column, row, value)
        match = re.search(r"Expected (\d+) columns, got (\d+)", text)
        if match:
            header = self._diagnose(self._header)
            if header is not None:
                self._check_delimiter(header)
            row = self._diagnose(self._first_ragged_row)
            where = f"data row {self.first_row + row}" if row else "a data row"
            found, expected = int(match.group(2)), match.group(1)
            return InputError(
                f"{self.name}: {where} has {found} field{'s' if found != 1 else ''} where "
                f"the header has {expected}; every row needs one field per column (check "
                "the delimiter and quoting)"
            )
        return read_error(self.name, exc)

    def _diagnose(self, find: Any) -> Any:
        try:
            return find()
        except (*READ_ERRORS, csv.Error):
            return None

    def _first_unparsable(
        self, columns: Sequence[str], numeric: Collection[str]
    ) -> tuple[str, int, str | bytes] | None:
        from .values import first_unparsable

        as_text = {c: pa.binary() for c in columns}  # bytes: the cell may not be UTF-8
        convert = pacsv.ConvertOptions(
            include_columns=list(columns), column_types=as_text, strings_can_be_null=True
        )
        targets = {c: self._numeric_type(c) for c in columns if c in numeric}
        with self._reader(convert, BLOCK_BYTES) as text:
            return first_unparsable(text, targets, self.decimal)

    def _header(self) -> list[str]:
        lines = io.TextIOWrapper(self._stream(), encoding=self._codec(), newline="")
        return next(csv.reader(lines, delimiter=self.delimiter), [])

    def _first_ragged_row(self) -> int | None:
        """The 1-based data row (blank lines skipped, as the reader does) whose field count
        differs from the header's."""
        lines = io.TextIOWrapper(self._stream(), encoding=self._codec(), newline="")
        rows = csv.reader(lines, delimiter=self.delimiter)
        width = len(next(rows, []))
        for number, row in enumerate(filter(None, rows), start=1):
            if len(row) != width:
                return number
        return None

    def _looks_binary(self) -> bool:
        try:
            return b"\0" in self._stream().read(4096)
        except READ_ERRORS:
            return False


def parse_options(delimiter: str) -> pacsv.ParseOptions:
    """The dialect read (Arrow's quoting: ``"``, doubled inside a quoted field)."""
    return pacsv.ParseOptions(delimiter=delimiter)


def _wide(encoding: str) -> bool:
    """Whether text in this encoding holds NUL bytes (UTF-16, UTF-32): not a sign of binary."""
    return codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))


def _outgrew(exc: Exception, block: int) -> bool:
    """A field larger than the block: pyarrow says 'straddling object'."""
    return "straddling" in str(exc)
