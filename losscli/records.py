"""``@datarecord``: a dataclass whose methods are made without compiling source (#18).

Python 3.11's ``dataclasses`` writes each generated method (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, a frozen class's ``__setattr__`` and ``__delattr__``) as source
text and compiles it with ``exec``: ~0.5 ms a class, 25-30 ms of a losscli start-up's CPU
(BENCHMARKS.md runs 19c and 20c). A record, a class made by ``@datarecord`` (a name no
losscli module uses otherwise, where ``record`` is a common variable), is a dataclass to
everything that reads one (``fields``, ``replace``, ``asdict``, ``is_dataclass``, pickling,
copying, mypy through ``dataclass_transform``): ``dataclasses`` itself finds its fields,
with every method switched off, which compiles nothing. The methods are then closures over
the fields, with the semantics ``@dataclass`` gives them, and ``__init__`` is one
template's code object renamed to the class's arguments (``code.replace``), so that Python
itself binds them (positions, keywords, defaults, the errors) as for a generated
``__init__``; storing the fields then takes a loop, ~0.1 µs a field more than a generated
``__init__`` (a few hundred classes made per chunk: ~1 ms of a 10M-row run).

The options are the ones losscli uses: ``frozen``, ``eq`` and ``kw_only``; any other is
refused when the class is made (a ``TypeError``), never silently ignored. Every field
option (``field(...)``, ``ClassVar``, ``InitVar``, ``KW_ONLY``) and ``__post_init__`` work
as with ``@dataclass``, as does inheritance between records. A record over a plain
dataclass base is refused: ``dataclasses`` sees a record as unfrozen with no methods, so
its frozen-inheritance check would not see the truth; for the same reason a plain
dataclass made over a record is not refused, and is not checked either (make it a record).
``__dataclass_params__`` says what ``dataclasses`` made (no methods); a record's own
options are in ``__record_params__``. ``__init__`` has globals of its own, so
``typing.get_type_hints`` resolves a record's string annotations on the class, not on its
``__init__``.
"""

from __future__ import annotations

import abc
import builtins
import dataclasses
import inspect
import operator
import reprlib
import sys
from collections.abc import Callable
from types import FunctionType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, overload

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
elif TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # Python 3.10 at run time: the decorator only informs type checkers

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda decorator: decorator


_T = TypeVar("_T", bound=type)
_MISSING = dataclasses.MISSING
# dataclasses' kinds of field, as its own functions (fields, replace, asdict) tell them apart
_FIELD = dataclasses._FIELD  # type: ignore[attr-defined]
_INITVAR = dataclasses._FIELD_INITVAR  # type: ignore[attr-defined]
# the default of an argument whose field has a factory, shown "<factory>" in signatures
_FACTORY = dataclasses._HAS_DEFAULT_FACTORY  # type: ignore[attr-defined]
_PARAMS = "__record_params__"


class Params(NamedTuple):
    """A record's options, kept on the class for its subclasses' frozen check."""

    frozen: bool
    eq: bool
    kw_only: bool


@overload
def datarecord(cls: _T, /) -> _T: ...
@overload
def datarecord(
    *, frozen: bool = False, eq: bool = True, kw_only: bool = False
) -> Callable[[_T], _T]: ...
@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def datarecord(
    cls: _T | None = None, /, *, frozen: bool = False, eq: bool = True, kw_only: bool = False
) -> _T | Callable[[_T], _T]:
    """``@dataclass`` with these options, its methods made without compiling source."""
    params = Params(frozen, eq, kw_only)

    def make(cls: _T) -> _T:
        return _make(cls, params)

    return make if cls is None else make(cls)


def _make(cls: _T, params: Params) -> _T:
    """The class as ``@dataclass(**params)`` makes it."""
    _check_bases(cls, params.frozen)
    documented = bool(cls.__doc__)
    dataclasses.dataclass(cls, init=False, repr=False, eq=False, kw_only=params.kw_only)
    setattr(cls, _PARAMS, params)
    every = list(cls.__dataclass_fields__.values())  # type: ignore[attr-defined]
    stored = [f for f in every if f._field_type is _FIELD]
    _add(cls, "__init__", _init(cls, every, params.frozen))
    _add(cls, "__repr__", reprlib.recursive_repr()(_repr([f.name for f in stored if f.repr])))
    compared = tuple(f.name for f in stored if f.compare)
    if params.eq:
        _add(cls, "__eq__", _eq(compared))
    if params.frozen:
        for method in _frozen(cls, frozenset(f.name for f in stored)):
            if not _add(cls, method.__name__, method):
                raise TypeError(
                    f"Cannot overwrite attribute {method.__name__} in class {cls.__name__}"
                )
    _set_hash(cls, params, [f for f in stored if (f.compare if f.hash is None else f.hash)])
    if not documented:  # as dataclasses writes it, from the signature of the new __init__
        cls.__doc__ = cls.__name__ + str(inspect.signature(cls)).replace(" -> None", "")
    abc.update_abstractmethods(cls)
    return cls


def _check_bases(cls: type, frozen: bool) -> None:
    """Refuse what ``@dataclass`` refuses of a hierarchy, and a plain dataclass base."""
    frozen_bases = []
    for base in cls.__mro__[1:]:
        if "__dataclass_fields__" not in vars(base):
            continue
        if _PARAMS not in vars(base):
            raise TypeError(
                f"{cls.__qualname__}: base {base.__qualname__} is a plain dataclass; make it a "
                "record too (records and dataclasses are not mixed in one hierarchy)"
            )
        frozen_bases.append(vars(base)[_PARAMS].frozen)
    if frozen_bases and any(frozen_bases) and not frozen:
        raise TypeError("cannot inherit non-frozen dataclass from a frozen one")
    if frozen_bases and not any(frozen_bases) and frozen:
        raise TypeError("cannot inherit frozen dataclass from a non-frozen one")


def _add(cls: type, name: str, method: Any) -> bool:
    """Set a method the class body does not define (as dataclasses does); whether set."""
    if name in vars(cls):
        return False
    method.__qualname__ = f"{cls.__qualname__}.{name}"
    method.__module__ = cls.__module__
    setattr(cls, name, method)
    return True


def _init_template(self: Any) -> None:
    """The code every record's ``__init__`` is renamed from: its arguments become local
    variables, which ``locals()`` hands to the class's own ``_fill`` (a global of the
    function each class gets, so that renaming the locals moves no index)."""
    _fill(self, locals())  # type: ignore[name-defined]  # noqa: F821


def _init(cls: type, every: list[Any], frozen: bool) -> FunctionType:
    """``__init__``: the template renamed to the class's arguments, with their defaults."""
    taken = [f for f in every if f.init and f._field_type in (_FIELD, _INITVAR)]
    positional = [f for f in taken if not f.kw_only]
    keyword = [f for f in taken if f.kw_only]
    _check_defaults(positional)
    self_name = "__dataclass_self__" if "self" in cls.__dataclass_fields__ else "self"  # type: ignore[attr-defined]
    names = (self_name, *(f.name for f in positional), *(f.name for f in keyword))
    qualname = f"{cls.__qualname__}.__init__"
    renamed: dict[str, Any] = {"co_qualname": qualname} if sys.version_info >= (3, 11) else {}
    code = _init_template.__code__.replace(
        co_varnames=names,
        co_argcount=1 + len(positional),
        co_kwonlyargcount=len(keyword),
        co_nlocals=len(names),
        co_name="__init__",
        **renamed,
    )
    scope = {
        "__builtins__": builtins,
        "__name__": cls.__module__,
        "_fill": _filler(cls, every, frozen),
    }
    defaults = tuple(_default(f) for f in positional if _has_default(f))
    init = FunctionType(code, scope, "__init__", defaults or None)
    init.__doc__ = None  # as a generated __init__ (not the template's docstring)
    init.__kwdefaults__ = {f.name: _default(f) for f in keyword if _has_default(f)} or None
    init.__annotations__ = {**{f.name: f.type for f in taken}, "return": None}
    return init


def _check_defaults(positional: list[Any]) -> None:
    """dataclasses' error for a required positional argument after one with a default
    (naming that default since Python 3.13, as dataclasses does)."""
    seen_default = None
    for f in positional:
        if _has_default(f):
            seen_default = f
        elif seen_default is not None:
            named = f" {seen_default.name!r}" if sys.version_info >= (3, 13) else ""
            raise TypeError(f"non-default argument {f.name!r} follows default argument{named}")


def _has_default(f: Any) -> bool:
    return f.default is not _MISSING or f.default_factory is not _MISSING


def _default(f: Any) -> Any:
    return f.default if f.default_factory is _MISSING else _FACTORY


def _filler(cls: type, every: list[Any], frozen: bool) -> Callable[[Any, dict[str, Any]], None]:
    """What ``__init__`` does with its arguments: store the fields in order (a factory's
    value made when its argument was left out, an ``init=False`` field's factory always;
    an ``init=False`` field with a plain default is left to the class attribute), then
    call ``__post_init__`` with the ``InitVar`` arguments.

    A frozen class stores with ``object.__setattr__``, an unfrozen one through its type's
    ``__setattr__``, as dataclasses' ``__init__`` does, one call a field. Never through
    ``self.__dict__``: reading it makes the instance's attributes a dictionary of their
    own, and every later read of them ~3x slower (Python 3.11's inline values).
    """
    plan = tuple(
        (f.name, f.init, f.default_factory)
        for f in every
        if f._field_type is _FIELD and (f.init or f.default_factory is not _MISSING)
    )
    initvars = tuple(f.name for f in every if f._field_type is _INITVAR)
    post_init = hasattr(cls, "__post_init__")

    def fill(self: Any, given: dict[str, Any]) -> None:
        # the type's own __setattr__ is what `self.name = value` calls; object's, looked up
        # so, is no builtin function: no call a profiler sees, as in a generated __init__
        store: Any = object.__setattr__ if frozen else type(self).__setattr__
        for name, argument, factory in plan:
            value = given[name] if argument else _FACTORY
            store(self, name, factory() if value is _FACTORY else value)
        if post_init and initvars:
            self.__post_init__(*map(given.__getitem__, initvars))
        elif post_init:
            self.__post_init__()

    return fill


def _repr(names: list[str]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        shown = ", ".join([f"{name}={getattr(self, name)!r}" for name in names])
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of these names' values (``operator.attrgetter`` gives a bare value for one
    name and refuses none)."""
    if len(names) >= 2:
        return operator.attrgetter(*names)
    if names:
        one = operator.attrgetter(*names)
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _eq(names: tuple[str, ...]) -> Callable[[Any, Any], Any]:
    if sys.version_info >= (3, 13):  # dataclasses compares field by field since 3.13
        return _eq_by_field(names)
    values = _getter(names)

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _eq_by_field(names: tuple[str, ...]) -> Callable[[Any, Any], Any]:
    """``self is other or (self.a == other.a and self.b == other.b ...)``, as 3.13 writes it."""

    def __eq__(self: Any, other: Any) -> Any:
        if self is other:
            return True
        if other.__class__ is not self.__class__:
            return NotImplemented
        same: Any = True
        for name in names:
            same = getattr(self, name) == getattr(other, name)
            if not same:
                break
        return same

    return __eq__


def _set_hash(cls: type, params: Params, hashed: list[Any]) -> None:
    """dataclasses' table for ``unsafe_hash=False``: an explicit ``__hash__`` is kept; else
    eq and frozen hash the fields, eq alone makes instances unhashable."""
    own = vars(cls).get("__hash__", _MISSING)
    explicit = not (own is _MISSING or (own is None and "__eq__" in vars(cls)))
    if explicit or not params.eq:
        return
    if not params.frozen:
        cls.__hash__ = None  # type: ignore[assignment]
        return
    values = _getter(tuple(f.name for f in hashed))

    def __hash__(self: Any) -> int:
        return hash(values(self))

    __hash__.__qualname__ = f"{cls.__qualname__}.__hash__"
    __hash__.__module__ = cls.__module__
    cls.__hash__ = __hash__  # type: ignore[assignment,method-assign]


def _frozen(cls: type, names: frozenset[str]) -> tuple[Callable[..., None], ...]:
    """A frozen class's ``__setattr__`` and ``__delattr__``: its fields cannot change, nor
    can anything on an instance of this very class."""

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)  # type: ignore[arg-type]

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)  # type: ignore[arg-type]

    return __setattr__, __delattr__
