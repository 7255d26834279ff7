"""A large plain CSV file read in slices of whole blocks, each parsed by pyarrow's threaded reader.

pyarrow's streaming reader (``open_csv``) parses one block after another on one thread;
its threaded reader (``read_csv``) parses the blocks of a text in parallel but holds the
whole table. A file is therefore read in slices of about :data:`SLICE_BYTES`, each read
whole by ``read_csv``: the same parser and options, in memory bounded by a slice, on
pyarrow's CPU pool. The blocks are the streamed read's too, so the batches hold the
same rows and the sums the same bits: the reader reads the file ``block`` bytes at a
time and parses each block up to its last line end, so a slice ends where the streamed
read ends a block (after the last line end before a multiple of ``block``), and it is
handed to ``read_csv`` through a file whose first read stops at that multiple.

Where no quoted field spans it, a line end is found from the end of the bytes
(:func:`.lines.line_end_before`): a slice holding a quote character, or no line end,
is not read here, and neither is one the parser refuses. The read stops before it,
and the caller streams the rest of the file from there, so that every error is the
streamed reader's, found and worded as it always was.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from .lines import line_end_before
from .source import READ_ERRORS

SLICE_BYTES = 8 << 20  # 4 blocks of 2 MiB: two threads kept busy (16 MiB: more CPU and memory)
MIN_FILE_BYTES = 2 * SLICE_BYTES  # smaller files are streamed: one slice has nothing to share
UNIFIED_VALUES = 1 << 16  # a text column's dictionary is shared by the batches up to this size


class SlicedRead:
    """The batches of ``path`` slice by slice, until a slice cannot be read so (then
    :attr:`done` stays False, and the streamed read takes over at :attr:`offset`)."""

    def __init__(
        self,
        path: str,
        names: Sequence[str],
        *,
        parse: pacsv.ParseOptions,
        convert: pacsv.ConvertOptions,
        block: int,
    ) -> None:
        self.path, self.names, self.parse, self.convert = path, list(names), parse, convert
        self.block = block
        self.file: BinaryIO | None = None  # its position is the progress in bytes
        self.offset, self.done = 0, False  # the bytes of the slices read
        self._dictionaries: dict[str, pa.Array] = {}  # a text column's values so far, in order

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        """The slices' batches; the next slice is read and parsed on a thread of its own
        while these are handed on (else the parse would wait for the caller's work)."""
        with (
            open(self.path, "rb", buffering=0) as file,
            ThreadPoolExecutor(1, thread_name_prefix="losscli-csv-slices") as pool,
        ):
            self.file, size = file, os.fstat(file.fileno()).st_size
            ahead = pool.submit(self._parsed, file, size, self.offset)
            try:
                while self.offset < size:
                    parsed = ahead.result()
                    if parsed is None:
                        return  # the streamed read goes on from here
                    length, batches = parsed
                    self.offset += length
                    if self.offset < size:
                        ahead = pool.submit(self._parsed, file, size, self.offset)
                    yield from batches
                self.done = True
            finally:
                ahead.cancel()

    def _parsed(
        self, file: BinaryIO, size: int, offset: int
    ) -> tuple[int, list[pa.RecordBatch]] | None:
        """The length and batches of the slice at ``offset``; None if it is not read here."""
        data = self._slice(file, size, offset)
        table = self._table(data, offset) if data is not None else None
        if data is None or table is None:
            return None
        batches = self._unified(table).to_batches()
        if offset % self.block:  # the first read, up to the block: no rows
            batches = batches[1:]
        return len(data), batches

    def _unified(self, table: pa.Table) -> pa.Table:
        """``table`` with each text column's batches sharing one dictionary: the values of
        the slices before, in the order they came, then this slice's new ones in the order
        they come (the order in which the fold gives them ids). The fold then looks a
        dictionary up once while it stays the same (:class:`~..engine.key_index.ColumnIndex`),
        not once per batch. Given up for a column past :data:`UNIFIED_VALUES` values (the
        values known would be hashed again for every slice)."""
        for index, column in enumerate(table.columns):
            name = table.column_names[index]
            if not pa.types.is_dictionary(column.type) or column.num_chunks == 0:
                continue
            known = self._dictionaries.get(name)
            if known is not None and len(known) > UNIFIED_VALUES:
                continue
            chunks = column.chunks
            if known is not None:
                empty = column.chunk(0).indices.slice(0, 0)
                chunks = [pa.DictionaryArray.from_arrays(empty, known), *chunks]
            unified = pa.chunked_array(chunks, type=column.type).unify_dictionaries()
            self._dictionaries[name] = unified.chunk(0).dictionary
            if known is not None:
                unified = pa.chunked_array(unified.chunks[1:], type=column.type)
            table = table.set_column(index, name, unified)
        return table

    def _slice(self, file: BinaryIO, size: int, offset: int) -> memoryview | None:
        """The blocks from ``offset`` on, to the last line end before the multiple of
        ``block`` about a slice on (the rest of the file at its end); None where they
        cannot be cut simply (see the module)."""
        blocks = max(1, SLICE_BYTES // self.block)
        limit = (offset // self.block + blocks) * self.block
        file.seek(offset)
        text = file.read(min(limit, size) - offset)
        end = line_end_before(text, len(text)) if limit < size else len(text)
        if not end:
            return None  # a long line: streamed, its blocks growing to hold it
        quote = self.parse.quote_char
        if quote and text.find(quote.encode(), 0, end) >= 0:
            return None
        return memoryview(text)[:end]

    def _table(self, data: memoryview, offset: int) -> pa.Table | None:
        """The slice's rows (the first slice's first line is the header); None if refused."""
        options = pacsv.ReadOptions(
            block_size=self.block, column_names=self.names if offset else None
        )
        first = -offset % self.block  # the bytes up to the block the streamed read has
        try:
            return pacsv.read_csv(
                pa.PythonFile(_FirstReadShort(data, first), mode="r"),
                read_options=options,
                parse_options=self.parse,
                convert_options=self.convert,
            )
        except READ_ERRORS:
            return None


class _FirstReadShort(io.RawIOBase):
    """Bytes read as asked, but the first read stops after ``first`` of them (if any)."""

    def __init__(self, data: memoryview, first: int) -> None:
        self._data, self._at, self._first = data, 0, first

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> memoryview:
        if size < 0:
            size = len(self._data) - self._at
        if self._at == 0 and self._first:
            size = min(size, self._first)
        part = self._data[self._at : self._at + size]
        self._at += len(part)
        return part  # no copy: pyarrow takes any buffer
