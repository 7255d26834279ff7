"""The terminal's bar chart: a loss per group, one bar per model, with interval whiskers.

::

    mape per group (groups by gbm's mape, worst first; ├─┤ 95% interval)
    villa      gbm       ██████│█▌─┤ 7.8836
               baseline  ██████████████████████████████│████▋────┤ 32.969

Each row is a model's value of a group: a bar from 0 to the value (to an eighth of a cell
where the output holds the block characters, ``#`` in whole cells in ASCII), the interval's
ends marked (``├``/``┤`` beyond the bar, ``│`` within it; ``|`` in ASCII) with a line
between them beyond the bar, and the value (as the table rounds it) at the end of the
row's drawing. One scale spans every bar and interval of the chart, and 0.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from .data import Bar, BarChart, finite
from .marks import PALETTE, Marks, Numbers, Scale, bar, fitted, padded, shown_label, styled

LABEL_SHARE = 4  # a label takes at most a quarter of the width
MIN_DRAWING = 10  # cells of drawing kept however narrow the terminal


def bar_chart_lines(
    chart: BarChart,
    *,
    width: int,
    digits: int,
    marks: Marks,
    charset: str | None,
) -> list[Text]:
    """The chart as lines of text at most ``width`` cells wide (where that leaves room)."""
    bars = [b for c in chart.categories for b in c.bars]
    numbers = Numbers(_numbers(bars), digits, marks.missing)
    labels = [shown_label(c.label, charset) for c in chart.categories]
    label_width = min(max(map(cell_len, labels)), max(width // LABEL_SHARE, 8))
    several = len(chart.models) > 1
    models = [shown_label(m, charset) for m in chart.models]
    model_width = max(map(cell_len, models)) if several else 0
    texts = [numbers(b.value) for b in bars]
    room = width - label_width - 2 - (model_width + 2 if several else 0)
    drawing = max(room - 1 - max(map(cell_len, texts)), MIN_DRAWING)
    scale = Scale.of(_numbers(bars), drawing)
    lines = [Text(shown_label(_title(chart, marks), charset), style="bold")]
    for category, label in zip(chart.categories, labels, strict=True):
        if category.is_overall and chart.groups:
            lines.append(Text(""))
        for at, (one, model) in enumerate(zip(category.bars, models, strict=True)):
            first = fitted(label, label_width, marks) if at == 0 else ""
            line = Text(padded(first, label_width), no_wrap=True)
            line.append("  ")
            if several:
                line.append(padded(model, model_width) + "  ")
            line.append_text(_drawn(one, scale, marks, PALETTE[at % len(PALETTE)]))
            line.append(numbers(one.value))
            lines.append(line)
    if chart.more:
        lines.append(Text(f"{marks.more} {chart.more:,} more groups: --max-rows 0 draws all"))
    return lines


def _numbers(bars: list[Bar]) -> list[float]:
    """Every number a chart of ``bars`` shows or scales to: values and interval ends."""
    return finite([v for b in bars for v in (b.value, b.low, b.high) if b.value is not None])


def _title(chart: BarChart, marks: Marks) -> str:
    parts = [chart.ordering] if chart.ordering and chart.groups else []
    if chart.level is not None:
        parts.append(f"{marks.low}{marks.whisker}{marks.high} {100 * chart.level:g}% interval")
    caption = f" ({'; '.join(parts)})" if parts else ""
    return f"{chart.loss} per {'group' if chart.groups else 'model'}{caption}"


def _drawn(one: Bar, scale: Scale, marks: Marks, colour: str) -> Text:
    """The row's drawing: the bar, the interval over it, then a space (none: nothing)."""
    if one.value is None:
        return Text("")
    cells = [" "] * scale.width
    zero = scale.cell(0.0) if scale.low < 0 else None  # a line at 0 where bars run below it
    if zero is not None:
        cells[zero] = marks.zero
    start, body = bar(scale, one.value, marks)
    for k, ch in enumerate(body):
        if 0 <= start + k < scale.width:
            cells[start + k] = ch
    filled = {start + k for k in range(len(body))}
    whisker: set[int] = set()
    if one.has_interval:
        assert one.low is not None and one.high is not None
        low, high = scale.cell(one.low), scale.cell(one.high)
        for k in range(low + 1, high):
            if k not in filled:
                cells[k] = marks.whisker
                whisker.add(k)
        for k, end in ((low, marks.low), (high, marks.high)):
            cells[k] = marks.inside if k in filled else end
            whisker.add(k)
    drawn = {*filled, *whisker, *([] if zero is None else [zero])}
    used = max(drawn, default=-1) + 1
    styles = ["dim" if k in whisker else (colour if k in filled else "") for k in range(used)]
    return styled(cells[:used], styles).append(" " if used else "")
