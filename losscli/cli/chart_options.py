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
    loss) and ``no_chart``. --chart with --no-chart is a usage error, unless a config file
    gave one of them and the command line the other, which then wins; --chart for a format
    not for people (CSV, JSON, Parquet) is a warning."""
    chart, no_chart = options.pop("chart"), options.pop("no_chart")
    if chart is not None and no_chart:
        chart, no_chart = _one_of(chart)
    if chart is None:
        return {"chart": None, "no_chart": no_chart}
    if not fmt.human and not quiet:
        say("warning", f"--chart: {fmt.title} has no chart; the table and markdown draw one")
    return {"chart": "" if chart == FIRST else chart, "no_chart": False}


def _one_of(chart: str) -> tuple[str | None, bool]:
    """(chart, no_chart) where both were given: the command line's over a config file's."""
    from click.core import ParameterSource

    from ..errors import UsageError

    ctx = click.get_current_context()
    typed = (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
    chart_typed = ctx.get_parameter_source("chart") in typed
    if chart_typed != (ctx.get_parameter_source("no_chart") in typed):
        return (chart, False) if chart_typed else (None, True)
    from .config import SOURCE

    where = "" if chart_typed else f" (both in {ctx.meta.get(SOURCE, ('the config file',))[0]})"
    raise UsageError(
        f"--chart draws a chart and --no-chart leaves the charts out{where}: give one of them"
    )
