"""Classification losses: cross-entropy and accuracy, binary (one column) and multi-class.

Binary data has one prediction column, the probability of the positive class
(or its logit), and labels in [0, 1]. Multi-class data has one column per class.
MSE on binary data is the Brier score; on multi-class data it is the mean over
rows and classes of (p_k − y_k)² (registered in ``regression.py``).
"""

from __future__ import annotations

import numpy as np

from .batch import Batch
from .by_class import PerClass
from .class_counts import accuracy_per_class, class_counts, outside_unit, recall_micro
from .registry import Direction, Loss, Rule, Task, register
from .shapes import Mean, Terms
from .softmax import label_log_softmax, log_softmax

CLASSIFICATION = (Task.BINARY, Task.MULTICLASS)


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """log σ(z) = −log(1 + e^(−z)), finite for any z."""
    return -np.logaddexp(0.0, -z)


def binary_log_probs(b: Batch) -> tuple[np.ndarray, np.ndarray]:
    """(log p, log(1 − p)) of the positive class: from logits without overflow, else with
    p clipped to [ε, 1 − ε]."""
    if b.logits is not None:
        return b.log_p if b.log_p is not None else log_sigmoid(b.logits), log_sigmoid(-b.logits)
    eps = b.params.eps
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(np.clip(b.p, eps, 1 - eps)), np.log(np.clip(1 - b.p, eps, 1 - eps))


def class_log_probs(b: Batch) -> np.ndarray:
    """log p_k per row and class: log-softmax of logits, else of p clipped to [ε, 1 − ε]."""
    if b.logits is not None:
        return b.log_p if b.log_p is not None else log_softmax(b.logits)
    return np.log(np.clip(b.p, b.params.eps, 1 - b.params.eps))


def _binary_ce_term(b: Batch) -> np.ndarray:
    log_p, log_q = binary_log_probs(b)
    return -(b.y * log_p + (1 - b.y) * log_q)


def _ce_term(b: Batch) -> Terms:
    """Cross-entropy = Σw·(−Σ_k y_k·log p_k) / Σw, natural log, p clipped to [ε, 1 − ε]

    Binary: −[y·log p + (1 − y)·log(1 − p)]. From logits z: −[y·log σ(z) + (1 − y)·log σ(−z)],
    or −Σ_k y_k·log softmax(z)_k, computed without overflow.
    """
    if b.multiclass:  # class probabilities are checked while reading: no rule flag
        if b.classes is not None and b.logit_columns:  # −log p of the class: no matrices
            return Terms(np.negative(label_log_softmax(b.logit_columns, b.classes)))
        return Terms(-np.einsum("ij,ij->i", b.y, class_log_probs(b)))
    outside = outside_unit(b)
    return Terms(np.where(outside, 0.0, _binary_ce_term(b)), None, {"outside_unit": outside})


def _correct(b: Batch) -> Terms:
    """Accuracy = Σw·[predicted class = true class] / Σw

    Binary: predicted positive where p > 0.5 (logit > 0). Multi-class: the class of
    the largest probability (the first, on ties) against the label's class.
    """
    if b.multiclass:
        return Terms(b.p.argmax(axis=1) == b.y.argmax(axis=1))
    outside = outside_unit(b)
    predicted = b.logits > 0 if b.logits is not None else b.p > 0.5
    right = predicted == (b.y > 0.5)
    return Terms(right & ~outside, None, {"outside_unit": outside})


OUTSIDE_UNIT = Rule("outside_unit", "not applicable: labels or probabilities outside [0, 1]")

register(
    Loss(
        name="cross_entropy",
        aliases=("ce", "log_loss", "bce", "cce", "logloss"),
        description="Cross-entropy (log loss), natural log",
        formula="Σw·(−Σ_k y_k·log p_k) / Σw, p clipped to [ε, 1 − ε]",
        tasks=CLASSIFICATION,
        direction=Direction.LOWER,
        shape=Mean(_ce_term, nonnegative=True),
        rules=(OUTSIDE_UNIT,),
    )
)
register(
    Loss(
        name="accuracy",
        aliases=("acc",),
        description="Share of rows whose predicted class is the true one",
        formula="Σw·[argmax p = y] / Σw  (binary: p > 0.5)",
        tasks=CLASSIFICATION,
        direction=Direction.HIGHER,
        shape=Mean(_correct, proportion=True),
        rules=(OUTSIDE_UNIT,),
        per_class=PerClass(accuracy_per_class, class_counts, micro=recall_micro),
    )
)
