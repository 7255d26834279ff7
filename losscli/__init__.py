"""losscli: compare losses (MSE, MAPE, cross-entropy and relatives) per file, model and group.

The Python API is :func:`evaluate`; it returns an :class:`EvaluationResult`.
Attributes load lazily so that ``losscli --version`` imports nothing heavy.
"""

from __future__ import annotations

from typing import Any

from ._version import __version__

__all__ = ["EvaluationResult", "__version__", "evaluate"]


def __getattr__(name: str) -> Any:
    if name == "evaluate":
        from .api import evaluate

        return evaluate
    if name == "EvaluationResult":
        from .result import EvaluationResult

        return EvaluationResult
    raise AttributeError(f"module 'losscli' has no attribute {name!r}")
