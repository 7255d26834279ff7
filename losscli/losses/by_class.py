"""What a loss declares to be computed per class (``--per-class``): the values per key
and class (:class:`PerClass`) and, where its own sums do not hold them, the per-class
statistics it keeps for them (:class:`Placed`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np

from ..records import datarecord
from .params import bound_function
from .shapes import Sums


class Placed(NamedTuple):
    """A per-class statistic's rows: each row adds ``values`` (rows × J, or what broadcasts
    to it) at ``at`` (rows × J positions among ``width`` sums per key: a class, or a class
    and a bin), so a key keeps ``width`` sums however many rows it has."""

    at: np.ndarray
    values: np.ndarray
    width: int


@datarecord(frozen=True)
class PerClass:
    """How a loss is defined per class (``--per-class``): ``values`` maps sums to one value
    per key and class (a keys × K array, NaN where a class has none), vectorised over keys.
    The sums are the loss's own, or, where ``statistics`` is given (a function of a batch
    to named :class:`Placed` columns), the sums of those, which the engine keeps beside the
    loss only when class rows are asked for (charged to the memory budget per key).
    ``micro``: the value on the ``accuracy`` average row, from the same sums (None: the
    loss has none there)."""

    values: Callable[[Sums], np.ndarray]
    statistics: Callable[..., Mapping[str, Placed]] | None = None
    micro: Callable[[Sums], np.ndarray] | None = None

    def bound(self, arguments: Mapping[str, Any]) -> PerClass:
        """With a loss's parameter values passed to its functions (those that take them)."""
        if not arguments:
            return self
        return replace(
            self,
            values=bound_function(self.values, arguments),
            statistics=self.statistics and bound_function(self.statistics, arguments),
            micro=self.micro and bound_function(self.micro, arguments),
        )
