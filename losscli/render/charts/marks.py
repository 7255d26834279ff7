"""What a terminal chart is drawn with: its marks (Unicode, or ASCII where the output's
character set lacks them), its scale from values to columns, and its labels and numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text

from ...records import datarecord
from ..literal import visible
from ..numbers import column_notation, format_number

PALETTE = ("cyan", "magenta", "yellow", "green", "blue", "red")  # each model's bars, in order


@datarecord(frozen=True)
class Marks:
    """The characters of a terminal chart, in a set the output's character set holds."""

    full: str  # a whole cell of a bar
    eighths: str  # a bar's last cell, 1/8 to 7/8 full; "": whole cells only
    whisker: str  # an interval's line
    low: str  # an interval's ends, beyond a bar
    high: str
    inside: str  # an interval's end within a bar
    zero: str  # the line at 0
    crossing: str  # an interval's line crossing the line at 0
    significant: str  # a difference told from noise
    indistinct: str  # one that is not
    more: str  # groups left out
    missing: str  # a value that does not apply
    delta: str  # a difference
    minus: str  # between two models' names in a difference

    def drawn(self) -> str:
        return "".join(vars(self).values())


UNICODE = Marks("█", "▏▎▍▌▋▊▉", "─", "├", "┤", "│", "│", "┼", "●", "○", "…", "—", "Δ", "−")
ASCII = Marks("#", "", "-", "|", "|", "|", ":", "+", "*", "o", "...", "-", "delta", "-")


def marks_for(charset: str | None) -> Marks:
    """Unicode marks where ``charset`` holds every one of them, else ASCII."""
    drawn = UNICODE.drawn()
    return UNICODE if visible(drawn, charset) == drawn else ASCII


@datarecord(frozen=True)
class Scale:
    """Values from ``low`` to ``high`` over ``width`` cells (0 always inside)."""

    low: float
    high: float
    width: int

    @classmethod
    def of(cls, values: Sequence[float], width: int) -> Scale:
        low, high = min([0.0, *values]), max([0.0, *values])
        return cls(low, high if high > low else low + 1.0, max(width, 1))

    def at(self, value: float) -> float:
        """Where ``value`` lies, in cells from the left edge (0 to ``width``)."""
        return (value - self.low) / (self.high - self.low) * self.width

    def cell(self, value: float) -> int:
        """The cell ``value`` falls in (the last one for ``high``)."""
        return min(max(math.floor(self.at(value)), 0), self.width - 1)


def bar(scale: Scale, value: float, marks: Marks) -> tuple[int, str]:
    """A bar from 0 to ``value``: its first cell and its characters. One growing right
    ends in an eighth of a cell where the marks have eighths; one growing left (below 0)
    is whole cells."""
    zero, end = scale.at(0.0), scale.at(value)
    if value < 0:
        start = round(end)
        return start, marks.full * (round(zero) - start)
    steps = 8 if marks.eighths else 1
    eighths = round((end - zero) * steps)
    whole, part = divmod(eighths, steps)
    return round(zero), marks.full * whole + (marks.eighths[part - 1] if part else "")


def fitted(text: str, width: int, marks: Marks) -> str:
    """``text`` within ``width`` cells: cut, ending in the more mark, where it is longer."""
    if cell_len(text) <= width:
        return text
    cut = text
    while cut and cell_len(cut) + cell_len(marks.more) > width:
        cut = cut[:-1]
    return cut + marks.more


def padded(text: str, width: int) -> str:
    return text + " " * max(width - cell_len(text), 0)


def shown_label(text: str, charset: str | None) -> str:
    """A label from the data as a terminal shows it: literally (``literal.visible``)."""
    return visible(text, charset)


class Numbers:
    """Numbers as the table shows them: ``digits`` significant digits, one notation for
    all the numbers of a chart (see ``numbers.column_notation``)."""

    def __init__(self, values: Sequence[float], digits: int, missing: str) -> None:
        self.digits, self.missing = digits, missing
        self.notation = column_notation(values, digits)

    def __call__(self, value: float | None, *, signed: bool = False) -> str:
        if value is None or not math.isfinite(value):
            return self.missing
        text = format_number(value, self.digits, notation=self.notation)
        return "+" + text if signed and value > 0 else text


def styled(cells: Sequence[str], styles: Sequence[str]) -> Text:
    """The cells as text, each run of one style a span of it."""
    text = Text()
    start = 0
    for k in range(1, len(cells) + 1):
        if k == len(cells) or styles[k] != styles[start]:
            text.append("".join(cells[start:k]), style=styles[start])
            start = k
    return text
