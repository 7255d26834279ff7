"""Overstock: over-forecasting costs twice what under-forecasting does.

losscli evaluate sales.csv --plugin examples/plugins/overstock.py -m overstock
"""

import numpy as np

import losscli


@losscli.loss(
    name="overstock",
    direction="lower",
    task="regression",
    formula="mean of 2·(ŷ − y) if ŷ > y else (y − ŷ)",
)
def overstock(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.where(p > y, 2.0 * (p - y), y - p)
