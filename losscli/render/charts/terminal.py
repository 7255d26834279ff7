"""The terminal's chart after the table (``--chart [LOSS]``): a bar chart of the loss per
group and model, or with ``--compare`` a forest plot of each model's differences from the
reference; one per file.

Drawn for the output's width (a terminal's, else 80 columns or ``COLUMNS``) and character
set (block characters on UTF-8, ASCII elsewhere), in colour only on a terminal and never
with ``NO_COLOR`` (rich's console decides both).
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from ...result import EvaluationResult
from ..formats import Display
from .bars import bar_chart_lines
from .data import bar_charts, forests
from .forest import forest_lines
from .marks import marks_for, shown_label


def chart_lines(
    result: EvaluationResult, display: Display, *, width: int, charset: str | None
) -> list[Text]:
    """The chart ``display.chart`` asks for ("" : of the first loss), as lines: the forest
    plots where the loss has paired comparisons (--compare), else the bar charts."""
    marks = marks_for(charset)
    loss, rows = display.chart or None, display.max_rows
    several = len(result.files) > 1
    lines: list[Text] = []
    compared = forests(result, loss, max_rows=rows)
    if any(d.delta is not None for forest in compared for d in forest.rows):
        for forest in compared:
            lines += _file_line(forest.file, several, charset)
            lines += forest_lines(
                forest, width=width, digits=display.digits, marks=marks, charset=charset
            )
            lines.append(Text(""))
        return lines
    for chart in bar_charts(result, loss, max_rows=rows):
        lines += _file_line(chart.file, several, charset)
        lines += bar_chart_lines(
            chart, width=width, digits=display.digits, marks=marks, charset=charset
        )
        lines.append(Text(""))
    return lines


def _file_line(file: str, several: bool, charset: str | None) -> list[Text]:
    return [Text(shown_label(file, charset), style="bold underline")] if several else []


def chart_text(result: EvaluationResult, display: Display) -> str:
    """The chart as text: for standard output when the display has it (its width, its
    colours on a terminal), else plain, 80 columns wide (or ``COLUMNS``), for a file."""
    if display.stream is not None:
        console = Console(file=display.stream)
    else:
        console = Console(file=io.StringIO(), no_color=True)
    lines = chart_lines(result, display, width=console.width, charset=display.charset)
    with console.capture() as captured:
        console.print()
        for line in lines[:-1]:
            line.rstrip()
            console.print(line, soft_wrap=line.no_wrap is True)
    return captured.get()
