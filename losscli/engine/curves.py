"""``--curves``: ROC and precision–recall curves per result row, from the rank tables the
engine keeps for ROC-AUC (:mod:`.ranks`).

Where ``roc_auc`` is among the run's losses its tables are read (the curves cost one more
merge of them, nothing per row); otherwise the run keeps the same table under an internal
loss, :func:`curves_loss`, never shown as a column. Finalizing hands a model's merged
table, its overall row pooled as one more key, to :mod:`losscli.result.curves`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..losses import Loss
from ..losses.classification import OUTSIDE_UNIT
from ..losses.registry import get_loss
from ..reading import Model
from ..result.curves import CurveColumns, CurveTable
from .partial import Partial
from .ranks import RankStore, RankTable, merged, pooled

CURVES = "(curves)"  # never a registered loss's name
ROC_AUC = "roc_auc"


def curves_loss() -> Loss:
    """The rank tables of the curves, for a run without ``roc_auc`` (its ranks, its rule)."""
    roc_auc = get_loss(ROC_AUC)
    return Loss(
        name=CURVES,
        aliases=(),
        description="ROC and precision-recall curves",
        formula=roc_auc.formula,
        tasks=roc_auc.tasks,
        direction=roc_auc.direction,
        shape=roc_auc.shape,
        rules=(OUTSIDE_UNIT,),
    )


def curve_source(losses: Sequence[Loss]) -> tuple[str, tuple[Loss, ...]]:
    """The loss whose rank tables the curves are read from, and the internal loss to keep
    for them (none where ``roc_auc`` is among ``losses``)."""
    if any(loss.base == ROC_AUC for loss in losses):
        return next(loss.name for loss in losses if loss.base == ROC_AUC), ()
    return CURVES, (curves_loss(),)


def curve_columns(partial: Partial, model: Model, source: str, order: np.ndarray) -> CurveColumns:
    """The model's curves for its rows (the keys ``order``, then the overall row): its
    merged rank table of loss ``source``; none for a model that is no classifier or a loss
    no row reached."""
    rows = len(order) + 1
    table = model_table(partial, model, source)
    if table is None:
        return CurveColumns((), np.full(rows, -1), np.zeros(rows, dtype=np.int64))
    keys = partial.size
    both = with_overall(table, keys)
    cells = (keys + 1) * table.classes
    labels = model.columns if model.multiclass else ("",)
    curve_table = CurveTable(
        both.score,
        both.pos,
        both.neg,
        np.searchsorted(both.cell, np.arange(cells + 1)),
        table.classes,
        tuple(labels),
        table.logits,
        table.bits,
    )
    key = np.append(order, keys).astype(np.int64)
    return CurveColumns((curve_table,), np.zeros(rows, dtype=np.int64), key)


def model_table(partial: Partial, model: Model, source: str) -> RankTable | None:
    """The model's merged rank table of loss ``source``; None for a model that is no
    classifier or a loss no row reached."""
    store = next(
        (
            state
            for (owner, loss, _), state in partial.states.items()
            if owner == model.name and loss == source and isinstance(state, RankStore)
        ),
        None,
    )
    classifier = model.multiclass or partial.binary.get(model.name, True)
    tables = store.tables() if store is not None else []
    if not classifier or not tables:
        return None
    return tables[0] if len(tables) == 1 else merged(tables)


def with_overall(table: RankTable, keys: int) -> RankTable:
    """``table`` (of ``keys`` keys) with its overall row pooled as one more key, ``keys``."""
    overall = pooled(table)
    return RankTable(
        np.concatenate([table.cell, overall.cell + keys * table.classes]),
        np.concatenate([table.score, overall.score]),
        np.concatenate([table.pos, overall.pos]),
        np.concatenate([table.neg, overall.neg]),
        table.classes,
        table.logits,
        table.bits,
    )
