"""Defining a loss: the public API plugins use (``import losscli; @losscli.loss(...)``).

The simple case is one decorator on a per-row term ``f(y, p, **params)``; the loss is
then the weighted mean Σw·f / Σw, in the same shape as MSE, so it streams, groups,
merges and gets intervals and comparisons like a built-in. The general case builds a
:class:`~losscli.losses.Loss` with any shape (``Ratio``, ``Extreme``, ``Custom``) and
passes it to :func:`register`. A plugin's functions are checked as they run: a wrong
shape, a non-finite value or an exception is a :class:`~losscli.errors.PluginFailure`
naming the plugin and the loss (exit 4), never a wrong number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np

from .errors import PluginFailure
from .losses import Custom, Direction, Extreme, Loss, Mean, Ratio, Task, Terms
from .losses.params import Param, Value
from .losses.registry import register as register_builtin
from .losses.shapes import Shape

_origin = ["the Python API"]  # who is registering: a plugin file or package while it loads


@contextmanager
def origin(name: str) -> Any:
    """Losses registered inside are attributed to ``name`` (in messages and listings)."""
    _origin.append(name)
    try:
        yield
    finally:
        _origin.pop()


def loss(
    *,
    name: str,
    formula: str,
    direction: str = "lower",
    task: str | Sequence[str] = "regression",
    description: str = "",
    aliases: Sequence[str] = (),
    params: Mapping[str, Value] | Sequence[Param] = (),
    columns: Sequence[str] = (),
    proportion: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``f(y, p, **params, **columns) -> per-row term`` as the loss Σw·f / Σw.

    ``columns`` are extra input columns the loss reads, passed by name as float arrays;
    ``params`` maps parameter names to defaults (set as ``-m name:key=value``).
    """

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        terms = partial(_row_terms, function, name, _origin[-1], tuple(columns))
        register(
            Loss(
                name,
                tuple(aliases),
                description or formula,
                formula,
                _tasks(task),
                Direction(direction),
                Mean(terms, proportion=proportion),
                params=_params(params),
                columns=tuple(columns),
            )
        )
        return function

    return decorate


def register(definition: Loss) -> Loss:
    """Add a loss defined with any shape; its functions are checked as they run."""
    where = _origin[-1]
    checked = replace(definition, origin=where, shape=_checked_shape(definition, where))
    try:
        return register_builtin(checked)
    except ValueError as exc:
        raise PluginFailure(f"{where}: {exc}") from None


def _row_terms(
    function: Callable[..., Any],
    name: str,
    where: str,
    columns: tuple[str, ...],
    batch: Any,
    **params: Any,
) -> Terms:
    extra = {c: batch.extra[c] for c in columns}
    return Terms(np.asarray(function(batch.y, batch.p, **params, **extra), dtype=float))


def _checked_shape(definition: Loss, where: str) -> Shape:
    shape = definition.shape
    guard = partial(_guarded, definition.name, where)
    if isinstance(shape, (Mean, Ratio)):
        return replace(shape, terms=partial(guard, shape.terms, _check_terms))
    if isinstance(shape, Extreme):
        return replace(shape, term=partial(guard, shape.term, _check_terms))
    if isinstance(shape, Custom):
        return replace(shape, statistics=partial(guard, shape.statistics, _check_columns))
    return shape


def _guarded(
    name: str,
    where: str,
    function: Callable[..., Any],
    check: Callable[[Any, int], str],
    batch: Any,
    **params: Any,
) -> Any:
    """Call a plugin's function; any exception, wrong shape or non-finite value fails."""
    try:
        out = function(batch, **params)
    except Exception as exc:
        raise PluginFailure(f"{where}: loss {name!r} raised {type(exc).__name__}: {exc}") from exc
    problem = check(out, len(batch.y))
    if problem:
        raise PluginFailure(f"{where}: loss {name!r} {problem}")
    return out


def _check_terms(terms: Any, rows: int) -> str:
    if not isinstance(terms, Terms):
        return f"returned a {type(terms).__name__}, not Terms"
    for label, array in (("term", terms.num), ("denominator", terms.den)):
        if array is None:
            continue
        problem = _check_array(np.asarray(array), rows, label)
        if problem:
            return problem
    return ""


def _check_columns(columns: Any, rows: int) -> str:
    for label, column in dict(columns).items():
        values = getattr(column, "values", column)  # a Spread's values
        problem = _check_array(np.asarray(values), rows, f"statistic {label!r}")
        if problem:
            return problem
    return ""


def _check_array(array: np.ndarray, rows: int, label: str) -> str:
    if array.shape != (rows,):
        return f"returned a {label} of shape {array.shape} for {rows} rows; one value per row"
    if array.dtype != bool and not np.isfinite(array).all():
        first = int(np.argmax(~np.isfinite(array)))
        value = float(array[first])
        return f"returned a non-finite {label} ({value} at the batch's row {first + 1})"
    return ""


def _tasks(task: str | Sequence[str]) -> tuple[Task, ...]:
    names = [task] if isinstance(task, str) else list(task)
    return tuple(Task(name) for name in names)


def _params(params: Mapping[str, Value] | Sequence[Param]) -> tuple[Param, ...]:
    if isinstance(params, Mapping):
        return tuple(Param(key, default, kind=_kind(default)) for key, default in params.items())
    return tuple(params)


def _kind(default: Value) -> type:
    if isinstance(default, bool) or default is None:
        return float
    return type(default) if isinstance(default, (int, float)) else str
