"""The report's tables: the result's rows, and the paired comparisons.

Every row of the result is there (the page sorts them by any column); each number cell
shows the value to ``--precision`` and carries it at full precision in ``data-v`` (what
the sort reads, as JSON writes it), so the table reads without the script and its numbers
can be checked against the JSON of the same run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...losses import Direction, find_loss
from ...result import EvaluationResult
from ..charts.data import MISSING_KEY, OVERALL
from ..grid import loss_header
from ..marks import UNICODE
from ..numbers import column_notation, format_change, format_number, format_signed
from ..part_cells import PartCells
from .svg import esc

Notes = dict[str, int]  # a note's text → its number, in order of first use


def number_cell(
    value: float | None, digits: int, *, css: str = "", text: str | None = None, mark: str = ""
) -> str:
    """A right-aligned cell: the value shown (``text``, or to ``digits``) and kept whole.

    ``text`` is a number as ``numbers`` formats it (digits, signs, a point, ``e``, ``%``,
    parentheses): markup-free, so it is not escaped (a cell of a million-row table costs
    less); ``mark`` is markup."""
    classes = f' class="{css.strip()}"' if css.strip() else ""  # (right-aligned by data-v)
    if value is None or not math.isfinite(value):
        return f'<td{classes} data-v="">—{mark}</td>'
    shown = text if text is not None else format_number(value, digits)
    full = str(value) if isinstance(value, int) else repr(float(value))
    return f'<td{classes} data-v="{full}">{shown}{mark}</td>'


def note_mark(text: str, notes: Notes) -> str:
    """A link to the note ``text`` (numbered on first use)."""
    number = notes.setdefault(text, len(notes) + 1)
    return f'<sup><a href="#note-{number}">{number}</a></sup>'


def _table(caption: str, headers: Sequence[str], rows: Sequence[str], css: str) -> str:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    return (
        f'<p class="muted">{esc(caption)}</p><div class="scroll"><table class="sortable {css}">'
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def results_table(result: EvaluationResult, digits: int, notes: Notes) -> str:
    """One row per file, model and group, and per period and class where rows have them
    (``part_cells``: overall rows in bold); per loss its value, its interval (--ci), the
    baseline and the change (--baseline)."""
    shown = result.shown_rows()
    frame = result.frame.take(shown)
    several_files = len(result.files) > 1
    parts = PartCells(frame)
    headers = (["file"] if several_files else []) + ["model", *result.group_by]
    headers += [*parts.before, "n", *parts.after]
    for loss in result.losses:
        headers.append(loss_header(loss))
        headers += [f"{loss} low", f"{loss} high"] if result.ci is not None else []
        headers += [f"{loss} base", f"{loss} change"] if result.baseline is not None else []
    best = best_cells(result, frame)
    position = {int(row): k for k, row in enumerate(shown)}
    failed = {(position[o.row], o.loss) for o in result.failures if o.row in position}
    per_loss = [
        _loss_cells(result, frame, loss, digits, notes=notes, best=best, failed=failed)
        for loss in result.losses
    ]
    files, preds, counts = frame.file.tolist(), frame.pred.tolist(), frame.n.tolist()
    overall = frame.overall.tolist()
    keys = [frame.keys[g].tolist() for g in result.group_by]
    rows = []
    for i in range(len(frame)):
        cells = [f"<td>{esc(files[i])}</td>"] if several_files else []
        cells.append(f"<td>{esc(preds[i])}</td>")
        if keys and overall[i]:
            groups = [OVERALL] + [""] * (len(keys) - 1)
        else:
            groups = [str(MISSING_KEY if k[i] is None else k[i]) for k in keys]
        cells += [f"<td>{esc(cell)}</td>" for cell in parts.keys(i, groups, under_parent=False)]
        cells.append(number_cell(counts[i], digits, text=f"{counts[i]:,}"))
        if frame.support is not None:
            support = float(frame.support[i])
            cells.append(number_cell(support, digits, text=parts.counts(i, UNICODE)[0]))
        for loss_cells in per_loss:
            cells += loss_cells[i]
        css = ' class="overall"' if overall[i] and keys else ""
        rows.append(f"<tr{css}>{''.join(cells)}</tr>")
    caption = "Every row of the result; a button in each header sorts by that column."
    if len(result.preds) > 1:
        caption += " Bold and underlined: the best model of its file and group for that loss."
    return _table(caption, headers, rows, "results")


def _loss_cells(
    result: EvaluationResult,
    frame: Any,
    loss: str,
    digits: int,
    *,
    notes: Notes,
    best: set[tuple[int, str]],
    failed: set[tuple[int, str]],
) -> list[list[str]]:
    """Per row, the loss's cells: its value, interval, baseline and change as asked for,
    in one notation for the column (as the table's)."""
    column = frame.losses[loss]
    values = [_float(v) for v in column.values.tolist()]
    shown = [a for a in (column.values, column.low, column.high) if a is not None]
    notation = column_notation(np.concatenate(shown).tolist(), digits)
    value_notes = column.notes.tolist()
    out = []
    for i, value in enumerate(values):
        mark = note_mark(f"{loss}: {value_notes[i]}", notes) if value_notes[i] else ""
        css = ("best " if (i, loss) in best else "") + ("failed" if (i, loss) in failed else "")
        text = None if value is None else format_number(value, digits, notation=notation)
        out.append([number_cell(value, digits, css=css, text=text, mark=mark)])
    if result.ci is not None:
        whys = column.interval_why().tolist()
        lows, highs = column.bound("low").tolist(), column.bound("high").tolist()
        for i, cells in enumerate(out):
            why = whys[i] if values[i] is not None else ""
            why_mark = note_mark(f"{loss} interval: {why}", notes) if why else ""
            for bound, mark in ((_float(lows[i]), why_mark), (_float(highs[i]), "")):
                text = None if bound is None else format_number(bound, digits, notation=notation)
                cells.append(number_cell(bound, digits, text=text, mark=mark))
    if result.baseline is not None:
        before = [None] * len(values) if column.baseline is None else column.baseline.tolist()
        for value, base, cells in zip(values, before, out, strict=True):
            cells += _baseline_cells(value, _float(base) if base is not None else None, digits)
    return out


def _baseline_cells(value: float | None, before: float | None, digits: int) -> list[str]:
    if value is None or before is None:
        return [number_cell(before, digits), number_cell(None, digits)]
    percent = None if before == 0 else 100 * (value - before) / abs(before)
    text = format_change(value, before, percent, digits)
    return [number_cell(before, digits), number_cell(value - before, digits, text=text)]


def best_cells(result: EvaluationResult, frame: Any) -> set[tuple[int, str]]:
    """(row of ``frame``, loss) of the best value among the models of each file and group
    (overall rows among themselves); a tie marks none."""
    if len(result.preds) < 2:
        return set()
    by_place: dict[tuple[Any, ...], list[int]] = {}
    for i in range(len(frame)):
        place = (
            frame.file[i],
            bool(frame.overall[i]),
            *(frame.keys[g][i] for g in result.group_by),
            *_parts(frame, i),
        )
        by_place.setdefault(place, []).append(i)
    out = set()
    for loss in result.losses:
        spec = find_loss(loss)
        if spec is not None and spec.direction is Direction.NONE:
            continue  # bias: no side is better
        sign = -1.0 if spec is not None and spec.direction is Direction.HIGHER else 1.0
        values = frame.losses[loss].values
        for rows in by_place.values():
            finite = [i for i in rows if math.isfinite(values[i])]
            if len(finite) < 2:
                continue
            top = min(sign * values[i] for i in finite)
            winners = [i for i in finite if sign * values[i] == top]
            if len(winners) == 1:  # a tie marks no one
                out.add((winners[0], loss))
    return out


def _parts(frame: Any, i: int) -> tuple[Any, ...]:
    """Row ``i``'s period start and class (those it has): models compare within them."""
    period = () if frame.period is None else (int(frame.period.start[i]),)
    return period + (() if frame.classes is None else (frame.classes.name[i],))


def comparisons_table(result: EvaluationResult, digits: int) -> str:
    """One row per model, file, group and loss against the reference: Δ, its interval,
    the p-value and the verdict after adjustment across groups."""
    several_files = len(result.files) > 1
    headers = (["file"] if several_files else []) + ["model", "reference"]
    headers += [*result.group_by, "loss", "Δ", "Δ low", "Δ high", "p", "verdict"]
    rows = []
    for c in result.comparisons:
        cells = [f"<td>{esc(c.file)}</td>"] if several_files else []
        cells += [f"<td>{esc(c.pred)}</td>", f"<td>{esc(c.reference)}</td>"]
        if c.group is None:
            cells += [f"<td>{OVERALL}</td>"] + ["<td></td>"] * (len(result.group_by) - 1)
        else:
            cells += [
                f"<td>{esc(MISSING_KEY if c.group[g] is None else c.group[g])}</td>"
                for g in result.group_by
            ]
        cells.append(f"<td>{esc(c.loss)}</td>")
        delta_text = None if c.delta is None else format_signed(c.delta, digits)
        cells.append(number_cell(c.delta, digits, css=c.verdict, text=delta_text))
        cells += [number_cell(c.low, digits), number_cell(c.high, digits)]
        cells.append(number_cell(c.p_value, 2, text=None))
        cells.append(f'<td class="{esc(c.verdict)}">{esc(c.verdict)}</td>')
        css = ' class="overall"' if c.group is None and result.group_by else ""
        rows.append(f"<tr{css}>{''.join(cells)}</tr>")
    caption = (
        "Δ = the model's loss − the reference's on the same rows, with its interval; the "
        "verdict is adjusted across groups."
    )
    return _table(caption, headers, rows, "comparisons")


def _float(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def best_lines(result: EvaluationResult) -> list[str]:
    """Per model, in how many groups (of all files) it is best on each loss."""
    frame = result.frame
    best = best_cells(result, frame)
    if not best or not result.group_by:
        return []
    counted = ~frame.overall  # each group's row over all periods, without a class part
    counted &= True if frame.period is None else ~frame.period.present
    counted &= True if frame.classes is None else ~frame.classes.present
    groups = int(counted.sum()) // len(result.preds)
    wins: dict[tuple[str, str], int] = {}
    for i, loss in best:
        if counted[i]:
            wins[(frame.pred[i], loss)] = wins.get((frame.pred[i], loss), 0) + 1
    lines = []
    for model in result.preds:
        counts = [f"{wins.get((model, loss), 0):,} of {groups:,}" for loss in result.losses]
        parts = [f"in {counts[0]} groups on {result.losses[0]}"]
        parts += [
            f"in {c} on {loss}" for c, loss in zip(counts[1:], result.losses[1:], strict=True)
        ]
        lines.append(f"{model}: best {', '.join(parts)}")
    return lines
