"""Group keys in the order a result shows them, and as the values it shows, a whole
column at a time: a million groups cost no Python work per group.

The order is this: numbers, and text that Python's ``float`` reads
as a number, in numeric order; then other text; then NaN and infinities; then missing
keys; ties in the order of the text. Other types (dates, booleans, decimals) keep their
own order. A key is shown as read, except that an empty CSV cell is a missing key and a
non-finite number is text (JSON has no NaN).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from .. import _arrow
from ..result.key_column import KeyColumn

_SPACE = r"[\t\n\x0b\x0c\r ]"
_DIGITS = r"\d(?:_?\d)*"
_NUMBER = (
    rf"^{_SPACE}*[+-]?(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})"
    rf"(?:[eE][+-]?{_DIGITS})?{_SPACE}*$"
)
_NON_FINITE = rf"(?i)^{_SPACE}*[+-]?(?:inf|infinity|nan){_SPACE}*$"
_MAYBE_UNICODE_NUMBER = r"\p{Nd}"  # non-ASCII text float() may read: checked one by one
NUMBER, TEXT, NON_FINITE, MISSING = 0, 1, 2, 3  # the classes, in order


def key_order(columns: Sequence[pa.Array], ids: np.ndarray, empty_is_missing: bool) -> np.ndarray:
    """``ids`` (indices into every column) in the order their keys are shown. One integer
    column without missing keys is in the order of its numbers alone, and NumPy's stable
    sort finds it (ties in the order of ``ids``, as Arrow's) without Arrow's comparator of
    three parts per row (a million keys: ~2/3 of the time, BENCHMARKS.md run 20a)."""
    import pyarrow.compute as pc

    if not columns or len(ids) < 2:
        return ids
    if len(columns) == 1 and pa.types.is_integer(columns[0].type) and not columns[0].null_count:
        return ids[np.argsort(_arrow.values(columns[0])[ids], kind="stable")]
    table: dict[str, pa.Array] = {}
    for c, column in enumerate(columns):
        keys = _missing_empty(column.take(_arrow.from_numpy(ids)), empty_is_missing)
        for part, values in zip(("class", "number", "text"), _sort_parts(keys), strict=True):
            table[f"{c}.{part}"] = values
    sort_keys = [(name, "ascending") for name in table]
    order = pc.sort_indices(pa.table(table), sort_keys=sort_keys)
    return ids[_arrow.values(order)]


def _missing_empty(column: pa.Array, empty_is_missing: bool) -> pa.Array:
    """An empty CSV cell is a missing key."""
    if not empty_is_missing or not _is_text(column):
        return column
    empty = _arrow.empty_texts(column)
    return _arrow.with_nulls(column, empty) if empty.any() else column


def _is_text(column: pa.Array) -> bool:
    return pa.types.is_string(column.type) or pa.types.is_large_string(column.type)


def _sort_parts(column: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(class, number, text) of every value: what is compared, in that order."""
    missing = ~_arrow.bools(column.is_valid())
    kind = np.where(missing, MISSING, TEXT).astype(np.int8)
    no_number = pa.nulls(len(column), pa.float64())
    no_text = pa.nulls(len(column), pa.string())
    if _is_text(column):
        kind, number = _text_parts(column, kind, missing)
        return _arrow.from_numpy(kind), _arrow.from_numpy(number), column
    if pa.types.is_integer(column.type):
        kind[~missing] = NUMBER
        return _arrow.from_numpy(kind), column, no_text
    if pa.types.is_floating(column.type):
        values = _arrow.float64(column.cast(pa.float64()))
        finite = np.isfinite(values)
        kind[~missing] = np.where(finite[~missing], NUMBER, NON_FINITE)
        # NaN and infinities in the order of their text: '-inf' < 'inf' < 'nan'
        rank = np.where(np.isnan(values), 2.0, np.where(values > 0, 1.0, 0.0))
        number = np.where(finite, values, rank)
        return _arrow.from_numpy(kind), _arrow.from_numpy(number), no_text
    return _arrow.from_numpy(kind), no_number, column  # dates, booleans, decimals: own order


def _text_parts(
    column: pa.Array, kind: np.ndarray, missing: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Text reads as a number where Python's ``float`` would read it (NaN: it does not)."""
    import pyarrow.compute as pc

    numeric = _arrow.bools(pc.match_substring_regex(column, _NUMBER))
    non_finite = _arrow.bools(pc.match_substring_regex(column, _NON_FINITE))
    number = np.full(len(column), np.nan)
    if numeric.any():
        padding = rf"^{_SPACE}+|{_SPACE}+$|_"  # float() ignores it; the cast does not
        plain = pc.replace_substring_regex(column.filter(_arrow.from_numpy(numeric)), padding, "")
        number[numeric] = _arrow.float64(plain.cast(pa.float64()))
    _read_unicode_numbers(column, number, numeric | non_finite)
    read = ~np.isnan(number)
    finite = read & np.isfinite(number)
    kind[finite] = NUMBER
    kind[(read & ~finite) | non_finite] = NON_FINITE
    kind[missing] = MISSING
    return kind, np.where(finite, number, 0.0)


def _read_unicode_numbers(column: pa.Array, number: np.ndarray, known: np.ndarray) -> None:
    """``float`` also reads digits of other scripts (``'٣'``): the few candidates, one by one."""
    import pyarrow.compute as pc

    candidates = ~known & ~_arrow.bools(pc.string_is_ascii(column))
    if not candidates.any():
        return
    candidates &= _arrow.bools(pc.match_substring_regex(column, _MAYBE_UNICODE_NUMBER))
    for i in np.flatnonzero(candidates):
        with contextlib.suppress(ValueError):
            number[i] = float(column[int(i)].as_py())


def key_column(column: pa.Array, empty_is_missing: bool) -> KeyColumn:
    """A key column as a result holds it: integers, floats and booleans typed, with a mask
    of the missing keys; other keys as the Python values a result shows (an empty CSV cell
    is a missing key)."""
    held = _held_type(column.type)
    if held is None:
        return KeyColumn.of(_missing_empty(column, empty_is_missing).to_pylist())
    typed = column.cast(held)
    values = _arrow.bools(typed) if held == pa.bool_() else _arrow.values(typed)
    missing = _arrow.null_mask(typed)
    if missing is None:
        return KeyColumn(values, np.zeros(len(values), dtype=bool))
    return KeyColumn(np.where(missing, np.zeros(1, values.dtype), values), missing)


def _held_type(kind: pa.DataType) -> pa.DataType | None:
    """The type a key column of type ``kind`` is held as (None: as Python values)."""
    if pa.types.is_floating(kind):
        return pa.float64()
    if pa.types.is_boolean(kind):
        return pa.bool_()
    if pa.types.is_integer(kind):
        return pa.uint64() if kind == pa.uint64() else pa.int64()
    return None
