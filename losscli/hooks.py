"""Hooks an application embedding losscli sets, without importing what they wait for.

:data:`before_plugins`: called once, in order, just before the first plugin's code runs
(a plugin file, one a config names, or an installed package's entry point). The command
line moves standard output aside there (``cli.plugin_stdout``), so that nothing a plugin
writes, at any time, can reach the result. A run that loads no plugin calls none of them.
The Python API sets none: in a notebook a plugin's ``print`` shows where prints show.
"""

from __future__ import annotations

from collections.abc import Callable

before_plugins: list[Callable[[], None]] = []


def run_before_plugins() -> None:
    """Call the hooks waiting for the first plugin, each once."""
    while before_plugins:
        before_plugins.pop(0)()
