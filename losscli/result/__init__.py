"""The result of an evaluation: columns across every row, typed rows as a view, and the
records of intervals, comparisons and judged checks."""

from typing import TYPE_CHECKING, Any

from .ci_settings import CiSettings
from .evaluation import SCHEMA_VERSION, EvaluationResult
from .frame import Frame, LossColumn

if TYPE_CHECKING:
    from .rows import (
        Comparison,
        ComparisonSummary,
        Interval,
        Outcome,
        ResultRow,
        describe,
    )

# The typed rows and records (.rows): a plain run builds none, so they load on first use.
_ROWS = (
    "Comparison",
    "ComparisonSummary",
    "Interval",
    "Outcome",
    "ResultRow",
    "describe",
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


def __getattr__(name: str) -> Any:
    if name not in _ROWS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import rows

    return getattr(rows, name)
