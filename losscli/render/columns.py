"""Whole columns as text, for writers of a million rows: no Python work per float.

Floats are written as Python's ``repr`` writes them (the shortest text that reads back
exactly, ``100.0``, ``1e-05``): Arrow's cast finds the same shortest digits in C++ with
the GIL released (so columns format on several cores), and its notation is brought to
Python's (``100`` → ``100.0``, ``1e-7`` → ``1e-07``); the rare value whose notation
differs more (Arrow's ``0.00001`` is Python's ``1e-05``) is formatted by ``repr``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa

from .. import _arrow
from ..result.key_column import KeyColumn

_T = TypeVar("_T")
_SHORT_EXPONENT = r"e([+-])(\d)$"  # Python writes two exponent digits at least
# Python's notation is scientific below 1e-4 and from 1e16 on, Arrow's elsewhere too:
_OTHER_NOTATION = r"e(-0[1-4]|\+0\d|\+1[0-5])$"
# Magnitudes both write as plain decimals: Python from 1e-4 to 1e16, Arrow (its shortest
# form, double-conversion's) from 1e-6 to 1e10. Their texts need no search for an exponent
# (a third of a slice's formatting: BENCHMARKS.md run 19b), and hold a point unless whole.
PLAIN = (1e-4, 1e9)


def float_texts(values: np.ndarray, missing: str) -> pa.Array:
    """Each float as ``repr`` writes it; ``missing`` for NaN."""
    import pyarrow.compute as pc

    values = np.ascontiguousarray(values, dtype=np.float64)
    text = pc.cast(_arrow.from_numpy(values), pa.string())
    nan = np.isnan(values)
    magnitude = np.abs(values)
    plain = (magnitude >= PLAIN[0]) & (magnitude < PLAIN[1])  # no exponent in either
    scientific = _holding(text, ~plain, "e")
    if scientific.any():
        text = _replaced(text, scientific, _python_exponent)
    with np.errstate(invalid="ignore"):  # a signalling NaN: not plain, so not read
        fraction = values != np.trunc(values)
    point = (plain & fraction) | _holding(text, ~plain, ".")
    integral = ~point & ~scientific & np.isfinite(values)  # Python writes 100.0
    if integral.any():
        text = _replaced(
            text, integral, lambda t: _arrow.joined([t, _arrow.repeated_text(".0", len(t))])
        )
    small = point & (np.abs(values) < 1e-4) & (values != 0)  # Arrow's 0.00001 is Python's 1e-05
    other = small
    if scientific.any():  # the regex over those in scientific notation only
        chosen = _arrow.from_numpy(scientific)
        other = other.copy()
        other[scientific] |= _arrow.bools(
            pc.match_substring_regex(text.filter(chosen), _OTHER_NOTATION)
        )
    if other.any():
        text = pc.replace_with_mask(
            text, _arrow.from_numpy(other), _arrow.texts([repr(v) for v in values[other].tolist()])
        )
    if nan.any():
        text = pc.replace_with_mask(
            text, _arrow.from_numpy(nan), _arrow.repeated_text(missing, int(nan.sum()))
        )
    return text


def _holding(text: pa.Array, where: np.ndarray, part: str) -> np.ndarray:
    """Whether each of the texts ``where`` holds contains ``part`` (False elsewhere): a
    search over those texts only."""
    import pyarrow.compute as pc

    found = np.zeros(len(where), dtype=bool)
    if where.all():
        found[:] = _arrow.bools(pc.match_substring(text, part))
    elif where.any():
        found[where] = _arrow.bools(pc.match_substring(text.filter(_arrow.from_numpy(where)), part))
    return found


def _python_exponent(text: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    return pc.replace_substring_regex(text, _SHORT_EXPONENT, r"e\10\2")  # \1, then 0


def _replaced(text: pa.Array, mask: np.ndarray, change: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``text`` with the values where ``mask`` holds replaced by ``change`` of them."""
    import pyarrow.compute as pc

    chosen = _arrow.from_numpy(mask)
    return pc.replace_with_mask(text, chosen, change(text.filter(chosen)))


def integer_texts(values: np.ndarray) -> pa.Array:
    import pyarrow.compute as pc

    return pc.cast(_arrow.from_numpy(np.ascontiguousarray(values, dtype=np.int64)), pa.string())


def object_texts(
    values: np.ndarray, shown: Callable[[Any], str]
) -> tuple[pa.Array, np.ndarray | None]:
    """Each value as ``shown`` writes it, as (distinct texts, each row's index into them;
    None: one text per row). Integers are written by Arrow; other values once per
    distinct value (a file's name is written once, not once per row), values apart where
    their texts are (1, 1.0 and True; 0.0 and −0.0). Without floats no Python runs per
    row: the rows are typed, compared and looked up by C loops (``map``, ``dict``)."""
    first = values[0] if len(values) else None
    if type(first) is str and bool((values == first).all()):  # a file's or model's name
        return _arrow.texts([shown(first)]), np.zeros(len(values), dtype=np.int64)
    items = values.tolist()
    kinds = set(map(type, items))
    if kinds <= {int, type(None)} and int in kinds:
        integers = _integers_and_none(items, shown(None), kinds)
        if integers is not None:
            return integers, None
    if float in kinds:  # equal, written apart: 0.0 and −0.0
        keys: list[Any] = list(map(_written_apart, items))
    elif len(kinds) == 1:
        keys = items
    else:  # 1 and True are equal, written apart
        keys = list(zip(map(type, items), items, strict=True))
    first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))  # first rows
    number = {key: n for n, key in enumerate(first)}
    codes = np.fromiter(map(number.__getitem__, keys), np.int64, len(keys))
    return _arrow.texts([shown(items[row]) for row in first.values()]), codes


def key_texts(column: KeyColumn, shown: Callable[[Any], str]) -> pa.Array:
    """Each key of a typed column as ``shown`` writes its Python value
    (:meth:`KeyColumn.objects`), a whole column at a time: integers and finite floats by
    Arrow (``shown`` writes them as ``str`` and ``repr`` do: both writers' cells), and
    ``shown`` of the rest: False, True, a non-finite float's text, None (no key)."""
    import pyarrow.compute as pc

    values = column.values
    if values.dtype.kind == "b":
        both = _arrow.texts([shown(False), shown(True)])
        text = both.take(_arrow.from_numpy(values.view(np.int8)))
    elif values.dtype.kind == "f":
        text = float_texts(values, "nan")  # NaN, infinities and missing keys: replaced below
        odd = ~np.isfinite(values) & ~column.missing
        if odd.any():
            shown_odd = [shown(str(v)) for v in values[odd].tolist()]
            text = pc.replace_with_mask(text, _arrow.from_numpy(odd), _arrow.texts(shown_odd))
    else:
        text = pc.cast(_arrow.from_numpy(values), pa.string())
    if column.missing.any():
        filler = _arrow.repeated_text(shown(None), int(column.missing.sum()))
        text = pc.replace_with_mask(text, _arrow.from_numpy(column.missing), filler)
    return text


def _written_apart(value: Any) -> tuple[type, Any]:
    """A key as far apart as its text: a float by its bits (each NaN is "nan")."""
    return (float, value.hex()) if type(value) is float else (type(value), value)


def expanded(text: pa.Array, codes: np.ndarray | None) -> pa.Array:
    """One text per row, from ``object_texts``' distinct texts and codes."""
    return text if codes is None else text.take(_arrow.from_numpy(codes))


def _integers_and_none(items: list[int | None], none: str, kinds: set[type]) -> pa.Array | None:
    """Integers written by Arrow; None as ``none``. None where one is past int64."""
    import pyarrow.compute as pc

    missing = np.zeros(len(items), dtype=bool)
    if type(None) in kinds:
        missing = np.fromiter(map(_is_none, items), bool, len(items))
        items = [0 if v is None else v for v in items]
    try:
        numbers = np.array(items, dtype=np.int64)
    except OverflowError:  # a uint64 key past 2⁶³ − 1
        return None
    text = integer_texts(numbers)
    if missing.any():
        filler = _arrow.repeated_text(none, int(missing.sum()))
        text = pc.replace_with_mask(text, _arrow.from_numpy(missing), filler)
    return text


def _is_none(value: object) -> bool:
    return value is None


class InParallel:
    """Runs formatting jobs on a few threads (Arrow's kernels release the GIL): one pool
    for a whole write, made at its first jobs, not one per slice of rows. ``threads``: at
    most this many (``--threads``; None: the machine's cores), and never more than
    ``THREADS``, past which formatting gains nothing."""

    THREADS = 4

    def __init__(self, threads: int | None = None) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self.threads = min(self.THREADS, threads or os.cpu_count() or 1)

    def __call__(self, jobs: Sequence[Callable[[], _T]]) -> list[_T]:
        if len(jobs) < 2 or self.threads < 2:
            return [job() for job in jobs]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="losscli-format")
        return list(self._pool.map(lambda job: job(), jobs))

    def __enter__(self) -> InParallel:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)  # interrupted: what waits is not run


def joined_lines(columns: Sequence[pa.Array], delimiter: str) -> bytes:
    """Each row's cells joined by ``delimiter``, each row ended by a newline."""

    cells = [c.cast(pa.large_string()) for c in columns]  # past 2 GiB of text too
    line = _arrow.joined(cells, delimiter)
    return _arrow.text_bytes(_arrow.ended(line, "\n"))


def csv_cells(
    values: np.ndarray | KeyColumn, shown: Callable[[Any], str], delimiter: str
) -> pa.Array | None:
    """A column's CSV cells, quoted where needed; None where a cell holds a bare carriage
    return or NUL, which only a row quoted whole (``csv_text``) keeps readable."""
    import pyarrow.compute as pc

    if isinstance(values, KeyColumn):
        if values.typed:  # numbers and booleans: nothing to quote
            return key_texts(values, shown)
        values = values.objects()
    if values.dtype.kind == "f":
        return float_texts(values, "")
    if values.dtype.kind in "iu":
        return integer_texts(values)
    text, codes = object_texts(values, shown)
    plain_missing = not re.search(f'[\r\x00{re.escape(delimiter)}"\n]', shown(None))
    if codes is None and plain_missing:  # integers (and missing cells): nothing to quote
        return text
    if _arrow.bools(pc.match_substring_regex(text, "[\r\x00]")).any():
        return None
    special = "".join(sorted({delimiter, '"', "\n"}))
    needs = _arrow.bools(pc.match_substring_regex(text, f"[{re.escape(special)}]"))
    if needs.any():
        text = _replaced(text, needs, _quoted)
    return expanded(text, codes)


def _quoted(text: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    quote = _arrow.repeated_text('"', len(text))
    return _arrow.joined([quote, pc.replace_substring(text, '"', '""'), quote])
