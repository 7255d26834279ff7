"""The report's residual histograms (``--residuals``): per row the text output draws one
for (:func:`~..diagrams.drawn_rows`), the distribution of e = y − ŷ as inline SVG.

The engine's bins are log-spaced (12% wide, finer towards 0), so on a linear axis they are
drawn as a density: runs of neighbouring bins are merged until a bar is at least
1/:data:`BARS` of the axis wide, and each bar's area is its weight (its rows, unweighted).
Where a few rows lie far out (the data's range is over 4 times that of the middle 99% of
the weight, widened by half its width on either side), the axis shows the bins within the
latter and says how many rows lie beyond it on either side. Every bar carries its range,
rows and weight in ``data-`` attributes: those of the JSON ``diagrams`` record's bins it
merges. The quantiles (each within its bin) and the mean are marked by lines.
"""

from __future__ import annotations

import numpy as np

from ...records import datarecord
from ...result import EvaluationResult
from ...result.diagrams import ResidualHistogram
from ..numbers import format_number
from .diagrams import figure, per_row
from .plot import Axes, attribute, plot_svg
from .svg import esc

BARS = 50  # a bar is at least 1/BARS of the axis wide
TAIL = 0.005  # beyond the middle 99% of the weight, and half its width further out, ...
REACH = 0.5
CLIPPED = 4.0  # ... rows are left off the axis where the data's range is this much wider


@datarecord(frozen=True)
class Merged:
    """Neighbouring bins drawn as one bar (``tail``: the rows off the axis on one side)."""

    low: float
    high: float
    count: int
    weight: float
    tail: str = ""  # "below" or "above": off the axis

    def data(self) -> str:
        return (
            f'data-low="{attribute(self.low)}" data-high="{attribute(self.high)}" '
            f'data-count="{self.count}" data-weight="{attribute(self.weight)}"'
        )


def histogram_figures(result: EvaluationResult, digits: int, max_rows: int | None) -> list[str]:
    """A residual histogram per regression row drawn."""
    diagrams = result.frame.diagrams
    if diagrams is None or diagrams.residuals is None:
        return []

    def draw(i: int, title: str) -> str | None:
        histogram = diagrams.histogram(i)
        return None if histogram is None else figure(title, histogram_svg(histogram, title, digits))

    return per_row(result, max_rows, draw)


def bars(histogram: ResidualHistogram) -> list[Merged]:
    """The bars drawn: the tails off the axis (if any) first, then the merged bins."""
    low, high = histogram.low.astype(float), histogram.high.astype(float)
    weight, count = histogram.weight.astype(float), histogram.count
    if not len(count):
        return []
    first, last = 0, len(count) - 1
    share = np.cumsum(weight) / weight.sum() if weight.sum() > 0 else np.ones(len(weight))
    inner_low = int(np.searchsorted(share, TAIL))
    inner_high = min(int(np.searchsorted(share, 1 - TAIL)), last)
    reach = (high[inner_high] - low[inner_low]) * REACH
    near = np.flatnonzero((low >= low[inner_low] - reach) & (high <= high[inner_high] + reach))
    if len(near) and (high[last] - low[first]) > CLIPPED * (high[near[-1]] - low[near[0]]):
        first, last = int(near[0]), int(near[-1])
    out = []
    for tail, part in (("below", slice(0, first)), ("above", slice(last + 1, None))):
        if count[part].sum():
            end = (low[part][0], high[part][-1])
            out.append(Merged(*end, int(count[part].sum()), float(weight[part].sum()), tail))
    least = (high[last] - low[first]) / BARS
    start = first
    for j in range(first, last + 1):
        if high[j] - low[start] >= least or j == last:
            span = slice(start, j + 1)
            out.append(
                Merged(low[start], high[j], int(count[span].sum()), float(weight[span].sum()))
            )
            start = j + 1
    return out


def histogram_svg(histogram: ResidualHistogram, title: str, digits: int) -> str:
    """Bars of weight per unit of e, a line at each quantile and a dashed one at the mean."""
    drawn = bars(histogram)
    inner = [b for b in drawn if not b.tail]
    left = min((b.low for b in inner), default=0.0)
    right = max((b.high for b in inner), default=1.0)
    width = right - left or 1.0
    heights = [b.weight / max(b.high - b.low, width / BARS) for b in inner]
    top = max(heights, default=1.0) * 1.15 or 1.0
    axes = Axes(left - width * 0.02, right + width * 0.02, 0.0, top)
    body = []
    for b, h in zip(inner, heights, strict=True):
        a, z = axes.x(b.low), axes.x(max(b.high, b.low + width / BARS))
        body.append(
            f'<rect class="s0 bin" x="{a:.2f}" y="{axes.y(h):.1f}" width="{max(z - a, 0.6):.2f}" '
            f'height="{axes.y(0) - axes.y(h):.1f}" {b.data()}><title>[{_edge(b.low)}, '
            f"{_edge(b.high)}): {b.count:,} rows</title></rect>"
        )
    body += [_tail(b, axes) for b in drawn if b.tail]
    body += _marks(histogram, axes, digits, top=top)
    mean = format_number(histogram.mean, digits)
    quantiles = ", ".join(
        f"{q.q * 100:g}% {format_number(q.value, digits)}" for q in histogram.quantiles
    )
    off = "; ".join(f"{_rows(b.count)} {b.tail} the axis" for b in drawn if b.tail)
    description = (
        f"Histogram of the residuals e = y − ŷ of {title}: {int(histogram.count.sum()):,} rows, "
        f"each bar's area its rows (its weight, if weighted), from bins 12% wide of |e| "
        f"merged into bars at least 1/{BARS} of the axis wide{'; ' + off if off else ''}; "
        f"mean {mean} (dashed line); quantiles, each within its bin: {quantiles}."
    )
    return plot_svg(
        axes,
        body,
        title=f"Residuals, {title}",
        description=description,
        labels=("e = y − ŷ", "weight per unit of e"),
        kind="residuals",
        data=f'data-mean="{attribute(histogram.mean)}"',
    )


def _tail(b: Merged, axes: Axes) -> str:
    """The rows off the axis on one side, as a note at that side's top."""
    below = b.tail == "below"
    x = axes.x(axes.x_low) + 2 if below else axes.x(axes.x_high) - 2
    text = f"← {_rows(b.count)}" if below else f"{_rows(b.count)} →"
    anchor = "start" if below else "end"
    return (
        f'<text class="tail count" x="{x:.1f}" y="{axes.y(axes.y_high) + 22:.1f}" '
        f'text-anchor="{anchor}" {b.data()}><title>{_rows(b.count)} in [{_edge(b.low)}, '
        f"{_edge(b.high)}] off the axis</title>{esc(text)}</text>"
    )


def _marks(histogram: ResidualHistogram, axes: Axes, digits: int, *, top: float) -> list[str]:
    """A line at each quantile (named, its value and bound in ``data-`` attributes) and a
    dashed one at the mean, where they lie on the axis."""
    out = []
    for k, q in enumerate(histogram.quantiles):
        if not axes.x_low <= q.value <= axes.x_high:
            continue
        name, at = f"{q.q * 100:g}%", axes.x(q.value)
        value, bound = attribute(q.value), attribute(q.bound)
        out.append(
            f'<path class="quantile" d="M{at:.1f} {axes.y(top):.1f}V{axes.y(0):.1f}" '
            f'data-q="{name}" data-value="{value}" data-bound="{bound}">'
            f"<title>{name}: {esc(format_number(q.value, digits))} (in [{_edge(q.low)}, "
            f"{_edge(q.high)}])</title></path>"
            f'<text class="tick" x="{at + 2:.1f}" y="{axes.y(top) + 9 + 10 * k:.1f}">{name}</text>'
        )
    if axes.x_low <= histogram.mean <= axes.x_high:
        at = axes.x(histogram.mean)
        out.append(
            f'<path class="mean-line" d="M{at:.1f} {axes.y(top):.1f}V{axes.y(0):.1f}">'
            f"<title>mean {esc(format_number(histogram.mean, digits))}</title></path>"
        )
    return out


def _edge(value: float) -> str:
    return "0" if value == 0 else f"{value:.4g}"


def _rows(count: int) -> str:
    return f"{count:,} row{'' if count == 1 else 's'}"
