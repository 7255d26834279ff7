"""Column value types shared by the losses and the engine: a column of ones never built,
and a column whose spread is tracked. Kept apart from both packages so that the engine's
reductions and the shapes' declarations import them without importing each other."""

from __future__ import annotations

import numpy as np

from .records import datarecord


class Ones:
    """A column of ones, never built: the weights of an unweighted run, or a row count.

    The reduction sums it as a count, and weighing by it is the identity.
    """

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


@datarecord(frozen=True)
class Spread:
    """A per-row column whose weighted count, mean and spread (M2) are tracked.

    The reduction merges these with Chan's parallel formula, so a total sum of
    squares stays exact where Σy² − (Σy)²/n would cancel.
    """

    values: np.ndarray
    weights: np.ndarray
