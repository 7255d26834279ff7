"""The rows a loss sees: labels, predictions and weights of one chunk, as float64 arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Params:
    """Loss parameters the user can set."""

    huber_delta: float = 1.0


@dataclass
class Batch:
    """One chunk of rows. ``w`` is all ones when no weight column is given.

    Derived columns (error, absolute error) are computed once and shared by every loss.
    """

    y: np.ndarray
    p: np.ndarray
    w: np.ndarray
    params: Params = field(default_factory=Params)

    @cached_property
    def err(self) -> np.ndarray:
        """e = y − ŷ"""
        return self.y - self.p

    @cached_property
    def abs_err(self) -> np.ndarray:
        """|e|"""
        return np.abs(self.err)


@dataclass(frozen=True)
class Spread:
    """A per-row column whose weighted count, mean and spread (M2) are tracked.

    The reduction merges these with Chan's parallel formula, so a total sum of
    squares stays exact where Σy² − (Σy)²/n would cancel.
    """

    values: np.ndarray
    weights: np.ndarray
