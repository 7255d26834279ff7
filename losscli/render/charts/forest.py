"""The terminal's forest plot: Δ of a model against the reference per group, with its
interval, a line at 0, and the differences told from noise marked.

::

    Δ mse: old − new (groups by new's mse, worst first; ├─┤ interval)
    ● better/worse (Holm-adjusted), ○ indistinguishable; lower mse is better
    south    ├──○┼──┤                     -0.12018 [-2.3869, +2.1465]
    north        │        ├──────●──────┤ +9.5553 [+5.2415, +13.869]   worse
                 0                +13.869

Each row is a group (then the overall row): its interval's ends (``├``/``┤``, ``|`` in
ASCII), the line between them, and at Δ a mark, filled where the verdict, after the
adjustment across groups, tells the difference from noise; the line at 0 (``│``, ``:``
in ASCII) runs through every row. Δ and its interval follow, as the table rounds them.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from ...result.adjust import ADJUSTMENT_NAMES
from .data import Difference, Forest, finite
from .marks import Marks, Numbers, Scale, fitted, padded, shown_label, styled

LABEL_SHARE = 4  # a label takes at most a quarter of the width
MIN_DRAWING = 10  # cells of drawing kept however narrow the terminal
VERDICT_STYLES = {"better": "green", "worse": "red"}


def forest_lines(
    forest: Forest, *, width: int, digits: int, marks: Marks, charset: str | None
) -> list[Text]:
    """The forest plot as lines of text at most ``width`` cells wide (where that leaves room)."""
    rows = forest.rows
    numbers = Numbers(_numbers(rows), digits, marks.missing)
    labels = [shown_label(d.label, charset) for d in rows]
    label_width = min(max(map(cell_len, labels)), max(width // LABEL_SHARE, 8))
    deltas = [_delta_text(d, numbers) for d in rows]
    delta_width = max(map(cell_len, deltas))
    texts = [padded(text, delta_width) + _verdict(d) for d, text in zip(rows, deltas, strict=True)]
    text_width = max(map(cell_len, texts))
    drawing = max(width - label_width - 2 - 1 - text_width, MIN_DRAWING)
    scale = Scale.of(_numbers(rows), drawing)
    lines = [Text(_title(forest, marks, charset), style="bold"), Text(_legend(forest, marks))]
    for difference, label, text in zip(rows, labels, texts, strict=True):
        if difference.is_overall and len(rows) > 1:
            gap = Text(padded("", label_width + 2), no_wrap=True)
            lines.append(gap.append_text(_drawn(None, scale, marks)))
        line = Text(padded(fitted(label, label_width, marks), label_width) + "  ", no_wrap=True)
        line.append_text(_drawn(difference, scale, marks)).append(" ")
        line.append(text.rstrip(), style=VERDICT_STYLES.get(difference.verdict or "", ""))
        lines.append(line)
    lines.append(Text(padded("", label_width + 2) + _axis(scale, numbers), no_wrap=True))
    if forest.more:
        lines.append(Text(f"{marks.more} {forest.more:,} more groups: --max-rows 0 draws all"))
    return lines


def _numbers(rows: tuple[Difference, ...]) -> list[float]:
    return finite([v for d in rows for v in (d.delta, d.low, d.high) if d.delta is not None])


def _delta_text(difference: Difference, numbers: Numbers) -> str:
    if difference.delta is None:
        return numbers(None)
    text = numbers(difference.delta, signed=True)
    if difference.low is None or difference.high is None:
        return text
    low, high = (numbers(v, signed=True) for v in (difference.low, difference.high))
    return f"{text} [{low}, {high}]"


def _verdict(difference: Difference) -> str:
    return f" {difference.verdict}" if difference.significant else ""


def _title(forest: Forest, marks: Marks, charset: str | None) -> str:
    parts = [forest.ordering] if forest.ordering else []
    level = "" if forest.level is None else f"{100 * forest.level:g}% "
    parts.append(f"{marks.low}{marks.whisker}{marks.high} {level}interval")
    models = f"{forest.model} {marks.minus} {forest.reference}"
    return shown_label(f"{marks.delta} {forest.loss}: {models} ({'; '.join(parts)})", charset)


def _legend(forest: Forest, marks: Marks) -> str:
    adjusted = ADJUSTMENT_NAMES.get(forest.adjust, forest.adjust)
    lower = "lower" if forest.lower_is_better else "higher"
    better = f"{lower} {forest.loss} is better"
    if forest.lower_is_better is None:
        better = f"no side of {forest.loss} is better"
    return (
        f"{marks.significant} better/worse ({adjusted}-adjusted), {marks.indistinct} "
        f"indistinguishable; {better}"
    )


def _drawn(difference: Difference | None, scale: Scale, marks: Marks) -> Text:
    """A row's drawing: the line at 0, the interval, the mark at Δ (None: the line alone)."""
    cells = [" "] * scale.width
    styles = [""] * scale.width
    zero = scale.cell(0.0)
    cells[zero], styles[zero] = marks.zero, "dim"
    if difference is None or difference.delta is None:
        return styled(cells, styles)
    if difference.low is not None and difference.high is not None:
        low, high = scale.cell(difference.low), scale.cell(difference.high)
        for k in range(low + 1, high):
            cells[k] = marks.crossing if k == zero else marks.whisker
        cells[low], cells[high] = marks.low, marks.high
        for k in range(low, high + 1):
            styles[k] = "dim"
    at = scale.cell(difference.delta)
    cells[at] = marks.significant if difference.significant else marks.indistinct
    styles[at] = VERDICT_STYLES.get(difference.verdict or "", "bold")
    return styled(cells, styles)


def _axis(scale: Scale, numbers: Numbers) -> str:
    """Below the drawing: its lowest value at the left, 0 at its place, the highest at the
    right, each where it does not run into another."""
    cells = [" "] * (scale.width + 1)
    zero = scale.cell(0.0)
    marks = [(zero, "0")]
    low_text, high_text = numbers(scale.low, signed=True), numbers(scale.high, signed=True)
    if scale.low < 0 and len(low_text) < zero - 1:
        marks.append((0, low_text))
    if scale.high > 0 and scale.width - len(high_text) > zero + 2:
        marks.append((scale.width - len(high_text), high_text))
    for start, text in marks:
        cells[start : start + len(text)] = list(text)
    return "".join(cells).rstrip()
