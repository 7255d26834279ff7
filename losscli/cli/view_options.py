"""Which rows a person sees: ordered by a loss, the worst few, a screenful."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def view_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--sort-by",
                metavar="LOSS",
                help="Order each file and model's group rows by LOSS, worst first (the "
                "highest MSE, the lowest R²); the overall row stays last.",
            ),
            click.option(
                "--top",
                type=int,
                metavar="N",
                help="Show only the N worst groups by --sort-by (default: the first loss); "
                "-N: the N best. Checks still judge every group.",
            ),
            click.option(
                "--max-rows",
                type=click.IntRange(min=0),
                metavar="N",
                help="Table and markdown: at most N group rows per file and model (default: "
                "a screenful on a terminal, else 50; 0: all). CSV, TSV and JSON carry every row.",
            ),
        ]
    ):
        f = option(f)
    return f
