"""Rank statistics of classifiers: ROC-AUC and average precision, binary and multi-class
one-vs-rest.

The engine keeps, per key and class, the weighted positive and negative mass at each
distinct score (:mod:`losscli.engine.ranks`); the value follows from those exactly, as
long as they fit a memory budget, and from fine score bins, with a stated error bound,
beyond it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..engine.statistics import Statistic
from ..records import datarecord
from .batch import Batch
from .by_class import PerClass
from .class_counts import outside_unit
from .classification import CLASSIFICATION, OUTSIDE_UNIT
from .params import Param
from .registry import Direction, Loss, register
from .shapes import Guard, Ranked, Ranks, Sums, ratio

if TYPE_CHECKING:
    from ..engine.intervals import Interval, Paired


def ranked_per_class(sums: Sums) -> np.ndarray:
    """One-vs-rest ROC-AUC per key and class: area / (P·N) of each class's rank table (a
    binary model's one table is the positive class's: the negative class's, 1 − p against
    "the label is 0", orders every pair the same way, so its AUC is the same)."""
    if "area" not in sums:
        return np.full((len(sums["n"]), 1), np.nan)
    per_class = ratio(sums["area"], sums["pos"] * sums["neg"])
    if per_class.shape[1] == 1:  # binary: (negative, positive), equal by symmetry
        return np.concatenate([per_class, per_class], axis=1)
    return per_class


def _roc_ranks(b: Batch) -> Ranks:
    """ROC-AUC = Σ_s N(s)·(P above s + ½·P(s)) / (P·N), over distinct scores s, weighted

    Binary: the score is the positive-class probability (or its logit), a row is positive
    where y ≥ 0.5. Multi-class: one-vs-rest, class k's probability against "the label is
    k", then the mean over classes (macro), as scikit-learn's roc_auc_score(multi_class=
    "ovr"). Ties count ½.
    """
    if b.multiclass:
        classes = np.arange(b.p.shape[1])
        return Ranks(b.p, b.y.argmax(axis=1)[:, None] == classes)
    outside = outside_unit(b)
    logits = b.logits is not None
    scores = b.logits if b.logits is not None else b.p
    return Ranks(scores, b.y >= 0.5, logits, {"outside_unit": outside})


register(
    Loss(
        name="roc_auc",
        aliases=("auc",),
        description="Area under the ROC curve: P(a positive outscores a negative), ties ½",
        formula="Σ_s N(s)·(P>s + ½·P(s)) / (P·N); multi-class: one-vs-rest mean over classes",
        tasks=CLASSIFICATION,
        direction=Direction.HIGHER,
        shape=Ranked(_roc_ranks),
        rules=(OUTSIDE_UNIT,),
        per_class=PerClass(ranked_per_class),
        undefined="not defined: needs rows of both kinds, positive and negative "
        "(multi-class: for every class)",
    )
)

# ---------------------------------------------------------------- average precision


@cache
def ap_table() -> Statistic:
    """Average precision's statistic: its rank tables, read as :mod:`losscli.engine.
    rank_precision` says (imported where a run has the loss: start-up, #18)."""
    from ..engine.rank_precision import PRECISION_RANKS

    return Statistic("ranks", PRECISION_RANKS)


AP_AVERAGES = ("macro", "weighted", "micro")


def average_precision_per_class(sums: Sums) -> np.ndarray:
    """Average precision per key and class (keys × classes; binary: one class), from the
    sums of :mod:`losscli.engine.rank_precision`: Σ_s P(s)·Prec(≥s) / P, as scikit-
    learn's ``average_precision_score`` of that class against the rest; NaN where the
    class has no positive weight. A binary model's two classes: the negative class's
    (its scores 1 − p, ``negative_ap``), then the positive class's."""
    positive = ratio(sums["ap"], sums["pos"])
    if positive.shape[1] == 1 and "negative_ap" in sums:
        return np.concatenate([ratio(sums["negative_ap"], sums["neg"]), positive], axis=1)
    return positive


@datarecord(frozen=True)
class PrecisionRanked(Ranked):
    """Average precision from the rank tables: per class Σ_s P(s)·Prec(≥s) / P (rows tied
    at a score enter together), then averaged over classes as ``average`` says (macro:
    the mean, weighted: by each class's positive weight, micro: all classes' entries as
    one binary problem); binary data has its one class. Past the memory budget (score
    bins) the value is the bins' and a note bounds the exact one (:meth:`caveats`)."""

    average: str = "macro"

    no_interval: ClassVar[str] = "no interval: no streamed interval for average precision"
    paired: ClassVar[bool] = False  # no paired comparison either
    delong: ClassVar[bool] = False  # DeLong's interval and test are ROC-AUC's

    @property
    def declared(self) -> tuple[Statistic, ...]:
        return (ap_table(),)

    def normal_interval(self, sums: Sums, level: float) -> Interval:
        raise ValueError(self.no_interval)

    def paired_normal(self, mine: Sums, ref: Sums, level: float) -> Paired:
        raise ValueError(f"{type(self).__name__}: no paired comparison")

    def bound(self, arguments: Mapping[str, Any]) -> PrecisionRanked:
        bound = super().bound(arguments)
        average = str(arguments.get("average", self.average))
        return replace(self, ranks=bound.ranks, average=average)

    def guarded(self, guard: Guard) -> PrecisionRanked:
        return replace(self, ranks=guard.unchecked(self.ranks))

    def finalize(self, sums: Sums) -> np.ndarray:
        if "ap" not in sums:  # no rows reached the loss
            return np.full(len(sums["n"]), np.nan)
        return self._averaged(sums, "ap")

    def _averaged(self, sums: Sums, name: str) -> np.ndarray:
        """The sum ``name`` (``ap``, ``ap_low`` or ``ap_high``) as average precision,
        averaged over classes."""
        if sums["pos"].shape[1] == 1:
            return ratio(sums[name], sums["pos"])[:, 0]
        if self.average == "micro":
            micro = {"ap": "micro_ap", "ap_low": "micro_low", "ap_high": "micro_high"}[name]
            return ratio(sums[micro], sums["micro_pos"])[:, 0]
        per_class = ratio(sums[name], sums["pos"])
        if self.average == "weighted":
            kept = np.where(np.isnan(per_class), 0.0, per_class)
            return ratio((kept * sums["pos"]).sum(axis=1), sums["pos"].sum(axis=1))
        return np.mean(per_class, axis=1)

    def caveats(self, sums: Sums) -> dict[int, str]:
        """A value from score bins (more distinct scores than the memory budget), and the
        range the exact value lies in (the bins' best and worst orderings)."""
        if "bits" not in sums:
            return {}
        low, high = self.error_bound(sums)
        bits = sums["bits"]
        return {
            int(k): f"approximate: from 2^{int(bits[k])} score bins (more distinct scores than "
            f"the memory budget); the exact value lies in [{_rounded(low[k], down=True)}, "
            f"{_rounded(high[k], down=False)}]"
            for k in np.flatnonzero(bits > 0)
        }

    def error_bound(self, sums: Sums) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[override]
        """The lowest and highest value the rows' order inside the score bins allows (the
        value itself for exact scores)."""
        return self._averaged(sums, "ap_low"), self._averaged(sums, "ap_high")


def _rounded(value: float, *, down: bool) -> str:
    """``value`` to four decimals, rounded outwards: a stated bound never understates."""
    scaled = value * 1e4
    step = np.floor(scaled) if down else np.ceil(scaled)
    return f"{max(0.0, min(1.0, step / 1e4)):.4f}"


register(
    Loss(
        name="average_precision",
        aliases=("ap", "pr_auc"),
        description="Average precision: the step-wise area under the precision-recall curve",
        formula="Σ_s P(s) · Prec(≥s) / P; multi-class: one-vs-rest, averaged",
        tasks=CLASSIFICATION,
        direction=Direction.HIGHER,
        shape=PrecisionRanked(_roc_ranks),
        rules=(OUTSIDE_UNIT,),
        per_class=PerClass(average_precision_per_class),
        undefined="not defined: needs rows with a positive label (multi-class macro: in every "
        "class)",
        params=(
            Param(
                "average",
                "macro",
                "multi-class: macro (mean over classes), weighted (by positive weight) or "
                "micro (every class's scores pooled); binary data has one class",
                kind=str,
                choices=AP_AVERAGES,
            ),
        ),
    )
)
