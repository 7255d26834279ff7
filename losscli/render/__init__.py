"""Rendering a result: the rich table, CSV, TSV, JSON and markdown. Nothing here computes."""

from .text import TEXT_FORMATS

FORMATS = ("table", *TEXT_FORMATS)

__all__ = ["FORMATS", "TEXT_FORMATS"]
