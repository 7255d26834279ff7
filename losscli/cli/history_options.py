"""``--history FILE`` and what the scaled errors (``mase``, ``rmsse``) read of it:
``--series``, ``--series-weight``, ``--time-col`` (checked in
:func:`losscli.engine.series_plan.series_run`). Config keys alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def history_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--history",
                metavar="FILE",
                help="The series' past values (a path, glob, dataset or URL, with the -l "
                "column, the series columns and a time column) that mase and rmsse scale "
                "each series' errors by.",
            ),
            click.option(
                "--series",
                metavar="COLS",
                multiple=True,
                help="The columns that identify a series (a comma list, repeatable) for mase "
                "and rmsse: rows report the mean over their series.  [default: the -g "
                "columns; with neither, the whole input is one series]",
            ),
            click.option(
                "--series-weight",
                metavar="COL",
                help="A column constant within each series that weights the mean over "
                "series of mase and rmsse (M5's WRMSSE style).  [default: equal weights]",
            ),
            click.option(
                "--time-col",
                metavar="COL",
                help="The --history column that orders each series' values.  [default: "
                "--period's column]",
            ),
        ]
    ):
        f = option(f)
    return f
