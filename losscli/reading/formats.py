"""What an input is: its format (csv, tsv, parquet) and compression, from its name or bytes."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import InputError, UsageError

FORMATS = ("csv", "tsv", "parquet")
COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd", ".zstd": "zstd"}
SUFFIX_FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
PARQUET_MAGIC = b"PAR1"
STDIN = "-"


@dataclass(frozen=True)
class InputKind:
    format: str
    compression: str | None


def detect(name: str, input_format: str | None = None) -> InputKind:
    """Format and compression of ``name``; ``input_format`` overrides the suffix."""
    if input_format is not None and input_format not in FORMATS:
        raise UsageError(f"unknown input format {input_format!r}; use one of {', '.join(FORMATS)}")
    if name == STDIN:
        return InputKind(input_format or "csv", None)
    stem, suffix = os.path.splitext(name.lower())
    compression = COMPRESSIONS.get(suffix)
    if compression:
        stem, suffix = os.path.splitext(stem)
    fmt = input_format or SUFFIX_FORMATS.get(suffix) or _sniff(name)
    if fmt == "parquet" and compression:
        raise InputError(f"{name}: a compressed Parquet file cannot be read; decompress it first")
    return InputKind(fmt, compression)


def _sniff(path: str) -> str:
    """Parquet if the file starts with its magic bytes, else CSV."""
    try:
        with open(path, "rb") as handle:
            return "parquet" if handle.read(4) == PARQUET_MAGIC else "csv"
    except OSError:
        return "csv"  # the reader reports the real problem, with the file name
