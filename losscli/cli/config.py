"""Defaults for ``losscli evaluate`` from a config file, so a repository keeps its gate by its code.

Found as ruff and pytest find theirs: ``--config FILE``, else the first of
``losscli.toml`` (keys at the top level) or ``pyproject.toml`` with a
``[tool.losscli]`` table, in the working directory or one of its parents, stopping at
the repository root (a directory holding ``.git``). ``--no-config`` ignores it.

Keys are the long option names (``group-by`` or ``group_by``); repeatable options
take lists. Paths (``baseline``, ``output``) are relative to the config file's
directory. An option given on the command line replaces the config's value; an
empty one (``--check ''``, ``--baseline ''``) removes it; flags have a ``--no-`` form.
A value that causes an error is named in the message with its key and file.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from click.core import ParameterSource

LOCAL_FILE = "losscli.toml"
PYPROJECT = "pyproject.toml"
PATH_KEYS = ("baseline", "output", "plugins")  # values relative to the config file's directory
SOURCE = "losscli.config"  # ctx.meta: (the config file in force, {option name: (key, value)})
IGNORED = "losscli.no_config"  # ctx.meta: --no-config was given


def find_config(explicit: str | None) -> tuple[str, dict[str, Any]] | None:
    """The config file in force (as a path relative to the working directory) and its table."""
    if explicit is not None:
        is_pyproject = os.path.basename(explicit) == PYPROJECT
        return explicit, _read(explicit, table=("tool", "losscli") if is_pyproject else ())
    for directory in _search_path(os.getcwd()):
        local = os.path.relpath(os.path.join(directory, LOCAL_FILE))
        if os.path.isfile(local):
            return local, _read(local, table=())
        pyproject = os.path.relpath(os.path.join(directory, PYPROJECT))
        if os.path.isfile(pyproject) and _names_losscli(pyproject):
            table = _read(pyproject, table=("tool", "losscli"))
            if table:
                return pyproject, table
    return None


def _names_losscli(pyproject: str) -> bool:
    """Whether a project file could hold a [tool.losscli] table: one that never names
    losscli is not parsed (most projects' files; parsing costs each run a few ms)."""
    try:
        with open(pyproject, "rb") as handle:
            return b"losscli" in handle.read()
    except OSError:
        return True  # reading it again reports the problem


def _search_path(start: str) -> list[str]:
    """``start`` and its parents, up to the repository root or the file system's root."""
    directories = [start]
    while not os.path.exists(os.path.join(directories[-1], ".git")):
        parent = os.path.dirname(directories[-1])
        if parent == directories[-1]:
            break
        directories.append(parent)
    return directories


def _read(path: str, table: tuple[str, ...]) -> dict[str, Any]:
    if sys.version_info >= (3, 11):  # imported here: most runs have no config file
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise click.UsageError(f"cannot read the config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise click.UsageError(f"{path} is not valid TOML: {exc}") from exc
    for name in table:
        document = document.get(name, {})
    return document


def default_map(ctx: click.Context, path: str, table: dict[str, Any]) -> dict[str, Any]:
    """Config values as click defaults, checked against the command's options."""
    return {name: value for name, (key, value) in _values(ctx, path, table).items()}


def _values(ctx: click.Context, path: str, table: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """Option name → (the key as written, the value as click takes it), each checked."""
    options = _options_by_key(ctx.command)
    defaults: dict[str, tuple[str, Any]] = {}
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
        if option.name in PATH_KEYS:
            value = _from_config_directory(path, value)
        try:
            option.process_value(ctx, value)  # its type and its callback, as on the command line
        except click.BadParameter as exc:
            raise click.UsageError(f"{path}: bad value for key {key!r}: {exc.message}") from exc
        if f"--{name}" in option.secondary_opts:  # no-progress = true means progress = false
            value = not value
        defaults[option.name] = (key, value)
    return defaults


def _from_config_directory(path: str, value: Any) -> Any:
    """A path value (or each of a list of them) relative to the config file's directory."""
    if isinstance(value, list):
        return [_from_config_directory(path, item) for item in value]
    if isinstance(value, str) and value:
        return os.path.join(os.path.dirname(path), value)
    return value


def install(ctx: click.Context, explicit: str | None) -> None:
    """Make the config file's values the defaults of the command's options."""
    if ctx.meta.get(IGNORED):
        return
    found = find_config(explicit)
    if found is None:
        return
    path, table = found
    values = _values(ctx, path, table)
    ctx.default_map = {**(ctx.default_map or {}), **{n: v for n, (k, v) in values.items()}}
    ctx.meta[SOURCE] = (path, values)


def ignore(ctx: click.Context) -> None:
    """--no-config: no defaults from any file, also from one installed already."""
    ctx.meta[IGNORED] = True
    ctx.default_map = None
    ctx.meta.pop(SOURCE, None)


def from_config(ctx: click.Context, name: str) -> str | None:
    """The config file that gave option ``name`` its value, or None (command line, default)."""
    if SOURCE not in ctx.meta or ctx.get_parameter_source(name) is not ParameterSource.DEFAULT_MAP:
        return None
    return str(ctx.meta[SOURCE][0])


def blame(ctx: click.Context, message: str) -> str:
    """``message``, naming the config file and key of a value it quotes: a column or path
    (``'actual'``, ``base.json:``), or an option with its value (``--mape-zero error``)."""
    if SOURCE not in ctx.meta:
        return message
    path, values = ctx.meta[SOURCE]
    options = {p.name: p for p in ctx.command.params if isinstance(p, click.Option)}
    for name, (key, value) in values.items():
        if from_config(ctx, name) is not None and _quoted(options[name], value, message):
            return f"{message} (the value of key {key!r} in {path})"
    return message


def _quoted(option: click.Option, value: Any, message: str) -> bool:
    items = [str(item) for item in (value if isinstance(value, list) else [value]) if item != ""]
    flag = max(option.opts, key=len)
    shapes = ["{flag} {item}"] + (["'{item}'", "{item}:"] if option.type is click.STRING else [])
    return any(shape.format(flag=flag, item=item) in message for shape in shapes for item in items)


def _options_by_key(command: click.Command) -> dict[str, click.Option]:
    """Options by long name without dashes (``group-by``), leaving out the config's own."""
    found = {}
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in param.opts + param.secondary_opts:
                if opt.startswith("--") and opt not in ("--config", "--no-config", "--help"):
                    found[opt[2:]] = param
    return found
