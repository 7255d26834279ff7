"""A ratio's monotone transforms (its value is T(Σw·a / Σw·b)): the identity, ×100 and √,
each with its derivative for the delta method. Module-level functions, never lambdas:
a loss pickles (for a distributed run)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Transform:
    """A monotone increasing map of a ratio to the loss's value, with its derivative."""

    name: str
    apply: Callable[[np.ndarray], np.ndarray]
    slope: Callable[[np.ndarray], np.ndarray]


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
