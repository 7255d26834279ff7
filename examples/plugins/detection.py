"""Object detection: 1 − IoU of a predicted and a true box, from eight declared columns.

A loss can read columns of its own: each row holds a true box (true_x1, true_y1,
true_x2, true_y2) and a predicted box (pred_x1, …), corners with x1 ≤ x2, y1 ≤ y2.
The label and prediction columns losscli needs anyway (say, objectness) are not used.

    losscli evaluate boxes.csv --plugin examples/plugins/detection.py -m iou_loss,giou_loss
"""

import numpy as np

import losscli

CORNERS = ("x1", "y1", "x2", "y2")
COLUMNS = tuple(f"{side}_{c}" for side in ("true", "pred") for c in CORNERS)


def _boxes(columns: dict[str, np.ndarray], side: str) -> tuple[np.ndarray, ...]:
    return tuple(columns[f"{side}_{c}"] for c in CORNERS)


def _area(x1: np.ndarray, y1: np.ndarray, x2: np.ndarray, y2: np.ndarray) -> np.ndarray:
    return np.maximum(x2 - x1, 0.0) * np.maximum(y2 - y1, 0.0)


def _iou_parts(columns: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """IoU and, for GIoU, the area of the smallest box enclosing both, and the union."""
    tx1, ty1, tx2, ty2 = _boxes(columns, "true")
    px1, py1, px2, py2 = _boxes(columns, "pred")
    inter = _area(
        np.maximum(tx1, px1), np.maximum(ty1, py1), np.minimum(tx2, px2), np.minimum(ty2, py2)
    )
    union = _area(tx1, ty1, tx2, ty2) + _area(px1, py1, px2, py2) - inter
    hull = _area(
        np.minimum(tx1, px1), np.minimum(ty1, py1), np.maximum(tx2, px2), np.maximum(ty2, py2)
    )
    iou = np.divide(inter, union, out=np.ones_like(union), where=union > 0)
    return iou, hull, union


@losscli.loss(
    name="iou_loss",
    formula="mean of 1 − |A ∩ B| / |A ∪ B|",
    columns=COLUMNS,
    description="1 − IoU of predicted and true boxes",
)
def iou_loss(y: np.ndarray, p: np.ndarray, **columns: np.ndarray) -> np.ndarray:
    iou, _, _ = _iou_parts(columns)
    return 1.0 - iou


@losscli.loss(
    name="giou_loss",
    formula="mean of 1 − IoU + |C − (A ∪ B)| / |C|",
    columns=COLUMNS,
    description="1 − generalised IoU (Rezatofighi et al. 2019)",
)
def giou_loss(y: np.ndarray, p: np.ndarray, **columns: np.ndarray) -> np.ndarray:
    iou, hull, union = _iou_parts(columns)
    penalty = np.divide(hull - union, hull, out=np.zeros_like(hull), where=hull > 0)
    return 1.0 - iou + penalty
