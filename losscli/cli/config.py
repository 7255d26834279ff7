"""Defaults for ``losscli evaluate`` from a config file, so a repository keeps its gate by its code.

Looked up in order: ``--config FILE``, ``losscli.toml`` in the working directory
(keys at the top level), or ``pyproject.toml``'s ``[tool.losscli]`` table. Keys are
the long option names (``group-by`` or ``group_by``); repeatable options take lists.
An option given on the command line replaces the config's value for it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

LOCAL_FILE = "losscli.toml"
PYPROJECT = "pyproject.toml"


def find_config(explicit: str | None) -> tuple[str, dict[str, Any]] | None:
    """The config file in force and its table of options, or None."""
    if explicit is not None:
        return explicit, _read(explicit, table=None)
    if os.path.isfile(LOCAL_FILE):
        return LOCAL_FILE, _read(LOCAL_FILE, table=None)
    if os.path.isfile(PYPROJECT):
        table = _read(PYPROJECT, table=("tool", "losscli"))
        return (PYPROJECT, table) if table else None
    return None


def _read(path: str, table: tuple[str, ...] | None) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise click.UsageError(f"cannot read the config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise click.UsageError(f"{path} is not valid TOML: {exc}") from exc
    for name in table or ():
        document = document.get(name, {})
    return document


def default_map(ctx: click.Context, path: str, table: dict[str, Any]) -> dict[str, Any]:
    """Config values as click defaults, checked against the command's options."""
    options = _options_by_key(ctx.command)
    defaults: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("_", "-")
        option = options.get(name)
        if option is None or option.name is None:
            known = ", ".join(sorted(options))
            raise click.UsageError(
                f"{path}: unknown key {key!r}; the keys are the long option "
                f"names of losscli evaluate: {known}"
            )
        if option.multiple and isinstance(value, str):
            value = [value]
        if option.multiple != isinstance(value, list):
            kind = "a list" if option.multiple else "a single value, not a list"
            raise click.UsageError(f"{path}: key {key!r} takes {kind}")
        try:
            option.process_value(ctx, value)  # its type and its callback, as on the command line
        except click.BadParameter as exc:
            raise click.UsageError(f"{path}: bad value for key {key!r}: {exc.message}") from exc
        if f"--{name}" in option.secondary_opts:  # no-progress = true means progress = false
            value = not value
        defaults[option.name] = value
    return defaults


def _options_by_key(command: click.Command) -> dict[str, click.Option]:
    """Options by long name without dashes (``group-by``), leaving out --config and --help."""
    found = {}
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in param.opts + param.secondary_opts:
                if opt.startswith("--") and opt not in ("--config", "--help"):
                    found[opt[2:]] = param
    return found
