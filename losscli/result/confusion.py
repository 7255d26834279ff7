"""The confusion matrices a result carries (``--confusion``): per result row of a classifier,
the weighted confusion matrix, rows the true class and columns the predicted class, as
scikit-learn's ``confusion_matrix(y_true, y_pred, labels=…, sample_weight=w, normalize=…)``
gives it.

A model's matrices are kept once, as one (keys + 1) × K × K array of weighted counts (its
overall row pooled as the last key); a row points at its model's array and its key there,
so sorting and selecting rows take two integer arrays (:meth:`ConfusionColumns.take`), and
a matrix is made only for a row shown or written (:meth:`ConfusionColumns.matrix`).

``result.confusion`` (the Python API) is the list of the shown rows' matrices, each a
:class:`ConfusionMatrix`: its row's file, model, group and period (``--period``), the
classes, the weighted ``counts`` (K × K) and the ``matrix`` shown (the counts, or their
shares by ``normalize``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..records import datarecord
from .keys import PeriodColumns, refuse_clashing_groups, row_key_columns

NORMALIZE = ("true", "pred", "all")  # scikit-learn's: over each true class, predicted class, all
SHOWN_CLASSES = 50  # the table and markdown show at most this many (JSON and CSV: every one)


def confusion_settings(confusion: bool, normalize: str | None, threshold: float) -> bool:
    """Whether a run keeps the matrices (``normalize`` implies it), its settings checked."""
    from ..errors import UsageError

    if normalize is not None and normalize not in NORMALIZE:
        raise UsageError(
            f"confusion_normalize is one of {', '.join(NORMALIZE)} (or None), not {normalize!r}"
        )
    if not 0 <= threshold <= 1:
        raise UsageError(f"the threshold must lie in [0, 1], not {threshold}")
    return bool(confusion) or normalize is not None


def normalized(counts: np.ndarray, normalize: str | None) -> np.ndarray:
    """The counts (K × K, or keys × K × K) as shares, as scikit-learn normalizes them: over
    each true class (row), each predicted class (column) or all; 0 where the sum is 0."""
    if normalize is None:
        return counts
    with np.errstate(all="ignore"):
        if normalize == "true":
            shares = counts / counts.sum(axis=-1, keepdims=True)
        elif normalize == "pred":
            shares = counts / counts.sum(axis=-2, keepdims=True)
        else:
            shares = counts / counts.sum(axis=(-2, -1), keepdims=True)
    return np.nan_to_num(shares)


@datarecord(frozen=True)
class ConfusionTable:
    """One model's matrices: ``counts[key]`` is key's K × K weighted counts (the last key:
    the overall row); ``classes`` their names in order; ``threshold`` a one-column model's
    (None: class columns, the largest probability predicted)."""

    counts: np.ndarray  # float64, (keys + 1) × K × K
    classes: tuple[str, ...]
    threshold: float | None = None
    weighted: bool = False  # the counts are Σw (-w)


@datarecord(frozen=True)
class ConfusionMatrix:
    """One result row's confusion matrix: rows the true class, columns the predicted class."""

    file: str
    pred: str
    group: dict[str, Any] | None  # None: the row over all groups
    classes: tuple[str, ...]
    counts: np.ndarray  # K × K weighted counts (unweighted: row counts)
    normalize: str | None = None  # None, "true", "pred" or "all"
    threshold: float | None = None  # a one-column model's: predicted positive where p > T
    weighted: bool = False  # the counts are the rows' weights summed
    period: int | None = None  # --period: the start (ns since the epoch, UTC) of its period

    @property
    def matrix(self) -> np.ndarray:
        """The matrix shown: the counts, or their shares by ``normalize``."""
        return normalized(self.counts, self.normalize)

    def record(self) -> dict[str, Any]:
        """The row's JSON ``confusion``: classes, matrix (every class) and normalize, and a
        one-column model's threshold."""
        record: dict[str, Any] = {
            "classes": list(self.classes),
            "matrix": self.matrix.tolist(),
            "normalize": self.normalize,
        }
        if self.threshold is not None:
            record["threshold"] = self.threshold
        return record


@datarecord(frozen=True)
class ConfusionColumns:
    """Every result row's place among its models' :class:`ConfusionTable`: ``table[i]``
    (−1: none, the row's model is no classifier) and ``key[i]``; ``normalize`` is how the
    matrices are shown."""

    tables: tuple[ConfusionTable, ...]
    table: np.ndarray
    key: np.ndarray
    normalize: str | None = None

    @classmethod
    def absent(cls, rows: int, *, normalize: str | None = None) -> ConfusionColumns:
        """``rows`` rows without a matrix."""
        return cls((), np.full(rows, -1), np.zeros(rows, dtype=np.int64), normalize)

    def take(self, index: Any) -> ConfusionColumns:
        return ConfusionColumns(self.tables, self.table[index], self.key[index], self.normalize)

    @classmethod
    def concat(
        cls, parts: Sequence[ConfusionColumns | None], lengths: Sequence[int]
    ) -> ConfusionColumns:
        """One column of several blocks' (a block without matrices has none)."""
        from .curves import concat_pointers

        normalize = next((p.normalize for p in parts if p is not None), None)
        return cls(*concat_pointers(parts, lengths), normalize=normalize)

    def counts(self, i: int) -> tuple[ConfusionTable, np.ndarray] | None:
        """Row ``i``'s model's table and its K × K counts (None: no matrix)."""
        if self.table[i] < 0:
            return None
        found = self.tables[int(self.table[i])]
        return found, found.counts[int(self.key[i])]


def matrix_of(frame: Any, i: int) -> ConfusionMatrix | None:
    """Row ``i``'s matrix (``frame``: the result's :class:`~.frame.Frame`); None where the
    row has none: no ``--confusion``, not a classifier, or a row of one class (its parent
    row has the matrix)."""
    columns: ConfusionColumns | None = frame.confusion
    if columns is None or (frame.classes is not None and frame.classes.present[i]):
        return None
    found = columns.counts(i)
    if found is None:
        return None
    table, counts = found
    return ConfusionMatrix(
        file=frame.file[i],
        pred=frame.pred[i],
        group=frame.group(i),
        classes=table.classes,
        counts=counts,
        normalize=columns.normalize,
        threshold=table.threshold,
        weighted=table.weighted,
        period=_period_start(frame, i),
    )


def _period_start(frame: Any, i: int) -> int | None:
    """Row ``i``'s period's start (None: no periods, or the row is over all of them)."""
    if frame.period is None or not frame.period.present[i]:
        return None
    return int(frame.period.start[i])


def confusion_matrices(frame: Any, rows: Sequence[int]) -> list[ConfusionMatrix]:
    """The matrices of ``rows`` (in that order), for the rows that have one."""
    found = (matrix_of(frame, i) for i in rows)
    return [m for m in found if m is not None]


CELL_FIELDS = ("true_class", "pred_class", "count")


def confusion_table_columns(result: Any) -> tuple[list[str], dict[str, np.ndarray]]:
    """``--table confusion``: one row per cell of each shown row's matrix (file, pred,
    scope, the group columns, ``period_start``/``period_end`` with periods (as the rows'
    table writes them), ``true_class``, ``pred_class``, ``count``, and ``share``
    where the matrices are normalized), every class; as the rows' table's columns are
    (CSV's header, arrays)."""
    frame = result.frame
    columns: ConfusionColumns | None = frame.confusion
    normalize = None if columns is None else columns.normalize
    own = (*CELL_FIELDS, *(["share"] if normalize else []))
    bounds = [] if frame.period is None else ["period_start", "period_end"]
    refuse_clashing_groups(
        "confusion", result.group_by, ("file", "pred", "scope", *bounds, *own), carried="matrices"
    )
    shown = result.shown_rows()
    rows = shown[has_matrix(frame, shown)]
    at, cells = _cells(columns, rows) if columns is not None else (rows, {})
    names = ["file", "pred", "scope", *result.group_by, *bounds, *own]
    out = row_key_columns(frame, at, result.group_by)
    for name in own:
        kind = object if name.endswith("class") else np.float64
        out[name] = cells.get(name, np.zeros(0, dtype=kind))
    return names, out


def confusion_periods(result: Any) -> PeriodColumns | None:
    """The periods of ``--table confusion``'s rows (None: the rows have no periods)."""
    frame = result.frame
    if frame.period is None or frame.confusion is None:
        return None
    shown = result.shown_rows()
    rows = shown[has_matrix(frame, shown)]
    classes = np.array([len(t.classes) for t in frame.confusion.tables], dtype=np.int64)
    cells = classes[frame.confusion.table[rows]] ** 2 if len(classes) else np.zeros(0, int)
    return frame.period.take(np.repeat(rows, cells))


def has_matrix(frame: Any, rows: np.ndarray) -> np.ndarray:
    """Which of ``rows`` have a matrix (as :func:`matrix_of` says, for whole columns)."""
    columns: ConfusionColumns | None = frame.confusion
    if columns is None:
        return np.zeros(len(rows), dtype=bool)
    has = columns.table[rows] >= 0
    if frame.classes is not None:
        has &= ~frame.classes.present[rows]
    return has


def _cells(columns: ConfusionColumns, rows: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    """The cells of ``rows``' matrices (each row's in row-major order, the rows in order):
    per cell its row, and the columns ``true_class``, ``pred_class``, ``count``, ``share``;
    a model's rows at a time, never a row at a time."""
    pieces: list[tuple[np.ndarray, ...]] = []
    tables = columns.table[rows]
    for t in np.unique(tables).tolist():
        which = np.flatnonzero(tables == t)
        table = columns.tables[t]
        k, names = len(table.classes), np.array(table.classes, dtype=object)
        counts = table.counts[columns.key[rows[which]]]
        shares = normalized(counts, columns.normalize)
        true = np.tile(np.repeat(names, k), len(which))
        pred = np.tile(names, k * len(which))
        place = np.repeat(which, k * k)
        pieces.append((place, true, pred, counts.reshape(-1), shares.reshape(-1)))
    if not pieces:
        return rows[:0], {}
    place, *joined = (np.concatenate(p) for p in zip(*pieces, strict=True))
    order = np.argsort(place, kind="stable")
    fields = dict(zip(("true_class", "pred_class", "count", "share"), joined, strict=True))
    return rows[place[order]], {name: values[order] for name, values in fields.items()}


def with_confusion(records: list[dict[str, Any]], frame: Any, rows: Sequence[int]) -> list[Any]:
    """The JSON row ``records`` of ``rows``, each with its ``confusion`` last where the row
    has a matrix."""
    for record, i in zip(records, rows, strict=True):
        found = matrix_of(frame, i)
        if found is not None:
            record["confusion"] = found.record()
    return records
