"""losscli: compare losses (MSE, MAPE, cross-entropy and relatives) per file, model and group.

The Python API is :func:`evaluate`; it returns an :class:`EvaluationResult`. Losses of
your own: :func:`loss` (a decorator on a per-row term) or :func:`register` (any shape);
:func:`unregister` removes one. Attributes load lazily so that ``losscli --version``
imports nothing heavy.
"""

from __future__ import annotations

from typing import Any

from ._version import __version__

# name → the module that defines it, imported on first use
_LAZY = {
    "evaluate": "api",
    "EvaluationResult": "result",
    "loss": "define",
    "register": "define",
    "unregister": "define",
    "Loss": "losses",
    "Mean": "losses",
    "Ratio": "losses",
    "Extreme": "losses",
    "Custom": "losses",
    "Ranked": "losses",
    "Ranks": "losses",
    "Terms": "losses",
    "Direction": "losses",
    "Task": "losses",
    "Rule": "losses",
    "Batch": "losses",
    "Spread": "losses",
    "Param": "losses.params",
}
__all__ = ["__version__", *_LAZY]


def __dir__() -> list[str]:
    """The public API only (what ``from losscli import *`` gives)."""
    return sorted(__all__)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'losscli' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{_LAZY[name]}", __name__), name)
