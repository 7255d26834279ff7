"""What building dataclasses costs a losscli process, and what a replacement could save (#18).

Python 3.11's ``dataclasses`` compiles every generated method (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, and a frozen class's ``__setattr__`` and ``__delattr__``) from
source text, one ``exec`` each: ~0.5 ms a class whatever its fields, and a plain run builds
57 classes (BENCHMARKS.md run 19c). This tool runs a losscli command line in its own
process, as the console script does, in one of two ways:

* ``--as-is``: with ``dataclasses`` untouched (the reference);
* ``--closures``: with every losscli dataclass's methods made as closures over its fields
  (the fields still found by ``dataclasses`` itself, which compiles nothing), the least a
  home-made replacement of ``dataclasses`` could cost at start-up.

Run both under callgrind or ``/usr/bin/time``, alternating, and compare; the results must be
the same bytes. ``--report`` adds, on stderr, the classes built and the CPU time their
building took. This is a measurement, not a replacement: the closures skip what losscli does
not use (``order``, ``slots``, ``match_args``, signatures) and run ~2× slower per instance.

    python bench/dataclass_cost.py --closures -- evaluate data.csv -l y -p p -f csv

Since run 20c losscli's classes are records (:mod:`losscli.records`), which ask
``dataclasses`` for their fields alone: both ways now run the same code, and this tool
measures the records' saving only on a tree from before them (``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import dataclasses
import runpy
import sys
import time
from collections.abc import Callable
from typing import Any

# dataclasses' internals, read only: which fields are real fields and which are InitVars
_FIELD, _INITVAR = dataclasses._FIELD, dataclasses._FIELD_INITVAR  # type: ignore[attr-defined]
_AS_IS = dataclasses._process_class  # type: ignore[attr-defined]


def closure_class(
    cls: type, init: bool, repr: bool, eq: bool, order: bool, unsafe_hash: bool, frozen: bool,
    *rest: Any,
) -> type:  # fmt: skip
    """``dataclasses._process_class`` with the methods made by :func:`_methods` (``rest``:
    match_args, kw_only, slots, weakref_slot, passed on; ``order`` and ``slots`` unused)."""
    if order or (len(rest) > 2 and rest[2]):
        raise NotImplementedError("order and slots are not measured (no losscli class uses them)")
    # frozen=False: dataclasses would compile __setattr__ and __delattr__; the base
    # classes' frozen flags are all False too, so its consistency check still passes
    cls = _AS_IS(cls, False, False, False, False, False, False, *rest)
    for name, method in _methods(cls, init, repr, eq, unsafe_hash, frozen).items():
        if name not in cls.__dict__ or (name == "__hash__" and not _explicit_hash(cls)):
            setattr(cls, name, method)
    return cls


def _explicit_hash(cls: type) -> bool:
    """Whether the class body defines ``__hash__`` (not the None that defining ``__eq__``
    sets), which dataclasses keeps."""
    body = cls.__dict__
    return "__hash__" in body and not (body["__hash__"] is None and "__eq__" in body)


def _methods(
    cls: type, init: bool, repr: bool, eq: bool, unsafe_hash: bool, frozen: bool
) -> dict[str, Any]:
    """The methods dataclasses would generate for these flags, as closures."""
    every = list(cls.__dataclass_fields__.values())  # type: ignore[attr-defined]
    fields = [f for f in every if f._field_type is _FIELD]
    made: dict[str, Any] = {}
    if init:
        made["__init__"] = _init(cls, every, frozen)
    if repr:
        made["__repr__"] = _repr([f.name for f in fields if f.repr])
    compared = tuple(f.name for f in fields if f.compare)
    if eq:
        made["__eq__"] = _eq(compared)
    if unsafe_hash or (eq and frozen):
        hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
        made["__hash__"] = _hash(hashed)
    elif eq and "__hash__" not in cls.__dict__:
        made["__hash__"] = None
    if frozen:
        made.update(_frozen(cls, {f.name for f in fields}))
    return made


def _init(cls: type, every: list[Any], frozen: bool) -> Callable[..., None]:
    """``__init__``: positional then keyword arguments, defaults and factories, then
    ``__post_init__`` with the InitVars."""
    taken = [f for f in every if f.init and f._field_type in (_FIELD, _INITVAR)]
    positional = [f for f in taken if not f.kw_only]
    later = [f for f in every if not f.init and f._field_type is _FIELD]
    initvars = [f.name for f in taken if f._field_type is _INITVAR]
    stored = {f.name for f in every if f._field_type is _FIELD}
    post = hasattr(cls, "__post_init__")
    store = object.__setattr__ if frozen else setattr  # as dataclasses' own __init__ stores

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(positional):
            raise TypeError(f"{cls.__name__}() takes {len(positional)} positional arguments")
        given = zip(positional, args, strict=False)  # fewer args: the rest by keyword
        values = {f.name: value for f, value in given}
        for f in taken:
            if f.name in values and f.name in kwargs:
                raise TypeError(f"{cls.__name__}() got multiple values for {f.name!r}")
            if f.name not in values:
                values[f.name] = kwargs.pop(f.name) if f.name in kwargs else _default(cls, f)
        if kwargs:
            raise TypeError(f"{cls.__name__}() got an unexpected argument {next(iter(kwargs))!r}")
        values.update({f.name: _default(cls, f) for f in later if _has_default(f)})
        for name, value in values.items():
            if name in stored:
                store(self, name, value)
        if post:
            self.__post_init__(*[values[name] for name in initvars])

    return __init__


def _has_default(f: Any) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def _default(cls: type, f: Any) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    raise TypeError(f"{cls.__name__}() missing a required argument: {f.name!r}")


def _repr(names: list[str]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__qualname__}({shown})"

    return __repr__


def _eq(names: tuple[str, ...]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in names)

    return __eq__


def _hash(names: tuple[str, ...]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(tuple(getattr(self, n) for n in names))

    return __hash__


def _frozen(cls: type, names: set[str]) -> dict[str, Callable[..., None]]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return {"__setattr__": __setattr__, "__delattr__": __delattr__}


def losscli_only(process: Callable[..., type]) -> Callable[..., type]:
    """``process`` for losscli's classes; another library's (rich's) built as they are."""

    def building(cls: type, *args: Any) -> type:
        ours = cls.__module__.startswith("losscli")
        return (process if ours else _AS_IS)(cls, *args)

    return building


def timed(process: Callable[..., type], built: list[tuple[str, float]]) -> Callable[..., type]:
    """``process``, recording each class built and the CPU time its building took."""

    def building(cls: type, *args: Any) -> type:
        start = time.thread_time()
        made = process(cls, *args)
        built.append((f"{cls.__module__}.{cls.__qualname__}", time.thread_time() - start))
        return made

    return building


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    way = parser.add_mutually_exclusive_group(required=True)
    way.add_argument("--as-is", action="store_true", help="dataclasses untouched")
    way.add_argument("--closures", action="store_true", help="methods made as closures")
    parser.add_argument("--report", action="store_true", help="classes built, on stderr")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="losscli's arguments")
    args = parser.parse_args(argv)
    built: list[tuple[str, float]] = []
    process = losscli_only(closure_class) if args.closures else _AS_IS
    dataclasses._process_class = timed(process, built) if args.report else process  # type: ignore[attr-defined]
    sys.argv = ["losscli", *[a for a in args.command if a != "--"]]
    try:
        runpy.run_module("losscli", run_name="__main__")
    except SystemExit as done:
        code = done.code
    else:
        code = 0
    if args.report:
        total = sum(seconds for _, seconds in built)
        print(f"{len(built)} dataclasses built, {total * 1e3:.1f} ms of CPU", file=sys.stderr)
        for name, seconds in built:
            print(f"  {seconds * 1e3:5.2f} ms  {name}", file=sys.stderr)
    return code if isinstance(code, int) else 1


if __name__ == "__main__":
    sys.exit(main())
