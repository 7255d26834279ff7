"""The marks a grid shows, and their ASCII stand-ins, defined once.

A value's cell carries its marks in one order, each after the one before:

1. a footnote mark (``¹``, ASCII ``[1]``), right after the value or its interval;
2. a failed check (``✗``, ASCII ``x``);
3. the best value of its loss in the row (``★``, ASCII ``#``: never ``*``, which markdown
   reads as emphasis), and bold on a terminal;
4. significantly better or worse than the reference model (``▲``/``▼``, ASCII ``+``/``-``).

Where the output's character set cannot hold every Unicode mark (an ASCII or cp1252
terminal), every mark is its ASCII stand-in.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..records import datarecord
from .literal import visible


@datarecord(frozen=True)
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
    best: str = " ★"  # the best value of its loss in a row
    better: str = " ▲"  # significantly better than the reference model
    worse: str = " ▼"  # significantly worse
    delta: str = "Δ"  # the header of a difference from the reference model

    def note_mark(self, number: int) -> str:
        return self.note.format(str(number).translate(str.maketrans("0123456789", self.digits)))

    def marked(self, cell: str, marks: Iterable[str]) -> str:
        """``cell`` with the marks named in ``marks`` (of ``CELL_MARKS``) in their order."""
        chosen = set(marks)
        return cell + "".join(getattr(self, name) for name in CELL_MARKS if name in chosen)


# The marks after a cell's value (and its footnote marks), in the order a cell shows them.
CELL_MARKS = ("failed", "best", "better", "worse")

UNICODE = Glyphs("—", " ↓", " ↑", " Δ", " ✗", "✓", "✗", " · ", "—", "⁰¹²³⁴⁵⁶⁷⁸⁹", "{}", "…")
ASCII = Glyphs(
    "-",
    " v",
    " ^",
    " change",
    " x",
    "[ok]",
    "[x]",
    " - ",
    "--",
    "0123456789",
    "[{}]",
    "...",
    best=" #",
    better=" +",
    worse=" -",
    delta="delta",
)


def glyphs_for(charset: str | None) -> Glyphs:
    """Unicode marks where the character set holds every one of them, else ASCII."""
    marks = "".join(str(value) for value in vars(UNICODE).values())
    return UNICODE if visible(marks, charset) == marks else ASCII
