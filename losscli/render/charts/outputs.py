"""The table and markdown formats with their charts: the table, then ``--chart``'s chart;
markdown's Mermaid charts (unless ``--no-chart``), then its table, verdict and notes.

The table and markdown themselves are their own modules' (``table``, ``text``); this one
only puts the charts beside them, so ``formats`` names these renderers for the two formats.
"""

from __future__ import annotations

from ...result import EvaluationResult
from ..formats import Display


def render_table(result: EvaluationResult, display: Display) -> str:
    """The table, then the chart ``--chart`` asks for (none without it), then the confusion
    matrices (``--confusion``; alone under ``--table confusion``)."""
    from ..table import render_table as table

    if display.table == "confusion":
        return matrices(result, display, markdown=False).lstrip("\n")
    text = table(result, display)
    if display.chart is not None:
        from .terminal import chart_text

        text += chart_text(result, display)
    return text + matrices(result, display, markdown=False)


def render_markdown(result: EvaluationResult, display: Display) -> str:
    """The title, Mermaid charts of each loss (``--chart LOSS``: of that one; none with
    ``--no-chart``), then the markdown table, verdict and notes."""
    from ..text import render_markdown as markdown

    if display.table == "confusion":
        return matrices(result, display, markdown=True).lstrip("\n")
    text = markdown(result, display) + matrices(result, display, markdown=True)
    charts = "" if display.no_chart else markdown_charts(result, display)
    if not charts:
        return text
    if text.startswith("**"):  # the title (file and model) first, then the charts
        title, gap, rest = text.partition("\n\n")
        return title + gap + charts + "\n" + rest
    return charts + "\n" + text


def matrices(result: EvaluationResult, display: Display, *, markdown: bool) -> str:
    """The confusion matrices of the rows the table shows (--confusion; "": none)."""
    if result.frame.confusion is None or display.table not in ("rows", "confusion"):
        return ""
    from ..confusion import confusion_block

    return confusion_block(result, display, as_markdown=markdown)


def markdown_charts(result: EvaluationResult, display: Display) -> str:
    """Per loss (or the one ``display.chart`` names), a caption and the Mermaid charts of
    each file: one per model, in the chart data's order (``data.bar_charts``); with
    --compare, then the forest plots of its differences."""
    from ..literal import markdown
    from .data import bar_charts
    from .mermaid import chart_blocks

    losses = [display.chart] if display.chart else result.losses
    several = len(result.files) > 1
    parts = []
    for loss in losses:
        for chart in bar_charts(result, loss, max_rows=display.max_rows):
            blocks = chart_blocks(
                chart, result.group_by, several_files=several, charset=display.charset
            )
            if not blocks:
                continue
            where = f"{chart.file}: " if several else ""
            per = f"per group ({chart.ordering})" if chart.groups else "per model"
            caption = f"{where}{chart.loss} {per}"
            parts.append(f"_{markdown(caption, display.charset)}_\n\n" + "\n".join(blocks))
        parts += forest_blocks(result, display, loss)
    return "\n".join(parts)


MARKDOWN_WIDTH = 80  # of a forest plot in markdown: a code block this wide fits a PR comment


def forest_blocks(result: EvaluationResult, display: Display, loss: str) -> list[str]:
    """With --compare, each forest plot of ``loss`` as the terminal draws it
    ``MARKDOWN_WIDTH`` wide, in a code block (GitHub shows it in a fixed-width font)."""
    import re

    from .data import forests
    from .forest import forest_lines
    from .marks import marks_for

    marks = marks_for(display.charset)
    blocks = []
    for forest in forests(result, loss, max_rows=display.max_rows):
        if all(d.delta is None for d in forest.rows):
            continue  # a loss without paired comparisons
        lines = forest_lines(
            forest,
            width=MARKDOWN_WIDTH,
            digits=display.digits,
            marks=marks,
            charset=display.charset,
        )
        text = "\n".join(line.plain.rstrip() for line in lines)
        runs = [len(run) for run in re.findall("`+", text)]
        fence = "`" * max(3, max(runs, default=0) + 1)  # longer than any run in the text
        blocks.append(f"{fence}text\n{text}\n{fence}\n")
    return blocks
