"""``--quantiles``: quantile forecasts, each one model of several columns at their levels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from .options import _unset_if_empty


def quantile_options(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--quantiles",
        metavar="[NAME:]COL=LEVEL,…|GLOB",
        multiple=True,
        callback=_unset_if_empty,
        help="A quantile forecast: its columns, each at its level in (0, 1), one model "
        "('q10=0.1,q50=0.5,q90=0.9'; 'gbm:q10=0.1,…' names it, else its columns' shared "
        "prefix does), or a glob whose columns' names end with their levels ('sales_q*': "
        "_q10 = 0.1, _q2.5 = 0.025; 'model-*': -lo-80 = 0.1, -hi-80 = 0.9); repeat for "
        "several. Its rows carry pinball:q=LEVEL per column, "
        "mqloss, and coverage and interval_score of its widest central interval.",
    )(f)
