"""``--period COL:FREQ`` and how it cuts time (``--period-origin``, ``--tz``,
``--time-unit``): rows per period (and group), checked in :mod:`losscli.engine.period_spec`.
Config keys alike (``period``, ``period-origin``, ``tz``, ``time-unit``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def period_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--period",
                metavar="COL:FREQ",
                help="A row per period of the time column COL (and per group with -g), in "
                "time order, with rollups: FREQ h, D, W (ISO weeks from Monday), M, Q, Y "
                "(cut in --tz local time), or a fixed length (7d, 6h, 15min; absolute time "
                "from --period-origin). COL: dates, timestamps, ISO 8601 text, or epoch "
                "numbers with --time-unit.",
            ),
            click.option(
                "--period-origin",
                metavar="TIME",
                help="Where fixed-length periods are counted from: an ISO 8601 wall time "
                "in --tz.  [default: 1970-01-01T00:00]",
            ),
            click.option(
                "--tz",
                metavar="ZONE",
                help="The IANA time zone periods are cut and shown in; times without a "
                "zone are taken to be in it.  [default: UTC]",
            ),
            click.option(
                "--time-unit",
                type=click.Choice(["s", "ms", "us", "ns"]),
                help="What epoch numbers in the --period column count (since 1970-01-01 UTC).",
            ),
        ]
    ):
        f = option(f)
    return f
