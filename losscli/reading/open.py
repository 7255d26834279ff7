"""Which source a command-line argument names: a file, a directory or glob of shards, or ``-``.

Kept apart from ``source`` so that the CSV and Parquet sources can import the base
class without a cycle.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import stat
import sys
from collections.abc import Mapping
from typing import IO, Any

from ..errors import InputError, MissingFile
from .columns import is_pattern
from .formats import STDIN, detect, shard_family
from .source import ShardedSource, Source


def open_source(
    name: str,
    input_format: str | None = None,
    stdin: IO[bytes] | None = None,
    delimiter: str | None = None,
    encoding: str = "utf8",
    decimal: str = ".",
    *,
    storage_options: Mapping[str, Any] | None = None,
) -> Source:
    """The source behind a command-line argument: a path, a directory or glob of shards,
    ``-`` for standard input, or a URL (an object, a prefix or glob of objects, a file on a
    web server), reached with ``storage_options`` (``reading.stores``)."""
    if "://" in name:
        from .remote import open_remote
        from .stores import is_url

        if is_url(name):
            text = {"delimiter": delimiter, "encoding": encoding, "decimal": decimal}
            return open_remote(name, input_format, storage_options or {}, text)
    if name == STDIN:  # streamed (CSV) or spooled to disk (Parquet): never held in memory
        from .stdin import open_stdin

        return open_stdin(
            stdin or sys.stdin.buffer, input_format, delimiter, encoding=encoding, decimal=decimal
        )
    found = _looked_up(name)  # one look a path (500 files given one by one: 500, not 1,000)
    if _sharded_by(name, found):
        dialect = (delimiter, encoding, decimal)
        return ShardedSource(name, [_file(s, input_format, *dialect) for s in _shards(name)])
    if found is None:
        raise MissingFile(name)
    return _file(name, input_format, delimiter, encoding, decimal)


def input_files(name: str) -> list[str]:
    """The files a command-line argument reads: itself, or the files its directory or glob
    expands to, as the reader expands them; none for ``-`` or for a name that names nothing
    readable (the reader says what is wrong with it)."""
    if name == STDIN or "://" in name:
        return []  # an object is compared by its URL (``output_guard``)
    if _is_sharded(name):
        try:
            return _shards(name)
        except InputError:
            return []
    return [name] if os.path.exists(name) else []


def would_read(name: str, path: str) -> bool:
    """Whether the directory or glob argument ``name`` would read a file at ``path``, were
    one there, by the rule it is expanded with (``_shards``): a path the glob matches, or
    a data file (``shard_family``) below the directory, outside hidden directories."""
    if "://" in name or "://" in path:
        return _url_would_read(name, path)
    if name == STDIN or not _is_sharded(name):
        return False
    if os.path.isdir(name):
        return shard_family(path) is not None and _matches(_directory_pattern(name), path)
    return _matches(name, path)


def _url_would_read(name: str, path: str) -> bool:
    """``would_read`` for URLs: a glob's match, or a data object below a prefix (a key that
    is no object may be one), in the same store and bucket."""
    from .stores import is_url, normalised

    if not (is_url(name) and is_url(path)):
        return False
    arg, target = normalised(name), normalised(path)
    if is_pattern(arg):
        return _match_names(arg.split("/"), target.split("/"))
    return shard_family(target) is not None and target.startswith(arg.rstrip("/") + "/")


def _matches(pattern: str, path: str) -> bool:
    """Whether ``glob.glob(pattern, recursive=True)`` would list ``path`` were it a file. The
    pattern's literal head and the path's directory are compared resolved (symlinks)."""
    parts = os.path.abspath(pattern).split(os.sep)
    head = next((i for i, part in enumerate(parts) if is_pattern(part)), len(parts))
    base = os.path.realpath(os.sep.join(parts[:head]) or os.sep)
    target = os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(path))),
                          os.path.basename(path))  # fmt: skip
    if os.path.commonpath([base, target]) != base:
        return False
    names = [] if target == base else os.path.relpath(target, base).split(os.sep)
    return _match_names(parts[head:], names)


def _match_names(parts: list[str], names: list[str]) -> bool:
    """Glob's rule, name by name: ``**`` spans any number of names but hidden ones; another
    part matches one name, a hidden one only if the part starts with a dot."""
    if not parts:
        return not names
    if parts[0] == "**":
        spans = range(len(names) + 1)
        return any(
            _match_names(parts[1:], names[i:])
            for i in spans
            if not any(n.startswith(".") for n in names[:i])
        )
    if not names or (names[0].startswith(".") and not parts[0].startswith(".")):
        return False
    return fnmatch.fnmatch(names[0], parts[0]) and _match_names(parts[1:], names[1:])


def _is_sharded(name: str) -> bool:
    """Whether ``name`` is a directory or glob of shards (a file named like a glob is a file)."""
    return _sharded_by(name, _looked_up(name))


def _sharded_by(name: str, found: os.stat_result | None) -> bool:
    """:func:`_is_sharded`, given what ``name`` names (:func:`_looked_up`)."""
    if found is not None:
        return stat.S_ISDIR(found.st_mode)
    return is_pattern(name)


def _looked_up(name: str) -> os.stat_result | None:
    """What ``name`` names, followed through links; None where nothing is there (where
    ``os.path.exists`` is False: ``os.path.isdir`` too)."""
    try:
        return os.stat(name)
    except (OSError, ValueError):
        return None


def _file(
    name: str,
    input_format: str | None,
    delimiter: str | None,
    encoding: str,
    decimal: str,
) -> Source:
    """The source of one file, by its format (whose reader is imported here: a Parquet run
    needs no CSV parser, a CSV run no Parquet reader)."""
    kind = detect(name, input_format)
    if kind.format == "parquet":
        from .parquet_source import ParquetSource

        return ParquetSource(name)
    from .csv_source import CsvSource

    return CsvSource(name, kind, None, delimiter, encoding, decimal)


def _shards(name: str) -> list[str]:
    """The files of a directory (recursively) or of a glob, sorted."""
    if os.path.isdir(name):
        return _directory_shards(name)
    found = sorted(p for p in glob.glob(name, recursive=True) if os.path.isfile(p))
    if not found:
        raise InputError(
            f"{name}: no files match it; give a file, a directory of Parquet or CSV files, "
            "or a glob"
        )
    return found


def _directory_pattern(directory: str) -> str:
    """The glob of a directory's files, recursively (hidden ones left out, as glob does)."""
    return os.path.join(glob.escape(directory), "**", "*")


def _directory_shards(directory: str) -> list[str]:
    """A directory's data files, recursively: all Parquet, or all CSV/TSV (compressed or not).

    One format per directory: a directory mixing Parquet with CSV is refused, naming one
    of each, since which files make the dataset would be a guess.
    """
    found: dict[str, list[str]] = {"parquet": [], "csv": []}
    for path in glob.glob(_directory_pattern(directory), recursive=True):
        if os.path.isfile(path):
            family = shard_family(path)
            if family is not None:
                found[family].append(path)
    parquet, text = sorted(found["parquet"]), sorted(found["csv"])
    if parquet and text:
        raise InputError(
            f"{directory}: holds both Parquet files ({parquet[0]}, …) and CSV files "
            f"({text[0]}, …); a directory is one dataset of one format: move one kind "
            f"elsewhere, or give a glob such as '{directory}/**/*.parquet'"
        )
    if not parquet and not text:
        raise InputError(
            f"{directory}: no Parquet or CSV files (*.parquet, *.pq, *.csv, *.tsv, also "
            "compressed); give a file, a directory of such files, or a glob"
        )
    return parquet or text
