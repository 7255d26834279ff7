"""``--drift`` and its settings (``--drift-reference``, ``--drift-reference-periods``,
``--drift-min-periods``, ``--fail-on-drift``): each period against its group's reference
window, checked in :mod:`losscli.engine.drift_spec`. Config keys alike (``drift``,
``drift-reference``, ``drift-reference-periods``, ``drift-min-periods``, ``fail-on-drift``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def drift_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--drift",
                is_flag=True,
                default=False,
                help="With --period: judge each period of every group (and of all groups) "
                "against its reference window, per loss with a better side: a mark on "
                "worse periods and the period the loss drifted from.",
            ),
            click.option(
                "--drift-reference",
                metavar="START..END",
                help="The reference window: the periods starting between two ISO 8601 "
                "dates or times in --tz (a date END takes in its whole day).",
            ),
            click.option(
                "--drift-reference-periods",
                type=int,
                metavar="N",
                help="The reference window: each group's first N periods.  [default: 4]",
            ),
            click.option(
                "--drift-min-periods",
                type=int,
                metavar="K",
                help="The onset is the first of K consecutive worse periods.  [default: 2]",
            ),
            click.option(
                "--fail-on-drift",
                is_flag=True,
                default=False,
                help="Exit 1 where a loss drifted (implies --drift).",
            ),
        ]
    ):
        f = option(f)
    return f


def check_drift_usage(table: str, options: dict[str, Any]) -> None:
    """``--table drift`` without ``--drift`` is a usage error, before anything is read."""
    if table == "drift" and not (options["drift"] or options["fail_on_drift"]):
        raise click.UsageError(
            "--table drift needs --drift (and --period): it has one row per file, model, "
            "group and loss judged"
        )


def drift_nowhere(fmt: Any, options: dict[str, Any], table: str) -> str:
    """A warning where ``fmt`` (an ``OutputFormat``) writing the rows has no place for
    --drift's verdicts."""
    asked = options["drift"] or options["fail_on_drift"]
    if not asked or fmt.name in ("table", "markdown", "json") or table == "drift":
        return ""
    return (
        f"{fmt.title} has no place for --drift's verdicts: --table drift writes them, "
        "-f json, the table and markdown show them"
    )
