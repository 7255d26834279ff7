"""Quantile forecasts: ``--quantiles [NAME:]COL=LEVEL[,COL=LEVEL…]`` makes one model of
several columns, each the forecast's quantile at its level (strictly between 0 and 1).

``--quantiles [NAME:]GLOB`` (``'sales_q*'``) takes the columns the glob matches in the
first input (in its order), each at the level its name ends with (:func:`name_level`):
``q`` or ``p`` and a percentage of one or two digits with an optional decimal part
(``sales_q10`` 0.1, ``sales_p2.5`` 0.025, ``sales_q97.5`` 0.975), or utilsforecast's
interval bounds ``-lo-X``/``-hi-X``, the X% central interval's (``model-lo-80`` 0.1,
``model-hi-80`` 0.9); a name that reads as neither is refused, as are the ambiguous ones
(``q975``: 97.5%?, ``q0.5``: 0.5 or 0.5%?).

The model is named NAME where the spec gives one (``--quantiles 'gbm:q10=0.1,q90=0.9'``),
else after its columns' shared prefix cut at a separator, without it (``sales_q10``,
``sales_q90`` → ``sales``), else by its columns as written (``q10,q90``).
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from ..errors import UsageError
from ..records import datarecord
from .classes import SEPARATORS, shared_prefix

EXAMPLE = "e.g. --quantiles q10=0.1,q50=0.5,q90=0.9, or 'name:q10=0.1,q90=0.9'"
GLOB = "*?["
# a level in a column's name, after a separator (or at the start): q10, p2.5, -lo-80, -hi-95
PERCENT = re.compile(r"(?:^|[_\-. ])[qp](\d+(?:\.\d+)?)$")
BOUND = re.compile(r"-(lo|hi)-(\d+(?:\.\d+)?)$")
NAME_PATTERN = (
    "a name ending in q or p and a percentage of one or two digits and an optional decimal "
    "part, not 0.x (_q10 = 0.1, _q05 = 0.05, _q2.5 = 0.025, _q97.5 = 0.975), or in "
    "-lo-X/-hi-X, the bounds of the X% central interval (-lo-80 = 0.1, -hi-80 = 0.9)"
)


@datarecord(frozen=True)
class QuantileSpec:
    """One quantile model as ``--quantiles`` names it: its columns and their levels."""

    text: str
    name: str  # "" where the spec gives none
    columns: tuple[str, ...]
    levels: tuple[float, ...]
    pattern: str = ""  # a glob of columns whose names give their levels (until matched)

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
    if "=" not in rest and any(ch in rest for ch in GLOB):
        return QuantileSpec(text, name.strip(), (), (), pattern=rest.strip())
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
    _once(text, "column", columns)
    _once(text, "level", levels)
    return QuantileSpec(text, name.strip(), tuple(columns), tuple(levels))


def _once(text: str, what: str, values: Sequence[object]) -> None:
    """A column or level named twice in one spec is a usage error naming it."""
    twice = [v for i, v in enumerate(values) if v in values[:i]]
    if twice:
        raise UsageError(f"--quantiles {text!r}: the {what} {twice[0]!r} is named twice")


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


def matched(specs: Sequence[QuantileSpec], columns: Sequence[str]) -> tuple[QuantileSpec, ...]:
    """The specs with each glob's columns (those of ``columns`` it matches, in their order)
    and their levels read from their names (:func:`name_level`); a glob that matches
    nothing, or a column whose name gives no level, is a usage error naming it."""
    return tuple(_matched(spec, columns) if spec.pattern else spec for spec in specs)


def _matched(spec: QuantileSpec, columns: Sequence[str]) -> QuantileSpec:
    found = [c for c in columns if fnmatch.fnmatchcase(c, spec.pattern)]
    if not found:
        shown = ", ".join(map(repr, columns[:20])) + (", …" if len(columns) > 20 else "")
        raise UsageError(
            f"--quantiles {spec.text!r}: no column matches {spec.pattern!r}. The first "
            f"input's columns are: {shown}"
        )
    if len(found) < 2:
        raise UsageError(
            f"--quantiles {spec.text!r} matches only {found[0]!r}: a quantile forecast has "
            "two or more columns; score one with -p COL -m pinball:q=LEVEL"
        )
    levels = tuple(name_level(spec.text, column) for column in found)
    _once(spec.text, "level", levels)
    return replace(spec, columns=tuple(found), levels=levels, pattern="")


def name_level(text: str, column: str) -> float:
    """The level a quantile column's name ends with (:data:`NAME_PATTERN`)."""
    percent = PERCENT.search(column)
    bound = BOUND.search(column)
    whole, point, _ = percent.group(1).partition(".") if percent else ("", "", "")
    if percent and len(whole) <= 2 and not (point and whole == "0"):  # q0.5: 0.5 or 0.5%?
        value = Decimal(percent.group(1)) / 100
    elif bound:
        width = Decimal(bound.group(2)) / 100  # the central interval's share
        value = (1 - width) / 2 if bound.group(1) == "lo" else (1 + width) / 2
    else:
        raise UsageError(
            f"--quantiles {text!r}: the column {column!r} names no level; a glob takes "
            f"{NAME_PATTERN} (else name each: COL=LEVEL,…)"
        )
    if not 0 < value < 1:
        raise UsageError(
            f"--quantiles {text!r}: the column {column!r} names the level {float(value):g}; "
            "a level lies strictly between 0 and 1"
        )
    return float(value)
