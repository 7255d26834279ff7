"""The display grid shared by the table and markdown: headers, formatted cells, footnotes.

Only the human-facing formats round numbers; CSV and JSON keep full precision.
Every text in a grid is shown literally (``literal.visible``), in the glyphs the
output's character set can hold: Unicode arrows and marks, or ASCII stand-ins
(``marks``). Two layouts: long, one row per file, model and group (``build_grid``), and
wide, the models side by side (``wide.wide_grid``).
"""

from __future__ import annotations

from dataclasses import field, replace

from ..records import datarecord
from ..result import EvaluationResult
from .cells import (
    baseline_cells,
    group_cells,
    loss_header,
    notations,
    value_cell,
)
from .literal import visible
from .marks import Glyphs, glyphs_for
from .numbers import format_change, format_number
from .part_cells import PartCells
from .verdicts import (
    ci_line,
    comparison_lines,
    failure_lines,
    summary_lines,
    verdict,
    within_noise_lines,
)

# Also the command line's and the tests' names for these (they were defined here first).
__all__ = [
    "Grid",
    "build_grid",
    "failure_lines",
    "format_change",
    "format_number",
    "glyphs_for",
    "verdict",
    "within_noise_lines",
]

LAYOUTS = ("wide", "long")
WIDE_MODELS = (2, 6)  # the models a table shows side by side by default


def chosen_layout(result: EvaluationResult, layout: str | None) -> str:
    """``wide`` or ``long``: as asked, else wide for 2-6 models (whatever the terminal's
    width: it only decides wrapping); one model is always long (nothing to set beside it),
    and so are rows with period or class parts (the wide layout aligns groups only)."""
    models = len(result.preds)
    if models < 2 or result.frame.period is not None or result.frame.classes is not None:
        return "long"
    if layout in LAYOUTS:
        return layout
    return "wide" if WIDE_MODELS[0] <= models <= WIDE_MODELS[1] else "long"


@datarecord
class Grid:
    title: str
    headers: list[str]
    numeric: list[bool]
    rows: list[list[str]] = field(default_factory=list)
    overall: list[bool] = field(default_factory=list)
    block_ends: list[bool] = field(default_factory=list)  # a line below: the next row is overall
    footnotes: list[str] = field(default_factory=list)
    failed: set[tuple[int, int]] = field(default_factory=set)  # (row, column) of failing cells
    summary: list[str] = field(default_factory=list)  # the verdict, then each failed check
    best: set[tuple[int, int]] = field(default_factory=set)  # (row, column) of best values
    closing: list[str] = field(default_factory=list)  # right below the rows: per model, wins

    def add_elided(self, elided: Elided, glyphs: Glyphs) -> None:
        """A row saying how many group rows are left out (``--max-rows``)."""
        self.rows.append([f"{glyphs.more} {elided.count:,} more", *[""] * (len(self.headers) - 1)])
        self.overall.append(False)
        self.block_ends.append(True)

    def shown(self, charset: str | None) -> Grid:
        """Every text escaped by ``literal.visible``: no control character, nothing unencodable."""

        def show(texts: list[str]) -> list[str]:
            return [visible(text, charset) for text in texts]

        return replace(
            self,
            title=visible(self.title, charset),
            headers=show(self.headers),
            rows=[show(cells) for cells in self.rows],
            footnotes=show(self.footnotes),
            summary=show(self.summary),
            closing=show(self.closing),
        )


@datarecord(frozen=True)
class Elided:
    """Group rows of one file and model left out of a table (``--max-rows``)."""

    count: int


MORE_ROWS = (
    "more group rows than --max-rows: --max-rows 0 shows them all; "
    "-f csv, -f json or -o FILE write every row"
)


def _limited(result: EvaluationResult, max_rows: int | None) -> list[int | Elided]:
    """The rows to show, with the rows of at most ``max_rows`` groups per file and model
    (a group's period and class rows with it); what is left out is counted just above
    that block's rows over all groups."""
    shown = result.shown_rows().tolist()
    if not max_rows:
        return list(shown)
    from ..result.ordering import group_ids

    groups = group_ids(result.frame).tolist()
    lines: list[int | Elided] = []
    kept, left, last = 0, 0, -1
    for i in shown:
        if groups[i] < 0:  # a row over all groups: the groups left out are counted above
            if left:
                lines.append(Elided(left))
            kept, left, last = 0, 0, -1
            lines.append(i)
            continue
        if groups[i] != last:
            last, kept = groups[i], kept + 1
            left += kept > max_rows
        if kept <= max_rows:
            lines.append(i)
    return lines


def build_grid(
    result: EvaluationResult,
    digits: int,
    charset: str | None = None,
    max_rows: int | None = None,
    *,
    layout: str | None = None,
) -> Grid:
    """Key columns (file and pred when there are several, group columns, and the period
    and class where rows have them: ``cells.PartCells``), n (and the support where rows
    have one), one per loss;
    or in the wide layout (``chosen_layout``), the models side by side (``wide``).

    ``charset`` is the output's (None: any character); the grid's text is shown for it.
    At most ``max_rows`` group rows of each file and model are shown (None or 0: all).
    """
    if chosen_layout(result, layout) == "wide":
        from .wide import wide_grid

        return wide_grid(result, digits, charset, max_rows).shown(charset)
    glyphs = glyphs_for(charset)
    show_file, show_pred = len(result.files) > 1, len(result.preds) > 1
    keys = (["file"] if show_file else []) + (["pred"] if show_pred else []) + result.group_by
    parts = PartCells(result.frame)
    per_loss = 3 if result.baseline is not None else 1
    loss_headers = [h for name in result.losses for h in _loss_headers(name, per_loss, glyphs)]
    counts = ["n", *parts.after]
    grid = Grid(
        title=title(result, show_file, show_pred, glyphs),
        headers=[*keys, *parts.before, *counts, *loss_headers],
        numeric=[False] * (len(keys) + len(parts.before))
        + [True] * (len(counts) + len(loss_headers)),
    )
    from .drift import drift_lines, worse_cells

    failing = {(o.row, o.loss) for o in result.failures}
    worse = worse_cells(result)  # --drift: periods worse than their reference
    notes: dict[str, int] = {}
    lines = _limited(result, max_rows)
    notation = notations(result, [line for line in lines if isinstance(line, int)], digits)
    for at, line in enumerate(lines):
        if isinstance(line, Elided):
            grid.add_elided(line, glyphs)
            continue
        row = result.row(line)
        cells = ([row.file] if show_file else []) + ([row.pred] if show_pred else [])
        cells += parts.keys(line, group_cells(row.group, result.group_by))
        cells.append(f"{row.n:,}")
        cells += parts.counts(line, glyphs)
        for name in result.losses:
            cell = value_cell(
                result, row, name, notes, digits=digits, glyphs=glyphs, notation=notation[name]
            )
            if (line, name) in failing:
                grid.failed.add((at, len(cells)))
            marks = ["failed"] if (line, name) in failing else []
            marks += ["worse"] if (line, name) in worse else []
            cells.append(glyphs.marked(cell, marks))
            if per_loss == 3:
                cells += baseline_cells(
                    row, name, digits, glyphs=glyphs, notation=notation[name + " base"]
                )
        following = lines[at + 1] if at + 1 < len(lines) else None
        grid.rows.append(cells)
        grid.overall.append(row.is_overall and bool(result.group_by))
        grid.block_ends.append(parts.section_ends(line, following, bool(result.group_by)))
    elided = any(isinstance(line, Elided) for line in lines)
    grid.closing = drift_lines(result, digits, glyphs, max_rows)
    grid.footnotes = footnotes(result, notes, glyphs, elided=elided)
    grid.footnotes += comparison_lines(result, digits, glyphs)
    grid.footnotes += within_noise_lines(result, glyphs)
    grid.summary = summary_lines(result, glyphs)
    return grid.shown(charset)


def footnotes(
    result: EvaluationResult, notes: dict[str, int], glyphs: Glyphs, *, elided: bool
) -> list[str]:
    """The intervals' settings, the numbered notes, how rows were ordered and left out."""
    lines = [ci_line(result)] if result.ci is not None else []
    lines += [f"{glyphs.note_mark(number)} {text}" for text, number in notes.items()]
    if result.ordering:
        lines.append(result.ordering[0].upper() + result.ordering[1:])
    if elided:
        lines.append(f"{glyphs.more} {MORE_ROWS}")
    return lines


def _loss_headers(name: str, per_loss: int, glyphs: Glyphs) -> list[str]:
    header = loss_header(name, glyphs)
    return [header] if per_loss == 1 else [header, f"{name} base", f"{name}{glyphs.change}"]


def title(result: EvaluationResult, show_file: bool, show_pred: bool, glyphs: Glyphs) -> str:
    parts = [] if show_file else result.files
    parts += [] if show_pred else result.preds
    return glyphs.separator.join(parts)
