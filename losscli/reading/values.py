"""Arrow columns to float64 NumPy arrays, and finding the first bad value for an error message."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pyarrow as pa

from .. import _arrow
from ..errors import InputError

FLOAT64_EXACT = 2**53  # every integer up to this magnitude is exact in float64


def beyond_float64(source: str, column: str, row: int, value: object) -> InputError:
    """The error for an integer float64 cannot hold exactly (CSV and Parquet alike)."""
    return InputError(
        f"{source}: column {column!r}, data row {row}: the integer {value} is beyond 2**53 "
        f"({FLOAT64_EXACT}), which float64, the type losscli computes in, cannot hold "
        "exactly; scale the values or write them as floating point"
    )


def to_float(
    column: pa.Array | pa.ChunkedArray, name: str, source: str, first_row: int = 0
) -> np.ndarray:
    """The column as float64; missing values become NaN. Text is an error, never coerced.

    ``first_row``: the rows of the source before this column's first, for messages.
    """
    kind = column.type
    if pa.types.is_null(kind):  # every value missing: reported as missing values, with counts
        return np.full(len(column), np.nan)
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if not (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_decimal(kind)
    ):
        first = next((v for v in column.to_pylist() if v is not None), None)
        raise InputError(
            f"{source}: column {name!r} holds {kind} values (e.g. {first!r}), not numbers; "
            "choose a numeric column"
        )
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if kind == pa.float64():
        return _arrow.float64(column)  # no cast: Array.cast imports pyarrow.compute (~50 ms)
    try:
        return _arrow.float64(column.cast(pa.float64()))
    except pa.ArrowInvalid as exc:  # integers beyond 2**53 that float64 cannot hold exactly
        if pa.types.is_integer(column.type):
            ints = _arrow.values(column)
            beyond = ints > FLOAT64_EXACT
            if pa.types.is_signed_integer(column.type):
                beyond |= ints < -FLOAT64_EXACT
            missing = _arrow.null_mask(column)
            first = np.flatnonzero(beyond if missing is None else beyond & ~missing)
            if len(first):
                row = int(first[0])
                raise beyond_float64(source, name, first_row + row + 1, ints[row]) from exc
        raise InputError(
            f"{source}: column {name!r}: {exc}. losscli computes in float64; "
            "scale the values or store them as floating point"
        ) from exc


def first_unparsable(
    batches: Iterable[pa.RecordBatch], targets: Mapping[str, pa.DataType], decimal: str = "."
) -> tuple[str, int, str | bytes] | None:
    """(column, 1-based row, text) of the first cell that does not parse as its column's type;
    the text as bytes where it is not UTF-8 (the batches hold binary columns, or strings).

    Uses Arrow's own parser, the one the CSV reader failed with, bisecting for the
    first failing cell; this runs only after a read has already failed. With a decimal
    comma, numbers are parsed as the reader did: ``1,5`` is 1.5 and ``1.5`` is no number.
    """
    offset = 0
    for batch in batches:
        for name, kind in targets.items():
            column = batch.column(name)
            if decimal != "." and pa.types.is_floating(kind):
                column = _decimal_point(column, decimal)
            if not _parses(column, kind):
                lo, hi = 0, len(column) - 1  # invariant: column[:lo] parses, column[:hi+1] does not
                while lo < hi:
                    mid = (lo + hi) // 2
                    fits = _parses(column.slice(0, mid + 1), kind)
                    lo, hi = (mid + 1, hi) if fits else (lo, mid)
                return name, offset + lo + 1, _text(batch.column(name)[lo].as_py())
        offset += batch.num_rows
    return None


def _text(cell: str | bytes) -> str | bytes:
    """A cell's text: a str where it is UTF-8, else its bytes."""
    try:
        return cell.decode() if isinstance(cell, bytes) else cell
    except UnicodeDecodeError:
        return cell


def cell_repr(value: str | bytes) -> str:
    """A cell quoted as Python would, bytes that are not UTF-8 escaped (``'x\\xe9'``)."""
    if isinstance(value, bytes):
        return repr(value.decode(errors="backslashreplace")).replace("\\\\", "\\")
    return repr(value)


def not_a_number(source: str, column: str, row: int, value: str | bytes) -> InputError:
    """A cell that is not a number, shown as written; a byte that is not UTF-8 shown
    escaped (``'x\\xe9'``), with the ``--encoding`` hint."""
    where = f"{source}: column {column!r}, data row {row}"
    if isinstance(value, bytes):
        return InputError(
            f"{where}: {cell_repr(value)} is not a number, nor UTF-8 text; if the file is "
            "in another encoding, pass --encoding with it (e.g. --encoding latin-1), else fix "
            "the value."
        )
    return InputError(
        f"{where}: {value!r} is not a number. Fix the value, or check the delimiter and "
        "decimal mark of the file (--delimiter, --decimal)."
    )


def _decimal_point(texts: pa.Array, decimal: str) -> pa.Array:
    """The texts with ``decimal`` as '.', and any '.' made unparsable (as the reader has it)."""
    import pyarrow.compute as pc

    no_point = pc.replace_substring(texts, ".", "\x00")
    return pc.replace_substring(no_point, decimal, ".")


def _parses(column: pa.Array, kind: pa.DataType) -> bool:
    import pyarrow.compute as pc

    try:
        pc.cast(column, kind)
    except pa.ArrowInvalid:
        return False
    return True
