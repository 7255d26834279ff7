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

from ...result import EvaluationResult
from ...result.curves import Curve
from ..diagrams import drawn_rows, row_title
from ..numbers import format_number
from .charts import legend
from .plot import Axes, attribute, plot_svg
from .svg import esc


def curve_figures(result: EvaluationResult, digits: int, max_rows: int | None) -> list[str]:
    """A figure of the ROC and the precision–recall curve per classifier row drawn."""
    columns = result.frame.curves
    if columns is None:
        return []
    out = []
    for i in drawn_rows(result, max_rows):
        found = columns.curves(i)
        if found:
            out.append(curve_figure(found, row_title(result, i), digits))
    return out


def curve_figure(curves: list[Curve], title: str, digits: int) -> str:
    """The row's two charts, each with its legend."""
    names = [c.label or "positive class" for c in curves]
    aucs = [f"{n}: AUC {format_number(c.auc, digits)}" for n, c in zip(names, curves, strict=True)]
    aps = [
        f"{n}: AP {format_number(c.average_precision, digits)}"
        for n, c in zip(names, curves, strict=True)
    ]
    if len(curves) == 1:
        aucs, aps = [a.split(": ", 1)[1] for a in aucs], [a.split(": ", 1)[1] for a in aps]
    roc = f'<div class="plot">{legend(aucs)}{roc_svg(curves, title, digits)}</div>'
    pr = f'<div class="plot">{legend(aps)}{precision_recall_svg(curves, title, digits)}</div>'
    if len(curves) > 1:  # one-vs-rest: roc_auc is the mean over the classes
        mean = sum(c.auc for c in curves) / len(curves)
        title = f"{title}: mean AUC {format_number(mean, digits)} (one-vs-rest)"
    return (
        f'<figure><figcaption>{esc(title)}</figcaption><div class="plots">{roc}{pr}</div></figure>'
    )


def roc_svg(curves: list[Curve], title: str, digits: int) -> str:
    """The ROC curve of each class (true positive rate against false positive rate), the
    dashed diagonal being a model that ranks at random."""
    axes = Axes(0.0, 1.0, 0.0, 1.0)
    body = [f'<path class="diagonal" d="M{axes.point(0, 0)}L{axes.point(1, 1)}"/>']
    for k, curve in enumerate(curves):
        fpr, tpr = curve.thinned_roc()
        body.append(
            f'<path class="curve l{k % 6}" d="{axes.path(fpr.tolist(), tpr.tolist())}" '
            f'data-class="{esc(curve.label)}" data-auc="{attribute(curve.auc)}" '
            f'data-points="{len(curve.threshold) + 1}" data-drawn="{len(fpr)}">'
            f"<title>{esc(curve.label or 'ROC')}: AUC {format_number(curve.auc, digits)}"
            "</title></path>"
        )
    description = (
        f"ROC curve of {title}: the true positive rate against the false positive rate as "
        f"the threshold falls, {_lines(curves, digits, 'AUC', lambda c: c.auc)}; the dashed "
        "diagonal is a model ranking at random (AUC 0.5)."
    )
    return plot_svg(
        axes,
        body,
        title=f"ROC, {title}",
        description=description,
        labels=("false positive rate", "true positive rate"),
        kind="roc",
    )


def precision_recall_svg(curves: list[Curve], title: str, digits: int) -> str:
    """The precision–recall curve of each class; for one class, a dashed line at the share
    of positives (a model ranking at random)."""
    axes = Axes(0.0, 1.0, 0.0, 1.0)
    body = []
    if len(curves) == 1 and curves[0].positive + curves[0].negative > 0:
        share = curves[0].positive / (curves[0].positive + curves[0].negative)
        body.append(f'<path class="diagonal" d="M{axes.point(0, share)}L{axes.point(1, share)}"/>')
    for k, curve in enumerate(curves):
        recall, precision = curve.thinned_precision_recall()
        ap = curve.average_precision
        body.append(
            f'<path class="curve l{k % 6}" d="{axes.path(recall.tolist(), precision.tolist())}" '
            f'data-class="{esc(curve.label)}" data-ap="{attribute(ap)}" '
            f'data-points="{len(curve.threshold) + 1}" data-drawn="{len(recall)}">'
            f"<title>{esc(curve.label or 'precision-recall')}: AP "
            f"{format_number(ap, digits)}</title></path>"
        )
    chance = "; the dashed line is the share of positives (a model ranking at random)"
    description = (
        f"Precision-recall curve of {title}: precision against recall as the threshold "
        f"falls, {_lines(curves, digits, 'average precision', lambda c: c.average_precision)}"
        f"{chance if len(curves) == 1 else ''}."
    )
    return plot_svg(
        axes,
        body,
        title=f"Precision-recall, {title}",
        description=description,
        labels=("recall", "precision"),
        kind="precision-recall",
    )


def _lines(curves: list[Curve], digits: int, name: str, value: Callable[[Curve], float]) -> str:
    """Each class's ``name`` (its ``value``), and whether its scores were binned."""
    parts = []
    for curve in curves:
        v = value(curve)
        shown = format_number(v, digits) if math.isfinite(v) else "undefined"
        binned = f", from 2^{curve.bits} score bins" if curve.bits else ""
        who = f"class {curve.label}: " if curve.label else ""
        parts.append(f"{who}{name} {shown}{binned}")
    return "; ".join(parts)
