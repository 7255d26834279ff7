"""A ratio's transforms (its value is T(Σw·a / Σw·b)): the identity, ×100 and √ (monotone),
and |·| (abs_bias), each with its derivative for the delta method and the image of an
interval. Module-level functions, never lambdas: a loss pickles (for a distributed run)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..records import datarecord


@datarecord(frozen=True)
class Transform:
    """A map of a ratio to the loss's value, with its derivative; ``image`` maps an
    interval [low, high] of the ratio to the value's (None: monotone increasing, the ends'
    images)."""

    name: str
    apply: Callable[[np.ndarray], np.ndarray]
    slope: Callable[[np.ndarray], np.ndarray]
    image: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None

    def interval(self, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The values of the ratios in [low, high], as an interval."""
        if self.image is None:
            return self.apply(low), self.apply(high)
        return self.image(low, high)


def _same(r: np.ndarray) -> np.ndarray:
    return r


def _times_100(r: np.ndarray) -> np.ndarray:
    return 100.0 * r


def _hundreds(r: np.ndarray) -> np.ndarray:
    return np.full_like(r, 100.0)


def _sqrt(r: np.ndarray) -> np.ndarray:
    return np.sqrt(np.maximum(r, 0.0))


IDENTITY = Transform("identity", _same, np.ones_like)
PERCENT = Transform("×100", _times_100, _hundreds)


def _sqrt_slope(r: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return 0.5 / np.sqrt(r)


SQRT = Transform("√", _sqrt, _sqrt_slope)


def _sign_slope(r: np.ndarray) -> np.ndarray:
    """d|r|/dr: −1 below 0, else 1 (at 0 the SE of |r| is taken to be r's)."""
    return np.where(r < 0, -1.0, 1.0)


def _abs_image(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|x| over [low, high]: from 0 where the interval holds 0, else from the nearer end."""
    a, b = np.abs(low), np.abs(high)
    holds_zero = (low <= 0) & (high >= 0)
    return np.where(holds_zero, 0.0, np.minimum(a, b)), np.maximum(a, b)


ABS = Transform("|·|", np.abs, _sign_slope, _abs_image)
