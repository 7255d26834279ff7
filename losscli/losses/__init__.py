"""Loss math: pure NumPy, one registry. Importing this package registers every loss."""

# Importing registers the losses; this order is that of `losscli losses` and `-m all`.
from . import regression, classification  # noqa: F401  # isort: skip
from .batch import EPS, Batch, Params, Spread
from .registry import (
    DEFAULT_LOSSES,
    REGISTRY,
    Direction,
    Loss,
    Rule,
    Task,
    default_losses,
    get_loss,
    resolve_losses,
)

__all__ = [
    "DEFAULT_LOSSES",
    "EPS",
    "REGISTRY",
    "Batch",
    "Direction",
    "Loss",
    "Params",
    "Rule",
    "Spread",
    "Task",
    "default_losses",
    "get_loss",
    "resolve_losses",
]
