"""Markdown's charts: Mermaid ``xychart-beta`` blocks, which GitHub renders in job summaries,
pull-request comments and README files.

An xychart draws several bar series stacked on one another with no legend, so each chart
has one series: one chart per model (the reference first), titled with its name, all of
a loss's charts on one scale. Bars run from the axis's lower end, so the scale starts at 0
(or below, at the lowest value). A group whose value is missing has no bar in that
model's chart, and a line below says so.

Text from the data (group values, model and file names) is shown literally: escaped as
the table escapes it (``literal.visible``), then every character other than letters,
digits, spaces and ``-_.,/+=()`` written as Mermaid's entity code (``#35;`` for ``#``):
inside a quoted string Mermaid reads anything but ``"``, but it also reads ``#…;``
entities, ``%%`` directives and ``:`` styles anywhere in the text. Numbers are written in
positional notation (Mermaid reads no exponent), with every digit of the value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..literal import is_unicode, markdown, visible
from .data import BarChart, finite

SAFE = frozenset(" -_.,/+=()")  # besides letters and digits: shown as they are


def quoted(text: str, charset: str | None = None) -> str:
    """``text`` as a Mermaid string: in quotes, every character other than ``SAFE`` ones,
    and letters and digits ``charset`` holds, as an entity code, after
    ``literal.visible`` (a newline shows as ``\\n``)."""
    shown = visible(text) or '""'  # Mermaid reads no empty string: an empty one shows as ""
    return '"' + "".join(ch if _plain(ch, charset) else f"#{ord(ch)};" for ch in shown) + '"'


def _plain(ch: str, charset: str | None) -> bool:
    """Whether ``ch`` is written as itself: a safe mark, or a letter or digit the
    output's character set holds."""
    if ch in SAFE:
        return True
    return ch.isalnum() and (ch.isascii() or is_unicode(charset))


def number(value: float) -> str:
    """``value`` as Mermaid reads a number: positional, every digit (``repr``'s shortest)."""
    return np.format_float_positional(value, trim="-")


def xychart(
    title: str,
    axis: str,
    loss: str,
    bars: Sequence[tuple[str, float]],
    *,
    top: float,
    bottom: float = 0.0,
    charset: str | None = None,
) -> str:
    """One horizontal xychart: a bar per (label, value), the value axis from ``bottom`` to
    ``top``; its text in characters ``charset`` holds (None: any)."""
    categories = ", ".join(quoted(label, charset) for label, _ in bars)
    values = ", ".join(number(value) for _, value in bars)
    return (
        "xychart-beta horizontal\n"
        f"    title {quoted(title, charset)}\n"
        f"    x-axis {quoted(axis, charset)} [{categories}]\n"
        f"    y-axis {quoted(loss, charset)} {number(bottom)} --> {number(top)}\n"
        f"    bar [{values}]\n"
    )


def chart_blocks(
    chart: BarChart, group_by: Sequence[str], *, several_files: bool, charset: str | None = None
) -> list[str]:
    """The chart's Mermaid text (a ```` ```mermaid ```` block each): with groups, one per
    model, the reference first; without, one with a bar per model (none for one model).
    Then a markdown line per model with missing values, and on the groups left out."""
    values = finite([bar.value for category in chart.categories for bar in category.bars])
    if not values or (not chart.groups and len(chart.models) < 2):
        return []
    top, bottom = max([*values, 0.0]), min([*values, 0.0])
    if top == bottom:
        top = bottom + 1.0
    blocks, notes = [], []
    for title, axis, bars in _series(chart, group_by, several_files):
        drawn = [(label, value) for label, value in bars if value is not None]
        if len(drawn) < len(bars):
            notes.append(f"{title}: no value for {len(bars) - len(drawn):,} of these groups")
        if drawn:
            text = xychart(title, axis, chart.loss, drawn, top=top, bottom=bottom, charset=charset)
            blocks.append(f"```mermaid\n{text}```\n")
    if chart.more:
        notes.append(
            f"{chart.more:,} more groups not drawn: --max-rows 0 draws them all, --top N the "
            "N worst"
        )
    if notes:
        blocks.append("".join(f"_{markdown(note, charset)}_  \n" for note in notes))
    return blocks


Series = tuple[str, str, list[tuple[str, float | None]]]  # title, axis, (label, value) bars


def _series(chart: BarChart, group_by: Sequence[str], several_files: bool) -> list[Series]:
    """Each chart's title, axis and bars: per model its groups' values; without groups,
    one chart of every model's overall value."""
    where = f"{chart.file}: " if several_files else ""
    if not chart.groups:
        (overall,) = chart.categories
        return [(f"{where}{chart.loss}", "model", [(b.model, b.value) for b in overall.bars])]
    out = []
    for at, model in enumerate(chart.models):
        reference = model == chart.reference and len(chart.models) > 1
        title = f"{where}{chart.loss}: {model}" + (" (reference)" if reference else "")
        bars = [(c.label, c.bars[at].value) for c in chart.categories]
        out.append((title, ", ".join(group_by), bars))
    return out
