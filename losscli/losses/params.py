"""Loss parameters, the one grammar that names a loss everywhere, and how a loss's
parameter values reach its functions (:func:`bound_function`).

A loss is named ``name`` or ``name:key=value[:key=value…]`` (``pinball:q=0.9``,
``f1:average=macro:threshold=0.3``) in ``-m``, ``--check``, ``--max-regression``, the
config file and JSON keys. Without parameters a loss uses its defaults and keeps its
plain name as its column; with parameters its column is the canonical spec: its
registered name, then the parameters that differ from their defaults, in the order
the loss declares them, each value written in its shortest form.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from ..errors import UsageError
from ..records import datarecord

Value = float | int | str | None


@datarecord(frozen=True)
class Param:
    """One parameter of a loss: a number in [minimum, maximum] (ends open or closed), an
    integer, or one of ``choices``."""

    name: str
    default: Value
    help: str = ""
    kind: type = float  # float, int or str
    minimum: float = -math.inf
    maximum: float = math.inf
    open_ends: bool = False  # the range excludes its ends
    choices: tuple[str, ...] = ()
    shown_default: Value = None  # where ``default`` is None as an option supplies it

    @property
    def usual(self) -> Value:
        """The value used when the spec does not name one, as the catalogue shows it."""
        return self.shown_default if self.default is None else self.default

    def parse(self, loss: str, text: str) -> Value:
        """The value ``text`` names, checked; a bad one is a usage error naming the loss."""
        where = f"{loss}:{self.name}={text}"
        if self.kind is str:
            if self.choices and text not in self.choices:
                raise UsageError(f"{where}: {self.name} is one of {', '.join(self.choices)}")
            return text
        try:
            number = int(text) if self.kind is int else float(text)
        except ValueError:
            kind = "an integer" if self.kind is int else "a number"
            raise UsageError(f"{where}: {self.name} must be {kind}") from None
        inside = (
            (self.minimum < number < self.maximum)
            if self.open_ends
            else (self.minimum <= number <= self.maximum)
        )
        if not inside or (isinstance(number, float) and not math.isfinite(number)):
            raise UsageError(f"{where}: {self.name} must lie in {self.range_text()}")
        return number

    def range_text(self) -> str:
        low, high = ("(", ")") if self.open_ends else ("[", "]")
        return f"{low}{_shortest(self.minimum)}, {_shortest(self.maximum)}{high}"

    def text(self, value: Value) -> str:
        return _shortest(value)


def _shortest(value: Any) -> str:
    if isinstance(value, float):
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)


def split_spec(spec: str) -> tuple[str, list[tuple[str, str]]]:
    """``name:key=value:…`` → (name, [(key, value), …]), without checking names."""
    name, *parts = (part.strip() for part in spec.strip().split(":"))
    pairs = []
    for part in parts:
        key, equals, value = part.partition("=")
        if not equals or not key.strip() or not value.strip():
            raise UsageError(
                f"cannot read the loss {spec.strip()!r}: write NAME or NAME:KEY=VALUE[:KEY=VALUE…] "
                "(e.g. pinball:q=0.9)"
            )
        pairs.append((key.strip().lower(), value.strip()))
    return name, pairs


def bind_values(
    loss: str, params: tuple[Param, ...], given: list[tuple[str, str]]
) -> dict[str, Value]:
    """Every parameter's value: its default, or the checked value given for it."""
    declared = {p.name: p for p in params}
    values: dict[str, Value] = {p.name: p.default for p in params}
    seen: set[str] = set()
    for key, text in given:
        if key not in declared:
            known = ", ".join(declared) or "none"
            raise UsageError(f"{loss}: no parameter {key!r} (parameters: {known})")
        if key in seen:
            raise UsageError(f"{loss}: parameter {key!r} given twice")
        seen.add(key)
        values[key] = declared[key].parse(loss, text)
    return values


def canonical(loss: str, params: tuple[Param, ...], values: dict[str, Value]) -> str:
    """The column name: ``loss`` and the parameters whose value is not their default."""
    changed = [f"{p.name}={p.text(values[p.name])}" for p in params if values[p.name] != p.default]
    return ":".join([loss, *changed])


def bound_function(
    function: Callable[..., Any], arguments: Mapping[str, Any]
) -> Callable[..., Any]:
    """``function`` with the parameters it takes (all, if it takes ``**params``), decided
    once here: a ``compute(sums)`` written before parameters reached it keeps working. A
    re-bound function's new values replace the old ones."""
    taken = _taken(function, arguments)
    if not taken:
        return function
    if isinstance(function, partial) and not vars(function):
        return partial(function.func, *function.args, **{**function.keywords, **taken})
    return partial(function, **taken)


def _taken(function: Callable[..., Any], arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The ``arguments`` that ``function`` (or what it wraps: ``__wrapped__``) accepts."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # no signature to read (a builtin): as before, all
        return dict(arguments)
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return dict(arguments)
    named = {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return {name: value for name, value in arguments.items() if name in named}
