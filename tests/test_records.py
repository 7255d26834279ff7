"""losscli.records: ``@datarecord`` against ``@dataclass`` as the oracle, on twin classes
made from one class body by each decorator; and no losscli class left a plain dataclass."""

from __future__ import annotations

import abc
import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
import sys
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import losscli
from losscli.records import datarecord

Decorator = Callable[..., Any]
BOTH: list[Decorator] = [dataclasses.dataclass, datarecord]


def twins(body: dict[str, Any], bases: tuple[type, ...] = (), **flags: Any) -> tuple[Any, Any]:
    """The class with this body made by ``@dataclass`` and by ``@datarecord`` (the same name,
    so that their reprs and errors can be compared)."""
    made: list[Any] = []
    for decorate in BOTH:
        namespace = {"__module__": __name__, "__qualname__": "Point", **copy.copy(body)}
        made.append(decorate(**flags)(type("Point", bases, namespace)))
    return made[0], made[1]


def outcome(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """What a call gives, or its error's type and message (the same for both twins)."""
    try:
        return ("value", call(*args, **kwargs))
    except Exception as error:  # the error itself is what is compared
        return (type(error), str(error))


def same_hash(a: Any, b: Any) -> bool:
    return hash(a) == hash(b)


BODY: dict[str, Any] = {
    "__annotations__": {"x": "int", "y": "int", "tags": "list[int]", "kind": ClassVar[str]},
    "y": 2,
    "tags": dataclasses.field(default_factory=list, compare=False),
    "kind": "point",
}
CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((1,), {}),
    ((1, 3), {}),
    ((1, 3, [4]), {}),
    ((), {"x": 1, "tags": [5]}),
    ((), {}),  # missing argument
    ((1, 2, [], 4), {}),  # too many
    ((1,), {"x": 1}),  # twice
    ((1,), {"z": 1}),  # unexpected
]


@pytest.mark.parametrize("frozen", [True, False])
@pytest.mark.parametrize("eq", [True, False])
@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_construction_repr_eq_hash_as_dataclass(
    frozen: bool, eq: bool, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    oracle, made = twins(BODY, frozen=frozen, eq=eq)
    expected, got = outcome(oracle, *args, **kwargs), outcome(made, *args, **kwargs)
    if expected[0] != "value":
        assert got == expected
        return
    a, b = expected[1], got[1]
    assert vars(a) == vars(b) and list(vars(a)) == list(vars(b))
    assert repr(a) == repr(b)
    again = (made(*args, **kwargs), oracle(*args, **kwargs))
    assert (b == again[0]) == (a == again[1])
    assert (b == made(9)) == (a == oracle(9))
    assert (b == "other") == (a == "other")
    assert outcome(same_hash, b, again[0]) == outcome(same_hash, a, again[1])
    assert (made.__hash__ is None) == (oracle.__hash__ is None)


@pytest.mark.parametrize("frozen", [True, False])
def test_class_attributes_as_dataclass(frozen: bool) -> None:
    oracle, made = twins(BODY, frozen=frozen)
    assert inspect.signature(made) == inspect.signature(oracle)
    assert str(inspect.signature(made)) == str(inspect.signature(oracle))
    assert made.__match_args__ == oracle.__match_args__
    assert made.__init__.__qualname__ == oracle.__init__.__qualname__
    assert made.__init__.__annotations__ == oracle.__init__.__annotations__
    assert made.kind == "point" and made.y == 2 and not hasattr(made, "tags")
    point = made(1)
    assert dataclasses.is_dataclass(made) and dataclasses.is_dataclass(point)
    assert [f.name for f in dataclasses.fields(point)] == ["x", "y", "tags"]
    undocumented = twins({"__annotations__": {"x": "int"}, "x": 0}, frozen=frozen)
    assert undocumented[1].__doc__ == undocumented[0].__doc__ == "Point(x: 'int' = 0)"


@pytest.mark.parametrize("frozen", [True, False])
def test_replace_asdict_astuple_as_dataclass(frozen: bool) -> None:
    oracle, made = twins(BODY, frozen=frozen)
    for cls in (oracle, made):
        point = dataclasses.replace(cls(1, tags=[3]), y=7)
        assert (point.x, point.y, point.tags) == (1, 7, [3])
        assert dataclasses.asdict(point) == {"x": 1, "y": 7, "tags": [3]}
        assert dataclasses.astuple(point) == (1, 7, [3])
        with pytest.raises(TypeError):
            dataclasses.replace(point, z=1)


def test_frozen_assignment_and_deletion_fail_as_dataclass() -> None:
    oracle, made = twins(BODY, frozen=True)
    for name in ("x", "other"):
        assigning = [outcome(setattr, c(1), name, 5) for c in (oracle, made)]
        deleting = [outcome(delattr, c(1), name) for c in (oracle, made)]
        assert assigning[0] == assigning[1] and assigning[0][0] is dataclasses.FrozenInstanceError
        assert deleting[0] == deleting[1] and deleting[0][0] is dataclasses.FrozenInstanceError


class Guarded:
    """A base whose ``__setattr__`` records every store: an unfrozen record stores its
    fields through it, as a dataclass does; a frozen one does not."""

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, "seen", [*getattr(self, "seen", []), name])
        object.__setattr__(self, name, value)


@pytest.mark.parametrize("frozen", [True, False])
def test_stores_go_through_setattr_as_dataclass(frozen: bool) -> None:
    oracle, made = twins(BODY, bases=(Guarded,), frozen=frozen)
    seen = [getattr(cls(1), "seen", None) for cls in (oracle, made)]
    assert seen[0] == seen[1] == (None if frozen else ["x", "y", "tags"])


class Logged:
    """A data descriptor as a field's default (as ``losses.batch.Made``): the dataclass's
    ``__init__`` stores through its ``__set__``, and so must a record's."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        return 0 if obj is None else obj.__dict__[self.name]

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = ("set", value)


@pytest.mark.parametrize("frozen", [True, False])
def test_a_data_descriptor_default_is_stored_through_as_dataclass(frozen: bool) -> None:
    body = {"__annotations__": {"x": "int", "y": "int"}, "y": Logged()}
    oracle, made = twins(body, frozen=frozen)
    assert vars(made(1)) == vars(oracle(1)) == {"x": 1, "y": ("set", 0)}
    assert made(1, 2).y == oracle(1, 2).y == ("set", 2)


@datarecord(frozen=True)
class Frozen:
    x: int
    y: list[int] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class FrozenOracle:
    x: int
    y: list[int] = dataclasses.field(default_factory=list)


@datarecord
class Loose:
    x: int
    y: int = 0


@dataclasses.dataclass
class LooseOracle:
    x: int
    y: int = 0


@pytest.mark.parametrize(("cls", "oracle"), [(Frozen, FrozenOracle), (Loose, LooseOracle)])
def test_pickle_and_copy_as_dataclass(cls: type, oracle: type) -> None:
    for made in (cls, oracle):
        point = made(1)
        for twin in (pickle.loads(pickle.dumps(point)), copy.copy(point), copy.deepcopy(point)):
            assert twin == point and type(twin) is made and vars(twin) == vars(point)


def test_a_plain_subclass_of_a_frozen_record_is_frozen_as_dataclass() -> None:
    class Sub(Frozen):
        pass

    class SubOracle(FrozenOracle):
        pass

    for made in (Sub, SubOracle):
        point: Any = made(1)
        assert point.y == [] and vars(point) == {"x": 1, "y": []}
        with pytest.raises(dataclasses.FrozenInstanceError):
            point.x = 2
        point.z = 1  # not a field, and not an instance of the record itself
        assert point.z == 1


@pytest.mark.parametrize("frozen", [True, False])
def test_inheritance_and_kw_only_as_dataclass(frozen: bool) -> None:
    made = []
    for decorate in BOTH:

        @decorate(frozen=frozen, kw_only=True)
        class Parent:
            a: int
            b: int = 1

        @decorate(frozen=frozen)
        class Child(Parent):
            c: int
            _: dataclasses.KW_ONLY
            d: int = 4

        made.append(Child)
    oracle, child = made
    assert str(inspect.signature(child)) == str(inspect.signature(oracle))
    for args, kwargs in [((3,), {"a": 1}), ((3,), {"a": 1, "b": 2, "d": 5}), ((3,), {})]:
        expected, got = (
            outcome(oracle, *args, **kwargs),
            outcome(child, *args, **kwargs),
        )
        if expected[0] == "value":
            assert repr(got[1]) == repr(expected[1]) and vars(got[1]) == vars(expected[1])
        else:
            assert got == expected


def test_post_init_initvar_and_init_false_as_dataclass() -> None:
    seen: list[Any] = []

    def post_init(self: Any, scale: int) -> None:
        seen.append(scale)
        object.__setattr__(self, "total", self.x * scale)

    body = {
        "__annotations__": {
            "x": "int",
            "scale": dataclasses.InitVar[int],
            "total": "int",
            "log": "list[int]",
        },
        "total": dataclasses.field(init=False),
        "log": dataclasses.field(init=False, default_factory=list, repr=False),
        "__post_init__": post_init,
    }
    oracle, made = twins(body, frozen=True)
    a, b = oracle(2, 3), made(2, 3)
    assert vars(a) == vars(b) == {"x": 2, "log": [], "total": 6} and seen == [3, 3]
    assert repr(a) == repr(b) and a == oracle(2, 3) and b == made(2, 3)
    assert str(inspect.signature(made)) == str(inspect.signature(oracle))
    assert outcome(made, 2) == outcome(oracle, 2)


def test_field_options_hash_compare_and_explicit_methods_as_dataclass() -> None:
    body = {
        "__annotations__": {"x": "int", "y": "int", "z": "int"},
        "y": dataclasses.field(default=0, hash=False),
        "z": dataclasses.field(default=0, compare=False, repr=False),
    }
    oracle, made = twins(body, frozen=True)
    assert hash(made(1, 2)) == hash(oracle(1, 2)) == hash((1,))
    assert made(1, 2, 3) == made(1, 2, 4) and made(1, 2) != made(1, 3)
    assert repr(made(1, 2, 3)) == repr(oracle(1, 2, 3))
    explicit = {
        "__annotations__": {"x": "int"},
        "__eq__": lambda self, other: True,
        "__hash__": lambda self: 7,
        "__repr__": lambda self: "mine",
    }
    for eq in (True, False):
        oracle, made = twins(explicit, frozen=True, eq=eq)
        assert (made(1) == made(2), hash(made(1)), repr(made(1))) == (True, 7, "mine")
        assert (oracle(1) == oracle(2), hash(oracle(1)), repr(oracle(1))) == (True, 7, "mine")
    eq_only = {"__annotations__": {"x": "int"}, "__eq__": lambda self, other: True}
    oracle, made = twins(eq_only, frozen=True)
    assert hash(made(1)) == hash(oracle(1)) == hash((1,))  # __hash__ None is not explicit


@pytest.mark.parametrize("frozen", [True, False])
def test_a_subclass_instance_is_unequal_and_documented_classes_keep_their_doc_as_dataclass(
    frozen: bool,
) -> None:
    body = {"__annotations__": {"x": "int"}, "__doc__": "A point of its own."}
    for cls in twins(body, frozen=frozen):
        sub = type("Sub", (cls,), {})
        assert cls(1) != sub(1) and sub(1) != cls(1)
        assert cls.__doc__ == "A point of its own." and cls.__init__.__doc__ is None


def test_abstract_methods_are_counted_again_after_the_methods_are_made_as_dataclass() -> None:
    class Shown(abc.ABC):
        @abc.abstractmethod
        def __repr__(self) -> str: ...  # the decorator's __repr__ implements it

        @abc.abstractmethod
        def area(self) -> float: ...  # left abstract

    for cls in twins({"__annotations__": {"x": "int"}}, bases=(Shown,)):
        assert cls.__abstractmethods__ == frozenset({"area"})
        with pytest.raises(TypeError, match="abstract"):
            cls(1)


def test_recursive_repr_as_dataclass() -> None:
    shown = []
    for cls in twins({"__annotations__": {"x": "Any"}}):
        loop = cls(None)
        loop.x = [loop, cls(1)]
        shown.append(repr(loop))
    assert shown[0] == shown[1] == "Point(x=[..., Point(x=1)])"


def test_what_dataclass_refuses_is_refused() -> None:
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"__annotations__": {"x": "int", "y": "int"}, "x": 0}, {}),  # default before none
        ({"__annotations__": {"x": "list[int]"}, "x": []}, {}),  # mutable default
        ({"__annotations__": {"x": "int"}, "__setattr__": lambda *a: None}, {"frozen": True}),
    ]
    for body, flags in cases:
        errors = [outcome(decorate(**flags), type("P", (), dict(body))) for decorate in BOTH]
        assert errors[0][0] in (TypeError, ValueError) and errors[1] == errors[0]
    loose, frozen = datarecord(type("L", (), {})), datarecord(frozen=True)(type("F", (), {}))
    with pytest.raises(TypeError, match="frozen dataclass from a non-frozen"):
        datarecord(frozen=True)(type("P", (loose,), {}))
    with pytest.raises(TypeError, match="non-frozen dataclass from a frozen"):
        datarecord(type("P", (frozen,), {}))


def test_options_it_does_not_make_and_plain_dataclass_bases_are_refused() -> None:
    for option in ("order", "unsafe_hash", "slots", "init", "repr", "match_args"):
        with pytest.raises(TypeError, match=option):
            datarecord(**{option: True})
    plain: type = dataclasses.dataclass(type("D", (), {"__annotations__": {"x": "int"}}))
    with pytest.raises(TypeError, match="plain dataclass"):
        datarecord(type("P", (plain,), {}))


@settings(deadline=None)  # two classes made per example: slow on a loaded machine
@given(
    st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=0, max_size=5, unique=True),
    st.integers(0, 5),
    st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()), min_size=5, max_size=5),
    st.booleans(),
)
def test_any_field_list_builds_as_dataclass(
    names: list[str], defaults: int, values: list[Any], frozen: bool
) -> None:
    """Fields, the trailing ones with defaults, given positionally then by keyword."""
    first_default = max(len(names) - defaults, 0)
    body: dict[str, Any] = {"__annotations__": dict.fromkeys(names, "Any")}
    body.update({name: i for i, name in enumerate(names) if i >= first_default})
    oracle, made = twins(body, frozen=frozen)
    for split in range(len(names) + 1):
        args = values[:split]
        kwargs = dict(zip(names[split:], values[split:], strict=False))
        expected = outcome(oracle, *args, **kwargs)
        got = outcome(made, *args, **kwargs)
        if expected[0] == "value":
            assert repr(got[1]) == repr(expected[1]) and vars(got[1]) == vars(expected[1])
            assert outcome(hash, got[1]) == outcome(hash, expected[1])
        else:
            assert got == expected


def test_no_losscli_class_is_a_plain_dataclass() -> None:
    """Every dataclass losscli defines is a record, so that a plain run compiles no
    dataclass methods (BENCHMARKS.md run 20c): the saving cannot silently regress."""
    names = [
        module.name
        for module in pkgutil.walk_packages(losscli.__path__, "losscli.")
        if not module.name.endswith("__main__")
    ]
    for name in names:
        importlib.import_module(name)
    plain: list[str] = []
    for name, module in list(sys.modules.items()):
        if not name.startswith("losscli"):
            continue
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == name
                and "__dataclass_fields__" in vars(value)
                and "__record_params__" not in vars(value)
            ):
                plain.append(f"{name}.{value.__qualname__}")
    assert plain == []
