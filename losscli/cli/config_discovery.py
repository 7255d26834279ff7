"""Which config file is in force: ``--config FILE``, else one found by walking up.

Found as ruff and pytest find theirs: the first of ``losscli.toml`` (keys at the top
level) or ``pyproject.toml`` with a ``[tool.losscli]`` table, in the working directory
or one of its parents up to a limit: the repository root (a directory holding a
``.git`` that you or root own, as git's ``safe.directory`` asks) if there is one above
the working directory; else the home directory (``$HOME``, or the password database's
entry where it is unset; none where it is empty or relative) if the working directory
is below it; else the working directory alone. The walk never goes up into a directory
anyone may write to (sticky or world-writable, such as /tmp): a ``.git`` or a config
planted there is never found. A file found so, or a plugin it names, that someone else
could have written is refused (``trust``).
"""

from __future__ import annotations

import os
import stat
import sys
from typing import Any

import click

LOCAL_FILE = "losscli.toml"
PYPROJECT = "pyproject.toml"


def find_config(explicit: str | None) -> tuple[str, dict[str, Any]] | None:
    """The config file in force (as a path relative to the working directory) and its table."""
    if explicit is not None:
        is_pyproject = os.path.basename(explicit) == PYPROJECT
        _check(explicit, deliberate=True)
        return explicit, _read(explicit, table=("tool", "losscli") if is_pyproject else ())
    for directory in _search_path(os.getcwd()):
        local = os.path.relpath(os.path.join(directory, LOCAL_FILE))
        if os.path.isfile(local):
            _check(local, deliberate=False)
            return local, _read(local, table=())
        pyproject = os.path.relpath(os.path.join(directory, PYPROJECT))
        if os.path.isfile(pyproject) and _names_losscli(pyproject):
            table = _read(pyproject, table=("tool", "losscli"))
            if table:
                _check(pyproject, deliberate=False)
                return pyproject, table
    return None


def _check(path: str, deliberate: bool) -> None:
    from .trust import check_config  # only once a file is found: most runs have none

    check_config(path, deliberate)


def in_your_tree(path: str) -> bool:
    """Whether ``path`` lies in one of your repositories or below your home directory (where
    ``--config`` is advice worth giving for a file someone else owns)."""
    return _limit(os.path.dirname(os.path.realpath(path))) is not None


def _names_losscli(pyproject: str) -> bool:
    """Whether a project file could hold a [tool.losscli] table: one that never names
    losscli is not parsed (most projects' files; parsing costs each run a few ms)."""
    try:
        with open(pyproject, "rb") as handle:
            return b"losscli" in handle.read()
    except OSError:
        return True  # reading it again reports the problem


def _search_path(start: str) -> list[str]:
    """``start`` and its parents up to the limit of discovery (see the module), nearest first."""
    limit = _limit(start) or start
    directories = [start]
    while directories[-1] != limit and not _shared(os.path.dirname(directories[-1])):
        directories.append(os.path.dirname(directories[-1]))
    return directories


def _limit(start: str) -> str | None:
    """The repository root above ``start``, else the home directory if ``start`` is below
    it, else None."""
    directory = start
    while not _your_repository(directory):
        parent = os.path.dirname(directory)
        if parent == directory or _shared(parent):
            home = _home()
            below = home is not None and os.path.commonpath([start, home]) == home
            return home if below else None
        directory = parent
    return directory


def _your_repository(directory: str) -> bool:
    """Whether ``directory`` holds a ``.git`` owned by you or root (not one anyone planted)."""
    try:
        status = os.lstat(os.path.join(directory, ".git"))
    except OSError:
        return False
    return not hasattr(os, "geteuid") or status.st_uid in (0, os.geteuid())


def _shared(directory: str) -> bool:
    """Whether anyone may create files in ``directory`` (sticky or world-writable)."""
    try:
        mode = os.stat(directory).st_mode
    except OSError:
        return True  # unknown: not walked into
    return bool(mode & (stat.S_ISVTX | stat.S_IWOTH))


def _home() -> str | None:
    """The user's home directory, resolved: ``$HOME``, or where it is unset the password
    database's entry; None where it is empty, relative, or the root."""
    home = os.environ["HOME"] if "HOME" in os.environ else os.path.expanduser("~")
    if not os.path.isabs(home):  # also "" and an unexpanded "~"
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
