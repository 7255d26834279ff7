"""Loss math: pure NumPy, one registry. Importing this package registers every loss."""

from . import regression as _regression  # noqa: F401  (registers the regression losses)
from .batch import Batch, Params, Spread
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
