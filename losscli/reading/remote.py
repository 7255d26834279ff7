"""Inputs named by URL: a single object or file, or a prefix or glob of objects read as one dataset.

The CSV and Parquet sources read a remote object as they read a local file, through a file
object that fetches byte ranges as they are asked for (:class:`Fetching`): Parquet its
footer, then the column chunks of the needed columns (no read-ahead, so nothing else is
fetched); CSV sequentially, a block at a time. Each counts the bytes it fetched, which the
progress bar shows. A source keeps its URL and storage options, never an open connection,
so it pickles and is opened again wherever it is unpickled (a Dask worker).

A prefix (``s3://bucket/preds/``, or a key that is no object but has objects below it) and
a quoted glob form one dataset exactly as a local directory and glob do; HTTP has no
listing, so there a glob or a prefix is a usage error.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Mapping
from typing import Any

from ..errors import InputError, LossCliError, UsageError
from .columns import is_pattern
from .csv_source import CsvSource
from .formats import COMPRESSIONS, PARQUET_MAGIC, SUFFIX_FORMATS, InputKind, compression_of
from .formats import detect as detect_kind
from .parquet_source import ParquetSource
from .source import ShardedSource, Source
from .stores import display, filesystem, remember_url, split, store_error, store_of

# Arrow's buffered reads of a Parquet object, each one range request within a column chunk:
# 8 MiB rather than a local file's 1 MiB, since a request costs a round trip (5M rows from
# moto's server on loopback, --threads 1: 52-61 s wall with 1 MiB, see the report).
PARQUET_READ_BYTES = 8 << 20
CSV_BLOCK_BYTES = 1 << 20  # a CSV object is fetched in ranges of this size, read ahead


class Fetching(io.RawIOBase):
    """A remote file, read by range requests, counting the bytes fetched; a store's failure
    is raised as losscli's error naming the URL (Arrow passes it through unchanged)."""

    def __init__(self, url: str, file: Any, counter: list[int]) -> None:
        self.url, self._file, self._counter = url, file, counter

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return int(self._file.tell())

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self._file.seek(offset, whence))

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._file.read(size)
        except LossCliError:
            raise
        except Exception as exc:
            raise store_error(self.url, exc) from None
        self._counter[0] += len(data)
        return bytes(data)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


class _Remote:
    """What a remote CSV or Parquet source shares: its URL, options, size and fetched bytes."""

    url: str
    options: dict[str, Any]
    _size: int | None
    fetched: list[int]

    def _remote(self, url: str, options: Mapping[str, Any], size: int | None) -> None:
        self.url, self.options, self._size, self.fetched = url, dict(options), size, [0]

    def _open_remote(self, **kwargs: Any) -> Fetching:
        """The object, opened to read (its size taken from the listing where known)."""
        try:
            fs = filesystem(self.url, self.options)
            file = fs.open(object_path(fs, self.url), "rb", size=self._size, **kwargs)
            self._size = file.size
        except LossCliError:
            raise
        except Exception as exc:
            raise store_error(self.url, exc) from None
        return Fetching(self.url, file, self.fetched)

    def size(self) -> int | None:
        return self._size

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without open files, parsed footers or counts: opened anew where it lands."""
        state = dict(vars(self))
        state.update(_file=None, _raw=None, _metadata=None, fetched=[0])
        if "_data" in state:
            state["_data"] = None  # a small CSV object's bytes: fetched again
        return state


class RemoteParquetSource(_Remote, ParquetSource):
    """A Parquet object: its footer, then only the needed columns' chunks, are fetched."""

    read_buffer_bytes = PARQUET_READ_BYTES

    def __init__(self, url: str, options: Mapping[str, Any], size: int | None = None) -> None:
        super().__init__(display(url))
        self._remote(url, options, size)

    def _where(self) -> Any:
        import pyarrow as pa

        return pa.PythonFile(self._open_remote(cache_type="none"), mode="r")

    def progress(self, part: int = 0) -> tuple[int, int | None, str]:
        return self.fetched[0], self._size, "bytes"


class RemoteCsvSource(_Remote, CsvSource):
    """A CSV object (compressed or not), fetched in blocks as the reader goes; its progress
    is the position of the read, in bytes fetched, as a local file's is."""

    sliceable = False  # slices are cut in a local file's bytes

    def __init__(
        self, url: str, kind: InputKind, options: Mapping[str, Any], size: int | None = None,
        **dialect: Any,
    ) -> None:  # fmt: skip
        super().__init__(display(url), kind, None, **dialect)
        self._remote(url, options, size)

    def _stored(self) -> Any:
        """The object as a file; one of a block or less is fetched whole, once, and read from
        memory (the header, the encoding's mark and the rows each read its start again)."""
        import pyarrow as pa

        if self._data is None and self._size is not None and self._size <= CSV_BLOCK_BYTES:
            with self._open_remote(cache_type="none") as whole:
                self._data = pa.py_buffer(whole.read())
        if self._data is not None:
            return pa.BufferReader(self._data)
        return self._open_remote(block_size=CSV_BLOCK_BYTES, cache_type="readahead")

    def _stored_size(self) -> int:
        if self._size is None:
            self._open_remote(cache_type="none").close()
        return self._size or 0


def open_remote(
    url: str,
    input_format: str | None,
    options: Mapping[str, Any],
    dialect: Mapping[str, Any],
) -> Source:
    """The source a URL names: one object, or the objects of a prefix or glob as a dataset."""
    store = store_of(url)
    remember_url(url)
    key = split(display(url))[1]
    sharded = is_pattern(key) or not key or key.endswith("/")
    if not store.lists:
        if sharded:
            raise UsageError(
                f"{display(url)}: HTTP has no listing, so a glob or a directory cannot be "
                "read; name each file, or use the store's own URL (s3://, gs://, az://)"
            )
        return remote_file(url, input_format, options, dialect)
    fs = filesystem(url, options)
    if not sharded:
        info = _info(fs, url)
        if info.get("type") != "directory":
            return remote_file(url, input_format, options, dialect, size=info.get("size"))
    shards = [
        remote_file(shard, input_format, options, dialect, size=size)
        for shard, size in _listed(fs, url)
    ]
    return ShardedSource(display(url), shards)


def remote_file(
    url: str,
    input_format: str | None,
    options: Mapping[str, Any],
    dialect: Mapping[str, Any],
    *,
    size: int | None = None,
) -> Source:
    """The source of one object, by its format (from its suffix, else its first bytes)."""
    kind = _kind(url, input_format, options)
    if kind.format == "parquet":
        return RemoteParquetSource(url, options, size)
    return RemoteCsvSource(url, kind, options, size, **dialect)


def _kind(url: str, input_format: str | None, options: Mapping[str, Any]) -> InputKind:
    shown = display(url)
    stem, suffix = posixpath.splitext(split(shown)[1].lower())
    if suffix in COMPRESSIONS:
        stem, suffix = posixpath.splitext(stem)
    if input_format is not None or suffix in SUFFIX_FORMATS:
        return detect_kind(shown, input_format)
    probe = RemoteParquetSource(url, options)._open_remote(cache_type="none")
    with probe:
        head = probe.read(8)
    if head.startswith(PARQUET_MAGIC):
        return InputKind("parquet", None)
    return InputKind("csv", compression_of(head))


def read_object(url: str, options: Mapping[str, Any]) -> bytes:
    """A whole object (a baseline's JSON); FileNotFoundError where there is none."""
    try:
        fs = filesystem(url, options)
        with fs.open(object_path(fs, url), "rb") as file:
            return bytes(file.read())
    except (FileNotFoundError, LossCliError):
        raise
    except Exception as exc:
        raise store_error(url, exc) from None


def object_path(fs: Any, url: str) -> str:
    """The URL as its file system names the object (no scheme), query kept for HTTP."""
    return url if store_of(url).protocol == "https" else fs._strip_protocol(url)


def _info(fs: Any, url: str) -> dict[str, Any]:
    try:
        return dict(fs.info(object_path(fs, url)))
    except Exception as exc:
        raise store_error(url, exc) from None


def _listed(fs: Any, url: str) -> list[tuple[str, int | None]]:
    """The data objects of a prefix (recursively) or a glob, as URLs with their sizes, sorted;
    one format per prefix, as for a local directory."""
    from .formats import shard_family

    scheme, shown = url.split("://", 1)[0], display(url)
    path, pattern = object_path(fs, url), is_pattern(split(shown)[1])
    try:
        found = fs.glob(path, detail=True) if pattern else fs.find(path.rstrip("/"), detail=True)
    except Exception as exc:
        raise store_error(url, exc) from None
    files = {
        f"{scheme}://{name}": entry.get("size")
        for name, entry in sorted(found.items())
        if entry.get("type") != "directory"
        and not any(part.startswith(".") for part in name.split("/")[1:])
    }
    if pattern and files:  # a glob reads what it matches, as a local glob does
        return list(files.items())
    families: dict[str, list[str]] = {"parquet": [], "csv": []}
    for name in files:
        family = shard_family(name)
        if family is not None:
            families[family].append(name)
    parquet, text = families["parquet"], families["csv"]
    if parquet and text:
        raise InputError(
            f"{shown}: holds both Parquet objects ({parquet[0]}, …) and CSV objects "
            f"({text[0]}, …); a prefix is one dataset of one format: give a glob such as "
            f"'{shown.rstrip('/')}/**/*.parquet'"
        )
    chosen = parquet or text
    if not chosen:
        raise InputError(
            f"{shown}: no Parquet or CSV objects (*.parquet, *.pq, *.csv, *.tsv, also "
            "compressed) match it; check the URL, or give a glob"
        )
    return [(name, files[name]) for name in chosen]
