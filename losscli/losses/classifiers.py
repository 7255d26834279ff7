"""Classifier losses beyond cross-entropy and accuracy: Brier score, precision, recall, F1,
balanced accuracy, top-k accuracy, calibration error, hinge, KL divergence and focal loss.

Binary data has one column, the positive class's probability p (or its logit), and
labels in [0, 1]; a label counts as positive where it is > 0.5. Multi-class data has
one column per class; a row's true class is its label's largest entry, its predicted
class the largest probability (the first, on ties). Precision, recall, F1 and
balanced accuracy come from weighted per-class counts (true positives, predicted and
true rows per class); a per-class value whose denominator is 0 is left out of an
average, as scikit-learn's ``zero_division=np.nan`` does.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .batch import Batch
from .by_class import PerClass
from .class_counts import (
    brier_per_class,
    brier_stats,
    ece_class_stats,
    ece_per_class,
    f1_micro,
    f1_per_class,
    mean_of_defined,
    outside_unit,
    precision_micro,
    precision_per_class,
    predicted_and_true,
    recall_micro,
    recall_per_class,
)
from .classification import (
    CLASSIFICATION,
    OUTSIDE_UNIT,
    binary_log_probs,
    class_log_probs,
)
from .params import Param
from .registry import Direction, Loss, Rule, Task, register
from .shapes import Custom, Mean, Sums, Terms, ratio

AVERAGES = ("binary", "macro", "micro", "weighted", "none")
NO_SCORES = Rule(
    "no_scores",
    "not applicable: needs decision scores, not probabilities; pass the scores as logits "
    "with --from-logits",
)
THRESHOLD = Param(
    "threshold", 0.5, "binary: predicted positive where p > threshold", minimum=0, maximum=1
)
AVERAGE = Param(
    "average",
    "binary",
    "binary: the positive class (multi-class data: macro); macro, micro or weighted over "
    "classes; none: one value per class, on the class rows (as --per-class)",
    kind=str,
    choices=AVERAGES,
)


# ------------------------------------------------------------------ Brier score


def _brier_term(b: Batch) -> Terms:
    """Brier = Σw·Σ_k (p_k − y_k)² / Σw; binary (p − y)²

    With exactly two class columns the sum is halved, as scikit-learn's
    brier_score_loss does, so that it equals the binary score of one column.
    """
    if b.multiclass:
        squares = ((b.p - b.y) ** 2).sum(axis=1)
        return Terms(squares / 2 if b.p.shape[1] == 2 else squares)
    outside = outside_unit(b)
    return Terms(np.where(outside, 0.0, (b.p - b.y) ** 2), None, {OUTSIDE_UNIT.stat: outside})


# ------------------------------------------ precision, recall, F1, balanced accuracy


def _confusion(
    b: Batch, *, threshold: float = 0.5, average: str = "binary"
) -> dict[str, np.ndarray]:
    """Weighted counts per class (rows × K, summed per key as K sums): ``tp`` Σw·[predicted
    k and true k], ``pred`` Σw·[predicted k], ``true`` Σw·[true k]; binary data has the
    classes (negative, positive)."""
    predicted, true, classes = predicted_and_true(b, threshold)
    out: dict[str, list[np.ndarray]] = {"tp": [], "pred": [], "true": []}
    for k in range(classes):
        is_predicted, is_true = predicted == k, true == k
        out["tp"].append(b.weigh((is_predicted & is_true).astype(float)))
        out["pred"].append(b.weigh(is_predicted.astype(float)))
        out["true"].append(b.weigh(is_true.astype(float)))
    return {name: np.stack(columns, axis=1) for name, columns in out.items()}


def _binary_flags(b: Batch, **_: object) -> Mapping[str, np.ndarray]:
    """Binary rows outside [0, 1]; multi-class rows are checked while reading."""
    return {} if b.multiclass else {OUTSIDE_UNIT.stat: outside_unit(b)}


def _averaged(sums: Sums, num: np.ndarray, den: np.ndarray, average: str) -> np.ndarray:
    """Per-class num/den (keys [× resamples] × K) averaged as ``average`` says (micro:
    Σnum / Σden); binary on class columns is macro; none: no value of the model's own
    (its values are the class rows')."""
    if average == "none":
        return np.full(num.shape[:-1], np.nan)
    if average == "binary" and num.shape[-1] > 2:
        average = "macro"
    if average == "micro":
        return ratio(num.sum(axis=-1), den.sum(axis=-1))
    per_class = ratio(num, den)
    if average == "binary":
        return per_class[..., 1]
    return mean_of_defined(per_class, sums["true"] if average == "weighted" else None)


def _precision(s: Sums, *, average: str = "binary", **_: object) -> np.ndarray:
    """Precision = Σw·tp / Σw·(tp + fp) (per class, then averaged)"""
    return _averaged(s, s["tp"], s["pred"], average)


def _recall(s: Sums, *, average: str = "binary", **_: object) -> np.ndarray:
    """Recall = Σw·tp / Σw·(tp + fn) (per class, then averaged)"""
    return _averaged(s, s["tp"], s["true"], average)


def _f1(s: Sums, *, average: str = "binary", **_: object) -> np.ndarray:
    """F1 = 2·Σw·tp / Σw·(2tp + fp + fn) (per class, then averaged)"""
    return _averaged(s, 2 * s["tp"], s["pred"] + s["true"], average)


def _balanced_accuracy(s: Sums, **_: object) -> np.ndarray:
    """Balanced accuracy = mean over the classes with true rows of Σw·tp_k / Σw·true_k"""
    return mean_of_defined(ratio(s["tp"], s["true"]))


# ------------------------------------------------------------ top-k accuracy


def _top_k_term(b: Batch, *, k: int = 2) -> Terms:
    """Top-k accuracy = Σw·[true class among the k largest scores] / Σw

    Ties are broken as scikit-learn's top_k_accuracy_score: of equal scores the
    later class ranks first.
    """
    scores = b.p if b.logits is None else b.logits
    true = b.y.argmax(axis=1)
    own = scores[np.arange(len(true)), true][:, None]
    later = np.arange(scores.shape[1])[None, :] > true[:, None]
    rank = (scores > own).sum(axis=1) + ((scores == own) & later).sum(axis=1)
    return Terms(rank < k)


# ---------------------------------------------------------- calibration error


def _ece_stats(b: Batch, *, bins: int = 15) -> Mapping[str, np.ndarray]:
    """ECE = Σ_j |Σ_{i∈j} w_i·(y_i − c_i)| / Σw over ``bins`` equal-width bins of the
    confidence c: bin j holds the c with ⌊c·B⌋ = j, i.e. [j/B, (j+1)/B), the last also c = 1.

    Binary: c = p, the positive class's probability, against the label y (the
    reliability of p). Multi-class (top-label): c = max_k p_k against y = 1 where the
    predicted class is the true one, else 0. Kept per key as ``bins`` sums of each.
    """
    if b.multiclass:
        confidence = b.p.max(axis=1)
        outcome = (b.p.argmax(axis=1) == b.y.argmax(axis=1)).astype(float)
    else:
        confidence, outcome = b.p, b.y
    index = np.clip(np.floor(confidence * bins), 0, bins - 1)
    gap = b.weigh(outcome - confidence)
    weights = b.w_array
    inside = [index == j for j in range(bins)]
    return {
        "w": np.stack([np.where(rows, weights, 0.0) for rows in inside], axis=1),
        "gap": np.stack([np.where(rows, gap, 0.0) for rows in inside], axis=1),
    }


def _ece(s: Sums, **_: object) -> np.ndarray:
    """ECE = Σ_j |gap_j| / Σ_j w_j, from the per-bin sums of :func:`_ece_stats`"""
    return ratio(np.abs(s["gap"]).sum(axis=-1), s["w"].sum(axis=-1))


# ---------------------------------------------------------------------- hinge


def _hinge_term(b: Batch) -> Terms:
    """Hinge = Σw·max(0, 1 − m) / Σw on decision scores z (given as logits)

    Binary: m = t·z with t = +1 for label 1 (> 0.5) and −1 for label 0.
    Multi-class (Crammer–Singer, as scikit-learn): m = z_true − max_{k ≠ true} z_k.
    """
    if b.logits is None:
        rows = np.ones(len(b.y), dtype=bool)
        return Terms(np.zeros(len(b.y)), None, {NO_SCORES.stat: rows})
    if b.multiclass:
        true = b.y.argmax(axis=1)
        rows = np.arange(len(true))
        others = b.logits.copy()
        others[rows, true] = -np.inf
        margin = b.logits[rows, true] - others.max(axis=1)
        return Terms(np.maximum(0.0, 1.0 - margin))
    outside = outside_unit(b)
    sign = np.where(b.y > 0.5, 1.0, -1.0)
    hinge = np.maximum(0.0, 1.0 - sign * b.logits)
    return Terms(np.where(outside, 0.0, hinge), None, {OUTSIDE_UNIT.stat: outside})


# ---------------------------------------------------- KL divergence, focal loss


def _relative_entropy(y: np.ndarray, log_p: np.ndarray) -> np.ndarray:
    """y·(log y − log p), 0 where y = 0."""
    positive = y > 0
    log_y = np.log(np.where(positive, y, 1.0))
    return np.where(positive, y * (log_y - log_p), 0.0)


def _kl_term(b: Batch) -> Terms:
    """KL divergence = Σw·Σ_k y_k·log(y_k / p_k) / Σw, 0·log 0 = 0, p clipped to [ε, 1 − ε]
    (or from logits); binary: y·log(y/p) + (1 − y)·log((1 − y)/(1 − p))"""
    if b.multiclass:
        return Terms(_relative_entropy(b.y, class_log_probs(b)).sum(axis=1))
    outside = outside_unit(b)
    log_p, log_q = binary_log_probs(b)
    term = _relative_entropy(b.y, log_p) + _relative_entropy(1.0 - b.y, log_q)
    return Terms(np.where(outside, 0.0, term), None, {OUTSIDE_UNIT.stat: outside})


def _focal_term(b: Batch, *, gamma: float = 2.0) -> Terms:
    """Focal = Σw·(−Σ_k y_k·(1 − p_k)^γ·log p_k) / Σw (Lin et al. 2017, without α)

    Binary: −[y·(1 − p)^γ·log p + (1 − y)·p^γ·log(1 − p)]; for a 0/1 label this is
    −(1 − p_t)^γ·log p_t. log p as cross-entropy's (clipped, or from logits);
    γ = 0 gives cross-entropy.
    """
    if b.multiclass:
        factor = np.power(np.clip(1.0 - b.p, 0.0, 1.0), gamma)
        return Terms(-np.einsum("ij,ij->i", b.y * factor, class_log_probs(b)))
    outside = outside_unit(b)
    p = np.clip(b.p, 0.0, 1.0)
    log_p, log_q = binary_log_probs(b)
    term = -(b.y * np.power(1.0 - p, gamma) * log_p + (1 - b.y) * np.power(p, gamma) * log_q)
    return Terms(np.where(outside, 0.0, term), None, {OUTSIDE_UNIT.stat: outside})


# ------------------------------------------------------------------ registry

CONFUSION_PARAMS = (THRESHOLD, AVERAGE)
NO_POSITIVE = "not defined: {} (or no row with positive weight)"

for _loss in (
    Loss(
        name="brier",
        aliases=("brier_score", "brier_score_loss"),
        description="Brier score (multi-class: summed over classes, as scikit-learn)",
        formula="Σw·Σ_k (p_k − y_k)² / Σw; binary (p − y)²; two class columns halved",
        tasks=CLASSIFICATION,
        direction=Direction.LOWER,
        shape=Mean(_brier_term, nonnegative=True),
        rules=(OUTSIDE_UNIT,),
        per_class=PerClass(brier_per_class, brier_stats),
    ),
    Loss(
        name="precision",
        aliases=("ppv",),
        description=(
            "Precision at p > threshold (default 0.5); multi-class: average=macro|micro|weighted"
        ),
        formula="Σw·tp / Σw·(tp + fp)",
        tasks=CLASSIFICATION,
        direction=Direction.HIGHER,
        shape=Custom(_confusion, _precision, _binary_flags),
        rules=(OUTSIDE_UNIT,),
        per_class=PerClass(precision_per_class, micro=precision_micro),
        undefined=NO_POSITIVE.format("no row predicted positive"),
        params=CONFUSION_PARAMS,
    ),
    Loss(
        name="recall",
        aliases=("sensitivity", "tpr"),
        description=(
            "Recall at p > threshold (default 0.5); multi-class: average=macro|micro|weighted"
        ),
        formula="Σw·tp / Σw·(tp + fn)",
        tasks=CLASSIFICATION,
        direction=Direction.HIGHER,
        shape=Custom(_confusion, _recall, _binary_flags),
        rules=(OUTSIDE_UNIT,),
        per_class=PerClass(recall_per_class, micro=recall_micro),
        undefined=NO_POSITIVE.format("no positive label"),
        params=CONFUSION_PARAMS,
    ),
    Loss(
        name="f1",
        aliases=("f1_score",),
        description=(
            "F1 score at p > threshold (default 0.5); multi-class: average=macro|micro|weighted"
        ),
        formula="2·Σw·tp / Σw·(2tp + fp + fn)",
        tasks=CLASSIFICATION,
        direction=Direction.HIGHER,
        shape=Custom(_confusion, _f1, _binary_flags),
        rules=(OUTSIDE_UNIT,),
        per_class=PerClass(f1_per_class, micro=f1_micro),
        undefined=NO_POSITIVE.format("no positive label or prediction"),
        params=CONFUSION_PARAMS,
    ),
    Loss(
        name="balanced_accuracy",
        aliases=("balanced_acc", "bacc"),
        description="Mean recall over the classes that have true rows (binary: p > threshold)",
        formula="mean over classes k of Σw·tp_k / Σw·true_k",
        tasks=CLASSIFICATION,
        direction=Direction.HIGHER,
        shape=Custom(_confusion, _balanced_accuracy, _binary_flags),
        rules=(OUTSIDE_UNIT,),
        params=(THRESHOLD,),
    ),
    Loss(
        name="top_k_accuracy",
        aliases=("top_k", "topk"),
        description=(
            "Share of rows whose true class is among the k most likely (top_k_accuracy:k=K; 2)"
        ),
        formula="Σw·[true class among the k largest p] / Σw",
        tasks=(Task.MULTICLASS,),
        direction=Direction.HIGHER,
        shape=Mean(_top_k_term, proportion=True),
        params=(Param("k", 2, "how many of the top classes count", kind=int, minimum=1),),
    ),
    Loss(
        name="ece",
        aliases=("expected_calibration_error",),
        description=(
            "Expected calibration error, equal-width bins (ece:bins=B; 15); multi-class top-label"
        ),
        formula="Σ_bins |Σw·(y − c)| / Σw, c = p (binary) or max_k p_k",
        tasks=CLASSIFICATION,
        direction=Direction.LOWER,
        shape=Custom(_ece_stats, _ece, _binary_flags),
        rules=(OUTSIDE_UNIT,),
        per_class=PerClass(ece_per_class, ece_class_stats),
        params=(Param("bins", 15, "equal-width bins on [0, 1]", kind=int, minimum=1, maximum=100),),
    ),
    Loss(
        name="hinge",
        aliases=("hinge_loss",),
        description="Hinge loss on decision scores given as logits (multi-class: Crammer–Singer)",
        formula="Σw·max(0, 1 − m) / Σw; m = ±z, or z_true − max_{k≠true} z_k",
        tasks=CLASSIFICATION,
        direction=Direction.LOWER,
        shape=Mean(_hinge_term, nonnegative=True),
        rules=(NO_SCORES, OUTSIDE_UNIT),
    ),
    Loss(
        name="kl_divergence",
        aliases=("kl", "kld", "kl_div"),
        description="Kullback–Leibler divergence of p from (soft) labels y, natural log",
        formula="Σw·Σ_k y_k·log(y_k / p_k) / Σw, 0·log 0 = 0",
        tasks=CLASSIFICATION,
        direction=Direction.LOWER,
        shape=Mean(_kl_term, nonnegative=True),
        rules=(OUTSIDE_UNIT,),
    ),
    Loss(
        name="focal",
        aliases=("focal_loss",),
        description=(
            "Focal loss (Lin et al. 2017; focal:gamma=G, default 2; γ = 0 is cross-entropy)"
        ),
        formula="Σw·(−Σ_k y_k·(1 − p_k)^γ·log p_k) / Σw",
        tasks=CLASSIFICATION,
        direction=Direction.LOWER,
        shape=Mean(_focal_term, nonnegative=True),
        rules=(OUTSIDE_UNIT,),
        params=(Param("gamma", 2.0, "the focusing parameter γ", minimum=0),),
    ),
):
    register(_loss)
