"""Where ``losscli evaluate`` computes: ``--engine local|dask`` and the Dask cluster's
options (``--scheduler``, ``--workers``, ``--connect-timeout``). Config keys alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def engine_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--engine",
                type=click.Choice(["local", "dask"]),
                default="local",
                show_default=True,
                help="local: this process's threads; dask: a Dask cluster (pip install "
                "'losscli[dask]'), with the same numbers.",
            ),
            click.option(
                "--scheduler",
                metavar="ADDRESS",
                envvar="DASK_SCHEDULER_ADDRESS",
                help="The Dask scheduler of --engine dask (tcp://host:8786; default "
                "$DASK_SCHEDULER_ADDRESS, else a cluster started on this machine).",
            ),
            click.option(
                "--workers",
                type=click.IntRange(min=1),
                help="Worker processes of the cluster --engine dask starts without "
                "--scheduler (default: the machine's cores).",
            ),
            click.option(
                "--connect-timeout",
                metavar="SECONDS",
                type=click.FloatRange(min=0, min_open=True),
                default=10.0,
                show_default=True,
                help="How long --engine dask waits for the scheduler (exit 4 after).",
            ),
        ]
    ):
        f = option(f)
    return f
