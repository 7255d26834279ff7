"""Quantile forecasts: ``--quantiles [NAME:]COL=LEVEL[,COL=LEVEL…]`` makes one model of
several columns, each the forecast's quantile at its level (strictly between 0 and 1).

The model is named NAME where the spec gives one (``--quantiles 'gbm:q10=0.1,q90=0.9'``),
else after its columns' shared prefix cut at a separator, without it (``sales_q10``,
``sales_q90`` → ``sales``), else by its columns as written (``q10,q90``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import UsageError
from .classes import SEPARATORS, shared_prefix

EXAMPLE = "e.g. --quantiles q10=0.1,q50=0.5,q90=0.9, or 'name:q10=0.1,q90=0.9'"


@dataclass(frozen=True)
class QuantileSpec:
    """One quantile model as ``--quantiles`` names it: its columns and their levels."""

    text: str
    name: str  # "" where the spec gives none
    columns: tuple[str, ...]
    levels: tuple[float, ...]

    @property
    def model_name(self) -> str:
        if self.name:
            return self.name
        prefix = shared_prefix(self.columns)
        if prefix and prefix[-1] in SEPARATORS and prefix.rstrip(SEPARATORS):
            return prefix.rstrip(SEPARATORS)
        return ",".join(self.columns)


def parse_quantiles(texts: Sequence[str]) -> tuple[QuantileSpec, ...]:
    """Each ``--quantiles`` text read and checked (levels in (0, 1), no column or level
    twice); a bad one is a usage error naming it."""
    return tuple(_parse(text) for text in texts)


def _parse(text: str) -> QuantileSpec:
    name, colon, rest = text.partition(":")
    if not colon or "=" in name:  # no name: the ':' (if any) is not before the first '='
        name, rest = "", text
    pairs = [part.strip() for part in rest.split(",") if part.strip()]
    columns: list[str] = []
    levels: list[float] = []
    for pair in pairs:
        column, equals, level = (p.strip() for p in pair.rpartition("="))
        if not equals or not column:
            raise UsageError(
                f"--quantiles {text!r}: cannot read {pair!r}; write COL=LEVEL ({EXAMPLE})"
            )
        columns.append(column)
        levels.append(_level(text, column, level))
    if len(pairs) < 2:
        raise UsageError(
            f"--quantiles {text!r}: a quantile forecast has two or more columns, each at its "
            f"level ({EXAMPLE}); score one quantile column with -p COL -m pinball:q=LEVEL"
        )
    for what, values in (("column", columns), ("level", levels)):
        twice = [v for i, v in enumerate(values) if v in values[:i]]
        if twice:
            raise UsageError(f"--quantiles {text!r}: the {what} {twice[0]!r} is named twice")
    return QuantileSpec(text, name.strip(), tuple(columns), tuple(levels))


def _level(text: str, column: str, level: str) -> float:
    try:
        value = float(level)
    except ValueError:
        value = math.nan
    if not 0 < value < 1:
        raise UsageError(
            f"--quantiles {text!r}: the level of {column!r} is {level!r}; a level is a number "
            "strictly between 0 and 1 (0.1 for the 10% quantile)"
        )
    return value
