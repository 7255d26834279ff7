"""What a source of record batches is, and which source an argument names.

A source knows its column names and streams record batches of just the columns
asked for; numeric columns come as float64 (or bool), group columns as dictionaries.
Sources: CSV/TSV (``csv_source``), Parquet (``parquet_source``), in-memory tables,
and several shards read as one dataset. Standard input is streamed (``stdin``).
"""

from __future__ import annotations

import errno
import itertools
import lzma
import os
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import pyarrow as pa

from ..errors import EnvironmentFailure, InputError, MissingFile

TABLE_BATCH_ROWS = 1 << 18
READ_ERRORS = (pa.ArrowException, OSError, EOFError, lzma.LZMAError, UnicodeError)
OUT_OF_FILES = (errno.EMFILE, errno.ENFILE)


class Source:
    """One input, named as the user gave it."""

    name: str
    empty_is_missing = False  # True where an empty text cell means a missing value (CSV)
    gathered = False  # a small one read in one batch is computed with others (engine/gather.py)

    def columns(self) -> list[str]:
        raise NotImplementedError

    def progress(self, part: int = 0) -> tuple[int, int | None, str]:
        """(done, total or None, unit) of the batches read so far, bytes or rows, while
        reading ``part`` (an index into :meth:`parts`)."""
        return 0, None, "rows"

    def parts(self) -> list[Source]:
        """The files this input is read from, one after the other: itself, or its shards."""
        return [self]

    def rows_in_a_batch(self, numeric: Collection[str]) -> int | None:
        """Its rows, where they are known before it is read and one batch of ``numeric``
        columns holds them all (a Parquet footer's count, once opened); else None."""
        return None

    def size(self) -> int | None:
        """The bytes of the file as stored (a remote object's, as listed), if known."""
        return os.path.getsize(self.name)

    def batches(self, columns: Sequence[str], numeric: Collection[str]) -> Iterator[pa.RecordBatch]:
        raise NotImplementedError


class TableSource(Source):
    """An in-memory Arrow table (from a pandas DataFrame in the Python API)."""

    def __init__(self, name: str, table: pa.Table) -> None:
        self.name, self._table = name, table

    def columns(self) -> list[str]:
        return list(self._table.column_names)

    def batches(self, columns: Sequence[str], numeric: Collection[str]) -> Iterator[pa.RecordBatch]:
        yield from self._table.select(list(columns)).to_batches(max_chunksize=TABLE_BATCH_ROWS)


class ShardedSource(Source):
    """Several files read as one dataset: a directory of Parquet files, or a quoted glob."""

    def __init__(self, name: str, shards: list[Source]) -> None:
        self.name, self.shards = name, shards
        self._before: list[int] | None = None  # bytes of the shards before each

    def columns(self) -> list[str]:
        return self.shards[0].columns()

    @property
    def empty_is_missing(self) -> bool:  # type: ignore[override]
        return all(shard.empty_is_missing for shard in self.shards)

    def progress(self, part: int = 0) -> tuple[int, int | None, str]:
        """Bytes: the shards before ``part`` whole, and ``part`` by its share read so far
        (the shards' sizes are looked up once, so each report costs the same)."""
        if self._before is None:
            sizes = [shard.size() or 0 for shard in self.shards]
            self._before = list(itertools.accumulate(sizes, initial=0))
        done, total, _ = self.shards[part].progress()
        size = self._before[part + 1] - self._before[part]
        share = min(done / total, 1.0) if total else 0.0
        return self._before[part] + round(share * size), self._before[-1], "bytes"

    def parts(self) -> list[Source]:
        return self.shards

    def batches(self, columns: Sequence[str], numeric: Collection[str]) -> Iterator[pa.RecordBatch]:
        for shard in self.shards:
            yield from shard.batches(columns, numeric)


def decompressed(raw: Any, compression: str | None) -> Any:
    """``raw`` (an Arrow or Python binary file) read through its decompressor: xz by
    Python's lzma (Arrow has none), any other by Arrow; unchanged without compression."""
    if compression == "xz":
        return lzma.open(raw, "rb")
    if compression:
        native = raw if isinstance(raw, pa.NativeFile) else pa.PythonFile(raw, mode="r")
        return pa.CompressedInputStream(native, compression)
    return raw


def _open_files_limit() -> str:
    try:
        import resource  # its module is a file to open too: there may be no room left
    except ImportError:
        return "no more"
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return "any number" if soft == resource.RLIM_INFINITY else f"{soft:,}"


def open_error(name: str, exc: Exception) -> InputError | EnvironmentFailure:
    if isinstance(exc, PermissionError):
        return InputError(f"{name}: permission denied; check the file's read permission")
    if isinstance(exc, FileNotFoundError):
        return MissingFile(name)
    return read_error(name, exc)


def read_error(name: str, exc: Exception) -> InputError | EnvironmentFailure:
    """An input error for a reader failure, in words a user can act on; the process out of
    open files is the machine's limit, not the input's fault (exit 4)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if getattr(exc, "errno", None) in OUT_OF_FILES or "too many open files" in text.lower():
        return EnvironmentFailure(
            f"{name}: cannot open the file: too many open files (this process may open "
            f"{_open_files_limit()}); raise the limit (ulimit -n) or lower --threads"
        )
    if "Empty CSV file" in text:
        return InputError(f"{name}: the file is empty; expected a header line and data rows")
    if any(
        sign in text
        for sign in ("magic bytes", "Parquet file size is 0", "thrift", "Parquet", "parquet")
    ):
        return InputError(f"{name}: not a valid Parquet file (corrupt or truncated)")
    if isinstance(exc, (EOFError, lzma.LZMAError)) or any(
        sign in text.lower()
        for sign in ("gzip", "zlib", "inflate", "compressed", "bz2", "zstd", "lzma")
    ):
        return InputError(f"{name}: the compressed data is corrupt or truncated ({text})")
    return InputError(f"{name}: cannot read the file: {text}")
