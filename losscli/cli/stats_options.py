"""The interval and comparison options of ``losscli evaluate`` (``--ci``, ``--compare``, …)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from .options import _or_unset_if_empty

MAX_SEED = 2**64 - 1  # the bootstrap's counter-based generator keys on the seed as uint64


class BadLevel(click.BadParameter):
    """A --ci value that is no level; ``in_config`` says so for a config file's ``ci`` key."""

    def __init__(self, message: str, *, in_config: str) -> None:
        super().__init__(message)
        self.in_config = in_config


@_or_unset_if_empty
def _level(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """--ci [LEVEL]: 95 and 0.95 alike (the API reads a level above 1 as a percentage); a
    file name is never taken for a level."""
    if value is None:
        return None
    try:
        level = float(value)
    except ValueError:
        raise BadLevel(
            f"{value!r} is not a level; write '--ci 95 FILES' or '--ci=95', or put --ci "
            "after the files",
            in_config=f"{value!r} is not a level; write e.g. ci = 95 (or ci = true for 95)",
        ) from None
    if not (0 < level < 1 or 1 < level < 100):
        raise click.BadParameter(
            f"{value}: a level lies between 0 and 1 (0.95) or 1 and 100 (95), ends excluded"
        )
    return level


def _size(ctx: click.Context, param: click.Parameter, value: str) -> int:
    """--max-memory SIZE: 512M, 2G, 2GiB (binary units) or bytes."""
    from ..engine.budget import parse_size

    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def stats_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--ci",
                metavar="[LEVEL]",
                is_flag=False,
                flag_value="95",
                default=None,
                callback=_level,
                help="An interval on every value, at LEVEL percent (default 95; 0.9 or 90).",
            ),
            click.option(
                "--ci-method",
                type=click.Choice(["normal", "bootstrap"]),
                default="normal",
                show_default=True,
                help="normal: from streamed moments (t, delta method, Wilson); bootstrap: "
                "a streamed Poisson bootstrap.",
            ),
            click.option(
                "--resamples",
                type=click.IntRange(min=2),
                default=1000,
                show_default=True,
                help="Bootstrap resamples.",
            ),
            click.option(
                "--seed",
                type=click.IntRange(min=0, max=MAX_SEED),
                default=0,
                show_default=True,
                help="Bootstrap seed, 0 to 2^64 − 1; the same seed gives the same intervals "
                "for the same rows.",
            ),
            click.option(
                "--block-rows",
                type=click.IntRange(min=1),
                default=1,
                show_default=True,
                help="Resample blocks of this many consecutive rows (time-ordered errors).",
            ),
            click.option(
                "--compare/--no-compare",
                default=False,
                help="Paired differences of every model against the reference model "
                "(the first, or --reference), with intervals and p-values.",
            ),
            click.option("--reference", metavar="NAME", help="The reference model of --compare."),
            click.option(
                "--threads",
                type=click.IntRange(min=1),
                help="Threads, N (default: the machine's cores): one reads while N-1 "
                "compute chunks (at least one; all N under the bootstrap, which computes "
                "far more than it reads; several files or shards are read ahead by up to "
                "N; a large CSV or JSON result is formatted on up to N, at most 4); values "
                "do not depend on it.",
            ),
            click.option(
                "--max-memory",
                metavar="SIZE",
                default="2GiB",
                show_default=True,
                callback=_size,
                help="What losscli may hold of what it counts: the bootstrap's sums, rank "
                "tables (512M, 2G, 2GiB); a run that would pass it stops (exit 4), naming "
                "what lowers it.",
            ),
            click.option(
                "--adjust",
                type=click.Choice(["holm", "bh"]),
                default="holm",
                show_default=True,
                help="Adjust p-values across groups (Holm, Benjamini–Hochberg) when counting "
                "groups where a model is better or worse, and when an interval gate "
                "(delta: checks, --max-regression with --ci) judges group rows.",
            ),
        ]
    ):
        f = option(f)
    return f


BOOTSTRAP_ONLY = ("resamples", "seed", "block_rows")


def check_interval_usage(ctx: click.Context, ci: float | None, method: str) -> None:
    """An interval option given on the command line where it has no effect is an error:
    silently ignoring ``--resamples 5000`` would leave the user believing it was used."""
    from click.core import ParameterSource

    def given(name: str) -> bool:
        return ctx.get_parameter_source(name) in (
            ParameterSource.COMMANDLINE,
            ParameterSource.ENVIRONMENT,
        )

    if ci is None and given("ci_method"):
        raise click.UsageError("--ci-method applies to intervals: add --ci")
    for name in BOOTSTRAP_ONLY:
        if given(name) and (ci is None or method != "bootstrap"):
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(
                f"{flag} applies to the bootstrap: add --ci --ci-method bootstrap"
            )
