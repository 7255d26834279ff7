"""The report's charts: a bar chart per loss (one bar per model, whiskers where intervals
were computed) and, with ``--compare``, a forest plot per loss (Δ per group against the
reference, its interval, a line at 0, the verdict's colour and mark).

Groups appear in the table's order (``--sort-by``), else by the reference model's value,
worst first; at most ``--max-rows`` groups per file are drawn, the overall row first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ...losses import Direction, find_loss
from ...result import Comparison, EvaluationResult
from ..grid import MISSING_KEY, OVERALL
from ..numbers import format_number, format_signed
from .svg import Bar, Row, esc, horizontal_chart

MARKS = {"better": " ▲", "worse": " ▼", "same": ""}
Place = tuple[Any, ...]  # a group's key values; () for the overall row


def legend(names: Sequence[str]) -> str:
    keys = "".join(
        f'<span><span class="key s{k % 6}"></span>{esc(name)}</span>'
        for k, name in enumerate(names)
        if name  # an empty name keeps its colour for the next
    )
    return f'<div class="legend" aria-hidden="true">{keys}</div>'


def _label(place: Place) -> str:
    if not place:
        return OVERALL
    return ", ".join(MISSING_KEY if v is None else str(v) for v in place)


def _places(result: EvaluationResult, file: str, limit: int | None) -> tuple[list[Place], int]:
    """The groups of ``file`` to draw, in order, and how many were left out."""
    frame = result.frame
    reference = _reference(result)
    shown = [int(i) for i in result.shown_rows()]
    rows = [i for i in shown if frame.file[i] == file and frame.pred[i] == reference]
    groups = [i for i in rows if not frame.overall[i]]
    if not result.ordering:  # the reference model's value, worst first
        values = frame.losses[result.losses[0]].values
        loss = find_loss(result.losses[0])
        sign = 1.0 if loss is not None and loss.direction is Direction.HIGHER else -1.0
        groups.sort(key=lambda i: (math.isnan(values[i]), sign * values[i]))
    places = [tuple(frame.keys[g][i] for g in result.group_by) for i in groups]
    kept = places if not limit else places[:limit]
    return [(), *kept] if result.group_by else [()], len(places) - len(kept)


def _reference(result: EvaluationResult) -> str:
    return result.comparisons[0].reference if result.comparisons else result.preds[0]


def _index(result: EvaluationResult) -> dict[tuple[str, str, Place], int]:
    """Each row's index by file, model and group key values (() for overall)."""
    frame = result.frame
    out = {}
    for i in range(len(frame)):
        place = () if frame.overall[i] else tuple(frame.keys[g][i] for g in result.group_by)
        out[(frame.file[i], frame.pred[i], place)] = i
    return out


def bar_charts(result: EvaluationResult, digits: int, max_rows: int | None) -> list[str]:
    """A figure per loss and file: bars per group, one per model."""
    index = _index(result)
    models = result.preds
    figures = []
    for file in result.files:
        places, left = _places(result, file, max_rows)
        for loss in result.losses:
            column = result.frame.losses[loss]
            rows = []
            for place in places:
                bars = []
                for k, model in enumerate(models):
                    i = index.get((file, model, place))
                    if i is None:
                        continue
                    low = high = None
                    if column.low is not None and column.high is not None:
                        low, high = _num(column.bound("low")[i]), _num(column.bound("high")[i])
                    bars.append(Bar(k, model, _num(column.values[i]), low, high))
                rows.append(Row(_label(place), bars, strong=not place))
            figures.append(_figure(result, file, loss, rows, left, digits=digits))
    return figures


def _figure(
    result: EvaluationResult, file: str, loss: str, rows: list[Row], left: int, *, digits: int
) -> str:
    spec = find_loss(loss)
    direction = ""
    if spec is not None:
        direction = (
            "; lower is better" if spec.direction is Direction.LOWER else "; higher is better"
        )
    whiskers = f"; whiskers: {100 * result.ci.level:g}% intervals" if result.ci else ""
    title = f"{loss} per group, {file}" if result.group_by else f"{loss}, {file}"
    description = (
        f"Horizontal bar chart of {loss} for {len(rows)} row(s) of {file}, one bar per model "
        f"({', '.join(result.preds)}){whiskers}{direction}; the value is printed at each bar's end."
    )
    chart = horizontal_chart(rows, title=title, description=description, digits=digits)
    more = _more(left)
    return (
        f"<figure><figcaption>{esc(title)}</figcaption>{legend(result.preds)}{chart}{more}</figure>"
    )


def _more(left: int) -> str:
    if not left:
        return ""
    return (
        f'<p class="note">{left:,} more groups not drawn: --max-rows 0 draws them all '
        "(the table above has every row).</p>"
    )


def forest_plots(result: EvaluationResult, digits: int, max_rows: int | None) -> list[str]:
    """A figure per loss and file: Δ per group against the reference, one point per model."""
    found = {(c.file, c.pred, c.loss, _place(result, c)): c for c in result.comparisons}
    reference = _reference(result)
    models = [m for m in result.preds if m != reference]
    figures = []
    for file in result.files:
        places, left = _places(result, file, max_rows)
        for loss in result.losses:
            rows = []
            for place in places:
                bars = [
                    _delta_bar(found[(file, model, loss, place)], result.preds.index(model), digits)
                    for model in models
                    if (file, model, loss, place) in found
                ]
                rows.append(Row(_label(place), bars, strong=not place))
            if any(row.bars for row in rows):
                figures.append(_forest_figure(result, file, loss, rows, left, digits=digits))
    return figures


def _place(result: EvaluationResult, c: Comparison) -> Place:
    return () if c.group is None else tuple(c.group[g] for g in result.group_by)


def _delta_bar(c: Comparison, series: int, digits: int) -> Bar:
    delta = "—" if c.delta is None else format_signed(c.delta, digits)
    interval = ""
    if c.low is not None and c.high is not None:
        interval = f" [{format_number(c.low, digits)}, {format_number(c.high, digits)}]"
    text = delta + interval + MARKS.get(c.verdict, "")
    return Bar(series, c.pred, c.delta, c.low, c.high, css=c.verdict, text=text)


def _forest_figure(
    result: EvaluationResult, file: str, loss: str, rows: list[Row], left: int, *, digits: int
) -> str:
    reference = _reference(result)
    verdicts = [bar.css for row in rows[1:] for bar in row.bars]
    counts = ", ".join(
        f"{name} {verdicts.count(verdict)}"
        for verdict, name in (
            ("better", "better"),
            ("worse", "worse"),
            ("same", "indistinguishable"),
        )
    )
    title = f"Δ {loss} against {reference}, {file}"
    description = (
        f"Forest plot of the difference in {loss} (model − {reference}) on the same rows, "
        f"per group with its interval, a dashed line at 0; among the groups drawn: {counts}; "
        "▲ marks a model significantly better, ▼ significantly worse (adjusted across groups)."
    )
    chart = horizontal_chart(
        rows, title=title, description=description, digits=digits, kind="forest"
    )
    models = [m for m in result.preds if m != reference]
    names = [m if m in models else "" for m in result.preds]
    key = legend(names) if len(models) > 1 else ""
    return (
        f"<figure><figcaption>{esc(title)}</figcaption>{key}"
        f'<div class="scroll">{chart}</div>{_more(left)}</figure>'
    )


def _num(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number
