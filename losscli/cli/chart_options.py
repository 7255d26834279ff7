"""The chart options of ``losscli evaluate``: ``--chart [LOSS]`` and ``--no-chart``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from .messages import say

FIRST = "(first)"  # --chart without a loss: the first loss shown (no loss has this name)


def _chart_loss(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--chart [LOSS]: a loss's name (a file name is never taken for one); empty: unset."""
    if ctx.resilient_parsing or value in (None, "", FIRST):
        return value or None
    import os

    from ..errors import UsageError
    from ..losses import get_loss

    hint = "--chart takes a loss: write '--chart=mse', or put --chart after the files"
    if os.sep in value or os.path.exists(value):
        raise click.BadParameter(f"{value!r} is not a loss; {hint}")
    try:
        return get_loss(value).name
    except UsageError as exc:
        raise click.BadParameter(f"{exc}; {hint}") from None


def chart_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--chart",
                metavar="[LOSS]",
                is_flag=False,
                flag_value=FIRST,
                default=None,
                callback=_chart_loss,
                help="After the table, a bar chart of LOSS per group, one bar per model "
                "(default: the first loss; with --compare, a forest plot of the "
                "differences); write --chart=LOSS, or put it after the files. In "
                "markdown: the Mermaid charts of LOSS only.",
            ),
            click.option(
                "--no-chart",
                is_flag=True,
                default=False,
                help="No chart: markdown without its Mermaid charts (one per loss and model).",
            ),
        ]
    ):
        f = option(f)
    return f


def chart_view(options: dict[str, Any], fmt: Any, *, quiet: bool) -> dict[str, Any]:
    """Take the chart options out of ``options``: the display's ``chart`` ("" : the first
    loss) and ``no_chart``. --no-chart wins over --chart; --chart for a format not for
    people (CSV, JSON, Parquet) is a warning."""
    chart, no_chart = options.pop("chart"), options.pop("no_chart")
    if no_chart or chart is None:
        return {"chart": None, "no_chart": no_chart}
    if not fmt.human and not quiet:
        say("warning", f"--chart: {fmt.title} has no chart; the table and markdown draw one")
    return {"chart": "" if chart == FIRST else chart, "no_chart": False}
