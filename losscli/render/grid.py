"""The display grid shared by the table and markdown: headers, formatted cells, footnotes.

Only the human-facing formats round numbers; CSV and JSON keep full precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..losses import REGISTRY, Direction
from ..result import EvaluationResult, ResultRow

MISSING = "—"
OVERALL = "overall"
MISSING_KEY = "(missing)"
FAILED = " ✗"
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@dataclass
class Grid:
    title: str
    headers: list[str]
    numeric: list[bool]
    rows: list[list[str]] = field(default_factory=list)
    overall: list[bool] = field(default_factory=list)
    block_ends: list[bool] = field(default_factory=list)  # a line below: the next row is overall
    footnotes: list[str] = field(default_factory=list)
    failed: set[tuple[int, int]] = field(default_factory=set)  # (row, column) of failing cells


def format_number(value: float | None, digits: int) -> str:
    """``digits`` significant digits, fixed-point where that stays readable."""
    if value is None or not math.isfinite(value):
        return MISSING
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= digits:
        return f"{value:.0f}"
    if magnitude < -4:
        return f"{value:.{digits - 1}e}"
    return f"{value:.{max(digits - 1 - magnitude, 0)}f}"


def loss_header(name: str) -> str:
    loss = REGISTRY.get(name)
    arrow = "" if loss is None else (" ↓" if loss.direction is Direction.LOWER else " ↑")
    return name + arrow


def build_grid(result: EvaluationResult, digits: int) -> Grid:
    """Key columns (file and pred when there are several, group columns), n, one per loss."""
    show_file, show_pred = len(result.files) > 1, len(result.preds) > 1
    keys = (["file"] if show_file else []) + (["pred"] if show_pred else []) + result.group_by
    per_loss = 3 if result.baseline is not None else 1
    loss_headers = [h for name in result.losses for h in _loss_headers(name, per_loss)]
    grid = Grid(
        title=_title(result, show_file, show_pred),
        headers=[*keys, "n", *loss_headers],
        numeric=[False] * len(keys) + [True] * (1 + len(loss_headers)),
    )
    failing = {(o.row, o.loss) for o in result.failures}
    notes: dict[str, int] = {}
    for i, row in enumerate(result.rows):
        cells = ([row.file] if show_file else []) + ([row.pred] if show_pred else [])
        cells += _group_cells(row, result.group_by)
        cells.append(f"{row.n:,}")
        for name in result.losses:
            cell = format_number(row.metrics.get(name), digits) + _mark(row, name, notes)
            if (i, name) in failing:
                grid.failed.add((i, len(cells)))
                cell += FAILED
            cells.append(cell)
            if per_loss == 3:
                cells += _baseline_cells(row, name, digits)
        nxt = result.rows[i + 1] if i + 1 < len(result.rows) else None
        grid.rows.append(cells)
        grid.overall.append(row.is_overall and bool(result.group_by))
        grid.block_ends.append(nxt is not None and bool(result.group_by) and nxt.is_overall)
    grid.footnotes = [
        f"{number}".translate(_SUPERSCRIPTS) + f" {text}" for text, number in notes.items()
    ]
    return grid


def _loss_headers(name: str, per_loss: int) -> list[str]:
    header = loss_header(name)
    return [header] if per_loss == 1 else [header, f"{name} base", f"{name} Δ"]


def _baseline_cells(row: ResultRow, loss: str, digits: int) -> list[str]:
    before = None if row.baseline is None else row.baseline.get(loss)
    change = row.change(loss)
    if change is None:
        return [format_number(before, digits), MISSING]
    absolute, percent = change
    shown = ("+" if absolute > 0 else "") + format_number(absolute, digits)
    return [
        format_number(before, digits),
        shown if percent is None else f"{shown} ({percent:+.1f}%)",
    ]


def verdict(result: EvaluationResult) -> str | None:
    """One line on the checks, or None when none were asked for."""
    total = len(result.checks)
    if not total:
        return None
    failed = len(result.failures)
    if not failed:
        return "✓ the check passed" if total == 1 else f"✓ all {total} checks passed"
    return f"✗ {failed} of {total} check{'s' if total != 1 else ''} failed"


def failure_lines(result: EvaluationResult) -> list[str]:
    """Each failed check on one row: which check, which row, the value and the limit."""
    return [f"{o.check} — {result.rows[o.row].where}: {o.reason}" for o in result.failures]


def _title(result: EvaluationResult, show_file: bool, show_pred: bool) -> str:
    parts = [] if show_file else result.files
    parts += [] if show_pred else result.preds
    return " · ".join(parts)


def _group_cells(row: ResultRow, group_by: list[str]) -> list[str]:
    if not group_by:
        return []
    if row.group is None:
        return [OVERALL] + [""] * (len(group_by) - 1)
    return [MISSING_KEY if row.group[g] is None else str(row.group[g]) for g in group_by]


def _mark(row: ResultRow, loss: str, notes: dict[str, int]) -> str:
    text = row.notes.get(loss)
    if not text:
        return ""
    number = notes.setdefault(f"{loss}: {text}", len(notes) + 1)
    return f"{number}".translate(_SUPERSCRIPTS)
