"""Defaults for ``losscli evaluate`` from a config file, so a repository keeps its gate by its code.

Which file is in force, and whether it may be trusted, is ``config_discovery``'s and
``trust``'s job; its plugins wait in ``config_plugins``. ``--no-config`` ignores it.

Keys are the long option names (``group-by`` or ``group_by``); repeatable options
take lists. Paths (``baseline``, ``output``, ``plugins``) are relative to the config
file's directory, and ``output`` must lie below it (``output_guard``). The plugins a
config names run only when a loss name is not a built-in, or every loss is listed
(``-m all``), saying so on standard error. An option given on the command line
replaces the config's value; an empty one (``--check ''``, ``--baseline ''``) removes
it; flags have a ``--no-`` form. A value that causes an error is named in the message
with its key and file.
"""

from __future__ import annotations

import os
from typing import Any

import click
from click.core import ParameterSource

from .config_discovery import find_config
from .config_plugins import PLUGIN_FILES, defer_plugins, forget_plugins

# values relative to the config file's directory
PATH_KEYS = ("baseline", "output", "plugins", "history")
SOURCE = "losscli.config"  # ctx.meta: (the config file in force, {option name: (key, value)})
IGNORED = "losscli.no_config"  # ctx.meta: --no-config was given


def default_map(ctx: click.Context, path: str, table: dict[str, Any]) -> dict[str, Any]:
    """Config values as click defaults, checked against the command's options."""
    return {name: value for name, (key, value) in _values(ctx, path, table).items()}


def _values(
    ctx: click.Context, path: str, table: dict[str, Any], *, deliberate: bool = True
) -> dict[str, tuple[str, Any]]:
    """Option name → (the key as written, the value as click takes it), each checked.

    The plugins come first, deferred (``defer_plugins``): a loss name among the other
    values may need one."""
    options = _options_by_key(ctx.command)
    defaults: dict[str, tuple[str, Any]] = {}
    for key, value in sorted(table.items(), key=lambda item: _key(item[0]) not in PLUGIN_KEYS):
        name = _key(key)
        option = _option(path, key, options)
        if option.multiple and isinstance(value, str):
            value = [value]
        if isinstance(value, bool) and not option.is_flag and isinstance(option.flag_value, str):
            value = option.flag_value if value else None  # ci = true: --ci alone (95)
        if option.multiple != isinstance(value, list):
            kind = "a list" if option.multiple else "a single value, not a list"
            raise click.UsageError(f"{path}: key {key!r} takes {kind}")
        if option.name == "output":
            from .output_guard import note_config_output

            note_config_output(ctx, path, key, value=value)
        if option.name in PATH_KEYS:
            value = _from_config_directory(path, value)
        try:
            if option.name == "plugins":
                defer_plugins(ctx, path, option.type_cast_value(ctx, value), deliberate=deliberate)
            else:  # its type and its callback, as on the command line
                option.process_value(ctx, value)
        except click.BadParameter as exc:
            message = getattr(exc, "in_config", exc.message)  # without command-line advice
            raise click.UsageError(f"{path}: bad value for key {key!r}: {message}") from exc
        if f"--{name}" in option.secondary_opts:  # no-progress = true means progress = false
            value = not value
        defaults[str(option.name)] = (key, value)
    return defaults


PLUGIN_KEYS = ("plugin", "plugins")


def _key(key: str) -> str:
    return key.replace("_", "-")


def _option(path: str, key: str, options: dict[str, click.Option]) -> click.Option:
    """The option a key names, or a usage error that lists the keys (the nearest first)."""
    option = options.get(_key(key))
    if option is not None and option.name is not None:
        return option
    import difflib

    near = difflib.get_close_matches(_key(key), options, n=1)
    guess = f" (did you mean {near[0]!r}?)" if near else ""
    known = ", ".join(sorted(options))
    raise click.UsageError(
        f"{path}: unknown key {key!r}{guess}; the keys are the long option names of "
        f"losscli evaluate: {known}"
    )


def _from_config_directory(path: str, value: Any) -> Any:
    """A path value (or each of a list of them) relative to the config file's directory
    (``-``: standard output)."""
    if isinstance(value, list):
        return [_from_config_directory(path, item) for item in value]
    if isinstance(value, str) and value not in ("", "-") and "://" not in value:  # a URL as it is
        return os.path.join(os.path.dirname(path), value)
    return value


def install(ctx: click.Context, explicit: str | None) -> None:
    """Make the config file's values the defaults of the command's options."""
    forget_plugins()  # an earlier command's, in this process
    if ctx.meta.get(IGNORED):
        return
    found = find_config(explicit)
    if found is None:
        return
    path, table = found
    values = _values(ctx, path, table, deliberate=explicit is not None)
    ctx.default_map = {**(ctx.default_map or {}), **{n: v for n, (k, v) in values.items()}}
    ctx.meta[SOURCE] = (path, values)


def install_plugins(ctx: click.Context, explicit: str | None) -> None:
    """For ``losscli losses``: the config file's plugins only (its other keys belong to
    ``evaluate``), checked and deferred as ``install`` does."""
    forget_plugins()
    found = None if ctx.meta.get(IGNORED) else find_config(explicit)
    if found is None:
        return
    path, table = found
    for key, value in table.items():
        files = [value] if isinstance(value, str) else value
        if _key(key) not in PLUGIN_KEYS:
            continue
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise click.UsageError(f"{path}: key {key!r} takes a list of paths")
        defer_plugins(
            ctx, path, _from_config_directory(path, files), deliberate=explicit is not None
        )


def ignore(ctx: click.Context) -> None:
    """--no-config: no defaults from any file, also from one installed already."""
    ctx.meta[IGNORED] = True
    ctx.default_map = None
    ctx.meta.pop(SOURCE, None)
    forget_plugins()


def files_in_force(ctx: click.Context) -> list[tuple[str, str]]:
    """The config file in force and every plugin file named, each with what it is: inputs
    of the run that ``-o`` may not overwrite."""
    config = [(ctx.meta[SOURCE][0], "the config file in force")] if SOURCE in ctx.meta else []
    return config + [(path, "a plugin file") for path in ctx.meta.get(PLUGIN_FILES, [])]


def from_config(ctx: click.Context, name: str) -> str | None:
    """The config file that gave option ``name`` its value, or None (command line, default)."""
    if SOURCE not in ctx.meta or ctx.get_parameter_source(name) is not ParameterSource.DEFAULT_MAP:
        return None
    return str(ctx.meta[SOURCE][0])


def config_keys(ctx: click.Context, names: list[str]) -> tuple[str, list[str]] | None:
    """The config file and the keys (as written) that gave options ``names`` their
    values, or None where none of them came from a config file."""
    keys = [ctx.meta[SOURCE][1][name][0] for name in names if from_config(ctx, name)]
    return (str(ctx.meta[SOURCE][0]), keys) if keys else None


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
