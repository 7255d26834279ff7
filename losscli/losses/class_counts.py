"""A classifier's rows as classes: the predicted and the true class of each row, and the
weighted counts per class that precision, recall, F1 and one-vs-rest accuracy follow from.

Binary data has the classes (negative, positive): predicted positive where p > threshold
(from logits, z > logit(threshold)), a true positive where the label is > 0.5.
Multi-class data has its class columns: the largest probability (the first, on ties)
against the label's largest entry.
"""

from __future__ import annotations

import numpy as np

from .batch import Batch
from .by_class import Placed
from .shapes import Sums, ratio


def outside_unit(b: Batch) -> np.ndarray:
    """Rows a binary loss cannot score: label, or probability, outside [0, 1]."""
    bad = (b.y < 0) | (b.y > 1)
    if b.logits is None:
        bad |= (b.p < 0) | (b.p > 1)
    return bad


def predicted_positive(b: Batch, threshold: float) -> np.ndarray:
    """p > threshold; from logits, z > logit(threshold) (z > 0 at 0.5)."""
    if b.logits is None:
        return b.p > threshold
    with np.errstate(divide="ignore"):
        cut = np.log(np.float64(threshold)) - np.log(np.float64(1.0 - threshold))
    return b.logits > cut


def class_columns(b: Batch) -> tuple[np.ndarray, np.ndarray]:
    """(p, y) as rows × K: multi-class as given; binary as the classes (negative, positive),
    i.e. (1 − p, p) against (1 − y, y)."""
    if b.multiclass:
        return b.p, b.y
    return np.column_stack([1.0 - b.p, b.p]), np.column_stack([1.0 - b.y, b.y])


def predicted_and_true(b: Batch, threshold: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Each row's predicted and true class, and the number of classes: multi-class, the
    largest probability (the first, on ties) and the label's largest entry; binary, p >
    ``threshold`` and a label > 0.5 (classes negative, positive)."""
    if b.multiclass:
        return b.p.argmax(axis=1), b.y.argmax(axis=1), b.p.shape[1]
    predicted = predicted_positive(b, threshold).astype(np.intp)
    return predicted, (b.y > 0.5).astype(np.intp), 2


def class_counts(b: Batch, *, threshold: float = 0.5) -> dict[str, Placed]:
    """Per class the weighted true positives, predicted and true rows (``tp``, ``pred``,
    ``true``): one sum per class and key, however many rows."""
    predicted, true, classes = predicted_and_true(b, threshold)
    w = b.w_array[:, None]
    hit = np.where((predicted == true)[:, None], w, 0.0)
    return {
        "tp": Placed(true[:, None], hit, classes),
        "pred": Placed(predicted[:, None], w, classes),
        "true": Placed(true[:, None], w, classes),
    }


def accuracy_per_class(s: Sums) -> np.ndarray:
    """One-vs-rest accuracy of class k: 1 − Σw·[predicted k xor true k] / Σw."""
    total = s["true"].sum(axis=-1, keepdims=True)
    return 1.0 - ratio(s["pred"] + s["true"] - 2 * s["tp"], total)


def precision_micro(s: Sums) -> np.ndarray:
    """Σ_k tp_k / Σ_k pred_k: on single-label data, the accuracy (the ``accuracy`` row)."""
    return ratio(s["tp"].sum(axis=-1), s["pred"].sum(axis=-1))


def recall_micro(s: Sums) -> np.ndarray:
    """Σ_k tp_k / Σ_k true_k (the ``accuracy`` row)."""
    return ratio(s["tp"].sum(axis=-1), s["true"].sum(axis=-1))


def f1_micro(s: Sums) -> np.ndarray:
    """2·Σ_k tp_k / Σ_k (pred_k + true_k) (the ``accuracy`` row)."""
    return ratio(2 * s["tp"].sum(axis=-1), (s["pred"] + s["true"]).sum(axis=-1))


def precision_per_class(s: Sums) -> np.ndarray:
    return ratio(s["tp"], s["pred"])


def recall_per_class(s: Sums) -> np.ndarray:
    return ratio(s["tp"], s["true"])


def f1_per_class(s: Sums) -> np.ndarray:
    return ratio(2 * s["tp"], s["pred"] + s["true"])


def brier_stats(b: Batch) -> dict[str, Placed]:
    """Per class Σw·(p_k − y_k)², and Σw: brier_score_loss of each class's column."""
    p, y, w = unit_classes(b)
    at = np.broadcast_to(np.arange(p.shape[1]), p.shape)
    return {"sq": Placed(at, w * (p - y) ** 2, p.shape[1]), "w": Placed(at[:, :1], w, 1)}


def brier_per_class(s: Sums) -> np.ndarray:
    return ratio(s["sq"], s["w"])


def ece_class_stats(b: Batch, *, bins: int = 15) -> dict[str, Placed]:
    """ECE of each class's column: per class k and bin of c = p_k, Σw and Σw·(y_k − p_k)
    (binned as ECE's, :func:`.classifiers._ece_stats`)."""
    p, y, w = unit_classes(b)
    index = np.clip(np.floor(p * bins), 0, bins - 1).astype(np.intp)
    at = index + np.arange(p.shape[1]) * bins
    width = p.shape[1] * bins
    return {"w": Placed(at, w, width), "gap": Placed(at, w * (y - p), width)}


def ece_per_class(s: Sums, *, bins: int = 15) -> np.ndarray:
    keys = len(s["w"])
    gap, w = s["gap"].reshape(keys, -1, bins), s["w"].reshape(keys, -1, bins)
    return ratio(np.abs(gap).sum(axis=-1), w.sum(axis=-1))


def unit_classes(b: Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`class_columns` and the weights (rows × 1); a binary row outside [0, 1], which
    makes the loss not applicable, adds nothing."""
    p, y = class_columns(b)
    w = b.w_array[:, None]
    if not b.multiclass:
        outside = outside_unit(b)[:, None]
        p, y, w = np.where(outside, 0.0, p), np.where(outside, 0.0, y), np.where(outside, 0.0, w)
    return p, y, w


def mean_of_defined(values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """The (weighted) mean over the last axis of the values that are not NaN, as
    scikit-learn's _nanaverage: NaN when none is; unweighted when their weights sum to 0."""
    defined = ~np.isnan(values)
    filled = np.where(defined, values, 0.0)
    plain = ratio(filled.sum(axis=-1), defined.sum(axis=-1))
    if weights is None:
        return plain
    kept = np.where(defined, weights, 0.0)
    weighted = ratio((kept * filled).sum(axis=-1), kept.sum(axis=-1))
    return np.where(kept.sum(axis=-1) > 0, weighted, plain)
