"""The cells of a grid's row, shared by its long and wide layouts: keys, values with their
footnote marks and intervals, baseline values and changes, and each column's notation."""

from __future__ import annotations

import math

import numpy as np

from ..losses import Direction, find_loss
from ..result import EvaluationResult, ResultRow
from ..result.notes import note_key
from .marks import UNICODE, Glyphs
from .numbers import column_notation, format_change, format_number

OVERALL = "overall"
MISSING_KEY = "(missing)"


def loss_header(name: str, glyphs: Glyphs = UNICODE) -> str:
    loss = find_loss(name)
    if loss is None:
        return name
    if loss.direction is Direction.NONE:  # bias: neither side is better
        return name
    return name + (glyphs.lower if loss.direction is Direction.LOWER else glyphs.higher)


def value_text(
    value: float | None, digits: int, glyphs: Glyphs, *, notation: str | None = None
) -> str:
    if value is None or not math.isfinite(value):
        return glyphs.missing
    return format_number(value, digits, notation=notation)


def value_cell(
    result: EvaluationResult,
    row: ResultRow,
    loss: str,
    notes: dict[str, int],
    *,
    digits: int,
    glyphs: Glyphs,
    notation: str,
) -> str:
    """A loss's value, its footnote mark, and its interval with the interval's own mark."""
    value = value_text(row.metrics.get(loss), digits, glyphs, notation=notation)
    cell = value + note_mark(row, loss, notes, glyphs)
    if result.ci is not None:
        cell += interval_text(result, row, loss, digits, notes, glyphs, notation=notation)
    return cell


def interval_text(
    result: EvaluationResult,
    row: ResultRow,
    loss: str,
    digits: int,
    notes: dict[str, int],
    glyphs: Glyphs,
    *,
    notation: str,
) -> str:
    """`` [low, high]`` after the value, with a note where it has none or another method."""
    interval = row.intervals.get(loss)
    if interval is None or row.metrics.get(loss) is None:
        return ""
    assert result.ci is not None
    note = interval.why
    if not note and interval.method != result.ci.method:
        note = f"interval by {interval.method} (1,000 resamples, seed 0)"
    mark = glyphs.note_mark(notes.setdefault(note_key(loss, note), len(notes) + 1)) if note else ""
    if interval.low is None or interval.high is None:
        return f" [{glyphs.missing}]{mark}"
    low, high = (format_number(b, digits, notation=notation) for b in (interval.low, interval.high))
    return f" [{low}, {high}]{mark}"


def note_mark(row: ResultRow, loss: str, notes: dict[str, int], glyphs: Glyphs) -> str:
    """The footnote mark of the row's note on ``loss`` (numbered in order of first use)."""
    text = row.notes.get(loss)
    if not text:
        return ""
    return glyphs.note_mark(notes.setdefault(note_key(loss, text), len(notes) + 1))


def baseline_cells(
    row: ResultRow, loss: str, digits: int, *, glyphs: Glyphs, notation: str
) -> list[str]:
    value, before = row.metrics.get(loss), (row.baseline or {}).get(loss)
    change = row.change(loss)
    shown = value_text(before, digits, glyphs, notation=notation)
    if value is None or before is None or change is None:
        return [shown, glyphs.missing]
    return [shown, format_change(value, before, change[1], digits)]


def notations(result: EvaluationResult, shown: list[int], digits: int) -> dict[str, str]:
    """Each number column's notation, from the values shown in it (with their intervals):
    per loss, and per loss's baseline (``"mse base"``)."""
    out = {}
    for name, column in result.frame.losses.items():
        arrays = [a for a in (column.values, column.low, column.high) if a is not None]
        out[name] = column_notation(np.concatenate([a[shown] for a in arrays]).tolist(), digits)
        if column.baseline is not None:
            out[f"{name} base"] = column_notation(column.baseline[shown].tolist(), digits)
    return out


def group_cells(group: dict[str, object] | None, group_by: list[str]) -> list[str]:
    if not group_by:
        return []
    if group is None:
        return [OVERALL] + [""] * (len(group_by) - 1)
    return [MISSING_KEY if group[g] is None else str(group[g]) for g in group_by]
