"""Defining a loss: the public API plugins use (``import losscli; @losscli.loss(...)``).

The simple case is one decorator on a per-row term ``f(y, p, **params)``; the loss is
then the weighted mean Σw·f / Σw, in the same shape as MSE, so it streams, groups,
merges and gets intervals and comparisons like a built-in. The general case builds a
:class:`~losscli.losses.Loss` with any shape (``Ratio``, ``Extreme``, ``Custom``) and
passes it to :func:`register`. A plugin's functions are checked as they run: a wrong
shape, a non-finite value or an exception is a :class:`~losscli.errors.PluginFailure`
naming the plugin and the loss (exit 4), never a wrong number.

A plugin's functions are given what is theirs alone (:func:`_as_guest`): a batch of
their own over sealed views of the rows, sums as a read-only mapping of sealed views,
so that no write into what a plugin is given reaches another loss's value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from types import MappingProxyType
from typing import Any

import numpy as np

from .engine import statistics
from .engine.declarations import Problem, clashes, per_row_problem
from .errors import PluginFailure
from .losses import Batch, Direction, Loss, Mean, Task, Terms
from .losses.batch import sealed_view
from .losses.params import Param, Value
from .losses.registry import register as register_builtin
from .losses.registry import unregister as unregister_loss
from .losses.shapes import Shape
from .losses.transforms import IDENTITY, PERCENT, SQRT, Transform
from .plugins import failures_of
from .records import datarecord

BUILT_IN_TRANSFORMS = (IDENTITY, PERCENT, SQRT)
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
                defined_by=_qualified(function),
            )
        )
        return function

    return decorate


def register(definition: Loss) -> Loss:
    """Add a loss defined with any shape; its functions are checked as they run.

    Defining a name again from the same function (a notebook cell run again) replaces
    the loss; a name another definition took fails (:func:`unregister` frees it).
    """
    where = _origin[-1]
    checked = replace(
        definition,
        origin=where,
        shape=_checked_shape(definition, where),
        defined_by=definition.defined_by or _qualified(definition.shape.main),
    )
    try:
        return register_builtin(checked)
    except ValueError as exc:
        raise PluginFailure(f"{where}: {exc}") from None


def unregister(name: str) -> Loss:
    """Remove a loss registered by a plugin or the Python API (by name or alias); the
    removed loss is returned. Built-in losses cannot be removed."""
    return unregister_loss(name)


def _qualified(function: Any) -> str:
    """``module.qualname`` of a function (through partials), "" if it has none (a lambda:
    two lambdas of one module share that name)."""
    while isinstance(function, partial):
        function = function.func
    module, name = getattr(function, "__module__", None), getattr(function, "__qualname__", None)
    if not module or not name or name.endswith("<lambda>"):
        return ""
    return f"{module}.{name}"


def _row_terms(
    function: Callable[..., Any],
    name: str,
    where: str,
    columns: tuple[str, ...],
    batch: Any,
    **params: Any,
) -> Terms:
    extra = {c: batch.extra[c] for c in columns}
    terms = np.asarray(function(batch.y, batch.p, **params, **extra))
    return Terms(terms.astype(float) if terms.dtype.kind in "biu" else terms)


def _checked_shape(definition: Loss, where: str) -> Shape:
    """The shape with each of its functions called through the plugin's guard."""
    return definition.shape.guarded(_PluginGuard(definition.name, where))


@datarecord(frozen=True)
class _PluginGuard:
    """A plugin's functions, each called through :func:`_guarded` or :func:`_called` (see
    :class:`~losscli.losses.shapes.Guard`)."""

    name: str
    where: str

    def terms(self, function: Callable[..., Any]) -> Callable[..., Any]:
        return self._checked(function, _check_terms)

    def columns(self, function: Callable[..., Any]) -> Callable[..., Any]:
        return self._checked(function, _check_columns)

    def unchecked(self, function: Callable[..., Any]) -> Callable[..., Any]:
        return self._checked(function, _unchecked)

    def called(self, function: Callable[..., Any]) -> Callable[..., Any]:
        return _wrapping(partial(_called, self.name, self.where, function), function)

    def transform(self, transform: Transform) -> Transform:
        if transform in BUILT_IN_TRANSFORMS:  # losscli's own: no plugin code to guard
            return transform
        return Transform(transform.name, self.called(transform.apply), self.called(transform.slope))

    def _checked(
        self, function: Callable[..., Any], check: Callable[[Any, int], Problem]
    ) -> Callable[..., Any]:
        return _wrapping(partial(_guarded, self.name, self.where, function, check), function)


def _wrapping(guard: partial[Any], function: Callable[..., Any]) -> partial[Any]:
    """``guard``, calling ``function``, marked as taking ``function``'s parameters (read
    through ``__wrapped__`` when the loss's parameters are bound): each gets only those."""
    guard.__wrapped__ = function  # type: ignore[attr-defined]
    return guard


def _guarded(
    name: str,
    where: str,
    function: Callable[..., Any],
    check: Callable[[Any, int], Problem],
    batch: Any,
    **params: Any,
) -> Any:
    """Call a plugin's function on a batch; whatever it raises, a wrong shape or type and
    a non-finite value fail, the last with the batch's row (the engine names its place)."""
    out = _called(name, where, function, batch, **params)
    problem, row = check(out, len(batch.y))
    if problem:
        raise PluginFailure(f"{where}: loss {name!r} {problem}", row=row)
    return out


def _called(name: str, where: str, function: Callable[..., Any], *args: Any, **params: Any) -> Any:
    guests = [_as_guest(arg) for arg in args]
    with failures_of(f"{where}: loss {name!r}"):
        return function(*guests, **params)


def _as_guest(value: Any) -> Any:
    """What plugin code is given in place of ``value``: a batch of its own (sealed views,
    its own cache), a sealed view of an array, a read-only mapping of those for sums
    (the row counts ``n`` are every loss's), so that nothing it writes reaches another
    loss."""
    if isinstance(value, Batch):
        return value.guest()
    if isinstance(value, np.ndarray):
        return sealed_view(value)
    if isinstance(value, Mapping):
        return MappingProxyType({key: _as_guest(item) for key, item in value.items()})
    return value


def _unchecked(out: Any, rows: int) -> Problem:
    return "", None


def _check_terms(terms: Any, rows: int) -> Problem:
    if not isinstance(terms, Terms):
        return f"returned a {type(terms).__name__}, not Terms", None
    for label, array in (("term", terms.num), ("denominator", terms.den)):
        if array is None:
            continue
        problem = _check_array(np.asarray(array), rows, label)
        if problem[0]:
            return problem
    return "", None


def _check_columns(columns: Any, rows: int) -> Problem:
    """Each declared statistic's column checked by its kind (a value per row, a row of K
    per row, a spread's values and weights, a kind's own), and no two read as one name."""
    declared = [statistics.declared(str(label), column) for label, column in dict(columns).items()]
    for stat, column in declared:
        problem = stat.kind.check(column, rows, f"statistic {stat.name!r}")
        if problem[0]:
            return problem
    return clashes(stat for stat, _ in declared), None


def _check_array(array: np.ndarray, rows: int, label: str) -> Problem:
    """One real, finite value per row; else what is wrong and, if one row is, which."""
    return per_row_problem(array, rows, label)


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
