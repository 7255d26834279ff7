"""NumPy views of Arrow arrays, without pyarrow's ``to_numpy`` (which imports pandas).

Only fixed-width numeric arrays are handled: their values buffer *is* a NumPy
array, and the validity bitmap says which slots are null.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

_DTYPES = {
    pa.int8(): np.int8,
    pa.int16(): np.int16,
    pa.int32(): np.int32,
    pa.int64(): np.int64,
    pa.uint8(): np.uint8,
    pa.uint16(): np.uint16,
    pa.uint32(): np.uint32,
    pa.uint64(): np.uint64,
    pa.float32(): np.float32,
    pa.float64(): np.float64,
}


def values(array: pa.Array) -> np.ndarray:
    """The values buffer as a NumPy array (null slots hold whatever the buffer holds)."""
    dtype = np.dtype(_DTYPES[array.type])
    data = array.buffers()[1]
    if data is None:
        return np.zeros(len(array), dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def null_mask(array: pa.Array) -> np.ndarray | None:
    """True where the array is null, or None when it has no nulls."""
    if array.null_count == 0:
        return None
    bitmap = np.frombuffer(array.buffers()[0], dtype=np.uint8)
    bits = np.unpackbits(bitmap, bitorder="little")[array.offset : array.offset + len(array)]
    return bits == 0


def float64(array: pa.Array) -> np.ndarray:
    """A float64 array as NumPy, NaN where null (a copy only when there are nulls)."""
    out = values(array)
    missing = null_mask(array)
    if missing is not None:
        out = out.copy()
        out[missing] = np.nan
    return out


def dictionary_encoded(column: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """The column as a dictionary array whose indices have no nulls (null is a value)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        if column.null_count == 0:
            return column
        column = column.dictionary_decode()
    return column.dictionary_encode(null_encoding="encode")


def bools(array: pa.Array) -> np.ndarray:
    """A boolean array as NumPy, False where null."""
    bitmap = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    bits = np.unpackbits(bitmap, bitorder="little")[array.offset : array.offset + len(array)] == 1
    missing = null_mask(array)
    return bits if missing is None else bits & ~missing


def from_numpy(values: np.ndarray) -> pa.Array:
    """A NumPy array of numbers or booleans as an Arrow array without nulls (no copy for
    numbers)."""
    values = np.ascontiguousarray(values)
    if values.dtype == np.bool_:
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])
    kind = pa.from_numpy_dtype(values.dtype)
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)])


def empty_texts(array: pa.Array) -> np.ndarray:
    """True where a string array holds "" (not where it is null)."""
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=width)[
        array.offset : array.offset + len(array) + 1
    ]
    empty = offsets[1:] == offsets[:-1]
    missing = null_mask(array)
    return empty if missing is None else empty & ~missing


def with_nulls(array: pa.Array, mask: np.ndarray) -> pa.Array:
    """``array`` with the slots where ``mask`` holds made null too."""
    valid = bools(array.is_valid()) & ~mask
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    array = array.take(from_numpy(np.arange(len(array))))  # offset 0, own buffers
    return pa.Array.from_buffers(array.type, len(array), [bitmap, *array.buffers()[1:]])


def texts(strings: Sequence[str]) -> pa.Array:
    """Python strings as an Arrow string array (``pa.array`` would import pandas)."""
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=offsets[1:])
    kind, width = (pa.string(), np.int32) if offsets[-1] < 2**31 else (pa.large_string(), np.int64)
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(
        kind, len(encoded), [None, pa.py_buffer(offsets.astype(width)), data]
    )


def repeated_text(text: str, size: int) -> pa.Array:
    """``text`` ``size`` times, as an Arrow string array."""
    encoded = text.encode()
    offsets = np.arange(size + 1, dtype=np.int64) * len(encoded)
    kind, width = (pa.string(), np.int32) if offsets[-1] < 2**31 else (pa.large_string(), np.int64)
    buffers = [None, pa.py_buffer(offsets.astype(width)), pa.py_buffer(encoded * size)]
    return pa.Array.from_buffers(kind, size, buffers)


def text_bytes(array: pa.Array) -> bytes:
    """The concatenated bytes of a string array's values (nulls count as empty)."""
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=width)
    start, stop = offsets[array.offset], offsets[array.offset + len(array)]
    return array.buffers()[2][int(start) : int(stop)].to_pybytes() if stop > start else b""


def ended(array: pa.Array, end: str) -> pa.Array:
    """Each value of a string array followed by ``end``."""
    return joined([array, repeated_text("", len(array))], end)


def joined(columns: Sequence[pa.Array], separator: str = "") -> pa.Array:
    """The string arrays' values joined row by row."""
    import pyarrow.compute as pc

    kind = columns[0].type
    same = [c if c.type == kind else c.cast(kind) for c in columns]
    return pc.binary_join_element_wise(*same, repeated_text(separator, len(same[0])).cast(kind))
