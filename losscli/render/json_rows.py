"""The JSON document's rows written a whole column at a time.

The text is exactly what ``json.dumps(result.to_dict(), indent=2)`` writes (tested),
made of per-field columns of JSON text (``columns``) joined row by row by Arrow, so a
million rows cost no Python work per row (a period's text is made once per period). A
result with a baseline is written by ``json.dumps`` itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from .. import _arrow
from ..result import EvaluationResult, Frame
from ..result.key_column import KeyColumn
from ..result.keys import PeriodColumns, period_texts
from .columns import InParallel, expanded, float_texts, integer_texts, key_texts, object_texts

ROWS_SENTINEL = "\x00rows\x00"
ROW = " " * 4  # a row's indent in the document
FIELD = " " * 6
ITEM = " " * 8
INNER = " " * 10


def json_pieces(
    result: EvaluationResult, slice_rows: int, threads: int | None = None
) -> Iterator[str]:
    """The JSON document of ``result`` in pieces, as ``json_text(result.to_dict())`` writes
    it: the head, the rows ``slice_rows`` at a time, the rest; formatted on at most
    ``threads`` threads (``--threads``)."""
    if result.baseline is not None:
        yield _dumps(result.to_dict())
        return
    head, tail = _dumps(result.document(ROWS_SENTINEL)).split(json.dumps(ROWS_SENTINEL), 1)
    frame = result.frame if result.shown is None else result.frame.take(result.shown)
    if not len(frame):
        yield head + "[]" + tail
        return
    yield head + "[\n"
    with InParallel(threads) as in_parallel:
        for start in range(0, len(frame), slice_rows):
            rows = frame.take(slice(start, start + slice_rows))
            separator = ",\n" if start + slice_rows < len(frame) else ""
            yield _rows_text(result, rows, in_parallel) + separator
    yield f"\n{' ' * 2}]" + tail


def _dumps(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n"


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)


def _rows_text(result: EvaluationResult, flat: Frame, in_parallel: InParallel) -> str:
    """The rows of ``flat``, each as the document writes it, joined by ",\\n"."""
    size = len(flat)
    parts: list[Any] = [f'{ROW}{{\n{FIELD}"file": ', lambda: _texts(flat.file)]
    parts += [f',\n{FIELD}"pred": ', lambda: _texts(flat.pred)]
    parts += [f',\n{FIELD}"group": ', lambda: _groups(flat.keys, flat.overall)]
    if flat.period is not None or flat.classes is not None:
        parts += [f',\n{FIELD}"scope": ', lambda: _texts(flat.scopes())]
    if flat.period is not None:
        parts += [f',\n{FIELD}"period": ', lambda: _periods(flat.period)]
    if flat.classes is not None:
        parts += [f',\n{FIELD}"class": ', lambda: _texts(flat.classes.name)]
    parts += [f',\n{FIELD}"n": ', lambda: integer_texts(flat.n)]
    if flat.support is not None:
        parts += [f',\n{FIELD}"support": ', lambda: float_texts(flat.support, "null")]
    if flat.n_series is not None:  # mase, rmsse: the series each row averages over
        parts += [f',\n{FIELD}"n_series": ', lambda: integer_texts(flat.n_series)]
    parts += [f',\n{FIELD}"metrics": {{']
    parts += _mapping({name: column.values for name, column in flat.losses.items()}, ITEM, FIELD)
    if result.ci is not None:
        parts += [f',\n{FIELD}"intervals": {{']
        parts += _intervals(result, flat)
    if flat.confusion is not None:  # --confusion: each row's matrix
        from .confusion import json_texts

        parts.append(lambda: json_texts(flat, FIELD))
    if flat.thresholds is not None:  # --thresholds: each row's list (render/thresholds.py)
        from .thresholds import threshold_texts

        parts.append(lambda: threshold_texts(flat.thresholds, FIELD))
    parts.append(f"\n{ROW}}}")
    jobs = [p for p in parts if callable(p)]
    done = iter(in_parallel(jobs))
    columns = [next(done) if callable(p) else _arrow.repeated_text(p, size) for p in parts]
    rows = _arrow.joined([c.cast(pa.large_string()) for c in columns])
    body = _arrow.ended(rows, ",\n")
    return _arrow.text_bytes(body).decode()[: -len(",\n")]


def _periods(period: PeriodColumns) -> pa.Array:
    """Each row's ``{"start": …, "end": …}`` (null over all periods), one text per period."""
    bounds = np.stack([period.start, period.end], axis=1)
    distinct, codes = np.unique(bounds, axis=0, return_inverse=True)
    ones = PeriodColumns(
        distinct[:, 0], distinct[:, 1], distinct[:, 0], tz=period.tz, dates=period.dates
    )
    starts, ends = period_texts(ones, "start").tolist(), period_texts(ones, "end").tolist()
    texts = [
        "null"
        if a is None
        else f'{{\n{ITEM}"start": {_value(a)},\n{ITEM}"end": {_value(b)}\n{FIELD}}}'
        for a, b in zip(starts, ends, strict=True)
    ]
    return expanded(_arrow.texts(texts), codes.reshape(-1))


def _texts(values: np.ndarray) -> pa.Array:
    return expanded(*object_texts(values, _value))


def _mapping(columns: dict[str, np.ndarray], indent: str, closing: str) -> list[Any]:
    """``{"name": value, ...}`` over float columns (its opening brace already written)."""
    parts: list[Any] = []
    for i, (name, values) in enumerate(columns.items()):
        parts.append(("," if i else "") + f"\n{indent}{_value(name)}: ")
        parts.append(lambda values=values: float_texts(values, "null"))
    parts.append(f"\n{closing}}}")
    return parts


def _intervals(result: EvaluationResult, flat: Any) -> list[Any]:
    assert result.ci is not None
    parts: list[Any] = []
    for i, (name, column) in enumerate(flat.losses.items()):
        bounds = {field: column.bound(field) for field in ("low", "high", "se")}
        parts.append(("," if i else "") + f"\n{ITEM}{_value(name)}: {{")
        method = column.method != result.ci.method
        parts += _mapping(bounds, INNER, ITEM)[:-1]
        if method:
            parts.append(f',\n{INNER}"method": {_value(column.method)}')
        parts.append(lambda column=column: _why_texts(column.interval_why()))
        parts.append(f"\n{ITEM}}}")
    parts.append(f"\n{FIELD}}}")
    return parts


def _why_texts(reasons: np.ndarray) -> pa.Array:
    """Per row, ``"why": …`` where the interval is missing (Interval.record), else nothing."""
    return expanded(*object_texts(reasons, lambda r: f',\n{INNER}"why": {_value(r)}' if r else ""))


def _groups(keys: dict[str, KeyColumn], overall: np.ndarray) -> pa.Array:
    """Each row's group as a JSON object, null on overall rows."""
    import pyarrow.compute as pc

    size = len(overall)
    if not keys:
        return _arrow.repeated_text("null", size)
    parts = [_arrow.repeated_text("{", size)]
    for i, (name, values) in enumerate(keys.items()):
        prefix = ("," if i else "") + f"\n{ITEM}{_value(name)}: "
        texts = key_texts(values, _value) if values.typed else _texts(values.objects())
        parts += [_arrow.repeated_text(prefix, size), texts]
    parts.append(_arrow.repeated_text(f"\n{FIELD}}}", size))
    group = _arrow.joined([p.cast(pa.large_string()) for p in parts])
    if not overall.any():
        return group
    nulls = _arrow.repeated_text("null", int(overall.sum())).cast(pa.large_string())
    return pc.replace_with_mask(group, _arrow.from_numpy(overall), nulls)
