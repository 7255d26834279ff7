"""The options that bring in code and defaults: ``--plugin``, ``--config``, ``--no-config``.

All eager, so that plugins and a config file's defaults are in place before the other
options are checked; none acts for shell completion (click parses the command line
then too, with ``resilient_parsing``), which needs neither.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from click.core import ParameterSource


def _load_plugins(
    ctx: click.Context, param: click.Parameter, paths: tuple[str, ...]
) -> tuple[str, ...]:
    """Eager: run each plugin file named on the command line before the loss names are
    checked; they replace a config's (``--plugin ''``: none), which wait until a loss name
    needs them (``config``). Never for shell completion."""
    source = ctx.get_parameter_source(str(param.name))
    if ctx.resilient_parsing or source is not ParameterSource.COMMANDLINE:
        return paths
    from ..plugins import load_file
    from .config_plugins import forget_plugins, remember_plugin_files

    forget_plugins()
    remember_plugin_files(ctx, paths)
    for path in filter(None, paths):
        load_file(path)
    return paths


plugin_option = click.option(
    "--plugin",
    "--plugins",
    "plugins",
    metavar="PATH.py",
    multiple=True,
    is_eager=True,
    expose_value=False,
    callback=_load_plugins,
    type=click.Path(dir_okay=False),
    help="Load losses from this Python file (it runs, like a conftest.py). "
    "Repeatable; config key: plugins.",
)


def _load_config(ctx: click.Context, param: click.Parameter, path: str | None) -> str | None:
    """Eager: install the config file's values as defaults before other options resolve
    (not for shell completion, which needs none of them)."""
    if ctx.resilient_parsing:
        return path
    from . import config

    config.install(ctx, path)
    return path


def _load_config_plugins(
    ctx: click.Context, param: click.Parameter, path: str | None
) -> str | None:
    """Eager, for ``losscli losses``: the config file's plugins, listed with the rest."""
    if ctx.resilient_parsing:
        return path
    from . import config

    config.install_plugins(ctx, path)
    return path


def _no_config(ctx: click.Context, param: click.Parameter, ignore: bool) -> bool:
    """Eager: forget a config file installed already, and keep one from being installed."""
    from . import config

    if ignore:
        config.ignore(ctx)
    return ignore


config_option = click.option(
    "--config",
    metavar="FILE",
    is_eager=True,
    expose_value=False,
    callback=_load_config,
    help="Defaults for the options (default: losscli.toml, or [tool.losscli] "
    "in pyproject.toml, here or in a parent up to the repository root or your home).",
)
no_config_option = click.option(
    "--no-config",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_no_config,
    help="Ignore config files.",
)


def losses_config_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--config``/``--no-config`` of ``losscli losses``: only the config's plugins count."""
    for option in (
        plugin_option,
        no_config_option,
        click.option(
            "--config",
            metavar="FILE",
            is_eager=True,
            expose_value=False,
            callback=_load_config_plugins,
            help="List the losses of this config file's plugins too (default: the config "
            "file losscli evaluate would find).",
        ),
    ):
        f = option(f)
    return f
