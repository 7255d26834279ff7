"""Which rows a person sees and how: ordered by a loss, the worst few, a screenful; the
models side by side or stacked; which of the result's tables is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..render.formats import TABLES, OutputFormat, writes_table

DELTA = "delta:"  # --sort-by delta:LOSS orders groups by the difference from the reference


def view_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--sort-by",
                metavar="LOSS",
                help="Order each file and model's group rows by LOSS, worst first (the "
                "highest MSE, the lowest R²); the overall row stays last. delta:LOSS orders "
                "them by the difference from the reference model (--compare), worst first.",
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
            click.option(
                "--layout",
                type=click.Choice(["wide", "long"]),
                default=None,
                help="Table and markdown: wide puts the models side by side, a column per "
                "model under each loss, the best marked (the default for 2-6 models); long "
                "stacks them, one row per model and group. CSV, TSV and JSON do not change.",
            ),
            click.option(
                "--table",
                "table",
                type=click.Choice(list(TABLES)),
                default="rows",
                show_default=True,
                help="Which table to write: "
                + "; ".join(f"{t.name}: {t.help}" for t in TABLES.values())
                + ". Every format writes each of them.",
            ),
        ]
    ):
        f = option(f)
    return f


def sorted_loss(sort_by: str | None) -> list[str]:
    """The loss --sort-by names (computed even if -m leaves it out): none or one."""
    if not sort_by:
        return []
    return [sort_by[len(DELTA) :] if sort_by.startswith(DELTA) else sort_by]


def check_view_usage(
    table: str, fmt: OutputFormat, *, compare: bool | str, sort_by: str | None
) -> None:
    """Usage errors of the view's options, before anything is read."""
    needs = TABLES[table].needs
    if needs == "--compare" and not compare:
        raise click.UsageError(
            f"--table {table} needs --compare (or --reference NAME): it has one row per "
            "comparison with the reference model"
        )
    if not writes_table(fmt, table):
        raise click.UsageError(f"-f {fmt.name} writes --table rows only, not --table {table}")
    if sort_by and sort_by.startswith(DELTA) and not compare:
        raise click.UsageError(
            f"--sort-by {sort_by} orders groups by the difference from the reference model: "
            "add --compare (or --reference NAME)"
        )
