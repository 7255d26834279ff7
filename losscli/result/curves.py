"""ROC and precision–recall curves a result carries (``--curves``): per result row of a
classifier, the rank table the engine kept for ROC-AUC (:mod:`losscli.engine.ranks`), and
the curves read from it.

A model's table is kept once, as the engine merged it (per key and class, the positive and
negative weight at each distinct score, ascending), with its overall row pooled as one more
key; a row points at its model's table and its key there. So sorting and selecting rows
take two integer arrays (:meth:`CurveColumns.take`), and a curve's points are made only for
the rows drawn or written (:meth:`CurveColumns.curves`).

A :class:`Curve` is one class's (binary: the positive class's) full curve: one point per
distinct score, as scikit-learn's ``roc_curve(..., drop_intermediate=False)`` and
``precision_recall_curve(..., drop_intermediate=False)`` give it, weighted. Its AUC and
average precision come from all of them; :meth:`Curve.thinned` keeps at most
:data:`DRAWN` points for drawing, the end points always.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np

from ..records import datarecord

DRAWN = 200  # at most this many points of a curve are drawn or written


@datarecord(frozen=True)
class CurveTable:
    """One model's merged rank table: entries sorted by (cell, score), cell = key · classes
    + class; ``offsets[c]:offsets[c + 1]`` are cell c's entries. ``bits`` > 0: scores are
    bin numbers among 2^bits bins of the probability (of the sigmoid, for logits)."""

    score: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    offsets: np.ndarray
    classes: int
    labels: tuple[str, ...]  # the classes' names ("" for a binary model's one)
    logits: bool = False
    bits: int = 0

    def curve(self, key: int, cls: int) -> Curve:
        """Class ``cls``'s curve of key ``key``: thresholds descending, the weight of the
        positive and negative rows scoring at least each."""
        cell = key * self.classes + cls
        at = slice(int(self.offsets[cell]), int(self.offsets[cell + 1]))
        score = self.score[at][::-1]
        if self.bits:  # a bin's lowest score, as a probability
            score = score / 2.0**self.bits
        return Curve(
            label=self.labels[cls],
            threshold=score,
            tps=np.cumsum(self.pos[at][::-1]),
            fps=np.cumsum(self.neg[at][::-1]),
            bits=self.bits,
        )


@datarecord(frozen=True)
class Curve:
    """One class's full curve (see the module's docstring); ``tps``/``fps``: the weight of
    the positive/negative rows scoring ≥ each ``threshold`` (descending)."""

    label: str
    threshold: np.ndarray
    tps: np.ndarray
    fps: np.ndarray
    bits: int = 0  # > 0: thresholds are score bins' lower edges (more scores than the budget)

    @property
    def positive(self) -> float:
        return float(self.tps[-1]) if len(self.tps) else 0.0

    @property
    def negative(self) -> float:
        return float(self.fps[-1]) if len(self.fps) else 0.0

    def roc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(fpr, tpr, thresholds) from (0, 0) at threshold +∞, as scikit-learn's
        ``roc_curve(drop_intermediate=False)``; NaN rates where a class has no weight."""
        return self._roc

    @cached_property
    def _roc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with np.errstate(invalid="ignore", divide="ignore"):
            fpr = np.concatenate([[0.0], self.fps]) / self.negative
            tpr = np.concatenate([[0.0], self.tps]) / self.positive
        return fpr, tpr, np.concatenate([[np.inf], self.threshold])

    def precision_recall(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(precision, recall, thresholds) as scikit-learn's ``precision_recall_curve(
        drop_intermediate=False)``: thresholds ascending, then the point (recall 0,
        precision 1)."""
        return self._precision_recall

    @cached_property
    def _precision_recall(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        predicted = self.tps + self.fps
        precision = np.divide(
            self.tps, predicted, out=np.zeros_like(self.tps), where=predicted != 0
        )
        recall = self.tps / self.positive if self.positive else np.ones_like(self.tps)
        return (
            np.concatenate([precision[::-1], [1.0]]),
            np.concatenate([recall[::-1], [0.0]]),
            self.threshold[::-1],
        )

    @cached_property
    def auc(self) -> float:
        """The area under the full ROC curve (trapezoids: ties count ½), = ROC-AUC."""
        fpr, tpr, _ = self.roc()
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2)

    @cached_property
    def average_precision(self) -> float:
        """Σ (Rₙ − Rₙ₋₁)·Pₙ over the thresholds, descending: scikit-learn's
        ``average_precision_score``, as the loss ``average_precision`` computes it (NaN
        without positive weight)."""
        from ..engine.rank_precision import curve_average_precision

        pos = np.diff(self.tps, prepend=0.0)[::-1]
        neg = np.diff(self.fps, prepend=0.0)[::-1]
        return curve_average_precision(self.threshold[::-1], pos, neg, bits=self.bits)

    def thinned_roc(self, points: int = DRAWN) -> tuple[np.ndarray, np.ndarray]:
        """(fpr, tpr) of at most ``points`` points, the end points kept."""
        fpr, tpr, _ = self.roc()
        keep = thinned(fpr, tpr, points)
        return fpr[keep], tpr[keep]

    def thinned_precision_recall(self, points: int = DRAWN) -> tuple[np.ndarray, np.ndarray]:
        """(recall, precision) of at most ``points`` points, the end points kept."""
        precision, recall, _ = self.precision_recall()
        keep = thinned(recall, precision, points)
        return recall[keep], precision[keep]

    def record(self) -> dict[str, Any]:
        """The curve for JSON: its AUC and average precision from every point, and at most
        :data:`DRAWN` points of each curve."""
        fpr, tpr = self.thinned_roc()
        recall, precision = self.thinned_precision_recall()
        return {
            "class": self.label or None,
            "positive_weight": self.positive,
            "negative_weight": self.negative,
            "thresholds": len(self.threshold),
            "score_bins": 2**self.bits if self.bits else None,
            "roc_auc": _number(self.auc),
            "average_precision": _number(self.average_precision),
            "roc": {"fpr": _numbers(fpr), "tpr": _numbers(tpr)},
            "precision_recall": {"recall": _numbers(recall), "precision": _numbers(precision)},
        }


def thinned(x: np.ndarray, y: np.ndarray, points: int = DRAWN) -> np.ndarray:
    """Indices of at most ``points`` points of the path (x, y), first and last kept: a
    point where the path goes straight on is left out, then, if still too many, those
    nearest to equal steps along the path's length are kept."""
    n = len(x)
    if n <= 2:
        return np.arange(n)
    dx, dy = np.diff(x), np.diff(y)
    turns = np.flatnonzero(dx[:-1] * dy[1:] != dy[:-1] * dx[1:]) + 1  # not straight on
    keep = np.concatenate([[0], turns, [n - 1]])
    if len(keep) <= points:
        return keep
    steps = np.hypot(np.nan_to_num(dx), np.nan_to_num(dy))
    length = np.concatenate([[0.0], np.cumsum(steps)])[keep]
    wanted = np.linspace(0.0, length[-1], points)
    chosen = np.searchsorted(length, wanted).clip(0, len(keep) - 1)
    return np.unique(np.concatenate([[0], keep[chosen], [n - 1]]))


@datarecord(frozen=True)
class CurveColumns:
    """Every result row's place in its model's :class:`CurveTable`: ``table[i]`` (−1: no
    curve, the row's model is no classifier) and ``key[i]``."""

    tables: tuple[CurveTable, ...]
    table: np.ndarray
    key: np.ndarray

    def take(self, index: Any) -> CurveColumns:
        return CurveColumns(self.tables, self.table[index], self.key[index])

    @classmethod
    def concat(cls, parts: Sequence[CurveColumns | None], lengths: Sequence[int]) -> CurveColumns:
        """One column of several blocks' (a block without curves has none)."""
        return cls(*concat_pointers(parts, lengths))

    def curves(self, i: int) -> list[Curve]:
        """Row ``i``'s curves, one per class (binary: one); none where it has no table."""
        if self.table[i] < 0:
            return []
        t = self.tables[int(self.table[i])]
        return [t.curve(int(self.key[i]), cls) for cls in range(t.classes)]


def concat_pointers(
    parts: Sequence[Any], lengths: Sequence[int]
) -> tuple[tuple[Any, ...], Any, Any]:
    """The ``tables``, ``table`` and ``key`` of several blocks' columns that point each row
    at one of their tables and a key there (a block that is None: −1, no table), one after
    another, each block's table numbers moved past the tables before it."""
    tables: list[Any] = []
    table, key = [], []
    for part, n in zip(parts, lengths, strict=True):
        if part is None:
            table.append(np.full(n, -1))
            key.append(np.zeros(n, dtype=np.int64))
            continue
        table.append(np.where(part.table >= 0, part.table + len(tables), -1))
        key.append(part.key)
        tables += part.tables
    return tuple(tables), np.concatenate(table), np.concatenate(key)


def curve_records(frame: Any, rows: Sequence[int]) -> list[dict[str, Any]]:
    """The JSON records of the ``rows``' curves (``frame``: the result's
    :class:`~.frame.Frame`): file, pred, group, and a record per class."""
    columns: CurveColumns | None = frame.curves
    if columns is None:
        return []
    out = []
    for i in rows:
        found = columns.curves(i)
        if found:
            record = {"file": frame.file[i], "pred": frame.pred[i], "group": frame.group(i)}
            out.append({**record, "curves": [c.record() for c in found]})
    return out


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _numbers(values: np.ndarray) -> list[float | None]:
    return [_number(v) for v in values.tolist()]
