"""Loading plugins: Python files (``--plugin PATH.py``, ``plugins = [...]`` in the config)
and installed packages (the entry-point group ``losscli.losses``).

Loading a plugin runs its code, as pytest runs a conftest.py: only what is named is
loaded, never anything found beside the data. Entry points, and the files a config
names (kept by :func:`~losscli.losses.registry.defer_plugin_files`), are loaded only when
a loss name is not a built-in, or when every loss is listed (``-m all``, ``losscli
losses``), so a run without plugins imports none of this.

Whatever a plugin's code raises, at import or while computing, is a
:class:`~losscli.errors.PluginFailure` naming the plugin (exit 4), ``SystemExit`` and
``KeyboardInterrupt`` too: a plugin cannot end the run with an exit code of its own.
Only a real interruption passes (see :func:`interrupts`). Just before the first plugin
loads, the hooks of :mod:`losscli.hooks` run: there the command line moves standard
output aside, so that what a plugin prints goes to standard error.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any, cast

import numpy as np

from .errors import Interrupted, PluginFailure
from .hooks import run_before_plugins

ENTRY_POINT_GROUP = "losscli.losses"
_loaded: set[str] = set()  # plugin files (absolute paths) and entry points already loaded
_scanned: list[bool] = []  # installed packages were looked through


def load_file(path: str) -> bool:
    """Run a plugin file once; the losses it registers are attributed to ``path``. True if
    it ran now, False if it had run before."""
    from .define import origin

    absolute = os.path.abspath(path)
    if absolute in _loaded:
        return False
    if not os.path.isfile(absolute):
        raise PluginFailure(f"{path}: no such plugin file")
    name = "losscli_plugin_" + "".join(c if c.isalnum() else "_" for c in absolute)
    spec = importlib.util.spec_from_file_location(name, absolute)
    if spec is None or spec.loader is None:
        raise PluginFailure(f"{path}: not a Python file that can be loaded as a plugin")
    module = importlib.util.module_from_spec(spec)
    _loaded.add(absolute)
    run_before_plugins()
    with origin(f"plugin {path}"):
        _run(f"plugin {path}", lambda: spec.loader.exec_module(module))
    sys.modules[name] = module  # so that its functions pickle (a distributed run)
    return True


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
        run_before_plugins()
        where = f"plugin package {point.value}"
        with origin(where):
            _run(where, lambda point=point: _call_or_import(point.load()))


def _call_or_import(target: Any) -> None:
    """An entry point names a module (importing it registers) or a function to call."""
    if callable(target) and not isinstance(target, type):
        target()


def _run(where: str, load: Any) -> None:
    with failures_of(f"{where}: cannot load:", raised=""):
        load()


@contextlib.contextmanager
def failures_of(what: str, raised: str = "raised ") -> Iterator[None]:
    """Plugin code runs inside: anything it raises is a PluginFailure, ``what`` and then
    what was raised, but a PluginFailure of its own and a real interruption. NumPy's
    floating-point errors and RuntimeWarnings are silent inside: a plugin's non-finite
    values are checked and reported as its failure, with their place."""
    try:
        with np.errstate(all="ignore"), _runtime_warnings_ignored:
            yield
    except PluginFailure:
        raise
    except BaseException as exc:
        if interrupts(exc):
            raise
        raise PluginFailure(f"{what} {described(exc, raised)}") from exc


class _RuntimeWarningsIgnored:
    """RuntimeWarnings are ignored while any plugin code runs. Warning filters are the
    process's: ``warnings.catch_warnings`` on several threads at once would restore each
    other's filters out of order, so one filter is added when the first of the plugin
    calls running at a time starts, and removed when the last one ends (unless it was
    there before: a user's own, left alone)."""

    IGNORE = ("ignore", None, RuntimeWarning, None, 0)  # the filter, as filterwarnings has it

    def __init__(self) -> None:
        self.lock, self.calls, self.added = threading.Lock(), 0, False

    def __enter__(self) -> None:
        with self.lock:
            if not self.calls:
                self.added = self.IGNORE not in warnings.filters
                if self.added:
                    warnings.filterwarnings("ignore", category=RuntimeWarning)
            self.calls += 1

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.calls -= 1
            if not self.calls and self.added:
                with contextlib.suppress(ValueError):  # a catch_warnings put the list back
                    cast(list, warnings.filters).remove(self.IGNORE)


_runtime_warnings_ignored = _RuntimeWarningsIgnored()


def interrupts(exc: BaseException) -> bool:
    """Whether ``exc`` is the user stopping the run, which no plugin may swallow: the
    command line's SIGINT and SIGTERM (:class:`Interrupted`), or a KeyboardInterrupt where
    SIGINT's handler is Python's own (the Python API, a notebook's Ctrl-C). Under the
    command line a KeyboardInterrupt can only come from plugin code: a failure."""
    if isinstance(exc, Interrupted):
        return True
    return (
        isinstance(exc, KeyboardInterrupt)
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )


def described(exc: BaseException, raised: str = "raised ") -> str:
    """What a plugin raised, in words: ``raised ValueError: …``, ``called sys.exit(0)``."""
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r}); a plugin cannot end the run"
    text = f"{raised}{type(exc).__name__}" + (f": {exc}" if str(exc) else "")
    if isinstance(exc, ValueError) and "read-only" in str(exc):
        text += (
            "; the arrays a loss is given are read-only (every loss and model shares "
            "them): compute new arrays, or write into a copy (np.array(y))"
        )
    return text
