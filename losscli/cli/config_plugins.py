"""A config file's plugins, deferred until a loss name needs them, and the notes on standard
error that say which ran.

The list waits in the loss registry (``defer_plugin_files``), where loading is decided,
so that a run of built-in losses imports no plugin machinery. Every plugin file a
command names (here or with ``--plugin``) is remembered, as an input ``-o`` may not
overwrite.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click
from click.core import ParameterSource

from .messages import say

NOTES = "losscli.config_notes"  # ctx.meta: notes held until -q is known
SPEAK = "losscli.config_speak"  # ctx.meta: notes are shown as they come (not -q)
PLUGIN_FILES = "losscli.plugin_files"  # ctx.meta: every plugin file named, loaded or deferred


def defer_plugins(ctx: click.Context, path: str, files: Sequence[str], *, deliberate: bool) -> None:
    """The config's plugin files, checked (``trust``), to run only when a loss name is not
    a built-in or every loss is listed, for this command only; each says so as it runs.
    Plugins given on the command line replace them (``forget_plugins``)."""
    from .trust import check_plugin

    for file in files:
        check_plugin(file, path, deliberate)
    remember_plugin_files(ctx, files)
    if not files or ctx.get_parameter_source("plugins") is ParameterSource.COMMANDLINE:
        return
    from ..losses.registry import defer_plugin_files

    def loaded(file: str) -> None:
        note(ctx, f"loaded the plugin {file}, listed in {path}")

    defer_plugin_files(files, loaded)
    ctx.call_on_close(forget_plugins)


def forget_plugins() -> None:
    """No deferred plugins of a config: the command line named its own, or none."""
    registry = sys.modules.get("losscli.losses.registry")  # never imported only for this
    if registry is not None:
        registry.defer_plugin_files([], None)


def remember_plugin_files(ctx: click.Context, files: Sequence[str]) -> None:
    """Plugin files this command runs or may run: ``-o`` may not overwrite them."""
    ctx.meta.setdefault(PLUGIN_FILES, []).extend(filter(None, files))


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
