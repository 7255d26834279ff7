"""Rendering a result: the rich table, CSV, TSV, JSON and markdown. Nothing here computes."""

from .text import TEXT_FORMATS

__all__ = ["TEXT_FORMATS"]
