"""Class rows (``--per-class``): each row of a classifier followed by one row per class and
the averages over its classes, as scikit-learn's ``classification_report`` gives them.

:func:`with_class_rows` works on a frame's rows whatever they are (group rows, the overall
row, periods): every row without a class part gets its class rows right after it, in
label order, then ``accuracy``, ``macro avg`` and ``weighted avg`` (see :mod:`.keys`).
``micro avg`` never appears: losscli's data are single-label, where scikit-learn prints
``accuracy`` instead (the micro averages of precision, recall and F1 all equal it).
:func:`per_class_table` is ``EvaluationResult.per_class``: those rows as a pandas DataFrame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from ..records import datarecord
from .frame import Frame, LossColumn
from .keys import AVERAGES, ClassColumns

REPORT_AVERAGES = AVERAGES[:3]  # accuracy, macro avg, weighted avg: sklearn's order


@datarecord(frozen=True)
class ClassValues:
    """One model's class rows for each of its rows: the class ``names`` (K), the
    ``support`` (rows × K: the weight of each class's true rows) and per loss its
    ``values`` and ``notes`` (rows × (K + 3): the classes, then ``accuracy``, ``macro avg``
    and ``weighted avg``); ``parent``: per loss, a note for its own rows (None: as they are)."""

    names: tuple[str, ...]
    support: np.ndarray
    values: Mapping[str, np.ndarray]
    notes: Mapping[str, np.ndarray]
    parent: Mapping[str, str]

    @property
    def width(self) -> int:
        """Rows after each parent row: its classes and averages."""
        return len(self.names) + len(REPORT_AVERAGES)


NO_CLASS_INTERVAL = "no interval on class and average rows"


def with_class_rows(frame: Frame, found: ClassValues) -> Frame:
    """``frame``'s rows, each followed by its class and average rows. A parent row's
    support is its total weight; an average row's is the same (sklearn's)."""
    rows, width = len(frame), found.width
    total = found.support.sum(axis=1)
    parents = replace(
        frame,
        support=total,
        losses={
            name: _noted(column, found.parent.get(name)) for name, column in frame.losses.items()
        },
    )
    each = np.repeat(np.arange(rows), width)
    names = np.array([*found.names, *REPORT_AVERAGES], dtype=object)
    average = np.arange(width) >= len(found.names)
    support = np.concatenate(
        [found.support, np.repeat(total[:, None], len(REPORT_AVERAGES), axis=1)], axis=1
    )
    children = Frame(
        file=frame.file[each],
        pred=frame.pred[each],
        keys={name: column.take(each) for name, column in frame.keys.items()},
        overall=frame.overall[each],
        n=frame.n[each],
        losses={
            name: replace(
                LossColumn.of(found.values[name].reshape(-1), found.notes[name].reshape(-1)),
                whys=np.full(rows * width, NO_CLASS_INTERVAL, dtype=object),
            )
            for name in frame.losses
        },
        period=None if frame.period is None else frame.period.take(each),
        classes=ClassColumns(np.tile(names, rows), np.tile(average, rows)),
        support=support.reshape(-1),
    )
    joined = Frame.concat([parents, children])
    after = rows + np.arange(rows * width).reshape(rows, width)
    return joined.take(np.column_stack([np.arange(rows), after]).reshape(-1))


def _noted(column: LossColumn, note: str | None) -> LossColumn:
    """``column`` with ``note`` on every row (None: as it is)."""
    if note is None:
        return column
    return replace(column, notes=np.full(len(column.values), note, dtype=object))


def per_class_table(frame: Frame, losses: list[str], group_by: list[str]) -> Any:
    """The class and average rows as a pandas DataFrame: file, pred, the group columns
    (None on rows over all groups), period (where any row has one), class, scope
    (``class`` or ``average``), n, support, then each loss's value. Empty (with those
    columns) where no row has a class part."""
    import pandas as pd

    present = np.zeros(len(frame), dtype=bool) if frame.classes is None else frame.classes.present
    rows = frame.take(np.flatnonzero(present))
    columns: dict[str, Any] = {"file": rows.file, "pred": rows.pred}
    columns.update({name: rows.keys[name].objects() for name in group_by})
    if rows.period is not None:
        columns["period"] = rows.period.label
    empty = np.zeros(0, dtype=object)
    columns["class"] = empty if rows.classes is None else rows.classes.name
    columns["scope"] = rows.scopes()
    columns["n"] = rows.n
    columns["support"] = np.zeros(0) if rows.support is None else rows.support
    columns.update({name: rows.losses[name].values for name in losses})
    return pd.DataFrame(columns)
