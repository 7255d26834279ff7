"""The report's confusion matrices (``--confusion``): per row the text prints one for (the same
rows, order and ``--max-rows``), a heat map as inline SVG: a cell per true class (row) and
predicted class (column), its colour as strong as its value is near the matrix's largest.

Each cell carries its numbers whole in ``data-`` attributes (the JSON ``confusion``'s:
the weighted count, and the share where normalized), so a reader's tools and the tests read
what was drawn; its tooltip says them in words.
"""

from __future__ import annotations

import math

import numpy as np

from ...result import EvaluationResult
from ...result.confusion import SHOWN_CLASSES, ConfusionMatrix, matrix_of
from ..confusion import describe
from ..numbers import format_number
from .diagrams import figure, per_row
from .plot import attribute
from .svg import esc

CELL, SMALL = 48.0, 10.0  # a cell's side, down to SMALL for many classes
WIDE = 400.0  # the cells' room at most
NUMBERS = 12  # with more classes, the values are in the tooltips only
LABEL_CHARS = 16  # a longer class name is cut (with …) and shown whole in its tooltip
CHAR = 6.5  # about a label character's width


def confusion_figures(result: EvaluationResult, digits: int, max_rows: int | None) -> list[str]:
    """A heat map per classifier row drawn."""
    if result.frame.confusion is None:
        return []

    def draw(i: int, title: str) -> str | None:
        found = matrix_of(result.frame, i)
        if found is None:
            return None
        return figure(title, heat_map(found, title, digits))

    return per_row(result, max_rows, draw)


def _label(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def heat_map(found: ConfusionMatrix, title: str, digits: int) -> str:
    """One matrix as an SVG heat map (at most :data:`SHOWN_CLASSES` classes)."""
    k = min(len(found.classes), SHOWN_CLASSES)
    classes = found.classes[:k]
    values = found.matrix[:k, :k]
    side = max(SMALL, min(CELL, WIDE / max(k, 1)))
    room = CHAR * max((len(_label(c)) for c in classes), default=1) + 12
    left, top = room + 16, room * 0.72 + 22
    largest = float(np.max(values)) if values.size else 0.0
    cells = [
        _cell(found, (t, p, float(values[t, p])), (left + p * side, top + t * side, side),
              largest, digits)
        for t in range(k)
        for p in range(k)
    ]  # fmt: skip
    labels = []
    for j, name in enumerate(classes):
        x, y = left + (j + 0.5) * side, top + (j + 0.5) * side
        tip = f"<title>{esc(name)}</title>"
        labels.append(
            f'<text class="tick" x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end">'
            f"{tip}{esc(_label(name))}</text>"
            f'<text class="tick" x="{x:.1f}" y="{top - 6:.1f}" transform="rotate(-45 {x:.1f} '
            f'{top - 6:.1f})">{tip}{esc(_label(name))}</text>'
        )
    width, height = left + k * side + 8, top + k * side + 24
    titles = (
        f'<text class="axis-title" x="{left + k * side / 2:.1f}" y="{height - 6:.1f}" '
        'text-anchor="middle">predicted class</text>'
        f'<text class="axis-title" x="10" y="{top + k * side / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 10 {top + k * side / 2:.1f})">true class</text>'
    )
    left_out = len(found.classes) - k
    description = f"Confusion matrix of {title}: {describe(found)}" + (
        f"; the first {k} of {len(found.classes)} classes are drawn ({left_out} left out)."
        if left_out
        else "."
    )
    data = f'data-classes="{len(found.classes)}" data-normalize="{esc(found.normalize or "")}"'
    return (
        f'<svg class="chart confusion" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        'role="img" '
        f'aria-label="{esc("Confusion matrix, " + title)}" {data}>'
        f"<title>{esc('Confusion matrix, ' + title)}</title><desc>{esc(description)}</desc>"
        + "".join([*cells, *labels])
        + titles
        + "</svg>"
    )


def _cell(
    found: ConfusionMatrix,
    where: tuple[int, int, float],
    box: tuple[float, float, float],
    largest: float,
    digits: int,
) -> str:
    """One cell (true class t, predicted p, its value shown): its rectangle, coloured by the
    value's share of ``largest``, and the value where the cells are big enough to hold it."""
    x, y, side = box
    t, p, value = where
    count = float(found.counts[t, p])
    strength = value / largest if largest > 0 and math.isfinite(value) else 0.0
    shown = _number(value, digits, whole=found.normalize is None)
    name = "share" if found.normalize else "count"
    tip = (
        f"<title>true {esc(found.classes[t])}, predicted {esc(found.classes[p])}: "
        f"{name} {esc(shown)}"
        + (f" (weighted count {esc(_number(count, digits))})" if found.normalize else "")
        + "</title>"
    )
    data = (
        f'data-true="{esc(found.classes[t])}" data-pred="{esc(found.classes[p])}" '
        f'data-count="{attribute(count)}"'
        + (f' data-share="{attribute(value)}"' if found.normalize else "")
    )
    out = (
        f'<rect class="cell" x="{x:.1f}" y="{y:.1f}" width="{side - 1:.1f}" '
        f'height="{side - 1:.1f}" fill-opacity="{0.08 + 0.92 * strength:.3f}" {data}>'
        f"{tip}</rect>"
    )
    if side >= CELL * 0.75 and len(found.classes) <= NUMBERS:
        css = "cell strong" if strength > 0.55 else "cell"
        out += (
            f'<text class="{css}" x="{x + side / 2 - 0.5:.1f}" y="{y + side / 2 + 3.5:.1f}" '
            f'text-anchor="middle">{esc(_number(value, 3, whole=found.normalize is None))}</text>'
        )
    return out


def _number(value: float, digits: int, *, whole: bool = True) -> str:
    """A count as an integer where it is one, else ``digits`` significant digits."""
    if whole and value == round(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return format_number(value, digits)
