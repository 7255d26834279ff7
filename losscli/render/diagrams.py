"""The diagrams as text, after the table: a reliability diagram per classifier row
(``--calibration``) and a residual histogram per regression row (``--residuals``).

Rows are drawn in the table's order: per file and model its group rows (at most
``max_rows``, as the table shows), then its overall row. Bars are Unicode eighth-blocks
where the output's character set holds them, else ASCII (``#``, and ``|`` for the
reliability diagram's predicted mean).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from ..records import datarecord
from ..result import EvaluationResult
from ..result.diagrams import ReliabilityDiagram, ResidualHistogram
from .charts.marks import ASCII, UNICODE
from .formats import Display
from .literal import visible
from .numbers import format_number

HISTOGRAM_LINES = 16  # at most this many bars: runs of neighbouring bins are merged
DEFAULT_WIDTH = 80


@datarecord(frozen=True)
class Glyphs:
    unicode: bool

    def bar(self, share: float, width: int) -> str:
        """A bar ``share`` (0–1) of ``width`` characters long, padded to ``width``."""
        share = min(max(share, 0.0), 1.0) if math.isfinite(share) else 0.0
        marks = UNICODE if self.unicode else ASCII  # the terminal charts' blocks
        eighths = round(share * width * 8) if marks.eighths else round(share * width) * 8
        partial = marks.eighths[eighths % 8 - 1] if eighths % 8 else ""
        return (marks.full * (eighths // 8) + partial).ljust(width)

    @property
    def dash(self) -> str:
        return "–" if self.unicode else "-"

    @property
    def separator(self) -> str:
        return " · " if self.unicode else " / "

    @property
    def tick(self) -> str:
        return "│" if self.unicode else "|"


def glyphs_for(charset: str | None) -> Glyphs:
    """Unicode where the character set holds the blocks (a file: UTF-8), else ASCII."""
    marks = UNICODE.eighths + UNICODE.full + "–│·ŷ"
    return Glyphs(visible(marks, charset) == marks)


def diagram_text(
    result: EvaluationResult, *, digits: int, max_rows: int | None, charset: str | None, width: int
) -> str:
    """Every diagram of the shown rows, as lines of at most ``width`` characters ("" when
    the result carries none)."""
    diagrams = result.frame.diagrams
    if diagrams is None:
        return ""
    glyphs = glyphs_for(charset)
    parts = []
    for i in drawn_rows(result, max_rows):
        title = visible(row_title(result, i, glyphs.separator), charset)
        reliability = diagrams.reliability(i)
        if reliability is not None:
            parts.append(reliability_text(reliability, title, glyphs, digits=digits, width=width))
        histogram = diagrams.histogram(i)
        if histogram is not None:
            parts.append(histogram_text(histogram, title, glyphs, digits=digits, width=width))
        if result.frame.overall[i]:
            parts += _not_drawn(result, i, glyphs.separator, charset)
    return "\n".join(parts)


def _not_drawn(result: EvaluationResult, i: int, separator: str, charset: str | None) -> list[str]:
    """A line per diagram asked for that the model of overall row ``i`` has none of."""
    diagrams, frame = result.frame.diagrams, result.frame
    assert diagrams is not None
    model = visible(separator.join([str(frame.file[i]), str(frame.pred[i])]), charset)
    out = []
    if diagrams.calibration is not None and not diagrams.calibration.present[i]:
        out.append(f"No reliability diagram for {model}: --calibration is for classifiers\n")
    if diagrams.residuals is not None and not diagrams.residuals.present[i]:
        out.append(f"No residual histogram for {model}: --residuals is for one prediction column\n")
    return out


def drawn_rows(result: EvaluationResult, max_rows: int | None) -> Iterator[int]:
    """The shown rows in order, at most ``max_rows`` group rows per file and model (None
    or 0: all), each block's overall row always."""
    frame, seen = result.frame, dict[tuple[str, str], int]()
    for i in result.shown_rows().tolist():
        if not frame.overall[i]:
            block = (frame.file[i], frame.pred[i])
            seen[block] = seen.get(block, 0) + 1
            if max_rows and seen[block] > max_rows:
                continue
        yield i


def row_title(result: EvaluationResult, i: int, separator: str = " · ") -> str:
    """``file · model · group`` (or ``overall``) of row ``i``, then its period's label
    (``all periods`` on a row over all periods) with ``--period``."""
    frame = result.frame
    group = frame.group(i)
    where = "overall" if group is None else ", ".join(f"{k}={v}" for k, v in group.items())
    parts = [str(frame.file[i]), str(frame.pred[i]), where]
    if frame.period is not None:
        parts.append(str(frame.period.label[i] or "all periods"))
    return separator.join(parts)


def reliability_text(
    diagram: ReliabilityDiagram, title: str, glyphs: Glyphs, *, digits: int, width: int
) -> str:
    """Per bin with rows: its range, rows, mean predicted and observed frequency, and a bar
    of the observed frequency with a tick at the mean predicted (on the diagonal: calibrated)."""
    kind = "top-label confidence" if diagram.top_label else "predicted probability"
    ece = format_number(diagram.ece, digits)
    lines = [
        f"Reliability diagram, {title}",
        f"  ECE {ece}; {len(diagram.count)} bins of the {kind}",
        f"  {'bin':<11} {'rows':>7} {'predicted':>9} {'observed':>9}",
    ]
    bar_width = max(width - 42, 10)
    d = glyphs.dash
    for j in np.flatnonzero(diagram.count > 0):
        low, high = diagram.edges[j], diagram.edges[j + 1]
        predicted, observed = diagram.mean_predicted[j], diagram.observed[j]
        bar = list(glyphs.bar(observed, bar_width))
        if math.isfinite(predicted):
            bar[min(int(predicted * bar_width), bar_width - 1)] = glyphs.tick
        lines.append(
            f"  {f'{low:.2f}{d}{high:.2f}':<11} {diagram.count[j]:>7} "
            f"{_short(predicted):>9} {_short(observed):>9} {''.join(bar).rstrip()}"
        )
    lines.append(
        f"  bar: observed frequency; {glyphs.tick} mean predicted (calibrated: at the bar's end)"
    )
    return "\n".join(lines) + "\n"


def histogram_text(
    histogram: ResidualHistogram, title: str, glyphs: Glyphs, *, digits: int, width: int
) -> str:
    """Bars of rows per range of e (runs of neighbouring bins merged), then the mean and
    the quantiles with the range each lies in."""
    d = glyphs.dash
    n = int(histogram.count.sum())
    mean, smallest, largest = (
        format_number(x, digits) for x in (histogram.mean, histogram.smallest, histogram.largest)
    )
    lines = [
        f"Residuals e = y {d} ŷ, {title}" if glyphs.unicode else f"Residuals e = y - pred, {title}",
        f"  rows {n}; mean {mean}; min {smallest}; max {largest}",
        "  bars: rows per range of e; the ranges are log-spaced, so of unequal width",
    ]
    ranges = _merged(histogram, HISTOGRAM_LINES)
    labels = [
        f"{_edge(lo):>9} {d if lo != hi else ' '} {_edge(hi) if lo != hi else '':<9}"
        for lo, hi, _ in ranges
    ]
    label_width = max(len(label) for label in labels) if labels else 0
    bar_width = max(width - label_width - 14, 10)
    most = max((count for _, _, count in ranges), default=1)
    for label, (_, _, count) in zip(labels, ranges, strict=True):
        bar = glyphs.bar(count / most, bar_width).rstrip()
        lines.append(f"  {label:>{label_width}} {count:>8} {bar}")
    lines.append("  quantiles (each lies in the range shown; its bound is that range's width):")
    for q in histogram.quantiles:
        lines.append(
            f"    {q.q * 100:>2g}% {format_number(q.value, digits):>12} "
            f"in [{format_number(q.low, digits)}, {format_number(q.high, digits)}]"
        )
    return "\n".join(lines) + "\n"


def _merged(histogram: ResidualHistogram, lines: int) -> list[tuple[float, float, int]]:
    """(low, high, rows) of runs of the histogram's non-empty bins, as many to a run as
    keep the runs to at most ``lines`` (a run may span ranges without rows)."""
    count = len(histogram.count)
    size = max(1, math.ceil(count / lines))
    out = []
    for start in range(0, count, size):
        stop = min(start + size, count)
        rows = int(histogram.count[start:stop].sum())
        out.append((float(histogram.low[start]), float(histogram.high[stop - 1]), rows))
    return out


def _edge(value: float) -> str:
    return "0" if value == 0 else f"{value:.4g}"


def _short(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else ""


def diagram_block(result: EvaluationResult, display: Display, *, fenced: bool) -> str:
    """The diagrams below a rendered table (``fenced``: in a markdown code block), as wide
    as the terminal the output goes to, else :data:`DEFAULT_WIDTH`."""
    stream = display.stream
    width = DEFAULT_WIDTH
    if stream is not None and stream.isatty():
        import shutil

        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    text = diagram_text(
        result,
        digits=display.digits,
        max_rows=display.max_rows,
        charset=display.charset,
        width=width,
    )
    if not text:
        return ""
    return f"\n```text\n{text}```\n" if fenced else f"\n{text}"
