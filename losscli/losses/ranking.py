"""Rank statistics of classifiers: ROC-AUC, binary and multi-class one-vs-rest.

The engine keeps, per key and class, the weighted positive and negative mass at each
distinct score (:mod:`losscli.engine.ranks`); the value follows from those exactly, as
long as they fit a memory budget, and from fine score bins, with a stated error bound,
beyond it.
"""

from __future__ import annotations

import numpy as np

from .batch import Batch
from .classification import CLASSIFICATION, OUTSIDE_UNIT, outside_unit
from .registry import Direction, Loss, register
from .shapes import PerClass, Ranked, Ranks, ranked_per_class


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
