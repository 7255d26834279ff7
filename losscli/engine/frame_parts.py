"""A row set's optional parts, each made by its feature's module where the run asked for
it (diagrams, class rows, confusion matrices, curves, thresholds), so that a plain run
imports none of them (start-up, #18)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..reading import Model
from ..result import Frame
from .partial import Partial
from .uncertainty import LossRows

if TYPE_CHECKING:
    from ..losses import Loss
    from ..result.confusion import ConfusionColumns
    from ..result.curves import CurveColumns
    from ..result.diagrams import DiagramColumns
    from ..result.thresholds import ThresholdColumns, ThresholdRun
    from .finalize import Finishing


def diagrams(
    sums: dict[str, LossRows], diagrams: Sequence[Loss], partial: Partial, model: Model
) -> DiagramColumns | None:
    """The model's diagram sums per row (:mod:`.bins`); None: no diagram asked for, or a
    quantile forecast (neither a classifier's nor one column's residuals)."""
    if not diagrams or model.levels:
        return None
    from .bins import diagram_columns

    classifier = model.multiclass or partial.binary.get(model.name, True)
    tables = {loss.name: sums[loss.name].sums for loss in diagrams}
    keys = len(next(iter(sums.values())).n)
    return diagram_columns(
        tables, diagrams, keys=keys, classifier=classifier, multiclass=model.multiclass
    )


def class_rows(
    frame: Frame, sums: dict[str, LossRows], spec: Finishing, model: Model, partial: Partial
) -> Frame:
    """A classifier's rows each followed by its class rows (``--per-class``, :mod:`.per_class`)."""
    if spec.per_class is None or not (model.multiclass or partial.binary.get(model.name, True)):
        return frame
    from .per_class import class_rows as with_class_rows

    return with_class_rows(frame, sums, spec.losses, model, boolean=boolean_labels(partial))


def confusion(
    sums: dict[str, LossRows], diagrams: Sequence[Loss], partial: Partial, model: Model
) -> ConfusionColumns | None:
    """The model's confusion matrix per row (:mod:`.confusion`); None: not asked for."""
    from .confusion import confusion_columns, confusion_of

    loss = confusion_of(diagrams)
    if loss is None:
        return None
    classifier = model.multiclass or partial.binary.get(model.name, True)
    keys = len(next(iter(sums.values())).n)
    cells = sums[loss.name].sums.get("cells")
    boolean = boolean_labels(partial)
    return confusion_columns(cells, loss, model, keys=keys, classifier=classifier, boolean=boolean)


def boolean_labels(partial: Partial) -> bool:
    """Whether every chunk's label column held true/false (the binary classes' names)."""
    from ..reading.classes import BOOLEAN_LABELS

    return partial.binary.get(BOOLEAN_LABELS, False)


def curves(partial: Partial, model: Model, source: str, order: np.ndarray) -> CurveColumns | None:
    """The model's ROC and precision–recall curves per row (:mod:`.curves`); None: not asked."""
    if not source:
        return None
    from .curves import curve_columns

    return curve_columns(partial, model, source, order)


def thresholds(
    partial: Partial, model: Model, asked: ThresholdRun | None, order: np.ndarray
) -> ThresholdColumns | None:
    """The model's --thresholds per row (:mod:`.thresholds`); None: not asked."""
    if asked is None:
        return None
    from .thresholds import threshold_columns

    return threshold_columns(partial, model, asked.source, order, asked.spec)
