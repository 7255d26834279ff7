"""A total keeps sums holding the same numbers as one array (``engine/shared_sums.py``):
the same bits as adding to each apart, parted as soon as their values differ, and a count
of no rows adds nothing."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from losscli.engine import partial as partial_module
from losscli.engine import shared_sums
from losscli.engine.partial import Partial
from losscli.testing import KernelHarness


def _grouped_parts(harness: KernelHarness, seed: int, count: int = 3) -> list[Partial]:
    """``count`` chunks' partials of 40 rows over 20 text keys, labels away from zero."""
    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(count):
        g = [f"k{v}" for v in rng.integers(0, 20, 40)]
        parts.append(harness.partial(rng.random(40) + 1, rng.random(40), g=g))
    return parts


def _absorbed(harness: KernelHarness, parts: list[Partial]) -> Partial:
    """A fold's total of ``parts``, absorbed in order."""
    total = harness.empty()
    for part in parts:
        total.absorb(part)
    return total


def _separately(chunks: list[dict[str, np.ndarray]], wheres: list[np.ndarray], size: int):
    """Each statistic's total added apart, with ``np.add.at``: what the totals must equal."""
    totals: dict[str, np.ndarray] = {}
    for chunk, where in zip(chunks, wheres, strict=True):
        for key, values in chunk.items():
            np.add.at(totals.setdefault(key, np.zeros(size)), where, values)
    return totals


def _fold(chunks: list[dict[str, np.ndarray]], wheres: list[np.ndarray], size: int):
    totals: dict[str, np.ndarray] = {}
    for chunk, where in zip(chunks, wheres, strict=True):
        totals.update(shared_sums.added(totals, chunk, where, size, counts={"n", "flag"}))
    return totals


def test_equal_sums_are_one_array_until_they_differ() -> None:
    rng = np.random.default_rng(0)
    size = 50
    wheres = [rng.permutation(size)[:20] for _ in range(4)]
    chunks = []
    for c, where in enumerate(wheres):
        n = rng.integers(1, 5, len(where)).astype(float)
        den = n.copy()
        if c == 2:  # MAPE's rows without a zero label: fewer, from here on
            den[3] -= 1
        chunks.append({"n": n, "mse.den": n.copy(), "mape.den": den, "num": rng.random(len(where))})
    totals, want = _fold(chunks[:2], wheres[:2], size), _separately(chunks[:2], wheres[:2], size)
    assert totals["n"] is totals["mse.den"] is totals["mape.den"]
    assert totals["num"] is not totals["n"]
    totals = _fold(chunks, wheres, size)
    want = _separately(chunks, wheres, size)
    assert totals["n"] is totals["mse.den"]
    assert totals["mape.den"] is not totals["n"]
    for key, values in want.items():
        assert totals[key].tobytes() == values.tobytes(), key


def test_sums_kept_together_part_when_one_is_absent() -> None:
    size, where = 4, np.array([2, 0])
    totals = shared_sums.added({}, {"a": np.ones(2), "b": np.ones(2)}, where, size, counts=())
    assert totals["a"] is totals["b"]
    totals.update(shared_sums.added(totals, {"a": np.ones(2)}, where, size, counts=()))
    assert totals["a"].tolist() == [2, 0, 2, 0]
    assert totals["b"].tolist() == [1, 0, 1, 0]


def test_bits_decide_not_equality() -> None:
    """0.0 and −0.0 are equal, not the same bits: kept apart."""
    size, where = 3, np.array([0, 1])
    chunk = {"a": np.array([0.0, 1.0]), "b": np.array([-0.0, 1.0])}
    totals = shared_sums.added({}, chunk, where, size, counts=())
    assert totals["a"] is not totals["b"]
    nan = {"a": np.array([np.nan, 1.0]), "b": np.array([np.nan, 1.0])}
    totals = shared_sums.added({}, nan, where, size, counts=())
    assert totals["a"] is totals["b"]


def test_a_count_of_no_rows_adds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    adds = []
    monkeypatch.setattr(shared_sums, "add_at", lambda *args: adds.append(args))
    where = np.array([1, 0])
    chunk = {"flag": np.zeros(2), "sum": np.array([-0.0, 0.0])}
    totals = shared_sums.added({}, chunk, where, 2, counts={"flag"})
    assert len(adds) == 1  # a sum of zeros is added (the bits of −0.0 count), a count not
    assert totals["flag"].tolist() == [0.0, 0.0]


def test_many_different_sums_are_compared_by_a_glance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sums alike at a few places are compared whole; others never (every loss over many
    small files would otherwise compare each pair)."""
    compared: list[int] = []
    same_bits = shared_sums.same_bits

    def counted(a: np.ndarray, b: np.ndarray) -> bool:
        compared.append(1)
        return same_bits(a, b)

    monkeypatch.setattr(shared_sums, "same_bits", counted)
    rng = np.random.default_rng(1)
    chunk = {f"s{i}": rng.random(100) for i in range(40)}
    assert len(shared_sums.equal_sets(list(chunk), chunk)) == 40
    assert not compared


def test_a_fold_of_mse_and_mape_keeps_counts_once_and_sums_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The partial of a fold of many keys: the row counts and both means' denominators are
    one array until MAPE's parts (a zero label); the values are those of separate totals,
    through growth, pickling and parting."""
    monkeypatch.setattr(partial_module, "SUMS_TOGETHER_KEYS", 1)  # "many" keys: any
    harness = KernelHarness(["mse", "mape"], weighted=False, grouped=True)
    rng = np.random.default_rng(2)
    total = harness.empty()
    for start in range(0, 400, 50):
        g = [f"k{v}" for v in rng.integers(0, 30 + start, 50)]
        y = rng.random(50) + 1
        if start == 300:
            y[7] = 0.0  # MAPE's den parts from the row counts here
        total.absorb(harness.partial(y, rng.random(50), g=g))
        dens = [s for k, s in total.states.items() if k[2].name == "den"]
        assert dens[0] is total.n  # MSE's
        assert (dens[1] is total.n) == (start < 300)  # MAPE's
    again = pickle.loads(pickle.dumps(total))
    assert harness.metrics(again) == harness.metrics(total)


def test_a_fold_of_few_keys_keeps_every_sum_apart() -> None:
    """Below ``SUMS_TOGETHER_KEYS`` comparing a chunk's sums costs more than the adds it
    saves: each sum its own array, as it always was."""
    harness = KernelHarness(["mse", "mape"], weighted=False, grouped=True)
    total = harness.empty()
    for seed in range(3):
        rng = np.random.default_rng(seed)
        g = [f"k{v}" for v in rng.integers(0, 30, 50)]
        total.absorb(harness.partial(rng.random(50) + 1, rng.random(50), g=g))
    arrays = [total.n, *total.states.values()]
    assert len({id(a) for a in arrays}) == len(arrays)


@pytest.mark.parametrize("together", [1, 1 << 30])
def test_a_partial_of_shared_sums_merges_as_one_of_separate_arrays(
    monkeypatch: pytest.MonkeyPatch, together: int
) -> None:
    monkeypatch.setattr(partial_module, "SUMS_TOGETHER_KEYS", together)
    harness = KernelHarness(["mse", "mape"], weighted=False, grouped=True)
    parts = _grouped_parts(harness, seed=3)
    folded = _absorbed(harness, parts)
    merged = parts[0].merge(parts[1]).merge(parts[2])
    assert harness.metrics(folded) == harness.metrics(merged)
    assert isinstance(folded, Partial)


def test_a_statistic_first_seen_late_does_not_join_a_total_already_added_to() -> None:
    """A new statistic with the same values as one already totalled starts its own total
    at zero: joining that total would give it the earlier chunks' sums too."""
    where = np.array([0, 1])
    totals = shared_sums.added({}, {"a": np.ones(2)}, where, 2, counts=())
    totals.update(
        shared_sums.added(totals, {"a": np.ones(2), "b": np.ones(2)}, where, 2, counts=())
    )
    assert totals["a"].tolist() == [2.0, 2.0]
    assert totals["b"].tolist() == [1.0, 1.0]


def test_a_trimmed_partial_keeps_sums_held_together_as_one_array(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Trimming cuts an array several sums hold once, not once per sum: a view apiece
    would be added to once per statistic, counting a chunk's rows twice."""
    monkeypatch.setattr(partial_module, "SUMS_TOGETHER_KEYS", 1)
    harness = KernelHarness(["mse", "mape"], weighted=False, grouped=True)
    parts = _grouped_parts(harness, seed=4)
    trimmed = _absorbed(harness, parts[:2]).trimmed()
    dens = [s for k, s in trimmed.states.items() if k[2].name == "den"]
    assert all(den is trimmed.n for den in dens)
    trimmed.absorb(parts[2])
    whole = _absorbed(harness, parts)
    assert harness.metrics(trimmed) == harness.metrics(whole)
    assert trimmed.n[: trimmed.size].tolist() == whole.n[: whole.size].tolist()


def test_nothing_past_the_fold_writes_into_a_total(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sums held as one array stay right only while nothing but ``absorb`` writes into a
    total: finalizing and merging a total whose arrays cannot be written still work."""
    monkeypatch.setattr(partial_module, "SUMS_TOGETHER_KEYS", 1)
    harness = KernelHarness(["mse", "mape"], weighted=False, grouped=True)
    total = _absorbed(harness, _grouped_parts(harness, seed=5))
    want = harness.metrics(total)
    for array in [total.n, *total.states.values()]:
        array.flags.writeable = False
    assert harness.metrics(total) == want
    assert harness.metrics(harness.empty().merge(total)) == want
