"""Loss math: pure NumPy, one registry. Importing this package registers every loss."""

# Importing registers the losses; this order is that of `losscli losses` and `-m all`.
from . import regression, forecasting, scaled, bias, quantiles, classification, classifiers, ranking  # noqa: F401  # isort: skip
from .batch import EPS, Batch, Params, Spread
from .registry import (
    DEFAULT_LOSSES,
    REGISTRY,
    Direction,
    Loss,
    Rule,
    Task,
    default_losses,
    find_loss,
    get_loss,
    resolve_losses,
)
from .shapes import Custom, Extreme, Mean, Ranked, Ranks, Ratio, Terms

__all__ = [
    "DEFAULT_LOSSES",
    "EPS",
    "REGISTRY",
    "Batch",
    "Custom",
    "Direction",
    "Extreme",
    "Loss",
    "Mean",
    "Params",
    "Ranked",
    "Ranks",
    "Ratio",
    "Rule",
    "Spread",
    "Task",
    "Terms",
    "default_losses",
    "find_loss",
    "get_loss",
    "resolve_losses",
]
