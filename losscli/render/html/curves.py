"""The report's ROC and precision–recall curves (``--curves``; on by default for ``-f html``
where ``roc_auc`` is a loss): per classifier row drawn (the rows, order and ``--max-rows``
of the diagrams: :func:`~..diagrams.drawn_rows`), the two curves side by side, one line
per class (binary: the positive class), read from the rank tables ROC-AUC keeps
(:mod:`losscli.result.curves`).

A line has at most :data:`~losscli.result.curves.DRAWN` points (its end points and its
turns kept); the AUC and the average precision in its legend are computed from every
point. Each line carries them whole in ``data-`` attributes, as JSON's ``curves`` has them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ...records import datarecord
from ...result import EvaluationResult
from ...result.curves import Curve
from ..numbers import format_number
from .charts import legend
from .diagrams import per_row
from .plot import Axes, attribute, plot_svg
from .svg import esc


def curve_figures(result: EvaluationResult, digits: int, max_rows: int | None) -> list[str]:
    """A figure of the ROC and the precision–recall curve per classifier row drawn."""
    columns = result.frame.curves
    if columns is None:
        return []

    def draw(i: int, title: str) -> str | None:
        found = columns.curves(i)
        return curve_figure(found, title, digits) if found else None

    return per_row(result, max_rows, draw)


@datarecord(frozen=True)
class CurveKind:
    """What tells the ROC chart from the precision–recall chart."""

    name: str  # the <svg>'s class
    title: str
    labels: tuple[str, str]  # the axes' titles
    measure: str  # the legend's name of ``value``
    attribute: str  # the line's data- attribute of ``value``
    about: str  # what the description says the chart shows
    points: Callable[[Curve], tuple[np.ndarray, np.ndarray]]  # (x, y), thinned
    value: Callable[[Curve], float]


ROC = CurveKind(
    "roc",
    "ROC",
    ("false positive rate", "true positive rate"),
    "AUC",
    "auc",
    "the true positive rate against the false positive rate",
    Curve.thinned_roc,
    lambda c: c.auc,
)
PRECISION_RECALL = CurveKind(
    "precision-recall",
    "Precision-recall",
    ("recall", "precision"),
    "AP",
    "ap",
    "precision against recall",
    Curve.thinned_precision_recall,
    lambda c: c.average_precision,
)


def curve_figure(curves: list[Curve], title: str, digits: int) -> str:
    """The row's two charts side by side, each with its legend."""
    plots = []
    for kind in (ROC, PRECISION_RECALL):
        names = [
            f"{c.label + ': ' if len(curves) > 1 else ''}{kind.measure} "
            f"{format_number(kind.value(c), digits)}"
            for c in curves
        ]
        plots.append(
            f'<div class="plot">{legend(names)}{curve_svg(curves, title, digits, kind)}</div>'
        )
    if len(curves) > 1:  # one-vs-rest: roc_auc is the mean over the classes
        mean = sum(c.auc for c in curves) / len(curves)
        title = f"{title}: mean AUC {format_number(mean, digits)} (one-vs-rest)"
    return (
        f"<figure><figcaption>{esc(title)}</figcaption>"
        f'<div class="plots">{"".join(plots)}</div></figure>'
    )


def curve_svg(curves: list[Curve], title: str, digits: int, kind: CurveKind) -> str:
    """Each class's curve, one line each, and a dashed line where a model ranking at random
    lies: the diagonal (ROC), the share of positives (precision–recall, one class)."""
    axes = Axes(0.0, 1.0, 0.0, 1.0)
    chance = _chance(curves, kind)
    body = [] if chance is None else [f'<path class="diagonal" d="{axes.path(*chance)}"/>']
    for k, curve in enumerate(curves):
        x, y = kind.points(curve)
        value = kind.value(curve)
        body.append(
            f'<path class="curve l{k % 6}" d="{axes.path(x.tolist(), y.tolist())}" '
            f'data-class="{esc(curve.label)}" data-{kind.attribute}="{attribute(value)}" '
            f'data-points="{len(curve.threshold) + 1}" data-drawn="{len(x)}">'
            f"<title>{esc(curve.label or kind.title)}: {kind.measure} "
            f"{format_number(value, digits)}</title></path>"
        )
    random = {ROC.name: "the dashed diagonal is a model ranking at random (AUC 0.5)"}.get(
        kind.name, "the dashed line is the share of positives (a model ranking at random)"
    )
    description = (
        f"{kind.title} curve of {title}: {kind.about} as the threshold falls, "
        f"{_lines(curves, digits, kind)}{'; ' + random if chance else ''}."
    )
    return plot_svg(
        axes,
        body,
        title=f"{kind.title}, {title}",
        description=description,
        labels=kind.labels,
        kind=kind.name,
    )


def _chance(curves: list[Curve], kind: CurveKind) -> tuple[list[float], list[float]] | None:
    """The line of a model ranking at random, (x, y) of its ends; None: none drawn."""
    if kind is ROC:
        return [0.0, 1.0], [0.0, 1.0]
    total = curves[0].positive + curves[0].negative
    if len(curves) > 1 or not total > 0:
        return None
    share = curves[0].positive / total
    return [0.0, 1.0], [share, share]


def _lines(curves: list[Curve], digits: int, kind: CurveKind) -> str:
    """Each class's measure, and whether its scores were binned."""
    parts = []
    for curve in curves:
        v = kind.value(curve)
        shown = format_number(v, digits) if math.isfinite(v) else "undefined"
        binned = f", from 2^{curve.bits} score bins" if curve.bits else ""
        who = f"class {curve.label}: " if curve.label else ""
        parts.append(f"{who}{kind.measure} {shown}{binned}")
    return "; ".join(parts)
