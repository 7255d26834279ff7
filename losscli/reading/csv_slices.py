"""A large plain CSV file read in slices of whole lines, each parsed by pyarrow's threaded reader.

pyarrow's streaming reader (``open_csv``) parses one block after another on one thread;
its threaded reader (``read_csv``) parses the blocks of a text in parallel but holds the
whole table. A file is therefore cut into slices of about :data:`SLICE_BYTES` of whole
lines, each read whole by ``read_csv``: the same parser, options and values as the
streamed read, in memory bounded by a slice, on pyarrow's CPU pool.

A slice is cut after its last line feed, which ends a line wherever no quoted field
spans it: a slice holding a quote character, or no line feed, is not read here, and
neither is one the parser refuses. The read stops before it, and the caller streams
the rest of the file from there, so that every error is the streamed reader's, found
and worded as it always was.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from .source import READ_ERRORS

SLICE_BYTES = 8 << 20  # 8 blocks of 1 MiB: two threads kept busy (16 MiB: more CPU and memory)
MIN_FILE_BYTES = 2 * SLICE_BYTES  # smaller files are streamed: one slice has nothing to share
TAIL_BYTES = 1 << 16  # where a slice's last line feed is looked for first


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

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        with open(self.path, "rb", buffering=0) as file:
            self.file, size = file, os.fstat(file.fileno()).st_size
            while self.offset < size:
                data = self._slice(file, size)
                table = self._table(data) if data is not None else None
                if table is None:
                    return  # the streamed read goes on from here
                self.offset += data.size  # type: ignore[union-attr]
                yield from table.to_batches()
            self.done = True

    def _slice(self, file: BinaryIO, size: int) -> pa.Buffer | None:
        """The whole lines from :attr:`offset` on, about a slice of them (the rest of the
        file at its end); None where they cannot be cut simply (see the module)."""
        file.seek(self.offset)
        text = file.read(min(SLICE_BYTES, size - self.offset))
        end = len(text)
        if self.offset + end < size:
            end = text.rfind(b"\n", max(0, end - TAIL_BYTES)) + 1
            if not end:
                return None  # a long line: streamed, its blocks growing to hold it
        quote = self.parse.quote_char
        if quote and text.find(quote.encode(), 0, end) >= 0:
            return None
        return pa.py_buffer(text).slice(0, end)

    def _table(self, data: pa.Buffer) -> pa.Table | None:
        """The slice's rows (the first slice's first line is the header); None if refused."""
        options = pacsv.ReadOptions(
            block_size=self.block, column_names=self.names if self.offset else None
        )
        try:
            return pacsv.read_csv(
                pa.BufferReader(data),
                read_options=options,
                parse_options=self.parse,
                convert_options=self.convert,
            )
        except READ_ERRORS:
            return None
