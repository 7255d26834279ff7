"""The report's reliability diagrams (``--calibration``): per row the text output draws
one for (the same rows, order and ``--max-rows``: :func:`~..diagrams.drawn_rows`), the
diagram as inline SVG (the residual histograms are :mod:`.residuals`').

Each mark carries its numbers whole in ``data-`` attributes (those of the JSON
``diagrams`` records), so a reader's tools and the tests read what was drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ...result import EvaluationResult
from ...result.diagrams import ReliabilityDiagram
from ..diagrams import drawn_rows, row_title
from ..numbers import format_number
from .plot import Axes, attribute, plot_svg
from .svg import esc


def per_row(
    result: EvaluationResult, max_rows: int | None, draw: Callable[[int, str], str | None]
) -> list[str]:
    """``draw(i, title)`` for each row the text draws diagrams for (the shown rows, at most
    ``max_rows`` groups per file and model), the figures it made (None: none for row i)."""
    out = []
    for i in drawn_rows(result, max_rows):
        drawn = draw(i, row_title(result, i))
        if drawn is not None:
            out.append(drawn)
    return out


def reliability_figures(result: EvaluationResult, digits: int, max_rows: int | None) -> list[str]:
    """A reliability diagram per classifier row drawn."""
    diagrams = result.frame.diagrams
    if diagrams is None or diagrams.calibration is None:
        return []

    def draw(i: int, title: str) -> str | None:
        diagram = diagrams.reliability(i)
        if diagram is None:
            return None
        ece = format_number(diagram.ece, digits)
        return figure(f"{title}: ECE {ece}", reliability_svg(diagram, title, digits))

    return per_row(result, max_rows, draw)


def reliability_svg(diagram: ReliabilityDiagram, title: str, digits: int) -> str:
    """Per bin with rows: a bar of the observed frequency over the bin, a point at (mean
    predicted, observed) and the bin's rows above it; the diagonal is calibration."""
    axes = Axes(0.0, 1.0, 0.0, 1.0)
    bars, marks = [], []
    for j in np.flatnonzero(diagram.count > 0):
        low, high = float(diagram.edges[j]), float(diagram.edges[j + 1])
        predicted, observed = float(diagram.mean_predicted[j]), float(diagram.observed[j])
        count = int(diagram.count[j])
        data = (
            f'data-low="{attribute(low)}" data-high="{attribute(high)}" '
            f'data-count="{count}" data-weight="{attribute(float(diagram.weight[j]))}" '
            f'data-predicted="{attribute(predicted)}" data-observed="{attribute(observed)}"'
        )
        tip = (
            f"<title>{low:.2f}–{high:.2f}: {count:,} rows, mean predicted {_short(predicted)}, "
            f"observed {_short(observed)}</title>"
        )
        top = axes.y(observed) if math.isfinite(observed) else axes.y(0)
        bars.append(
            f'<rect class="bin" x="{axes.x(low) + 0.5:.1f}" y="{top:.1f}" '
            f'width="{axes.x(high) - axes.x(low) - 1:.1f}" height="{axes.y(0) - top:.1f}" '
            f"{data}>{tip}</rect>"
        )
        if math.isfinite(predicted) and math.isfinite(observed):
            marks.append(
                f'<circle class="s0 mean" cx="{axes.x(predicted):.1f}" '
                f'cy="{axes.y(observed):.1f}" r="3"/>'
            )
        marks.append(
            f'<text class="count" x="{axes.x((low + high) / 2):.1f}" y="{top - 3:.1f}" '
            f'text-anchor="middle">{_count(count)}</text>'
        )
    diagonal = f'<path class="diagonal" d="M{axes.point(0, 0)}L{axes.point(1, 1)}"/>'
    body = [*bars, diagonal, *marks]
    kind = "top-label confidence" if diagram.top_label else "predicted probability"
    ece = format_number(diagram.ece, digits)
    description = (
        f"Reliability diagram of {title}: per bin of the {kind} ({len(diagram.count)} equal "
        f"bins), a bar of the observed frequency, a point at the mean predicted and the "
        f"observed frequency, and the bin's rows above it; a calibrated model's points lie "
        f"on the dashed diagonal. ECE {ece}."
    )
    return plot_svg(
        axes,
        body,
        title=f"Reliability, {title}: ECE {ece}",
        description=description,
        labels=(f"mean {kind}", "observed frequency"),
        kind="reliability",
        data=f'data-ece="{attribute(diagram.ece)}"',
    )


def figure(title: str, svg: str) -> str:
    """A diagram with its caption, in a box that scrolls sideways if the page is narrower."""
    return f'<figure><figcaption>{esc(title)}</figcaption><div class="scroll">{svg}</div></figure>'


def _short(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "—"


def _count(count: int) -> str:
    return f"{count:,}" if count < 10_000 else f"{count / 1000:.0f}k"
