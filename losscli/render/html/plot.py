"""A plot on two numeric axes as inline SVG: the frame the report's diagrams (reliability,
residual histogram, ROC, precision–recall) are drawn in.

:class:`Axes` maps data to the ``viewBox`` (y grows upwards); :func:`plot_svg` wraps what
is drawn in it with its axes, ticks, axis titles, ``role="img"``, a ``<title>`` and a
``<desc>``. Like the bar charts (:mod:`.svg`), the plot scales to its container and takes
its colours from the page's stylesheet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ...records import datarecord
from .svg import esc, nice_ticks

WIDTH, HEIGHT = 340.0, 250.0  # the viewBox
LEFT, RIGHT, TOP, BOTTOM = 50.0, 12.0, 10.0, 40.0  # room for ticks and axis titles


@datarecord(frozen=True)
class Axes:
    """The data ranges shown: x in [x_low, x_high], y in [y_low, y_high]."""

    x_low: float
    x_high: float
    y_low: float
    y_high: float

    def x(self, value: float) -> float:
        span = self.x_high - self.x_low or 1.0
        return LEFT + (value - self.x_low) / span * (WIDTH - LEFT - RIGHT)

    def y(self, value: float) -> float:
        span = self.y_high - self.y_low or 1.0
        return HEIGHT - BOTTOM - (value - self.y_low) / span * (HEIGHT - TOP - BOTTOM)

    def point(self, x: float, y: float) -> str:
        return f"{self.x(x):.1f},{self.y(y):.1f}"  # a tenth of the viewBox's unit

    def path(self, xs: Sequence[float], ys: Sequence[float]) -> str:
        """An SVG path through the finite points (x, y), a gap where one is not finite."""
        parts, move = [], True
        for x, y in zip(xs, ys, strict=True):
            if not (math.isfinite(x) and math.isfinite(y)):
                move = True
                continue
            parts.append(("M" if move else "L") + self.point(x, y))
            move = False
        return "".join(parts)


def plot_svg(
    axes: Axes,
    body: Sequence[str],
    *,
    title: str,
    description: str,
    labels: tuple[str, str],
    kind: str,
    data: str = "",
    x_ticks: Sequence[tuple[float, str]] | None = None,
) -> str:
    """The plot: ``body`` (markup, its texts escaped) over the axes, titled ``labels`` (x,
    y); ``x_ticks`` are (value, label) pairs (default: round values); ``data``: more
    attributes of the ``<svg>`` element (values for tests and tools)."""
    bottom, left = HEIGHT - BOTTOM, LEFT
    out = [f'<path class="axis" d="M{left} {TOP}V{bottom}H{WIDTH - RIGHT}"/>']
    ticks = x_ticks if x_ticks is not None else _round(axes.x_low, axes.x_high)
    for value, text in ticks:
        at = axes.x(value)
        out.append(f'<path class="axis" d="M{at:.1f} {bottom}v4"/>')
        out.append(
            f'<text class="tick" x="{at:.1f}" y="{bottom + 15}" text-anchor="middle">'
            f"{esc(text)}</text>"
        )
    for value, text in _round(axes.y_low, axes.y_high):
        at = axes.y(value)
        out.append(f'<path class="axis" d="M{left - 4} {at:.1f}h4"/>')
        out.append(
            f'<text class="tick" x="{left - 6}" y="{at + 4:.1f}" text-anchor="end">'
            f"{esc(text)}</text>"
        )
    x_title, y_title = labels
    middle = (TOP + bottom) / 2
    out.append(
        f'<text class="axis-title" x="{(left + WIDTH - RIGHT) / 2:.1f}" y="{HEIGHT - 6}" '
        f'text-anchor="middle">{esc(x_title)}</text>'
        f'<text class="axis-title" x="12" y="{middle:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {middle:.1f})">{esc(y_title)}</text>'
    )
    more = f" {data}" if data else ""
    return (
        f'<svg class="chart xy {kind}" viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" role="img" '
        f'aria-label="{esc(title)}"{more}><title>{esc(title)}</title><desc>{esc(description)}'
        "</desc>" + "".join([*body, *out]) + "</svg>"
    )


def _round(low: float, high: float) -> list[tuple[float, str]]:
    return [(t, f"{t:.6g}") for t in nice_ticks(low, high)]


def attribute(value: float | None) -> str:
    """A number as an attribute's value, whole (``repr``: it reads back as the same float);
    "" for none."""
    if value is None or not math.isfinite(value):
        return ""
    return str(int(value)) if isinstance(value, int) else repr(float(value))
