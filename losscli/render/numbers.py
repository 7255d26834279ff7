"""Numbers as the table and markdown show them: significant digits, one notation per column.

Only the human-facing formats round numbers; CSV and JSON keep full precision.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

FIXED, SCIENTIFIC = "fixed", "scientific"
WHOLE_DIGITS = 3  # a fixed-point column shows up to ``digits`` + 3 digits before the point


def column_notation(values: Iterable[float], digits: int) -> str:
    """One notation for a column, from its range: fixed-point when every value, rounded to
    ``digits``, lies in [1e-4, 10**(digits + 3)) (or is 0), else scientific for every
    value, so that a column never mixes ``1.9003e+05`` with ``27404``: it shows ``190030``
    above ``27404`` and ``354.83``, and ``1.2346e+09`` above ``2.7404e+04``."""
    magnitudes = [abs(v) for v in values if v and math.isfinite(v)]
    if not magnitudes:
        return FIXED
    exponents = (_exponent(extreme, digits) for extreme in (min(magnitudes), max(magnitudes)))
    return FIXED if all(-4 <= e < digits + WHOLE_DIGITS for e in exponents) else SCIENTIFIC


def _exponent(value: float, digits: int) -> int:
    """The decimal exponent of ``value`` rounded to ``digits`` significant digits."""
    return int(f"{value:.{max(digits, 1) - 1}e}".partition("e")[2])


def format_number(value: float, digits: int, *, notation: str | None = None) -> str:
    """``digits`` significant digits, rounded; scientific below 1e-4 and from 10**digits on,
    or wherever ``notation`` is ``SCIENTIFIC``; a ``FIXED`` column's values from
    10**digits on are whole numbers rounded to ``digits`` (see ``column_notation``).

    As printf's ``%#g`` without a bare trailing point: 0.99999999 at 5 digits is
    1.0000 (a rounding: more digits with a higher precision), 2.5e22 is 2.5000e+22.
    """
    if value == 0:
        return "0"  # and never -0
    if notation == SCIENTIFIC and math.isfinite(value):
        return f"{value:.{max(digits, 1) - 1}e}"
    if notation == FIXED and math.isfinite(value) and _exponent(abs(value), digits) >= digits:
        return f"{round(value, digits - 1 - _exponent(abs(value), digits)):.0f}"  # 190030
    mantissa, e, exponent = f"{value:#.{digits}g}".partition("e")
    return mantissa.rstrip(".") + e + exponent


def format_change(value: float, before: float, percent: float | None, digits: int) -> str:
    """The change to the resolution the two values are shown with; below it, 0.

    ``+0.02563 (+21.0%)`` beside 0.14768 and 0.12205; float noise such as +1e-14
    shows as ``0 (0%)``, never as ``-0.0%``.
    """
    scale = max(abs(value), abs(before))
    if not math.isfinite(scale) or not math.isfinite(value - before):
        return f"{value - before:+}"
    last_place = math.floor(math.log10(scale)) - digits + 1 if scale else 0
    rounded = round(value - before, -last_place)
    if rounded == 0:
        return "0" if percent is None else "0 (0%)"
    shown_digits = math.floor(math.log10(abs(rounded))) - last_place + 1
    shown = ("+" if rounded > 0 else "") + format_number(rounded, max(shown_digits, 1))
    return shown if percent is None else f"{shown} ({_format_percent(percent)}%)"


def _format_percent(percent: float) -> str:
    if abs(percent) >= 0.1:
        return f"{percent:+.1f}"
    return ("+" if percent > 0 else "") + format_number(percent, 2)


def format_signed(value: float, digits: int) -> str:
    return ("+" if value > 0 else "") + format_number(value, digits)
