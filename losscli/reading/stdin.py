"""Standard input, read in bounded memory: CSV streamed, Parquet spooled to disk.

CSV (compressed or not: the magic bytes of a peeked prefix tell, and the text is
decompressed as it streams) is cut into chunks of whole lines of about a block each,
where the file reader cuts its blocks (after the last line end outside a quoted field:
see :mod:`.lines`), the header line put before each, and every chunk parsed as a small
in-memory file; its errors name the row counted from the start of the input, so a
message reads as it does for a file. Text in another encoding than UTF-8 (latin-1,
UTF-16, ...) is transcoded to UTF-8 as it streams, as the file reader transcodes before
it cuts its blocks. Parquet is read from its end (the
footer), which a pipe cannot do: it is copied to an anonymous temporary file (one
without a name, so that nothing is left behind however the run ends) and read there.
"""

from __future__ import annotations

import codecs
import io
import shutil
import tempfile
from collections.abc import Collection, Iterator, Sequence
from typing import IO, Any, cast

import pyarrow as pa

from ..errors import EnvironmentFailure, InputError
from . import csv_source
from .csv_source import CsvSource, parse_options
from .formats import STDIN, InputKind, detect, text_encoding
from .lines import last_line_end, line_ends, unclosed_quote
from .parquet_source import ParquetSource
from .source import READ_ERRORS, Source, decompressed, read_error

PEEK_BYTES = 8  # enough for every magic number: Parquet, gzip, bz2, xz, zstd
BUFFER_BYTES = 1 << 20


def chunk_bytes() -> int:
    """Bytes read per chunk: a file's block (so rows per batch, and values, are the same)."""
    return csv_source.BLOCK_BYTES


def open_stdin(
    stream: IO[bytes],
    input_format: str | None,
    delimiter: str | None,
    *,
    encoding: str,
    decimal: str,
) -> Source:
    """The source of standard input, its format told by its first bytes."""
    head = _read_full(stream, PEEK_BYTES)
    if not head:
        raise InputError("-: standard input is empty; pipe a CSV or Parquet file into losscli")
    kind = detect(STDIN, input_format, head)
    whole = io.BufferedReader(_Prefixed(head, stream), BUFFER_BYTES)
    if kind.format == "parquet":
        return ParquetSource(STDIN, spool=_spool(whole))
    text = _decompressed(whole, kind.compression)
    start = _read_full(text, 4)
    codec = text_encoding(start) or encoding
    text = io.BufferedReader(_Prefixed(start, text), BUFFER_BYTES)
    if codecs.lookup(codec).name != "utf-8":
        text = io.BufferedReader(_Transcoded(text, codec), BUFFER_BYTES)
    return StdinCsvSource(
        InputKind(kind.format, None), text, delimiter, encoding=codec, decimal=decimal
    )


class StdinCsvSource(Source):
    """CSV text from standard input, read once, chunk by chunk (see the module's text);
    ``text`` is UTF-8, transcoded from ``encoding`` (named in its errors) if need be."""

    empty_is_missing = True

    def __init__(
        self,
        kind: InputKind,
        text: IO[bytes],
        delimiter: str | None,
        *,
        encoding: str,
        decimal: str,
    ) -> None:
        self.name, self.kind, self._text = STDIN, kind, text
        self._dialect = (delimiter, encoding, decimal)
        self._parse = parse_options(delimiter or ("\t" if kind.format == "tsv" else ","))
        self._carry = b""  # the text read past the last whole line
        self._header = b""
        self._first: CsvSource | None = None  # the first chunk, read for the header
        self._read = 0  # bytes of text read so far
        self._ahead: bytes | None = None  # the block after the last one returned
        self._at_end = False

    def columns(self) -> list[str]:
        if self._first is None:
            data = self._next_chunk()
            self._header = data[: next(iter(line_ends(data, self._parse)), len(data))]
            self._first = self._chunk(data, 0, None)
        return self._first.columns()

    def progress(self, part: int = 0) -> tuple[int, int | None, str]:
        return self._read, None, "bytes"

    def batches(self, columns: Sequence[str], numeric: Collection[str]) -> Iterator[pa.RecordBatch]:
        self.columns()
        assert self._first is not None
        first, self._first = self._first, None  # read once: the chunk is let go of after
        types, rows = first.first_types, 0
        source: CsvSource | None = first
        while source is not None:
            for batch in source.batches(columns, numeric):
                rows += batch.num_rows
                yield batch
            data = self._next_chunk()
            source = self._chunk(self._header + data, rows, types) if data else None

    def _chunk(self, data: bytes, rows: int, types: dict[str, Any] | None) -> CsvSource:
        """The chunk ``data`` (its header line first), after ``rows`` data rows."""
        if self._at_end:
            self._refuse_unclosed_quote(data, rows)
        delimiter, _, decimal = self._dialect
        return CsvSource(
            self.name,
            self.kind,
            pa.py_buffer(data),
            delimiter,
            "utf8",
            decimal,
            first_row=rows,
            first_types=types,
            block_bytes=max(chunk_bytes(), len(data)),
        )

    def _next_chunk(self) -> bytes:
        """The next whole lines, about :func:`chunk_bytes` of them (b"" at the end): cut after
        the last line end outside a quoted field, as the CSV reader cuts a file's blocks
        (the chunk starts at a line's start, so nothing before it is quoted); a longer
        line whole."""
        data = self._carry + self._read_more()
        while not self._at_end:
            cut = last_line_end(data, self._parse)
            if cut:
                self._carry = data[cut:]
                return data[:cut]
            if len(data) > csv_source.MAX_BLOCK_BYTES:
                raise InputError(
                    f"{self.name}: a line longer than {csv_source.MAX_BLOCK_BYTES >> 20} MiB "
                    f"begins {_shown(data)}; is a quoted field never closed? Double the "
                    'quotes inside a quoted field ("")'
                )
            data += self._read_more()  # a line longer than a chunk
        self._carry = b""
        return data  # the end: the last line need not end in a newline

    def _refuse_unclosed_quote(self, data: bytes, rows: int) -> None:
        """The last chunk ending inside a quoted field would be read as one last row, that
        field holding the rest of the input: an input error, naming where it opens."""
        opened = unclosed_quote(data, self._parse)
        if opened is None:
            return
        row = rows + len(line_ends(data[:opened], self._parse))  # the header's line too
        raise InputError(
            f"{self.name}: data row {row}: the quoted field beginning {_shown(data[opened:])} "
            "is never closed, and would hold the rest of the input; close it, or double "
            'the quotes inside a quoted field ("")'
        )

    def _read_more(self) -> bytes:
        """The next block, the one after it read ahead: the file reader, too, knows its last
        block (and takes its last line whole, ended or not) by the next read's finding none."""
        if self._at_end:
            return b""
        data = self._read_block() if self._ahead is None else self._ahead
        self._ahead = self._read_block() if len(data) == chunk_bytes() else b""
        self._at_end = not self._ahead
        return data

    def _read_block(self) -> bytes:
        try:
            data = _read_full(self._text, chunk_bytes())
        except UnicodeError as exc:
            raise InputError(
                f"{self.name}: the input is not {self._dialect[1]} text ({exc}); pass "
                "--encoding with its encoding (e.g. --encoding latin-1)"
            ) from exc
        except READ_ERRORS as exc:
            raise read_error(self.name, exc) from exc
        self._read += len(data)
        return data


class _Prefixed(io.RawIOBase):
    """The bytes already taken from a stream (to look at them), then the rest of it."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._head[: len(buffer)] if self._head else self._rest.read(len(buffer))
        self._head = self._head[len(data) :]
        buffer[: len(data)] = data
        return len(data)


class _Transcoded(io.RawIOBase):
    """Text in another encoding (latin-1, UTF-16, ...) as UTF-8, decoded as it streams."""

    def __init__(self, source: IO[bytes], codec: str) -> None:
        self._source, self._decoder = source, codecs.getincrementaldecoder(codec)()
        self._pending, self._done = b"", False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending and not self._done:
            raw = self._source.read(BUFFER_BYTES)
            self._done = not raw
            self._pending = self._decoder.decode(raw, final=self._done).encode("utf-8")
        data, self._pending = self._pending[: len(buffer)], self._pending[len(buffer) :]
        buffer[: len(data)] = data
        return len(data)


def _decompressed(stream: IO[bytes], compression: str | None) -> IO[bytes]:
    opened = decompressed(stream, compression)
    if isinstance(opened, pa.NativeFile):  # Arrow's decompressor, read as a Python file
        return io.BufferedReader(_Prefixed(b"", opened), BUFFER_BYTES)
    return cast(IO[bytes], opened)


def _spool(stream: IO[bytes]) -> IO[bytes]:
    """A copy of ``stream`` in an anonymous temporary file (in $TMPDIR), read from its start."""
    spool = tempfile.TemporaryFile(prefix="losscli-stdin-")  # noqa: SIM115 - returned open
    try:
        shutil.copyfileobj(stream, spool, BUFFER_BYTES)
        spool.seek(0)
    except OSError as exc:
        spool.close()
        raise EnvironmentFailure(
            f"-: cannot copy the Parquet data from standard input to a temporary file in "
            f"{tempfile.gettempdir()}: {exc.strerror or exc}; set TMPDIR to a directory "
            "with room, or give the file's path instead of -"
        ) from exc
    except BaseException:
        spool.close()
        raise
    return spool


def _shown(data: bytes) -> str:
    """The start of a line or field, for a message."""
    return repr(data[:40].decode("utf-8", errors="replace"))


def _read_full(stream: IO[bytes], size: int) -> bytes:
    """``size`` bytes, or fewer at the end: a pipe hands over what it has so far."""
    parts, got = [], 0
    while got < size:
        part = stream.read(size - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)
