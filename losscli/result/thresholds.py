"""``--thresholds``: per result row of a binary model, precision, recall, F1, false-positive
rate and the predicted-positive share at each threshold t, and the t that maximises an
objective, from the weighted positive and negative mass above t (the rank tables).

losscli predicts positive where p > t (as precision, recall and F1 do); scikit-learn's
``precision_recall_curve`` and ``roc_curve`` count score ≥ t, so the two agree at every t
between two distinct scores. Every measure is weighted; one whose denominator is 0 is
missing (NaN here, null in JSON): precision where nothing is predicted positive
(scikit-learn's ``zero_division=np.nan``), recall without positive rows, the
false-positive rate without negative ones.

A :class:`ThresholdColumns` holds, per result row, the thresholds (``at``, padded with NaN
to the widest row) and the positive and negative weight predicted positive at each, so
sorting and selecting rows take arrays (:meth:`ThresholdColumns.take`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import field
from typing import Any

import numpy as np

from ..errors import UsageError
from ..records import datarecord

AUTO = "auto"
AUTO_LEVELS = 100  # --thresholds auto: the scores' quantiles at (i + ½)/100, duplicates once
MEASURES = ("precision", "recall", "f1", "fpr", "predicted_positive")


@datarecord(frozen=True)
class Objective:
    """What the chosen threshold maximises: ``f1``; ``youden`` (recall − false-positive
    rate); ``cost`` (minimised: (fp·FP + fn·FN) / the row's weight, FP and FN weighted)."""

    kind: str = "f1"
    fp: float = 1.0
    fn: float = 1.0

    @classmethod
    def parse(cls, text: str) -> Objective:
        """``f1``, ``youden`` or ``cost:fp=A,fn=B`` (each cost ≥ 0, not both 0)."""
        kind, _, rest = text.strip().lower().partition(":")
        if kind in ("f1", "youden") and not rest:
            return cls(kind)
        if kind != "cost":
            raise UsageError(
                f"--thresholds-objective {text!r}: write f1, youden or cost:fp=A,fn=B "
                "(e.g. cost:fp=1,fn=5)"
            )
        costs = {"fp": 1.0, "fn": 1.0}
        for part in filter(None, (p.strip() for p in rest.split(","))):
            name, equals, value = part.partition("=")
            number = _number(value) if equals and name.strip() in costs else None
            if number is None or number < 0:
                raise UsageError(
                    f"--thresholds-objective {text!r}: cost takes fp=A,fn=B, each a "
                    "number ≥ 0 (e.g. cost:fp=1,fn=5)"
                )
            costs[name.strip()] = number
        if not costs["fp"] and not costs["fn"]:
            raise UsageError(f"--thresholds-objective {text!r}: fp and fn cannot both cost 0")
        return cls("cost", costs["fp"], costs["fn"])

    @property
    def maximised(self) -> bool:
        return self.kind != "cost"

    def text(self) -> str:
        if self.kind != "cost":
            return self.kind
        return f"cost:fp={self.fp:g},fn={self.fn:g}"


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@datarecord(frozen=True)
class ThresholdSpec:
    """The thresholds asked for (``values`` ascending; None: ``auto``, the model's score
    quantiles) and the objective."""

    values: tuple[float, ...] | None = None
    objective: Objective = field(default_factory=Objective)

    @classmethod
    def of(cls, thresholds: Any, objective: str | Objective = "f1") -> ThresholdSpec | None:
        """The spec of ``thresholds`` (``"auto"``, ``"0.1,0.2"`` or numbers in [0, 1];
        None or empty: none asked)."""
        if thresholds is None or (isinstance(thresholds, str) and not thresholds.strip()):
            return None
        chosen = objective if isinstance(objective, Objective) else Objective.parse(objective)
        if isinstance(thresholds, str) and thresholds.strip().lower() == AUTO:
            return cls(None, chosen)
        items = thresholds.split(",") if isinstance(thresholds, str) else list(thresholds)
        values = []
        for item in items:
            value = _number(str(item).strip())
            if value is None or not 0 <= value <= 1:
                raise UsageError(
                    f"--thresholds: {str(item).strip()!r} is no probability in [0, 1]; write "
                    "thresholds as 0.1,0.2,0.5 or auto (the scores' quantiles)"
                )
            values.append(value)
        if not values:
            raise UsageError("--thresholds: give at least one threshold, or auto")
        return cls(tuple(sorted(set(values))), chosen)


@datarecord(frozen=True)
class ThresholdRun:
    """What a run reads for ``--thresholds``: the spec, and the loss whose rank tables
    hold the scores (``roc_auc``'s, or the curves' internal loss)."""

    spec: ThresholdSpec
    source: str


@datarecord(frozen=True)
class ThresholdColumns:
    """Per result row: thresholds ``at`` (rows × T, NaN after a row's own), the positive
    (``tp``) and negative (``fp``) weight with p > t at each, the row's positive and
    negative weight, and ``bits`` > 0 where its scores were binned (:mod:`..engine.ranks`:
    rows inside the bin holding t then count as below it). ``present``: the row has a
    table (a binary model's row)."""

    objective: Objective
    at: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    bits: np.ndarray
    present: np.ndarray

    def take(self, index: Any) -> ThresholdColumns:
        return ThresholdColumns(
            self.objective,
            self.at[index],
            self.tp[index],
            self.fp[index],
            self.pos[index],
            self.neg[index],
            self.bits[index],
            self.present[index],
        )

    @classmethod
    def absent(cls, rows: int, objective: Objective) -> ThresholdColumns:
        """Rows without a table (a regression model's)."""
        empty = np.full((rows, 0), np.nan)
        zeros = np.zeros(rows)
        return cls(objective, empty, empty, empty, zeros, zeros, zeros, np.zeros(rows, bool))

    @classmethod
    def concat(
        cls, parts: Sequence[ThresholdColumns | None], lengths: Sequence[int]
    ) -> ThresholdColumns:
        """One column of several blocks' (a block without thresholds has none)."""
        objective = next(p.objective for p in parts if p is not None)
        filled = [
            cls.absent(n, objective) if p is None else p
            for p, n in zip(parts, lengths, strict=True)
        ]
        width = max(p.at.shape[1] for p in filled)

        def padded(name: str) -> np.ndarray:
            blocks = [getattr(p, name) for p in filled]
            return np.concatenate(
                [
                    np.pad(b, ((0, 0), (0, width - b.shape[1])), constant_values=np.nan)
                    for b in blocks
                ]
            )

        flat = {n: np.concatenate([getattr(p, n) for p in filled]) for n in ("pos", "neg", "bits")}
        return cls(
            objective,
            padded("at"),
            padded("tp"),
            padded("fp"),
            flat["pos"],
            flat["neg"],
            flat["bits"],
            np.concatenate([p.present for p in filled]),
        )

    def measures(self) -> dict[str, np.ndarray]:
        """Rows × T: each of :data:`MEASURES` and the objective's value (NaN where its
        denominator is 0, or past a row's thresholds)."""
        tp, fp = self.tp, self.fp
        pos, neg = self.pos[:, None], self.neg[:, None]
        out = {
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, pos + 0 * tp),
            "f1": _ratio(2 * tp, tp + fp + pos),
            "fpr": _ratio(fp, neg + 0 * fp),
            "predicted_positive": _ratio(tp + fp, pos + neg + 0 * tp),
        }
        objective = self.objective
        if objective.kind == "youden":
            out["youden"] = out["recall"] - out["fpr"]
        elif objective.kind == "cost":
            missed = pos - tp
            out["cost"] = _ratio(objective.fp * fp + objective.fn * missed, pos + neg + 0 * tp)
        return out

    def chosen(self, measures: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Per row, the index of the threshold that maximises the objective (cost: that
        minimises it; ties: the lowest threshold), −1 where none has a value."""
        measures = self.measures() if measures is None else measures
        values = measures[self.objective.kind]
        if not values.shape[1]:
            return np.full(len(values), -1)
        signed = values if self.objective.maximised else -values
        defined = ~np.isnan(signed)
        best = np.argmax(np.where(defined, signed, -np.inf), axis=1)
        return np.where(defined.any(axis=1), best, -1)

    def counts(self) -> np.ndarray:
        """Each row's number of thresholds."""
        return np.sum(~np.isnan(self.at), axis=1)

    def records(self, i: int) -> list[dict[str, Any]]:
        """Row ``i``'s thresholds for JSON: one object per threshold, its measures (null
        where undefined), the objective's value unless it is F1, and ``chosen``."""
        if not self.present[i]:
            return []
        row = self.take(np.array([i]))
        measures = row.measures()
        best = int(row.chosen(measures)[0])
        names = ["threshold", *MEASURES] + (
            [] if self.objective.kind == "f1" else [self.objective.kind]
        )
        columns = {"threshold": row.at[0], **{n: measures[n][0] for n in names[1:]}}
        out = []
        for j in range(int(row.counts()[0])):
            record: dict[str, Any] = {n: _value(columns[n][j]) for n in names}
            record["chosen"] = j == best
            out.append(record)
        return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _value(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
