"""Which source a command-line argument names: a file, a directory or glob of shards, or ``-``.

Kept apart from ``source`` so that the CSV and Parquet sources can import the base
class without a cycle.
"""

from __future__ import annotations

import glob
import os
import sys
from typing import IO

import pyarrow as pa

from ..errors import InputError
from .columns import is_pattern
from .csv_source import CsvSource
from .formats import STDIN, detect
from .parquet_source import ParquetSource
from .source import ShardedSource, Source


def open_source(
    name: str,
    input_format: str | None = None,
    stdin: IO[bytes] | None = None,
    delimiter: str | None = None,
    encoding: str = "utf8",
    decimal: str = ".",
) -> Source:
    """The source behind a command-line argument: a path, a directory or glob of shards, or
    ``-`` for standard input."""
    data = None
    if name == STDIN:
        data = pa.py_buffer((stdin or sys.stdin.buffer).read())
        if data.size == 0:
            raise InputError("-: standard input is empty; pipe a CSV or Parquet file into losscli")
        if input_format is None and data.size >= 4 and data[:4].to_pybytes() == b"PAR1":
            input_format = "parquet"  # already in memory: its magic bytes tell
    elif os.path.isdir(name) or (is_pattern(name) and not os.path.exists(name)):
        shards = [
            open_source(s, input_format, None, delimiter, encoding, decimal) for s in _shards(name)
        ]
        return ShardedSource(name, shards)
    elif not os.path.exists(name):
        raise InputError(f"{name}: no such file")
    kind = detect(name, input_format)
    if kind.format == "parquet":
        return ParquetSource(name, data)
    return CsvSource(name, kind, data, delimiter, encoding, decimal)


def _shards(name: str) -> list[str]:
    """The files of a directory (Parquet, recursively) or of a glob, sorted."""
    if os.path.isdir(name):
        found = sorted(
            glob.glob(os.path.join(glob.escape(name), "**", "*.parquet"), recursive=True)
            + glob.glob(os.path.join(glob.escape(name), "**", "*.pq"), recursive=True)
        )
        what = "no Parquet files (*.parquet, *.pq)"
    else:
        found = sorted(p for p in glob.glob(name, recursive=True) if os.path.isfile(p))
        what = "no files match it"
    if not found:
        raise InputError(f"{name}: {what}; give a file, a directory of Parquet files, or a glob")
    return found
