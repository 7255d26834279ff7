"""``--confusion``: the weighted confusion matrix per key (file, model, group), rows the true
class, columns the predicted class.

The matrix is K² sums per key, kept as a statistic of the diagrams' kind,
:class:`~.bins.BinSums` with K² bins (cell ``true · K + predicted``), so it merges by value
across chunks, threads, files and shards, pools into the overall row, and is charged to
``--max-memory`` as the keys grow (:meth:`~.statistics.Kind.key_bytes`, :mod:`.guard`), as
every diagram's bins are. A run keeps it under an internal loss, :func:`confusion_loss`
(never in the registry, never a column of the table); finalizing hands a model's sums to
:mod:`losscli.result.confusion`.

The predicted class is the largest probability (the first, on ties, as NumPy's and
scikit-learn's ``argmax``) for class columns, and p > T for one column (from logits,
z > logit(T): the sigmoid's probability, as precision and recall predict), T being
``--threshold``; the true class is the label's largest entry (one column: y > 0.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from ..losses import Batch, Custom, Direction, Loss
from ..losses.class_counts import predicted_and_true
from ..losses.classification import CLASSIFICATION
from ..losses.params import split_spec
from ..losses.registry import get_loss
from ..reading import Model
from ..reading.classes import class_names
from .statistics import Valued

if TYPE_CHECKING:  # finalizing imports this module; the matrices load where a run has them
    from ..result.confusion import ConfusionColumns

CONFUSION = "(confusion)"  # never a registered loss's name
ASKED_BY = "--confusion"


def _cells(b: Batch, *, threshold: float) -> dict[str, Valued]:
    """Each row's cell of the K × K matrix (true · K + predicted), summed per key with its
    weight (unweighted: counted)."""
    from .bins import Binned, BinSums  # here: finalizing imports this module in every run

    predicted, true, classes = predicted_and_true(b, threshold)
    cell = true * classes + predicted
    return {"cells": Valued(BinSums(classes * classes, ASKED_BY), Binned(cell, b.w))}


def confusion_loss(
    threshold: float = 0.5, normalize: str | None = None, *, weighted: bool = False
) -> Loss:
    """The statistics of the confusion matrix: one-column models predict p > ``threshold``;
    ``normalize`` (None, ``true``, ``pred`` or ``all``) is how the result shows it;
    ``weighted``: the rows have weights (the counts are Σw)."""
    from ..result.confusion import NORMALIZE
    from .bins import _no_value

    if normalize is not None and normalize not in NORMALIZE:
        raise ValueError(f"normalize is one of {', '.join(NORMALIZE)}, not {normalize!r}")
    return Loss(
        name=CONFUSION,
        aliases=(),
        description="confusion matrix",
        formula="per true and predicted class: Σw",
        tasks=CLASSIFICATION,
        direction=Direction.HIGHER,
        shape=Custom(partial(_cells, threshold=threshold), _no_value),
        arguments={"threshold": threshold, "normalize": normalize, "weighted": int(weighted)},
    )


def confusion_columns(
    cells: np.ndarray | None,
    loss: Loss,
    model: Model,
    *,
    keys: int,
    classifier: bool,
    boolean: bool = False,
) -> ConfusionColumns:
    """One model's matrices for its ``keys`` rows (the ordered keys, then the overall row),
    from the finalized (keys × K²) sums ``cells`` (None: no row reached the loss); none
    for a model that is no classifier. The classes are named as
    :func:`~losscli.reading.classes.class_names` names them (``boolean``: the label held
    true/false; one column: the negative class, y ≤ 0.5, first)."""
    from ..result.confusion import ConfusionColumns, ConfusionTable

    normalize = loss.arguments["normalize"]
    threshold = loss.arguments["threshold"]
    assert normalize is None or isinstance(normalize, str)
    assert isinstance(threshold, float | int)
    if not classifier or cells is None:
        return ConfusionColumns.absent(keys, normalize=normalize)
    names = class_names(model.columns, multiclass=model.multiclass, boolean=boolean)
    k = len(names)
    counts = np.asarray(cells, dtype=np.float64).reshape(keys, k, k)
    binary = None if model.multiclass else float(threshold)
    weighted = bool(loss.arguments["weighted"])
    table = ConfusionTable(counts, names, threshold=binary, weighted=weighted)
    return ConfusionColumns(
        (table,), np.zeros(keys, dtype=np.int64), np.arange(keys), normalize=normalize
    )


def confusion_of(diagrams: Sequence[Loss]) -> Loss | None:
    """The confusion matrix's internal loss among a run's internal losses (None: not asked)."""
    return next((loss for loss in diagrams if loss.name == CONFUSION), None)


def with_threshold(losses: Sequence[Loss], threshold: float, specs: Sequence[str]) -> list[Loss]:
    """``--threshold T``: each built-in loss with a ``threshold`` parameter (binary precision,
    recall, F1, balanced accuracy; a plugin's may mean something else) predicts p > T,
    named ``precision:threshold=T`` (its own column, so a baseline or a check never
    mistakes one threshold for another), unless one of ``specs`` (the loss texts given)
    sets its threshold itself. T = 0.5 changes nothing."""
    if threshold == 0.5:
        return list(losses)
    own = {get_loss(spec).name for spec in _texts(specs) if _sets_threshold(spec)}
    out = []
    for loss in losses:
        params = {p.name: p for p in loss.params}
        if "threshold" not in params or loss.name in own or not loss.built_in:
            out.append(loss)
            continue
        given = [
            (p.name, p.text(loss.arguments[p.name]))
            for p in loss.params
            if p.name != "threshold" and loss.arguments.get(p.name, p.default) != p.default
        ]
        out.append(loss.bind([*given, ("threshold", params["threshold"].text(threshold))]))
    return out


def _texts(specs: Sequence[str]) -> list[str]:
    return [part.strip() for item in specs for part in item.split(",") if part.strip()]


def _sets_threshold(spec: str) -> bool:
    return any(key == "threshold" for key, _ in split_spec(spec)[1])
