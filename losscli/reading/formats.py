"""What an input is: its format (csv, tsv, parquet) and compression, from its name or bytes."""

from __future__ import annotations

import os

from ..errors import InputError, UsageError
from ..records import datarecord

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
COMPRESSION_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}
# Byte-order marks, longest first (UTF-32 LE begins with UTF-16 LE's), and the codec that
# decodes the text after them (the codec consumes the mark).
TEXT_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
STDIN = "-"


@datarecord(frozen=True)
class InputKind:
    format: str
    compression: str | None


def detect(name: str, input_format: str | None = None, head: bytes = b"") -> InputKind:
    """Format and compression of ``name``; ``input_format`` overrides the suffix.

    Standard input has no name to tell: its first bytes (``head``) do, by the magic
    bytes of Parquet or of a compression format.
    """
    if input_format is not None and input_format not in FORMATS:
        raise UsageError(f"unknown input format {input_format!r}; use one of {', '.join(FORMATS)}")
    if name == STDIN:
        compression = compression_of(head)
        if input_format is None and head.startswith(PARQUET_MAGIC):
            return InputKind("parquet", None)
        if compression and input_format == "parquet":
            raise InputError(
                f"{name}: a compressed Parquet file cannot be read; decompress it first"
            )
        return InputKind(input_format or "csv", compression)
    stem, suffix = os.path.splitext(name.lower())
    compression = COMPRESSIONS.get(suffix)
    if compression:
        stem, suffix = os.path.splitext(stem)
    fmt = input_format or SUFFIX_FORMATS.get(suffix) or _sniff(name)
    if fmt == "parquet" and compression:
        raise InputError(f"{name}: a compressed Parquet file cannot be read; decompress it first")
    return InputKind(fmt, compression)


def shard_family(path: str) -> str | None:
    """'parquet' or 'csv' (.csv, .tsv, .tab, compressed or not) by a file's suffix, else None:
    a directory's .txt files are taken for notes, not data."""
    stem, suffix = os.path.splitext(path.lower())
    if suffix in COMPRESSIONS:
        stem, suffix = os.path.splitext(stem)
        return "csv" if suffix in (".csv", ".tsv", ".tab") else None
    if suffix in (".parquet", ".pq"):
        return "parquet"
    return "csv" if suffix in (".csv", ".tsv", ".tab") else None


def compression_of(head: bytes) -> str | None:
    """The compression whose magic bytes ``head`` starts with, if any."""
    return next((c for magic, c in COMPRESSION_MAGIC.items() if head.startswith(magic)), None)


def text_encoding(head: bytes) -> str | None:
    """The UTF-16 or UTF-32 codec named by a byte-order mark at the start of ``head``."""
    return next((codec for bom, codec in TEXT_BOMS if head.startswith(bom)), None)


def _sniff(path: str) -> str:
    """Parquet if the file starts with its magic bytes, else CSV."""
    try:
        with open(path, "rb") as handle:
            return "parquet" if handle.read(4) == PARQUET_MAGIC else "csv"
    except OSError:
        return "csv"  # the reader reports the real problem, with the file name
