"""The loss registry: what a loss is, and how names and aliases resolve to one.

A loss is a sum of per-row statistics, described by its :mod:`shape <.shapes>`: the
engine turns a batch into the shape's per-key sums (file, group, chunk, shard — all
the same), merges them, and finalizes them into values, vectorised over keys.
Nothing else is needed to evaluate a loss anywhere, or to put an interval on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import numpy as np

from ..errors import UsageError
from .shapes import Shape, Sums
from .tasks import Task


class Direction(str, Enum):
    LOWER = "lower"
    HIGHER = "higher"


@dataclass(frozen=True)
class Rule:
    """Rows the loss cannot use: counted per key from the loss's flag ``stat`` (0/1 per row).

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
    shape: Shape
    rules: tuple[Rule, ...] = ()
    undefined: str = "not defined: no rows with positive weight to score"

    def finalize(self, sums: Sums) -> np.ndarray:
        """The value per key from this loss's own sums (``n``: the rows of each key)."""
        return np.asarray(self.shape.finalize(sums), dtype=float)

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
