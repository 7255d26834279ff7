"""The result of an evaluation: columns across every row, typed rows as a view, and the
records of intervals, comparisons and judged checks."""

from .evaluation import SCHEMA_VERSION, EvaluationResult
from .frame import Frame, LossColumn
from .rows import (
    CiSettings,
    Comparison,
    ComparisonSummary,
    Interval,
    Outcome,
    ResultRow,
    describe,
)

__all__ = [
    "SCHEMA_VERSION",
    "CiSettings",
    "Comparison",
    "ComparisonSummary",
    "EvaluationResult",
    "Frame",
    "Interval",
    "LossColumn",
    "Outcome",
    "ResultRow",
    "describe",
]
