"""Whether a config file, or a plugin file it names, may be trusted to run in this process.

A file found by walking up the tree could have been planted there (a ``losscli.toml``
in a shared temporary directory would run its plugins in every run below it), so, as
git's ``safe.directory`` and ssh do, a file is refused (exit 2) when someone else could
have written it: owned by another user than you or root, or writable by others. A
group-writable file passes only when its group is its owner's private group (the
user-private-group scheme that makes a umask of 002 the default on Debian and Ubuntu):
named after the owner, with no other user in it, listed or by primary group. The error
advises ``--config`` only for a file in your home directory or one of your
repositories, never for one planted elsewhere.

A config given with ``--config FILE`` is the user's deliberate choice: its owner is not
questioned, but a file anyone may write (the config, or a plugin it names) is refused
still, since anyone could change it between the user's reading and the run.
"""

from __future__ import annotations

import os
import stat

import click


def check_config(path: str, deliberate: bool) -> None:
    """Refuse the config file in force if it is not safe to take (see the module)."""
    owner, problem = _problem(path, deliberate)
    if problem is None:
        return
    if owner and _yours(path):
        fix = f"to use it deliberately give --config {path}, or ignore it with --no-config"
    elif owner:
        fix = f"ignore it with --no-config, or have it moved away{_STRAY}"
    else:
        fix = f"make it writable only by its owner (chmod go-w {path})"
    raise click.UsageError(f"{path}: the config file {problem}; {fix}")


def check_plugin(path: str, config: str, deliberate: bool) -> None:
    """Refuse a plugin file that the config ``config`` names if it is not safe to run."""
    owner, problem = _problem(path, deliberate)
    if problem is None:
        return
    if owner and _yours(config):
        fixes = [f"to use the config deliberately give --config {config}"]
    elif owner:
        fixes = [f"have the config moved away{_STRAY}"]
    else:
        fixes = [f"make it writable only by its owner (chmod go-w {path})"]
    fixes.append("ignore the config with --no-config")
    raise click.UsageError(
        f"{path}: the plugin file that {config} names {problem}; {', or '.join(fixes)}"
    )


# Where a file someone else owns lies outside your home and your repositories (planted in
# a shared directory, say), --config would run whatever it names: not advice to give.
_STRAY = " (it lies outside your home directory and your repositories)"


def _yours(path: str) -> bool:
    from .config_discovery import in_your_tree

    return in_your_tree(path)


def _problem(path: str, deliberate: bool) -> tuple[bool, str | None]:
    """Why ``path`` could have been written by someone else (and whether that is its
    owner), or (False, None)."""
    if not hasattr(os, "geteuid"):  # Windows: no POSIX owners and modes to go by
        return False, None
    try:
        status = os.stat(path)
    except OSError:
        return False, None  # reading or loading it reports the problem
    if not deliberate and status.st_uid not in (0, os.geteuid()):
        return True, f"is owned by {_user(status.st_uid)}, not by you or root"
    if status.st_mode & stat.S_IWOTH:
        return False, "is writable by every user"
    if status.st_mode & stat.S_IWGRP and not _private_group(status):
        return False, f"is writable by the group {_group(status.st_gid)}"
    return False, None


def _private_group(status: os.stat_result) -> bool:
    """Whether the file's group is its owner's own: named after the owner, and no other
    user is in it, as a listed member or by their primary group (which ``gr_mem`` omits)."""
    try:
        import grp
        import pwd

        group = grp.getgrgid(status.st_gid)
        owner = pwd.getpwuid(status.st_uid).pw_name
        by_primary = {user.pw_name for user in pwd.getpwall() if user.pw_gid == status.st_gid}
    except (ImportError, KeyError):
        return False
    return group.gr_name == owner and set(group.gr_mem) | by_primary <= {owner}


def _user(uid: int) -> str:
    try:
        import pwd

        return f"user {pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def _group(gid: int) -> str:
    try:
        import grp

        return f"{grp.getgrgid(gid).gr_name} (gid {gid})"
    except (ImportError, KeyError):
        return f"gid {gid}"
