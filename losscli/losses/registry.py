"""The loss registry: what a loss is, and how names and aliases resolve to one.

A loss is a sum of per-row statistics. ``statistics`` turns a :class:`Batch` into
named per-row columns (already weighted); the reduction sums each column per key
(file, group, chunk, shard — all the same); ``finalize`` turns those sums into the
value, vectorised over keys. Nothing else is needed to evaluate a loss anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

import numpy as np

from ..errors import UsageError
from .batch import Batch, Ones, Spread
from .tasks import Task

Statistics = Mapping[str, "np.ndarray | Ones | Spread"]
Sums = Mapping[str, np.ndarray]


class Direction(str, Enum):
    LOWER = "lower"
    HIGHER = "higher"


@dataclass(frozen=True)
class Rule:
    """Rows the loss cannot use: counted by the statistic ``stat`` (a per-row 0/1 column).

    ``skip`` rules leave those rows out of this loss only and report how many;
    otherwise any such row makes the loss not applicable to the key.
    """

    stat: str
    message: str
    skip: bool = False

    def note(self, count: int) -> str:
        """What the rule did to ``count`` rows, for a footnote."""
        if not self.skip:
            return self.message
        return f"{count} row{'s' if count != 1 else ''} {self.message}"


@dataclass(frozen=True)
class Loss:
    name: str
    aliases: tuple[str, ...]
    description: str
    formula: str
    tasks: tuple[Task, ...]
    direction: Direction
    statistics: Callable[[Batch], Statistics]
    finalize: Callable[[Sums], np.ndarray]
    rules: tuple[Rule, ...] = ()
    undefined: str = "not defined: no rows with positive weight to score"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def applies_to(self, multiclass: bool) -> bool:
        """Whether the loss scores this kind of data (one column: regression or binary)."""
        if multiclass:
            return Task.MULTICLASS in self.tasks
        return Task.REGRESSION in self.tasks or Task.BINARY in self.tasks


REGISTRY: dict[str, Loss] = {}
DEFAULT_LOSSES = ("mse", "mape", "cross_entropy")


def default_losses() -> tuple[str, ...]:
    """The three losses the tool exists to compare, as far as they are registered."""
    return tuple(name for name in DEFAULT_LOSSES if name in REGISTRY)


def register(loss: Loss) -> Loss:
    """Add ``loss`` to the registry; its names and aliases must be new."""
    taken = _by_name()
    clash = [name for name in loss.names if name.lower() in taken]
    if clash:
        raise ValueError(f"loss name(s) {clash} registered twice")
    REGISTRY[loss.name] = loss
    return loss


def _by_name() -> dict[str, Loss]:
    return {name.lower(): loss for loss in REGISTRY.values() for name in loss.names}


def get_loss(name: str) -> Loss:
    """The loss called ``name`` (canonical name or alias, any case)."""
    try:
        return _by_name()[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise UsageError(f"unknown loss {name!r}; known losses: {known}, or 'all'") from None


def resolve_losses(names: Iterable[str]) -> list[Loss]:
    """Losses named by ``names`` (comma lists allowed), without repeats, in the order given.

    ``all`` stands for every registered loss.
    """
    chosen: dict[str, Loss] = {}
    for item in names:
        for name in filter(None, (part.strip() for part in item.split(","))):
            if name.lower() == "all":
                chosen.update(REGISTRY)
            else:
                loss = get_loss(name)
                chosen.setdefault(loss.name, loss)
    if not chosen:
        raise UsageError("no loss given; name at least one, or 'all'")
    return list(chosen.values())


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (no rows, or zero total weight)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out
