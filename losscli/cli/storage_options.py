"""``--storage-option KEY=VALUE``: what reaching a store takes beyond its environment variables.

Repeatable (a config file's ``storage-option`` key takes a list); each value is typed
(true/false, numbers, JSON) and a dotted key sets a nested option
(``client_kwargs.region_name=eu-west-1``). The options reach every URL the run reads or
writes: inputs, ``--baseline`` and ``-o``. Nothing store-related is imported unless the
option is given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

PARAM = "storage_options"


def _parsed(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict[str, Any]:
    items = [item for item in value or () if item != ""]
    if not items or ctx.resilient_parsing:
        return {}
    from ..errors import UsageError
    from ..reading.stores import storage_options

    try:
        return storage_options(items)
    except UsageError as exc:
        raise click.BadParameter(str(exc)) from None


def storage_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--storage-option`` option of ``losscli evaluate``."""
    return click.option(
        "--storage-option",
        PARAM,
        metavar="KEY=VALUE",
        multiple=True,
        callback=_parsed,
        help="An option of the object store (s3fs, gcsfs, adlfs) for s3://, gs://, az:// "
        "and https:// inputs, --baseline and -o, e.g. anon=true, endpoint_url=URL; repeatable.",
    )(f)


def current_storage_options() -> dict[str, Any]:
    """The run's storage options (none outside a command)."""
    ctx = click.get_current_context(silent=True)
    return dict(ctx.params.get(PARAM) or {}) if ctx is not None else {}
