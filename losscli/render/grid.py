"""The display grid shared by the table and markdown: headers, formatted cells, footnotes.

Only the human-facing formats round numbers; CSV and JSON keep full precision.
Every text in a grid is shown literally (``literal.visible``), in the glyphs the
output's character set can hold: Unicode arrows and marks, or ASCII stand-ins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..losses import Direction, find_loss
from ..result import EvaluationResult, ResultRow
from ..result.adjust import ADJUSTMENT_NAMES
from ..result.notes import note_key
from .literal import visible
from .numbers import column_notation, format_change, format_number, format_signed

OVERALL = "overall"
MISSING_KEY = "(missing)"


@dataclass(frozen=True)
class Glyphs:
    """The marks a grid uses, in a set the output's character set can hold."""

    missing: str  # a value that does not apply
    lower: str  # lower is better
    higher: str
    change: str  # the header of a change column
    failed: str  # a failing cell
    passed_verdict: str
    failed_verdict: str
    separator: str  # between the parts of a title
    dash: str  # between a check and the row it failed on
    digits: str  # the footnote marks' digits 0-9
    note: str  # a footnote mark, {} standing for its number
    more: str  # rows left out

    def note_mark(self, number: int) -> str:
        return self.note.format(str(number).translate(str.maketrans("0123456789", self.digits)))


UNICODE = Glyphs("—", " ↓", " ↑", " Δ", " ✗", "✓", "✗", " · ", "—", "⁰¹²³⁴⁵⁶⁷⁸⁹", "{}", "…")
ASCII = Glyphs(
    "-", " v", " ^", " change", " x", "[ok]", "[x]", " - ", "--", "0123456789", "[{}]", "..."
)


def glyphs_for(charset: str | None) -> Glyphs:
    """Unicode marks where the character set holds every one of them, else ASCII."""
    marks = "".join(str(value) for value in vars(UNICODE).values())
    return UNICODE if visible(marks, charset) == marks else ASCII


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
    summary: list[str] = field(default_factory=list)  # the verdict, then each failed check

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
        )


def loss_header(name: str, glyphs: Glyphs = UNICODE) -> str:
    loss = find_loss(name)
    if loss is None:
        return name
    return name + (glyphs.lower if loss.direction is Direction.LOWER else glyphs.higher)


@dataclass(frozen=True)
class Elided:
    """Group rows of one file and model left out of a table (``--max-rows``)."""

    count: int


MORE_ROWS = (
    "more group rows than --max-rows: --max-rows 0 shows them all; "
    "-f csv, -f json or -o FILE write every row"
)


def _limited(result: EvaluationResult, max_rows: int | None) -> list[int | Elided]:
    """The rows to show, with at most ``max_rows`` group rows per file and model; what is
    left out is counted just above that block's overall row."""
    shown = result.shown_rows().tolist()
    if not max_rows:
        return list(shown)
    overall = result.frame.overall
    lines: list[int | Elided] = []
    kept = 0
    for i in shown:
        if overall[i]:
            if kept > max_rows:
                lines.append(Elided(kept - max_rows))
            lines.append(i)
            kept = 0
            continue
        kept += 1
        if kept <= max_rows:
            lines.append(i)
    return lines


def _elided_cells(elided: Elided, width: int, glyphs: Glyphs) -> list[str]:
    return [f"{glyphs.more} {elided.count:,} more", *[""] * (width - 1)]


def build_grid(
    result: EvaluationResult, digits: int, charset: str | None = None, max_rows: int | None = None
) -> Grid:
    """Key columns (file and pred when there are several, group columns), n, one per loss.

    ``charset`` is the output's (None: any character); the grid's text is shown for it.
    At most ``max_rows`` group rows of each file and model are shown (None or 0: all).
    """
    glyphs = glyphs_for(charset)
    show_file, show_pred = len(result.files) > 1, len(result.preds) > 1
    keys = (["file"] if show_file else []) + (["pred"] if show_pred else []) + result.group_by
    per_loss = 3 if result.baseline is not None else 1
    loss_headers = [h for name in result.losses for h in _loss_headers(name, per_loss, glyphs)]
    grid = Grid(
        title=_title(result, show_file, show_pred, glyphs),
        headers=[*keys, "n", *loss_headers],
        numeric=[False] * len(keys) + [True] * (1 + len(loss_headers)),
    )
    failing = {(o.row, o.loss) for o in result.failures}
    notes: dict[str, int] = {}
    lines = _limited(result, max_rows)
    notation = _notations(result, [line for line in lines if isinstance(line, int)], digits)
    for at, line in enumerate(lines):
        if isinstance(line, Elided):
            grid.rows.append(_elided_cells(line, len(grid.headers), glyphs))
            grid.overall.append(False)
            grid.block_ends.append(True)
            continue
        row = result.row(line)
        cells = ([row.file] if show_file else []) + ([row.pred] if show_pred else [])
        cells += _group_cells(row, result.group_by)
        cells.append(f"{row.n:,}")
        for name in result.losses:
            value = _value(row.metrics.get(name), digits, glyphs, notation=notation[name])
            cell = value + _mark(row, name, notes, glyphs)
            if result.ci is not None:
                cell += _interval_cell(
                    result, row, name, digits, notes, glyphs, notation=notation[name]
                )
            if (line, name) in failing:
                grid.failed.add((at, len(cells)))
                cell += glyphs.failed
            cells.append(cell)
            if per_loss == 3:
                cells += _baseline_cells(
                    row, name, digits, glyphs=glyphs, notation=notation[name + " base"]
                )
        following = lines[at + 1] if at + 1 < len(lines) else None
        next_is_overall = isinstance(following, int) and bool(result.frame.overall[following])
        next_block = row.is_overall and following is not None  # set one file and model apart
        grid.rows.append(cells)
        grid.overall.append(row.is_overall and bool(result.group_by))
        grid.block_ends.append(bool(result.group_by) and (next_is_overall or next_block))
    grid.footnotes = [f"{glyphs.note_mark(number)} {text}" for text, number in notes.items()]
    if result.ordering:
        grid.footnotes.append(result.ordering[0].upper() + result.ordering[1:])
    if any(isinstance(line, Elided) for line in lines):
        grid.footnotes.append(f"{glyphs.more} {MORE_ROWS}")
    if result.ci is not None:
        grid.footnotes.insert(0, _ci_line(result))
    grid.footnotes += comparison_lines(result, digits, glyphs)
    grid.footnotes += within_noise_lines(result, glyphs)
    summary = verdict(result, glyphs)
    grid.summary = [summary, *failure_lines(result, glyphs)] if summary else []
    return grid.shown(charset)


def _notations(result: EvaluationResult, shown: list[int], digits: int) -> dict[str, str]:
    """Each number column's notation, from the values shown in it (with their intervals):
    per loss, and per loss's baseline (``"mse base"``)."""
    out = {}
    for name, column in result.frame.losses.items():
        arrays = [a for a in (column.values, column.low, column.high) if a is not None]
        out[name] = column_notation(np.concatenate([a[shown] for a in arrays]).tolist(), digits)
        if column.baseline is not None:
            out[f"{name} base"] = column_notation(column.baseline[shown].tolist(), digits)
    return out


def _interval_cell(
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


def _ci_line(result: EvaluationResult) -> str:
    ci = result.ci
    assert ci is not None
    level = f"{100 * ci.level:g}%"
    if ci.method == "normal":
        return f"[low, high]: {level} intervals (normal: t, delta method, Wilson)"
    units = f", units of {ci.unit_rows:,} rows" if (ci.unit_rows or 1) > 1 else ""
    return (
        f"[low, high]: {level} bootstrap intervals ({ci.resamples:,} resamples, "
        f"seed {ci.seed}{units})"
    )


def comparison_lines(result: EvaluationResult, digits: int, glyphs: Glyphs = UNICODE) -> list[str]:
    """Per model and loss against the reference (and per file, named when there are
    several): groups better, worse, indistinguishable (adjusted across groups), and the
    overall difference with its interval and p-value."""
    lines = []
    several_files = len(result.files) > 1
    for summary in result.comparison_summaries():
        overall = summary.overall
        delta = glyphs.missing if overall.delta is None else format_signed(overall.delta, digits)
        interval = (
            ""
            if overall.low is None or overall.high is None
            else (f" [{format_number(overall.low, digits)}, {format_number(overall.high, digits)}]")
        )
        p = "" if overall.p_value is None else f", {p_text(overall.p_value, result)}"
        line = (
            (f"{overall.file}: " if several_files else "")
            + f"{overall.pred} vs {overall.reference}, {overall.loss}:"
            f"{glyphs.change} {delta}{interval}{p}"
        )
        line += f" ({overall.verdict})" if overall.verdict != "same" else " (indistinguishable)"
        if summary.groups:
            line += (
                f"; in {summary.groups:,} groups better {summary.better:,}, worse "
                f"{summary.worse:,}, indistinguishable {summary.same:,} "
                f"({ADJUSTMENT_NAMES[summary.adjust]}-adjusted)"
            )
        lines.append(line)
    return lines


SMALLEST_P = 1e-16  # below it a normal p-value is float noise


def p_text(p: float, result: EvaluationResult) -> str:
    """``p = 0.031``; a bootstrap p-value at its floor, 2 / (resamples + 1), is a bound:
    ``p ≤ 0.002``, and so is a normal one too small to tell from 0."""
    ci = result.ci
    if ci is not None and ci.method == "bootstrap" and ci.resamples:
        floor = 2 / (ci.resamples + 1)
        if p <= floor * (1 + 1e-9):
            return f"p <= {floor:.2g}"
    if p < SMALLEST_P:
        return f"p < {SMALLEST_P:g}"
    return f"p = {p:.2g}"


def _value(value: float | None, digits: int, glyphs: Glyphs, *, notation: str | None = None) -> str:
    if value is None or not math.isfinite(value):
        return glyphs.missing
    return format_number(value, digits, notation=notation)


def _loss_headers(name: str, per_loss: int, glyphs: Glyphs) -> list[str]:
    header = loss_header(name, glyphs)
    return [header] if per_loss == 1 else [header, f"{name} base", f"{name}{glyphs.change}"]


def _baseline_cells(
    row: ResultRow, loss: str, digits: int, *, glyphs: Glyphs, notation: str
) -> list[str]:
    value, before = row.metrics.get(loss), (row.baseline or {}).get(loss)
    change = row.change(loss)
    shown = _value(before, digits, glyphs, notation=notation)
    if value is None or before is None or change is None:
        return [shown, glyphs.missing]
    return [shown, format_change(value, before, change[1], digits)]


def verdict(result: EvaluationResult, glyphs: Glyphs = UNICODE) -> str | None:
    """One line on the checks, or None when none were asked for."""
    total = len(result.checks)
    if not total:
        return None
    failed = len(result.failures)
    if not failed:
        passed = "the check passed" if total == 1 else f"all {total:,} checks passed"
        return f"{glyphs.passed_verdict} {passed}"
    return (
        f"{glyphs.failed_verdict} {failed:,} of {total:,} check{'s' if total != 1 else ''} failed"
    )


def failure_lines(result: EvaluationResult, glyphs: Glyphs = UNICODE) -> list[str]:
    """Each failed check on one row: which check, which row, the value and the limit."""
    return [
        f"{o.check} {glyphs.dash} {o.where(result.row(o.row))}: {o.reason}" for o in result.failures
    ]


WITHIN_NOISE = (
    "such a change passes while its interval reaches within the tolerance (the runs are "
    "compared as independent samples); where both runs' predictions are on the same rows, "
    "put them in one file and use --compare: its paired test is far more sensitive"
)


def within_noise_lines(result: EvaluationResult, glyphs: Glyphs = UNICODE) -> list[str]:
    """Each check that passed though its value is beyond the limit (an interval gate: the
    change is within noise), as a failure is shown, and what to do about it."""
    passed = [o for o in result.checks if o.passed and o.beyond]
    lines = [
        f"{o.check} {glyphs.dash} {result.row(o.row).where}: beyond the tolerance but within "
        f"noise: {o.reason}"
        for o in passed
    ]
    return [*lines, WITHIN_NOISE] if lines else []


def _title(result: EvaluationResult, show_file: bool, show_pred: bool, glyphs: Glyphs) -> str:
    parts = [] if show_file else result.files
    parts += [] if show_pred else result.preds
    return glyphs.separator.join(parts)


def _group_cells(row: ResultRow, group_by: list[str]) -> list[str]:
    if not group_by:
        return []
    if row.group is None:
        return [OVERALL] + [""] * (len(group_by) - 1)
    return [MISSING_KEY if row.group[g] is None else str(row.group[g]) for g in group_by]


def _mark(row: ResultRow, loss: str, notes: dict[str, int], glyphs: Glyphs) -> str:
    text = row.notes.get(loss)
    if not text:
        return ""
    return glyphs.note_mark(notes.setdefault(note_key(loss, text), len(notes) + 1))
