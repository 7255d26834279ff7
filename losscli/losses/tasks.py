"""The kinds of prediction a loss can score."""

from enum import Enum


class Task(str, Enum):
    REGRESSION = "regression"
    BINARY = "binary"
    MULTICLASS = "multiclass"
