"""The wide layout: one row per file and group, the models side by side under each loss.

Each loss has a column per model (``mse ↓: gbm``, ``mse ↓: baseline``) and, with
``--compare``, a column per other model for its difference from the reference with its
interval (``Δ mse: baseline``). The best value of each loss in a row is marked (and bold
on a terminal); a model significantly better or worse than the reference carries its own
mark (see ``marks``). Below the rows, one closing line per model says in how many groups
it is best and, with ``--compare``, better, worse or indistinguishable.
"""

from __future__ import annotations

from dataclasses import field

from ..records import datarecord
from ..result import Comparison, EvaluationResult
from ..result.comparing import Aligned, Key, aligned, by_row, group_order, references
from .cells import group_cells, loss_header, notations, value_cell
from .grid import Elided, Grid, footnotes, title
from .marks import Glyphs, glyphs_for
from .numbers import column_notation, format_number
from .verdicts import comparison_lines, summary_lines, within_noise_lines
from .wins import Wins, closing_lines, legend, wins

Found = dict[tuple[str, str, str, Key], Comparison]


@datarecord(frozen=True)
class Line:
    """A row of the wide grid: one file's group (or overall) row, each model's frame row."""

    side: Aligned
    at: int  # the key's place in ``side.keys``

    @property
    def key(self) -> Key:
        return self.side.keys[self.at]

    def row_of(self, model: str) -> int:
        return int(self.side.rows[model][self.at])


def wide_grid(
    result: EvaluationResult, digits: int, charset: str | None, max_rows: int | None
) -> Grid:
    """The wide grid of ``result`` (its text not yet shown for ``charset``)."""
    glyphs = glyphs_for(charset)
    sides = aligned(result)
    found, refs = by_row(result), references(result)
    lines = _lines(result, sides, refs, max_rows)
    shown = [line for line in lines if isinstance(line, Line)]
    rows = [r for line in shown for r in map(line.row_of, line.side.models) if r >= 0]
    won = {side.file: wins(result, side, found, refs.get(side.file)) for side in sides}
    columns = _columns(result, sides, shown, refs, found)
    several = len(sides) > 1
    keys = (["file"] if several else []) + result.group_by
    grid = Grid(
        title=title(result, several, True, glyphs),
        headers=[*keys, *(c.header(glyphs) for c in columns)],
        numeric=[False] * len(keys) + [True] * len(columns),
    )
    cells = _Cells(result, digits, glyphs, notations(result, rows, digits),
                   _delta_notations(result, shown, found, digits), found, won)  # fmt: skip
    for at, line in enumerate(lines):
        if isinstance(line, Elided):
            grid.add_elided(line, glyphs)
            continue
        group = None if line.key is None else result.row(_any_row(line)).group
        keys = ([line.side.file] if several else []) + group_cells(group, result.group_by)
        grid.rows.append(keys + [cells.of(line, column, grid, (at, len(keys) + j))
                                 for j, column in enumerate(columns)])  # fmt: skip
        following = lines[at + 1] if at + 1 < len(lines) else None
        next_overall = isinstance(following, Line) and following.key is None
        grid.overall.append(line.key is None and bool(result.group_by))
        grid.block_ends.append(
            bool(result.group_by) and (next_overall or (line.key is None and following is not None))
        )
    elided = any(isinstance(line, Elided) for line in lines)
    grid.footnotes = footnotes(result, cells.notes, glyphs, elided=elided)
    grid.footnotes += legend(result, refs, glyphs, marked=any(w.any_best for w in won.values()))
    grid.footnotes += comparison_lines(result, digits, glyphs)
    grid.footnotes += within_noise_lines(result, glyphs)
    grid.closing = closing_lines(result, sides, won, several=several)
    grid.summary = summary_lines(result, glyphs)
    return grid


@datarecord
class _Cells:
    """What a wide grid's cells are made from."""

    result: EvaluationResult
    digits: int
    glyphs: Glyphs
    notation: dict[str, str]  # per loss (``cells.notations``)
    delta_notation: dict[str, str]
    found: Found
    won: dict[str, Wins]
    notes: dict[str, int] = field(default_factory=dict)  # footnotes, numbered as first used
    failing: set[tuple[int, str]] = field(default_factory=set)  # (row, loss) of failed checks

    def __post_init__(self) -> None:
        self.failing = {(o.row, o.loss) for o in self.result.failures}

    def of(self, line: Line, column: Column, grid: Grid, at: tuple[int, int]) -> str:
        """The cell of ``column`` in ``line``, at (row, column) ``at`` of ``grid``, whose
        failed and best cells it records."""
        result, glyphs, model, loss = self.result, self.glyphs, column.model, column.loss
        row = line.row_of(model) if model in line.side.models else -1
        if column.kind == "n":
            row = _any_row(line) if not column.named else row
            return glyphs.missing if row < 0 else f"{int(result.frame.n[row]):,}"
        if column.kind == "delta":
            found = self.found.get((line.side.file, model, loss, line.key))
            return _delta_cell(found, self.digits, glyphs.missing, self.delta_notation[loss])
        if row < 0:
            return glyphs.missing
        cell = value_cell(result, result.row(row), loss, self.notes, digits=self.digits,
                          glyphs=glyphs, notation=self.notation[loss])  # fmt: skip
        marks = self.won[line.side.file].marks(line.at, loss, model)
        if (row, loss) in self.failing:
            marks.append("failed")
            grid.failed.add(at)
        if "best" in marks:
            grid.best.add(at)
        return glyphs.marked(cell, marks)


@datarecord(frozen=True)
class Column:
    kind: str  # "n", "value" or "delta"
    model: str
    loss: str = ""
    named: bool = True  # the header names the model (n: only where models differ in n)

    def header(self, glyphs: Glyphs) -> str:
        if self.kind == "n":
            return f"n: {self.model}" if self.named else "n"
        if self.kind == "delta":
            return f"{glyphs.delta} {self.loss}: {self.model}"
        return f"{loss_header(self.loss, glyphs)}: {self.model}"


def _columns(
    result: EvaluationResult,
    sides: list[Aligned],
    shown: list[Line],
    refs: dict[str, str],
    found: Found,
) -> list[Column]:
    """n (one column where every model has the same n in every row shown), then per loss
    each model's value and, with --compare, each other model's Δ from the reference."""
    models = list(dict.fromkeys(m for side in sides for m in side.models))
    one_n = all(
        len({int(result.frame.n[r]) for r in map(line.row_of, line.side.models) if r >= 0}) <= 1
        for line in shown
    )
    columns = [Column("n", "", named=False)] if one_n else [Column("n", m) for m in models]
    compared = {(pred, loss) for (_, pred, loss, _) in found}
    for loss in result.losses:
        columns += [Column("value", m, loss) for m in models]
        columns += [
            Column("delta", m, loss)
            for m in models
            if m not in refs.values() and (m, loss) in compared
        ]
    return columns


def _lines(
    result: EvaluationResult, sides: list[Aligned], refs: dict[str, str], max_rows: int | None
) -> list[Line | Elided]:
    """The rows to show: per file, its groups in the order the shown rows name them, the
    reference's first (``comparing.group_order``: the charts' order too), at most
    ``max_rows`` of them, then its overall row."""
    out: list[Line | Elided] = []
    for side, groups in zip(sides, group_order(result, sides, refs), strict=True):
        kept = groups if not max_rows else groups[:max_rows]
        out += [Line(side, at) for at in kept]
        if len(kept) < len(groups):
            out.append(Elided(len(groups) - len(kept)))
        out.append(Line(side, len(side.keys) - 1))
    return out


def _any_row(line: Line) -> int:
    return next(r for r in map(line.row_of, line.side.models) if r >= 0)


def _delta_cell(comparison: Comparison | None, digits: int, missing: str, notation: str) -> str:
    if comparison is None or comparison.delta is None:
        return missing
    delta, low, high = comparison.delta, comparison.low, comparison.high
    shown = _signed(delta, digits, notation)
    if low is None or high is None:
        return shown
    bounds = ", ".join(format_number(b, digits, notation=notation) for b in (low, high))
    return f"{shown} [{bounds}]"


def _signed(value: float, digits: int, notation: str) -> str:
    return ("+" if value > 0 else "") + format_number(value, digits, notation=notation)


def _delta_notations(
    result: EvaluationResult, shown: list[Line], found: Found, digits: int
) -> dict[str, str]:
    out = {}
    for loss in result.losses:
        values = [
            v
            for line in shown
            for model in line.side.models
            if (c := found.get((line.side.file, model, loss, line.key))) is not None
            for v in (c.delta, c.low, c.high)
            if v is not None
        ]
        out[loss] = column_notation(values, digits)
    return out
