"""``--thresholds``: per row of a binary model, the positive and negative weight with p > t
at each threshold t, read from the model's merged rank table (the one the curves read:
``roc_auc``'s, or the internal loss kept for them, :mod:`.curves`); no second pass.

Each table entry (a distinct score of a key) falls between two thresholds: one
``searchsorted`` places them all, one ``bincount`` sums them per key and place, and a
reversed running sum gives the weight above each threshold, for every key at once.

A threshold is compared in the table's score space: a probability as it is, a logit
against log(t / (1 − t)) (as precision and recall compare it). A binned table (more
distinct scores than the memory budget) keeps bin numbers: a bin counts as above t where
its lower edge is ≥ t, so the rows inside the bin holding t count as below it (the
result notes it). ``auto``: the quantiles of the model's scores over all its rows (the
overall row's table), at (i + ½)/100, weighted, each distinct one once; every group of the
model is judged at the same thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import UsageError
from ..losses import Loss
from ..reading import Model
from .partial import Partial

if TYPE_CHECKING:  # imported where a run asks for --thresholds (start-up, #18)
    from ..result.thresholds import ThresholdColumns, ThresholdRun, ThresholdSpec
    from .ranks import RankTable


def threshold_columns(
    partial: Partial, model: Model, source: str, order: np.ndarray, spec: ThresholdSpec
) -> ThresholdColumns:
    """The model's thresholds per row (the keys ``order``, then the overall row); rows
    without a table (a regression model's) have none. A multi-class model is a usage
    error: thresholds are for one probability column."""
    from ..result.thresholds import ThresholdColumns
    from .curves import model_table, with_overall

    rows = len(order) + 1
    if model.multiclass:
        raise UsageError(
            f"--thresholds: model {model.name!r} is multi-class; thresholds apply to a "
            "binary model (one probability column, -p): leave out --thresholds, or evaluate "
            "one class's column as a binary model"
        )
    table = model_table(partial, model, source)
    if table is None:
        return ThresholdColumns.absent(rows, spec.objective)
    keys = partial.size
    shown, cut = _thresholds(table, spec)
    both = with_overall(table, keys)
    tp, fp = _above(both, cut, keys + 1)
    index = np.append(order, keys)
    count = len(cut)
    pos = np.bincount(both.cell, weights=both.pos, minlength=keys + 1)
    neg = np.bincount(both.cell, weights=both.neg, minlength=keys + 1)
    return ThresholdColumns(
        spec.objective,
        np.broadcast_to(shown, (rows, count)).copy(),
        tp[index],
        fp[index],
        pos[index],
        neg[index],
        np.full(rows, float(table.bits)),
        np.ones(rows, dtype=bool),
    )


def _thresholds(table: RankTable, spec: ThresholdSpec) -> tuple[np.ndarray, np.ndarray]:
    """The thresholds as shown (probabilities, ascending) and as cuts in the table's score
    space: an entry is above threshold j where its score > cut j."""
    from ..result.thresholds import AUTO_LEVELS
    from .ranks import pooled

    if spec.values is not None:
        shown = np.asarray(spec.values, dtype=float)
        return shown, _cut(shown, table)
    overall = pooled(table)
    weight = overall.pos + overall.neg
    running = np.cumsum(weight)
    levels = (np.arange(AUTO_LEVELS) + 0.5) / AUTO_LEVELS * running[-1]
    cut = np.unique(overall.score[np.searchsorted(running, levels).clip(0, len(running) - 1)])
    if table.bits:
        return (cut + 1) / 2.0**table.bits, cut  # bins above b: lower edge ≥ (b + 1)/2^bits
    return (0.5 * (1.0 + np.tanh(0.5 * cut)) if table.logits else cut), cut


def _cut(shown: np.ndarray, table: RankTable) -> np.ndarray:
    """Probability thresholds as cuts of the table's scores."""
    if table.bits:  # bin b counts as above t where b / 2^bits ≥ t
        return np.ceil(shown * 2.0**table.bits) - 1
    if not table.logits:
        return shown
    with np.errstate(divide="ignore"):
        return np.log(shown) - np.log1p(-shown)


def _above(table: RankTable, cut: np.ndarray, keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Per key (keys × thresholds): the positive and negative weight scoring above each
    cut (``cut`` ascending)."""
    count = len(cut)
    place = np.searchsorted(cut, table.score, side="left")  # cuts below each score
    at = table.cell * (count + 1) + place
    out = []
    for weight in (table.pos, table.neg):
        sums = np.bincount(at, weights=weight, minlength=keys * (count + 1))
        placed = sums.reshape(keys, count + 1)
        above = np.cumsum(placed[:, ::-1], axis=1)[:, ::-1]  # [j]: Σ of places ≥ j
        out.append(above[:, 1:])  # above cut j: places j + 1 and up
    return out[0], out[1]


def threshold_reading(
    thresholds: Any,
    objective: str,
    losses: Sequence[Loss],
    curve_source: str,
    diagrams: tuple[Loss, ...],
) -> tuple[ThresholdRun | None, tuple[Loss, ...]]:
    """What a run reads for ``thresholds`` (None: not asked), and its internal losses
    (``diagrams``) with the curves' rank tables added where neither ``roc_auc`` nor
    ``--curves`` keeps them."""
    if thresholds is None:  # not asked (ThresholdSpec.of's None): nothing of it is loaded
        return None, diagrams
    from ..result.thresholds import ThresholdRun, ThresholdSpec
    from .curves import curve_source as curve_source_of

    spec = ThresholdSpec.of(thresholds, objective)
    if spec is None:
        return None, diagrams
    if curve_source:
        return ThresholdRun(spec, curve_source), diagrams
    source, extra = curve_source_of(losses)
    return ThresholdRun(spec, source), diagrams + extra
