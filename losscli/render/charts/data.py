"""What a chart shows, computed from the result alone: bars per group and model, and the
paired differences of a forest plot.

Every chart of a result is drawn from these values (the terminal's bars and forest plot,
markdown's Mermaid charts, the HTML report), so they agree in their groups, their order
and their values. Nothing here formats or prints: rendering is the renderers' job.

The groups of a chart are those of one file, in the wide table's order (``--sort-by``,
``--top``; ``comparing.group_order``: the reference model's order first); without one,
ordered by the reference model's value of the charted loss, worst first, as
``--sort-by`` would. Each model's bar of a group is that model's row of the same group,
and a forest plot's row is the comparison the wide table's Δ column shows, with its
adjusted p-value and verdict. ``max_rows`` (``--max-rows``) caps the groups per chart;
the overall row comes last, after the groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...errors import UsageError
from ...losses import Direction, find_loss
from ...records import datarecord
from ...result import Comparison, EvaluationResult
from ...result.comparing import Aligned, aligned, by_row, group_order

OVERALL = "overall"  # the label of a file's overall row, as the table names it
MISSING_KEY = "(missing)"  # a group value that is missing, as the table shows it


@datarecord(frozen=True)
class Bar:
    """One model's value of a group, with its interval where one was computed."""

    model: str
    value: float | None  # None: the loss has no value here
    low: float | None = None
    high: float | None = None

    @property
    def has_interval(self) -> bool:
        return self.value is not None and self.low is not None and self.high is not None


@datarecord(frozen=True)
class Category:
    """A group of one file (or its overall row), with one bar per model."""

    label: str  # the group's values as the table shows them, joined by ", "; or "overall"
    group: dict[str, Any] | None  # None: the file's overall row
    bars: tuple[Bar, ...]  # in the chart's model order

    @property
    def is_overall(self) -> bool:
        return self.group is None


@datarecord(frozen=True, kw_only=True)
class Chart:
    """What every chart of one loss over the groups of one file says of itself."""

    file: str
    loss: str
    reference: str  # the model the others are compared with (--compare's, else the first)
    more: int = 0  # groups left out by ``max_rows``
    ordering: str = ""  # how the groups are ordered, for a caption
    level: float | None = None  # the intervals' level, where the run states it (--ci)
    lower_is_better: bool | None = True  # None: neither side is better (bias)


@datarecord(frozen=True, kw_only=True)
class BarChart(Chart):
    """One loss across the groups of one file: one bar per model and group."""

    models: tuple[str, ...]  # the reference first, then the others in the result's order
    categories: tuple[Category, ...]  # the groups in order, then the overall row

    @property
    def groups(self) -> tuple[Category, ...]:
        """The group categories, without the overall row."""
        return tuple(c for c in self.categories if not c.is_overall)


@datarecord(frozen=True)
class Difference:
    """A model against the reference on one group: Δ = loss(model) − loss(reference)."""

    label: str
    group: dict[str, Any] | None  # None: the overall row
    delta: float | None
    low: float | None
    high: float | None
    p_value: float | None
    p_adjusted: float | None  # the p-value the verdict is read from (JSON's ``p_adjusted``)
    # the comparison's verdict, as JSON and the wide table give it: "better", "worse" or
    # "indistinguishable" after the adjustment across groups (None: no comparison here)
    verdict: str | None

    @property
    def significant(self) -> bool:
        return self.verdict in ("better", "worse")

    @property
    def is_overall(self) -> bool:
        return self.group is None


@datarecord(frozen=True, kw_only=True)
class Forest(Chart):
    """Δ of one model against the reference, per group of one file, for one loss."""

    model: str
    rows: tuple[Difference, ...]  # in the bar chart's group order, then the overall row
    adjust: str = "holm"  # how the verdicts were adjusted across groups


def reference_model(result: EvaluationResult) -> str:
    """The model the others are compared with: --compare's reference, else the first."""
    if result.comparisons:
        return result.comparisons[0].reference
    return result.preds[0]


def chart_loss(result: EvaluationResult, spec: str | None = None) -> str:
    """The loss to chart: the one ``spec`` names (one of the result's), else the first."""
    from ...losses import get_loss

    name = get_loss(spec).name if spec else result.losses[0]
    if name in result.losses:
        return name
    shown = ", ".join(result.losses)
    raise UsageError(f"--chart {spec}: the result has no {name} column; chart one of {shown}")


def bar_charts(
    result: EvaluationResult, loss: str | None = None, *, max_rows: int | None = None
) -> list[BarChart]:
    """Per file, the bar chart of ``loss`` (default: the first loss shown)."""
    name = chart_loss(result, loss)
    layout = _Layout(result, name, max_rows)
    return [layout.bar_chart(file) for file in result.files]


def forests(
    result: EvaluationResult, loss: str | None = None, *, max_rows: int | None = None
) -> list[Forest]:
    """Per file and compared model, the forest plot of ``loss``'s differences from the
    reference (none without --compare)."""
    if not result.comparisons:
        return []
    name = chart_loss(result, loss)
    layout = _Layout(result, name, max_rows)
    return [
        layout.forest(file, model)
        for file in result.files
        for model in layout.models
        if model != layout.reference
    ]


class _Layout:
    """The groups of each file in chart order (the wide table's: ``comparing.group_order``)
    and each model's row of them."""

    def __init__(self, result: EvaluationResult, loss: str, max_rows: int | None) -> None:
        self.result, self.loss, self.max_rows = result, loss, max_rows
        self.reference = reference_model(result)
        self.models = tuple(dict.fromkeys([self.reference, *result.preds]))
        self.sides = {side.file: side for side in aligned(result)}
        order = result if result.shown is not None else result.ranked(loss)
        lead = dict.fromkeys(self.sides, self.reference)
        groups = group_order(order, list(self.sides.values()), lead)
        self.groups = dict(zip(self.sides, groups, strict=True))
        self.found = by_row(result)
        found = find_loss(loss)
        self.lower_is_better: bool | None = found is None or found.direction is Direction.LOWER
        if found is not None and found.direction is Direction.NONE:
            self.lower_is_better = None  # bias: no side is better

    def ordering(self) -> str:
        if self.result.shown is not None and self.result.ordering:
            return self.result.ordering
        return f"groups by {self.reference}'s {self.loss}, worst first"

    def places(self, file: str) -> tuple[list[int], int]:
        """The places of ``file``'s groups in its keys, in order and capped, then its overall
        row's; and how many groups were left out."""
        side, groups = self.sides[file], self.groups[file]
        cap = len(groups) if not self.max_rows else min(self.max_rows, len(groups))
        return [*groups[:cap], len(side.keys) - 1], len(groups) - cap

    def bar_chart(self, file: str) -> BarChart:
        places, more = self.places(file)
        side, column = self.sides[file], self.result.frame.losses[self.loss]
        categories = []
        for at in places:
            bars = []
            for model in self.models:
                row = int(side.rows[model][at]) if model in side.rows else -1
                value = None if row < 0 else column.value(row)
                interval = None if row < 0 else column.interval(row)
                low, high = (None, None) if interval is None else (interval.low, interval.high)
                bars.append(Bar(model, value, low, high))
            categories.append(self._category(side, at, tuple(bars)))
        ci = self.result.ci
        return BarChart(
            file=file,
            loss=self.loss,
            models=self.models,
            reference=self.reference,
            categories=tuple(categories),
            more=more,
            ordering=self.ordering(),
            level=None if ci is None or column.low is None else ci.level,
            lower_is_better=self.lower_is_better,
        )

    def forest(self, file: str, model: str) -> Forest:
        """The differences of ``model`` from the reference: the result's comparisons (their
        Δ, interval, adjusted p-value and verdict), found by group as the wide table finds
        them (``comparing.by_row``)."""
        places, more = self.places(file)
        side, rows = self.sides[file], []
        for at in places:
            found = self.found.get((file, model, self.loss, side.keys[at]))
            rows.append(_difference(self._category(side, at, ()), found))
        ci = self.result.ci
        return Forest(
            file=file,
            loss=self.loss,
            model=model,
            reference=self.reference,
            rows=tuple(rows),
            more=more,
            ordering=self.ordering(),
            level=None if ci is None else ci.level,
            adjust=self.result.adjust,
            lower_is_better=self.lower_is_better,
        )

    def _category(self, side: Aligned, at: int, bars: tuple[Bar, ...]) -> Category:
        if side.keys[at] is None:
            return Category(label(None), None, bars)
        row = next(int(rows[at]) for rows in side.rows.values() if rows[at] >= 0)
        group = self.result.frame.group(row)
        return Category(label(group), group, bars)


def label(group: dict[str, Any] | None) -> str:
    """A group's values as the table shows them, joined by ", "; ``overall`` for None."""
    if group is None:
        return OVERALL
    return ", ".join(MISSING_KEY if v is None else str(v) for v in group.values())


def _difference(category: Category, comparison: Comparison | None) -> Difference:
    if comparison is None:
        return Difference(category.label, category.group, None, None, None, None, None, None)
    return Difference(
        category.label,
        category.group,
        comparison.delta,
        comparison.low,
        comparison.high,
        comparison.p_value,
        comparison.p_adjusted,
        comparison.verdict,
    )


def finite(values: Sequence[float | None]) -> list[float]:
    """The values that are numbers (for a chart's scale)."""
    return [v for v in values if v is not None and np.isfinite(v)]
