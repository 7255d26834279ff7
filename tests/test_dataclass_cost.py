"""bench/dataclass_cost.py: its closures behave as dataclasses' generated methods, so that
what it measures is the same run (BENCHMARKS.md run 19c)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from conftest import BENCH_DIR, bench_module


def _both(body: dict[str, Any], **flags: Any) -> tuple[type, type]:
    """The same class body made by dataclasses and by the tool's closures."""
    cost = bench_module("dataclass_cost")
    made: list[type] = []
    for process in (cost._AS_IS, cost.closure_class):
        cls = type("Point", (), {"__module__": __name__, **body})
        wrap = dataclasses.dataclass(**flags)
        saved = dataclasses._process_class  # type: ignore[attr-defined]
        dataclasses._process_class = process  # type: ignore[attr-defined]
        try:
            made.append(wrap(cls))
        finally:
            dataclasses._process_class = saved  # type: ignore[attr-defined]
    return made[0], made[1]


BODY: dict[str, Any] = {
    "__annotations__": {"x": "int", "y": "int", "tags": "list", "kind": ClassVar[str]},
    "y": 2,
    "tags": dataclasses.field(default_factory=list, compare=False),
    "kind": "point",
}


@pytest.mark.parametrize("frozen", [True, False])
def test_closures_build_instances_as_dataclasses_do(frozen: bool) -> None:
    expected, closures = _both(BODY, frozen=frozen)
    for made in ((1,), (1, 3), (1,), ()):
        if not made:
            for cls in (expected, closures):
                with pytest.raises(TypeError):
                    cls()
            continue
        a, b = expected(*made), closures(*made)
        assert repr(a).split("(", 1)[1] == repr(b).split("(", 1)[1]
        assert dataclasses.asdict(a) == dataclasses.asdict(b)
        assert closures(*made) == b and closures(*made, tags=[1]) == b  # tags not compared
    assert closures(x=1, y=5) == closures(1, 5) != closures(1, 6)
    assert dataclasses.replace(closures(1), y=7) == closures(1, 7)
    with pytest.raises(TypeError):
        closures(1, x=1)
    with pytest.raises(TypeError):
        closures(1, z=1)


def test_closures_hash_and_freeze_as_dataclasses_do() -> None:
    expected, closures = _both(BODY, frozen=True)
    assert hash(closures(1, 2)) == hash(closures(1, 2, [5]))
    assert {closures(1, 2): "a"}[closures(1, 2)] == "a"
    for cls in (expected, closures):
        with pytest.raises(dataclasses.FrozenInstanceError):
            cls(1).x = 3
    _, unfrozen = _both(BODY)
    assert unfrozen.__hash__ is None  # eq without frozen: unhashable, as dataclasses makes it
    _, no_eq = _both(BODY, frozen=True, eq=False)
    assert no_eq(1) != no_eq(1) and hash(no_eq(1)) != hash(no_eq(1))


def test_closures_keep_post_init_and_kw_only_fields() -> None:
    seen: list[Any] = []
    body = {
        "__annotations__": {"x": "int", "scale": dataclasses.InitVar[int], "y": "int"},
        "y": dataclasses.field(default=0, kw_only=True),
        "__post_init__": lambda self, scale: seen.append((self.x, scale)),
    }
    _, closures = _both(body, frozen=True)
    assert closures(4, 10, y=1).y == 1
    assert seen == [(4, 10)]
    with pytest.raises(TypeError):
        closures(4, 10, 1)


def test_closures_store_an_unfrozen_class_fields_through_its_own_setattr() -> None:
    """As dataclasses' __init__ does (``self.x = x``): rich's thread-local classes need it."""
    stored: list[str] = []

    def recording(self: Any, name: str, value: Any) -> None:
        stored.append(name)
        object.__setattr__(self, name, value)

    _, closures = _both({**BODY, "__setattr__": recording})
    closures(1)
    assert stored == ["x", "y", "tags"]


def test_only_losscli_classes_get_closures() -> None:
    cost = bench_module("dataclass_cost")
    built: list[str] = []

    def process(cls: type, *args: Any) -> type:
        built.append(cls.__module__)
        return cls

    building = cost.losscli_only(process)
    flags = (True, True, True, False, False, True, True, False, False, False)  # as dataclass()
    for module in ("losscli.result.frame", __name__):
        made = building(type("C", (), {"__module__": module, "__annotations__": {}}), *flags)
        assert made.__module__ != __name__ or dataclasses.is_dataclass(made)
    assert built == ["losscli.result.frame"]


def test_a_run_reads_the_same_both_ways(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    data.write_text("y,p,g\n1,1.5,a\n2,1.5,b\n3,2.5,a\n4,5.0,b\n")
    outputs = []
    for way in ("--as-is", "--closures"):
        done = subprocess.run(
            [sys.executable, str(BENCH_DIR / "dataclass_cost.py"), way, "--report", "--",
             "evaluate", str(data), "-l", "y", "-p", "p", "-g", "g", "--ci", "-f", "json"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert "dataclasses built" in done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and '"mse"' in outputs[0]
