"""Charts as inline SVG, written by hand: a horizontal bar chart with interval whiskers and a
forest plot of differences with a line at 0.

Every chart scales to its container (a ``viewBox``, ``width: 100%``), has ``role="img"``
with a ``<title>`` and a ``<desc>`` saying what it shows, and takes its colours from the
page's stylesheet (classes ``s0``..``s5``, ``better``, ``worse``, ``same``), so light, dark
and print follow the page. Every text from the data is escaped (``esc``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from ...records import datarecord
from ..literal import visible
from ..numbers import format_number

PLOT = 400  # the bars' width in the viewBox (the chart scales to the page)
LABEL = 190  # room for a group's label, on the left
CHAR = 7.0  # about a character's width at the chart's font size, for the values' room
BAR = 14  # a bar's height
GAP = 8  # between groups
AXIS = 26  # below the bars: the axis and its ticks
LABEL_CHARS = 28  # a longer label is cut (with …) and shown whole in its tooltip
Scale = Callable[[float], float]  # a value's x in the viewBox


def esc(text: object) -> str:
    """Text from the data as HTML shows it literally: no control character, no markup."""
    return escape(visible(str(text)), quote=True)


@datarecord(frozen=True)
class Bar:
    """One bar: a value and its interval (None where there is none)."""

    series: int  # the model's index: its colour
    name: str  # the model's name, for the tooltip
    value: float | None
    low: float | None = None
    high: float | None = None
    css: str = ""  # an extra class (a forest plot's verdict)
    text: str = ""  # printed at the bar's end (default: the value)


@datarecord(frozen=True)
class Row:
    """A labelled row of bars (a group; one bar per model)."""

    label: str
    bars: Sequence[Bar]
    strong: bool = False  # the overall row


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values spanning [low, high], about ``count`` of them."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low] if math.isfinite(low) else []
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    tick = first
    while tick <= high + step * 1e-9:
        ticks.append(0.0 if abs(tick) < step * 1e-9 else tick)
        tick += step
    return ticks


def _span(rows: Sequence[Row], zero: bool) -> tuple[float, float]:
    """The x range: every value and interval end, and 0 (a bar starts there; a forest plot's
    line of no difference)."""
    ends = [0.0] if zero else []
    for row in rows:
        for bar in row.bars:
            ends += [
                v for v in (bar.value, bar.low, bar.high) if v is not None and math.isfinite(v)
            ]
    low, high = (min(ends), max(ends)) if ends else (0.0, 1.0)
    if high == low:
        high = low + (abs(low) or 1.0)
    pad = (high - low) * 0.02
    return (low if low == 0 else low - pad), (high if high == 0 else high + pad)


def horizontal_chart(
    rows: Sequence[Row], *, title: str, description: str, digits: int, kind: str = "bars"
) -> str:
    """Bars from 0 (``kind="bars"``), or points with whiskers about a line at 0
    (``kind="forest"``), one row of them per group, as an SVG element."""
    low, high = _span(rows, zero=True)
    texts = [bar.text or _num(bar.value, digits) for row in rows for bar in row.bars]
    width = LABEL + PLOT + 12 + CHAR * max(map(len, texts), default=4)

    def x(v: float) -> float:
        return LABEL + (v - low) / (high - low) * PLOT

    body: list[str] = []
    y = 4.0
    for row in rows:
        body += _row(row, y, x, digits, kind)
        y += len(row.bars) * BAR + GAP
    height = y + AXIS
    body += _axis(low, high, x, y, digits, zero=x(0.0))
    return (
        f'<svg class="chart {kind}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'width="{width:.0f}" height="{height:.0f}" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="{esc(title)}">'
        f"<title>{esc(title)}</title><desc>{esc(description)}</desc>" + "".join(body) + "</svg>"
    )


def _row(row: Row, y: float, x: Scale, digits: int, kind: str) -> list[str]:
    out = []
    label = row.label if len(row.label) <= LABEL_CHARS else row.label[: LABEL_CHARS - 1] + "…"
    middle = y + len(row.bars) * BAR / 2
    weight = ' font-weight="bold"' if row.strong else ""
    out.append(
        f'<text class="label" x="{LABEL - 6}" y="{middle + 4:.1f}" text-anchor="end"{weight}>'
        f"<title>{esc(row.label)}</title>{esc(label)}</text>"
    )
    for k, bar in enumerate(row.bars):
        top = y + k * BAR
        out += _bar(bar, top, x, digits, kind)
    return out


def _bar(bar: Bar, top: float, x: Scale, digits: int, kind: str) -> list[str]:
    out = []
    mid = top + BAR / 2
    css = f"s{bar.series % 6} {bar.css}".strip()
    tip = f"<title>{esc(bar.name)}: {esc(bar.text or _num(bar.value, digits))}</title>"
    if bar.value is not None and math.isfinite(bar.value):
        if kind == "bars":
            left, right = sorted((x(0.0), x(bar.value)))
            out.append(
                f'<rect class="{css}" x="{left:.1f}" y="{top + 1:.1f}" '
                f'width="{max(right - left, 0.5):.1f}" height="{BAR - 2}">{tip}</rect>'
            )
        else:
            out.append(
                f'<circle class="{css}" cx="{x(bar.value):.1f}" cy="{mid:.1f}" r="4">{tip}</circle>'
            )
    if bar.low is not None and bar.high is not None:
        a, b = x(bar.low), x(bar.high)
        out.append(
            f'<path class="whisker {bar.css}" d="M{a:.1f} {mid:.1f}H{b:.1f}'
            f'M{a:.1f} {mid - 4:.1f}V{mid + 4:.1f}M{b:.1f} {mid - 4:.1f}V{mid + 4:.1f}"/>'
        )
    text = bar.text or _num(bar.value, digits)
    out.append(
        f'<text class="value {bar.css}" x="{LABEL + PLOT + 8}" y="{mid + 4:.1f}">{esc(text)}</text>'
    )
    return out


def _axis(low: float, high: float, x: Scale, y: float, digits: int, *, zero: float) -> list[str]:
    out = [f'<path class="axis" d="M{LABEL} {y:.1f}H{LABEL + PLOT}"/>']
    out.append(f'<path class="zero" d="M{zero:.1f} 0V{y:.1f}"/>')
    for tick in nice_ticks(low, high):
        at = x(tick)
        out.append(f'<path class="axis" d="M{at:.1f} {y:.1f}v4"/>')
        out.append(
            f'<text class="tick" x="{at:.1f}" y="{y + 16:.1f}" text-anchor="middle">'
            f"{tick:.6g}</text>"
        )
    return out


def _num(value: float | None, digits: int) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return format_number(value, digits)
