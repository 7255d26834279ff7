"""Rendering a result: the rich table, CSV, TSV, JSON and markdown. Nothing here computes.

``literal`` (text shown literally) needs only the standard library, so the CLI's
messages use it without importing the rest; ``TEXT_FORMATS`` is imported on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TEXT_FORMATS"]


def __getattr__(name: str) -> Any:
    if name == "TEXT_FORMATS":
        from .text import TEXT_FORMATS

        return TEXT_FORMATS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
