"""Loading plugins: Python files (``--plugin PATH.py``, ``plugins = [...]`` in the config)
and installed packages (the entry-point group ``losscli.losses``).

Loading a plugin runs its code, as pytest runs a conftest.py: only what is named is
loaded, never anything found beside the data. Entry points, and the files a config
names (deferred: ``defer_files``), are loaded only when a loss name is not a built-in,
or when every loss is listed (``-m all``, ``losscli losses``), so a run without plugins
imports none of this.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from typing import Any

from .errors import PluginFailure

ENTRY_POINT_GROUP = "losscli.losses"
_loaded: set[str] = set()  # plugin files (absolute paths) and entry points already loaded
_scanned: list[bool] = []  # installed packages were looked through
_deferred: list[tuple[str, Callable[[str], None] | None]] = []  # files, and who to tell


def defer_files(paths: list[str], loaded: Callable[[str], None] | None) -> None:
    """Plugin files to load only when a loss name is not found or every loss is listed
    (``load_deferred``), instead of any deferred before; ``loaded(path)`` is called after
    each one runs."""
    _deferred[:] = [(path, loaded) for path in paths]


def load_deferred() -> None:
    """Load the deferred plugin files, in order."""
    while _deferred:
        path, loaded = _deferred.pop(0)
        fresh = os.path.abspath(path) not in _loaded
        load_file(path)
        if loaded is not None and fresh:
            loaded(path)


def load_file(path: str) -> None:
    """Run a plugin file once; the losses it registers are attributed to ``path``."""
    from .define import origin

    absolute = os.path.abspath(path)
    if absolute in _loaded:
        return
    if not os.path.isfile(absolute):
        raise PluginFailure(f"{path}: no such plugin file")
    name = "losscli_plugin_" + "".join(c if c.isalnum() else "_" for c in absolute)
    spec = importlib.util.spec_from_file_location(name, absolute)
    if spec is None or spec.loader is None:
        raise PluginFailure(f"{path}: not a Python file that can be loaded as a plugin")
    module = importlib.util.module_from_spec(spec)
    _loaded.add(absolute)
    with origin(f"plugin {path}"):
        _run(f"plugin {path}", lambda: spec.loader.exec_module(module))
    sys.modules[name] = module  # so that its functions pickle (a distributed run)


def load_entry_points() -> None:
    """Load every installed package's losses (entry-point group ``losscli.losses``)."""
    from importlib.metadata import entry_points

    from .define import origin

    if _scanned:
        return
    _scanned.append(True)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        key = f"{point.name}={point.value}"
        if key in _loaded:
            continue
        _loaded.add(key)
        where = f"plugin package {point.value}"
        with origin(where):
            _run(where, lambda point=point: _call_or_import(point.load()))


def _call_or_import(target: Any) -> None:
    """An entry point names a module (importing it registers) or a function to call."""
    if callable(target) and not isinstance(target, type):
        target()


def _run(where: str, load: Any) -> None:
    try:
        load()
    except PluginFailure:
        raise
    except Exception as exc:
        raise PluginFailure(f"{where}: cannot load: {type(exc).__name__}: {exc}") from exc
