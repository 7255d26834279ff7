"""Defaults for ``losscli evaluate`` from a config file, so a repository keeps its gate by its code.

Found as ruff and pytest find theirs: ``--config FILE``, else the first of
``losscli.toml`` (keys at the top level) or ``pyproject.toml`` with a
``[tool.losscli]`` table, in the working directory or one of its parents, stopping at
the repository root (a directory holding ``.git``); outside a repository at the home
directory when the working directory is below it, else looking in the working
directory only. ``--no-config`` ignores it. A file found so, or a plugin it names, that
someone else could have written is refused (``trust``).

Keys are the long option names (``group-by`` or ``group_by``); repeatable options
take lists. Paths (``baseline``, ``output``, ``plugins``) are relative to the config
file's directory, and ``output`` must lie below it. The plugins a config names run
only when a loss name is not a built-in, or every loss is listed (``-m all``), saying
so on standard error. An option given on the command line replaces the config's
value; an empty one (``--check ''``, ``--baseline ''``) removes it; flags have a
``--no-`` form. A value that causes an error is named in the message with its key and
file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click
from click.core import ParameterSource

from .messages import say

LOCAL_FILE = "losscli.toml"
PYPROJECT = "pyproject.toml"
PATH_KEYS = ("baseline", "output", "plugins")  # values relative to the config file's directory
SOURCE = "losscli.config"  # ctx.meta: (the config file in force, {option name: (key, value)})
IGNORED = "losscli.no_config"  # ctx.meta: --no-config was given
NOTES = "losscli.config_notes"  # ctx.meta: notes held until -q is known
SPEAK = "losscli.config_speak"  # ctx.meta: notes are shown as they come (not -q)
OUTSIDE = "losscli.config_outside"  # ctx.meta: why the config's output may not be written


def find_config(explicit: str | None) -> tuple[str, dict[str, Any]] | None:
    """The config file in force (as a path relative to the working directory) and its table."""
    from .trust import check_config

    if explicit is not None:
        is_pyproject = os.path.basename(explicit) == PYPROJECT
        check_config(explicit, deliberate=True)
        return explicit, _read(explicit, table=("tool", "losscli") if is_pyproject else ())
    for directory in _search_path(os.getcwd()):
        local = os.path.relpath(os.path.join(directory, LOCAL_FILE))
        if os.path.isfile(local):
            check_config(local, deliberate=False)
            return local, _read(local, table=())
        pyproject = os.path.relpath(os.path.join(directory, PYPROJECT))
        if os.path.isfile(pyproject) and _names_losscli(pyproject):
            table = _read(pyproject, table=("tool", "losscli"))
            if table:
                check_config(pyproject, deliberate=False)
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
    """``start`` and its parents up to the repository root (a directory holding ``.git``);
    outside a repository, up to the home directory if ``start`` is below it, else
    ``start`` alone: never a directory anyone may write to, such as /tmp, by the way."""
    home = _home()
    directories = [start]
    while not os.path.exists(os.path.join(directories[-1], ".git")):
        parent = os.path.dirname(directories[-1])
        if directories[-1] == home:
            break
        if parent == directories[-1]:
            return [start]  # no repository, and not below the home directory
        directories.append(parent)
    return directories


def _home() -> str | None:
    """The user's home directory, resolved; None where it is unset or the root."""
    home = os.path.expanduser("~")
    if home == "~":
        return None
    home = os.path.realpath(home)
    return None if home == os.path.dirname(home) else home


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


def _values(
    ctx: click.Context, path: str, table: dict[str, Any], deliberate: bool = True
) -> dict[str, tuple[str, Any]]:
    """Option name → (the key as written, the value as click takes it), each checked.

    The plugins come first, deferred (``_defer_plugins``): a loss name among the other
    values may need one."""
    options = _options_by_key(ctx.command)
    defaults: dict[str, tuple[str, Any]] = {}
    for key, value in sorted(table.items(), key=lambda item: _key(item[0]) not in PLUGIN_KEYS):
        name = _key(key)
        option = _option(path, key, options)
        if option.multiple and isinstance(value, str):
            value = [value]
        if option.multiple != isinstance(value, list):
            kind = "a list" if option.multiple else "a single value, not a list"
            raise click.UsageError(f"{path}: key {key!r} takes {kind}")
        if option.name == "output":
            _note_outside(ctx, path, key, value)
        if option.name in PATH_KEYS:
            value = _from_config_directory(path, value)
        try:
            if option.name == "plugins":
                _defer_plugins(ctx, path, option.type_cast_value(ctx, value), deliberate)
            else:  # its type and its callback, as on the command line
                option.process_value(ctx, value)
        except click.BadParameter as exc:
            raise click.UsageError(f"{path}: bad value for key {key!r}: {exc.message}") from exc
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
    if isinstance(value, str) and value not in ("", "-"):
        return os.path.join(os.path.dirname(path), value)
    return value


def _note_outside(ctx: click.Context, path: str, key: str, value: Any) -> None:
    """Hold the error of an output outside the config file's directory (``..`` and
    symlinks resolved), for ``check_output`` to raise if the command line names none."""
    if not isinstance(value, str) or value in ("", "-"):
        return
    directory = os.path.realpath(os.path.dirname(path) or os.curdir)
    target = os.path.realpath(os.path.join(directory, value))
    if os.path.commonpath([directory, target]) != directory:
        ctx.meta[OUTSIDE] = (
            f"{path}: key {key!r} = {value!r} writes to {target}, outside the config file's "
            f"directory {directory}; a config file writes only below its own directory: "
            "change the key, or give -o PATH"
        )


def check_output(ctx: click.Context) -> None:
    """A usage error if the output comes from the config and lies outside its directory."""
    if OUTSIDE in ctx.meta and from_config(ctx, "output") is not None:
        raise click.UsageError(ctx.meta[OUTSIDE])


def _defer_plugins(ctx: click.Context, path: str, files: Sequence[str], deliberate: bool) -> None:
    """The config's plugin files, checked (``trust``), to run only when a loss name is not
    a built-in or every loss is listed, for this command only; each says so as it runs.
    Plugins given on the command line replace them (``forget_plugins``)."""
    from .trust import check_plugin

    for file in files:
        check_plugin(file, path, deliberate)
    if not files or ctx.get_parameter_source("plugins") is ParameterSource.COMMANDLINE:
        return
    from ..plugins import defer_files

    def loaded(file: str) -> None:
        note(ctx, f"loaded the plugin {file}, listed in {path}")

    defer_files(list(files), loaded)
    ctx.call_on_close(forget_plugins)


def forget_plugins() -> None:
    """No deferred plugins of a config: the command line named its own, or none."""
    deferred = sys.modules.get("losscli.plugins")  # never imported only to be told this
    if deferred is not None:
        deferred.defer_files([], None)


def note(ctx: click.Context, message: str) -> None:
    """A note on standard error, unless -q: held until the command knows (``show_notes``)."""
    if SPEAK in ctx.meta:
        if ctx.meta[SPEAK]:
            say("", message)
    else:
        ctx.meta.setdefault(NOTES, []).append(message)


def show_notes(ctx: click.Context, quiet: bool) -> None:
    """The notes held so far, and those to come, are shown unless ``quiet``."""
    ctx.meta[SPEAK] = not quiet
    for message in ctx.meta.pop(NOTES, []):
        note(ctx, message)


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
        _defer_plugins(ctx, path, _from_config_directory(path, files), explicit is not None)


def ignore(ctx: click.Context) -> None:
    """--no-config: no defaults from any file, also from one installed already."""
    ctx.meta[IGNORED] = True
    ctx.default_map = None
    ctx.meta.pop(SOURCE, None)
    forget_plugins()


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
