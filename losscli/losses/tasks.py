"""The kinds of prediction a loss can score."""

from enum import Enum


class Task(str, Enum):
    REGRESSION = "regression"
    BINARY = "binary"
    MULTICLASS = "multiclass"
    QUANTILE = "quantile"  # several columns, each a quantile at its level (--quantiles)
