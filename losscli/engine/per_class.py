"""``--per-class``: after every row of a classifier, one row per class and the averages, as
scikit-learn's ``classification_report(output_dict=True, zero_division=np.nan)`` gives them.

A loss defined per class says how (:class:`~losscli.losses.shapes.PerClass`): its values
per key and class follow from its own sums (precision, recall and F1 from their weighted
counts per class, ROC-AUC from its rank tables), or from statistics of its own (Brier and
ECE of each class's column, one-vs-rest accuracy from the counts), which a run keeps under
an internal loss (:func:`class_losses`) only when class rows are asked for: ``width`` sums
per key (:class:`~.bins.ClassSums`), charged to ``--max-memory`` as the diagrams' bins are. The
weighted counts per class (the support) are always kept.

Every value is computed for all rows at once (rows × classes); the rows themselves are
made by :func:`losscli.result.per_class.with_class_rows`, over the frame's rows whatever
they are (groups, the overall row, periods).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from ..losses import Batch, Custom, Direction, Loss, get_loss
from ..losses.by_class import Placed
from ..losses.class_counts import class_counts, mean_of_defined
from ..losses.classification import CLASSIFICATION
from ..losses.shapes import Sums
from ..reading import Model
from ..reading.classes import class_names
from .statistics import Valued

if TYPE_CHECKING:  # the class rows: imported where a run has them (start-up, #18)
    from ..result.frame import Frame
    from ..result.per_class import ClassValues
    from .uncertainty import LossRows

COUNTS = "(per class)"  # the internal loss of the support; never a registered loss's name
REPORTED = ("precision", "recall", "f1")  # added to the losses where none of the family is
NOT_PER_CLASS = "not defined per class"
AVERAGE_NONE = "average=none: one value per class, on the class rows"


def run_losses(losses: Sequence[Loss], asked: bool) -> tuple[tuple[Loss, ...], bool]:
    """The losses of a run with class rows (``asked``, or a loss with ``average=none``):
    precision, recall and F1 added where none of their family is chosen; and whether class
    rows are made."""
    wanted = asked or any(loss.arguments.get("average") == "none" for loss in losses)
    if not wanted:
        return tuple(losses), False
    families = {loss.base for loss in losses}
    added = [get_loss(name) for name in REPORTED if name not in families]
    return (*losses, *added), True


def class_losses(losses: Sequence[Loss]) -> tuple[Loss, ...]:
    """The internal losses whose sums the class rows of ``losses`` read: the counts per
    class, and each loss's own per-class statistics (one internal loss per distinct name)."""
    internal = {COUNTS: _internal(COUNTS, class_counts)}
    for loss in losses:
        name = source(loss)
        if loss.per_class is not None and loss.per_class.statistics and name not in internal:
            internal[name] = _internal(name, loss.per_class.statistics)
    return tuple(internal.values())


def source(loss: Loss) -> str:
    """The loss whose sums hold ``loss``'s values per class: its own, the counts', or its
    internal loss's."""
    statistics = loss.per_class and loss.per_class.statistics
    if not statistics:
        return loss.name
    return COUNTS if statistics is class_counts else f"({loss.name} per class)"


def _internal(name: str, statistics: Callable[..., Mapping[str, Placed]]) -> Loss:
    return Loss(
        name=name,
        aliases=(),
        description="sums per class (--per-class)",
        formula="per class: Σ of the rows placed there",
        tasks=CLASSIFICATION,
        direction=Direction.LOWER,
        shape=Custom(partial(_valued, statistics), _no_value),
    )


def _valued(statistics: Callable[..., Mapping[str, Placed]], b: Batch) -> dict[str, Valued]:
    """The placed columns as statistics of :class:`~.bins.ClassSums`."""
    from .bins import ClassSums  # here: a run without class rows loads no bins

    return {
        name: Valued(ClassSums(placed.width, "--per-class"), (placed.at, placed.values))
        for name, placed in statistics(b).items()
    }


def _no_value(s: Sums) -> np.ndarray:
    """Sums per class have no value of their own (never finalized as a loss)."""
    return np.full(len(s["n"]), np.nan)


def class_values(
    sums: Mapping[str, LossRows],
    losses: Sequence[Loss],
    model: Model,
    parent_notes: Any,
    *,
    boolean: bool = False,
) -> ClassValues | None:
    """Every row's class and average values of each loss (None: no counts per class, as
    for a model no row of which reached them). ``parent_notes``: per loss, the notes of the
    model's own rows (a row a rule blocks has no class values either, for the same reason);
    ``boolean``: the label held true/false (:func:`~losscli.reading.classes.class_names`)."""
    from ..result.per_class import ClassValues

    counts = sums[COUNTS].sums
    if "true" not in counts:
        return None
    support = counts["true"]
    values, notes = {}, {}
    for loss in losses:
        values[loss.name], notes[loss.name] = _loss_values(
            loss, sums, support, parent_notes[loss.name], multiclass=model.multiclass
        )
    parent = {loss.name: AVERAGE_NONE for loss in losses if loss.arguments.get("average") == "none"}
    names = class_names(model.columns, multiclass=model.multiclass, boolean=boolean)
    return ClassValues(names, support, values, notes, parent)


def _loss_values(
    loss: Loss,
    sums: Mapping[str, LossRows],
    support: np.ndarray,
    parent_notes: np.ndarray,
    *,
    multiclass: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """One loss's (rows × (K + 3)) values and notes: per class, then the accuracy row,
    the macro and the support-weighted average over the classes with a value."""
    rows, classes = support.shape
    values = np.full((rows, classes + 3), np.nan)
    notes = np.full((rows, classes + 3), None, dtype=object)
    per_class = loss.per_class
    if per_class is None or not loss.applies_to(multiclass):
        notes[:] = NOT_PER_CLASS
        return values, notes
    found = sums[source(loss)].sums
    with np.errstate(all="ignore"):
        each = np.asarray(per_class.values(found), dtype=float)
        values[:, :classes] = each
        if per_class.micro is not None:  # else empty, as in sklearn's printed report
            values[:, classes] = per_class.micro(found)
        values[:, classes + 1] = mean_of_defined(each)
        values[:, classes + 2] = mean_of_defined(each, support)
    blocked = _blocked(loss, sums[loss.name])
    values[blocked] = np.nan
    notes[blocked] = parent_notes[blocked][:, None]
    missing = ~np.isfinite(values) & (notes == None)  # noqa: E711 (elementwise)
    if per_class.micro is None:
        missing[:, classes] = False
    values[~np.isfinite(values)] = np.nan
    notes[missing] = loss.undefined
    return values, notes


def _blocked(loss: Loss, rows: LossRows) -> np.ndarray:
    """The rows a rule of ``loss`` makes it not applicable to."""
    blocked = np.zeros(len(rows.n), dtype=bool)
    for rule in loss.rules:
        counts = rows.flags.get(rule.stat)
        if counts is not None and not rule.skip:
            blocked |= counts > 0
    return blocked


def class_rows(
    frame: Frame,
    sums: Mapping[str, LossRows],
    losses: Sequence[Loss],
    model: Model,
    *,
    boolean: bool = False,
) -> Frame:
    """One classifier model's ``frame`` with each row's class and average rows after it
    (``boolean``: the label held true/false, the binary classes' names)."""
    from ..result.per_class import with_class_rows

    notes = {name: column.notes for name, column in frame.losses.items()}
    found = class_values(sums, losses, model, notes, boolean=boolean)
    return frame if found is None else with_class_rows(frame, found)
