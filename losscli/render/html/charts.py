"""The report's figures: a bar chart per loss and file (one bar per model, whiskers where
intervals were computed) and, with ``--compare``, a forest plot per loss, file and model
(Δ per group against the reference, its interval, a line at 0, the verdict's colour and
mark).

They are drawn from the chart data model (:mod:`losscli.render.charts.data`) that the
terminal's and markdown's charts are drawn from too, so all of them show the same groups
(at most ``--max-rows`` per file), in the same order, with the same values.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...result import EvaluationResult
from ...result.comparing import VERDICTS
from ..charts.data import BarChart, Difference, Forest, bar_charts, forests
from ..numbers import format_number, format_signed
from .svg import Bar, Row, esc, horizontal_chart

MARKS = {"better": " ▲", "worse": " ▼"}


def legend(names: Sequence[str]) -> str:
    """The models' colours, in the chart's order (hidden from screen readers: each chart's
    description names its models)."""
    keys = "".join(
        f'<span><span class="key s{k % 6}"></span>{esc(name)}</span>'
        for k, name in enumerate(names)
    )
    return f'<div class="legend" aria-hidden="true">{keys}</div>'


def figure(title: str, chart: str, *, key: str = "", more: int = 0) -> str:
    """A chart with its caption, its legend and what was left out; it scrolls sideways
    inside its own box where the page is narrower than it."""
    left = ""
    if more:
        left = (
            f'<p class="note">{more:,} more groups not drawn: --max-rows 0 draws them all '
            "(the table has every row).</p>"
        )
    return (
        f"<figure><figcaption>{esc(title)}</figcaption>{key}"
        f'<div class="scroll">{chart}</div>{left}</figure>'
    )


def bar_figures(result: EvaluationResult, digits: int, max_rows: int | None) -> list[str]:
    """Per loss and file, a bar chart of every group, one bar per model."""
    return [
        _bar_figure(chart, digits)
        for loss in result.losses
        for chart in bar_charts(result, loss, max_rows=max_rows)
    ]


def _bar_figure(chart: BarChart, digits: int) -> str:
    rows = [
        Row(
            category.label,
            [
                Bar(k, bar.model, bar.value, bar.low, bar.high)
                for k, bar in enumerate(category.bars)
            ],
            strong=category.is_overall,
        )
        for category in chart.categories
    ]
    whiskers = f"; whiskers: {100 * chart.level:g}% intervals" if chart.level else ""
    better = f"{'lower' if chart.lower_is_better else 'higher'} is better"
    if chart.lower_is_better is None:
        better = "no side is better"
    title = f"{chart.loss}, {chart.file}"
    description = (
        f"Horizontal bar chart of {chart.loss} ({better}) for {len(chart.groups)} "
        f"group(s) of {chart.file} and its overall row, one bar per model "
        f"({', '.join(chart.models)}){whiskers}; {chart.ordering}; the value is printed at "
        "each bar's end."
    )
    svg = horizontal_chart(rows, title=title, description=description, digits=digits)
    return figure(title, svg, key=legend(chart.models), more=chart.more)


def forest_figures(result: EvaluationResult, digits: int, max_rows: int | None) -> list[str]:
    """Per loss, file and compared model, a forest plot of Δ against the reference."""
    return [
        _forest_figure(forest, digits, series=forest_series(result, forest))
        for loss in result.losses
        for forest in forests(result, loss, max_rows=max_rows)
    ]


def forest_series(result: EvaluationResult, forest: Forest) -> int:
    """The model's colour: its place in the bar charts (the reference first)."""
    models = list(dict.fromkeys([forest.reference, *result.preds]))
    return models.index(forest.model)


def _forest_figure(forest: Forest, digits: int, *, series: int) -> str:
    rows = [
        Row(d.label, [_delta_bar(d, forest.model, series, digits)], strong=d.is_overall)
        for d in forest.rows
    ]
    verdicts = [d.verdict for d in forest.rows if not d.is_overall]
    counts = ", ".join(f"{v} {verdicts.count(v)}" for v in VERDICTS)
    level = f" {100 * forest.level:g}%" if forest.level else ""
    title = f"Δ {forest.loss}: {forest.model} − {forest.reference}, {forest.file}"
    description = (
        f"Forest plot of the difference in {forest.loss} ({forest.model} minus "
        f"{forest.reference}) on the same rows, per group with its{level} interval and a "
        f"dashed line at 0; among the groups drawn: {counts} ({forest.adjust}-adjusted); "
        "▲ marks a model significantly better, ▼ significantly worse."
    )
    svg = horizontal_chart(rows, title=title, description=description, digits=digits, kind="forest")
    return figure(title, svg, more=forest.more)


def _delta_bar(d: Difference, model: str, series: int, digits: int) -> Bar:
    delta = "—" if d.delta is None else format_signed(d.delta, digits)
    interval = ""
    if d.low is not None and d.high is not None:
        interval = f" [{format_number(d.low, digits)}, {format_number(d.high, digits)}]"
    text = delta + interval + MARKS.get(d.verdict or "", "")
    return Bar(series, model, d.delta, d.low, d.high, css=d.verdict or "", text=text)
