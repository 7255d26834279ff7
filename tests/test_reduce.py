"""Properties of the reduction: chunking, grouping, order and merging never change a value."""

from __future__ import annotations

import pickle
from itertools import pairwise
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from losscli.api import evaluate
from losscli.engine.blocks import ROWS_PER_KEY, rows_per_block
from losscli.engine.key_index import ColumnIndex
from losscli.engine.keys import KeySet
from losscli.engine.partial import Partial
from losscli.engine.statistics import MOMENTS, SUM, Key, Kind, Statistic
from losscli.losses import REGISTRY, Loss, Params, Task, get_loss
from losscli.losses.shapes import NUM
from losscli.result import CiSettings
from losscli.testing import KernelHarness

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)
REL, ABS = 1e-9, 1e-12

# ------------------------------------------------------------------ strategies

# Finite values of moderate magnitude. Labels are drawn on a 1/16 grid so that a
# sample never has a spread many orders of magnitude below its mean: such data is
# ill-conditioned for any summation order, and would test float luck, not the code.
labels = st.integers(-16_000, 16_000).map(lambda i: i / 16)
preds = st.one_of(
    st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False),
    labels,
)
# Weights in [0, 10] on a 1/64 grid: Σw·y / Σw is then exact when every weighted label
# is the same, so a zero spread is exactly 0 and R²'s "SST = 0" cases are decided the
# same way in any order (with arbitrary float weights the mean of one weighted label c
# can come out as c ± 1 ulp, and R² as ±1e31, in scikit-learn too).
weights = st.one_of(st.just(0.0), st.just(1.0), st.integers(0, 640).map(lambda i: i / 64))


@st.composite
def data(draw: Any, min_size: int = 1, max_size: int = 40) -> tuple[np.ndarray, ...]:
    """Labels, predictions and weights (weights in [0, 10], positive total)."""
    n = draw(st.integers(min_size, max_size))
    y = np.array(draw(st.lists(labels, min_size=n, max_size=n)), dtype=float)
    p = np.array(draw(st.lists(preds, min_size=n, max_size=n)), dtype=float)
    w = np.array(draw(st.lists(weights, min_size=n, max_size=n)), dtype=float)
    assume(w.sum() > 0)
    return y, p, w


@st.composite
def data_and_bounds(draw: Any) -> tuple[tuple[np.ndarray, ...], list[int]]:
    y, p, w = draw(data())
    inner = draw(st.lists(st.integers(0, len(y)), max_size=6))
    return (y, p, w), sorted({0, len(y), *inner})


# --------------------------------------------------------------------- helpers

ALL_LOSSES: list[Loss] = [get_loss(name) for name in REGISTRY]
LOSSES = ("all", "huber:delta=0.75")  # every loss, and one with a parameter set


HARNESS = KernelHarness(LOSSES)
GROUPED = KernelHarness(LOSSES, grouped=True)


def fold(harness: KernelHarness, chunks: list[Partial]) -> Partial:
    total = harness.empty()
    for chunk in chunks:
        total.absorb(chunk)
    return total


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, rel=REL, abs=ABS)


def assert_same_metrics(got: dict[str, float | None], want: dict[str, float | None]) -> None:
    assert got.keys() == want.keys()
    differ = {k: (got[k], want[k]) for k in got if not same(got[k], want[k])}
    assert not differ


def assert_same_rows(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert_same_metrics(g, w)


def frame(y: np.ndarray, p: np.ndarray, w: np.ndarray, **extra: Any) -> pd.DataFrame:
    return pd.DataFrame({"y_true": y, "y_pred": p, "w": w, **extra})


# mase and rmsse need a history: tests/test_scaled.py checks their rows per group and series
NAMED = [loss.name for loss in ALL_LOSSES if Task.REGRESSION in loss.tasks and not loss.history]


def run(df: pd.DataFrame, **kwargs: Any):
    kwargs.setdefault("losses", "all")
    return evaluate(df, label="y_true", pred="y_pred", weight="w", **kwargs)


# ----------------------------------------------------------- chunked == whole


def test_all_losses_are_exercised() -> None:
    """The properties below cover every registered loss, regression ones included."""
    names = {loss.name for loss in ALL_LOSSES}
    assert {
        "mse",
        "rmse",
        "mae",
        "mape",
        "smape",
        "wape",
        "msle",
        "huber",
        "log_cosh",
        "r2",
        "pinball",
        "poisson_deviance",
        "gamma_deviance",
        "tweedie_deviance",
        "max_error",
    } <= names


@SETTINGS
@given(data_and_bounds())
def test_chunked_equals_whole(case: tuple[tuple[np.ndarray, ...], list[int]]) -> None:
    (y, p, w), bounds = case
    whole = HARNESS.partial(y, p, w)
    chunks = [
        HARNESS.partial(y[lo:hi], p[lo:hi], w[lo:hi], first_row=lo) for lo, hi in pairwise(bounds)
    ]
    chunked = fold(HARNESS, chunks)
    assert_same_rows(HARNESS.metrics(chunked), HARNESS.metrics(whole))
    assert [r.notes for r in HARNESS.rows(chunked)] == [r.notes for r in HARNESS.rows(whole)]


@SETTINGS
@given(data_and_bounds(), st.data())
def test_chunked_equals_whole_with_keys(
    case: tuple[tuple[np.ndarray, ...], list[int]], draw: st.DataObject
) -> None:
    """Keys appearing chunk by chunk, and an empty last chunk."""
    (y, p, w), bounds = case
    g = np.array(draw.draw(st.lists(st.sampled_from("abcd"), min_size=len(y), max_size=len(y))))
    whole = GROUPED.partial(y, p, w, g)
    chunks = [
        GROUPED.partial(y[lo:hi], p[lo:hi], w[lo:hi], g[lo:hi], first_row=lo)
        for lo, hi in pairwise(bounds)
    ]
    chunked = fold(GROUPED, [*chunks, GROUPED.partial(y[:0], p[:0], w[:0], g[:0])])
    assert chunked.size == whole.size
    assert [r.group for r in GROUPED.rows(chunked)] == [r.group for r in GROUPED.rows(whole)]
    assert_same_rows(GROUPED.metrics(chunked), GROUPED.metrics(whole))


@st.composite
def binary_data(draw: Any) -> tuple[tuple[np.ndarray, ...], list[int], np.ndarray]:
    """0/1 labels, probabilities (0 and 1 included), weights, chunk bounds and groups: the
    data every classification loss scores."""
    n = draw(st.integers(1, 40))
    y = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)))
    p = np.array(draw(st.lists(st.integers(0, 64).map(lambda i: i / 64), min_size=n, max_size=n)))
    w = np.array(draw(st.lists(weights, min_size=n, max_size=n)), dtype=float)
    assume(w.sum() > 0)
    inner = draw(st.lists(st.integers(0, n), max_size=6))
    g = np.array(draw(st.lists(st.sampled_from("ab"), min_size=n, max_size=n)))
    return (y, p, w), sorted({0, n, *inner}), g


@SETTINGS
@given(binary_data())
def test_binary_data_chunked_and_grouped_equals_whole(
    case: tuple[tuple[np.ndarray, ...], list[int], np.ndarray],
) -> None:
    """Every loss on binary data: chunks and keys change nothing, notes included."""
    (y, p, w), bounds, g = case
    for harness, keys in ((HARNESS, None), (GROUPED, g)):
        whole = harness.partial(y, p, w, keys)
        chunks = [
            harness.partial(
                y[lo:hi], p[lo:hi], w[lo:hi], None if keys is None else keys[lo:hi], first_row=lo
            )
            for lo, hi in pairwise(bounds)
        ]
        chunked = fold(harness, chunks)
        assert_same_rows(harness.metrics(chunked), harness.metrics(whole))
        assert [r.notes for r in harness.rows(chunked)] == [r.notes for r in harness.rows(whole)]


# ------------------------------------------------ group rows == per-group rows


def assert_same_subset(got: dict[str, float | None], alone: dict[str, float | None]) -> None:
    """``alone`` may leave out losses that apply nowhere in its rows ('all' drops them)."""
    assert alone.keys() <= got.keys()
    assert all(got[k] is None for k in got.keys() - alone.keys())
    assert_same_metrics({k: got[k] for k in alone}, alone)


@SETTINGS
@given(data(), st.data())
def test_group_rows_equal_per_group_evaluation(
    case: tuple[np.ndarray, ...], draw: st.DataObject
) -> None:
    y, p, w = case
    g = draw.draw(st.lists(st.sampled_from("abc"), min_size=len(y), max_size=len(y)))
    df = frame(y, p, w, g=g)
    grouped = run(df, group_by="g", huber_delta=0.75).rows
    keys = sorted(set(g))
    assert [row.group for row in grouped] == [*({"g": k} for k in keys), None]
    for row in grouped[:-1]:
        part = df[df.g == row.group["g"]]
        if not part.w.sum():  # evaluating it alone is an error: no row counts
            assert row.metrics["mse"] is None
            continue
        alone = run(part, huber_delta=0.75).rows[-1]
        assert row.n == alone.n == len(part)
        assert_same_subset(row.metrics, alone.metrics)
        assert {k: v for k, v in row.notes.items() if k in alone.notes} == alone.notes
    ungrouped = run(df, huber_delta=0.75).rows
    assert len(ungrouped) == 1
    assert grouped[-1].n == ungrouped[0].n == len(df)
    assert_same_subset(grouped[-1].metrics, ungrouped[0].metrics)
    assert {k: v for k, v in grouped[-1].notes.items() if k in ungrouped[0].metrics} == ungrouped[
        0
    ].notes


@SETTINGS
@given(data(), st.data())
def test_group_rows_equal_per_group_evaluation_named_losses(
    case: tuple[np.ndarray, ...], draw: st.DataObject
) -> None:
    """With every loss named, none is left out: rows match key for key, notes included."""
    y, p, w = case
    g = draw.draw(st.lists(st.sampled_from("abc"), min_size=len(y), max_size=len(y)))
    df = frame(y, p, w, g=g)
    grouped = run(df, group_by="g", losses=NAMED).rows
    for row in grouped[:-1]:
        part = df[df.g == row.group["g"]]
        if not part.w.sum():  # see test_group_rows_equal_per_group_evaluation
            continue
        alone = run(part, losses=NAMED).rows[-1]
        assert row.n == alone.n
        assert_same_metrics(row.metrics, alone.metrics)
        assert row.notes == alone.notes
    ungrouped = run(df, losses=NAMED).rows[-1]
    assert_same_metrics(grouped[-1].metrics, ungrouped.metrics)
    assert grouped[-1].notes == ungrouped.notes


# ------------------------------------------------------------ order invariance


@SETTINGS
@given(data(), st.randoms(use_true_random=False), st.booleans())
def test_shuffling_rows_changes_nothing(
    case: tuple[np.ndarray, ...], rnd: Any, grouped: bool
) -> None:
    y, p, w = case
    g = [("a", "b")[i % 2] for i in range(len(y))]
    df = frame(y, p, w, g=g)
    order = list(range(len(df)))
    rnd.shuffle(order)
    shuffled = df.iloc[order].reset_index(drop=True)
    kwargs: dict[str, Any] = {"group_by": "g"} if grouped else {}
    before, after = run(df, **kwargs).rows, run(shuffled, **kwargs).rows
    assert [r.group for r in before] == [r.group for r in after]
    assert [r.n for r in before] == [r.n for r in after]
    assert_same_rows([r.metrics for r in after], [r.metrics for r in before])


# ----------------------------------------------------------------------- merge


def _of_kind(partial: Partial, kind: Kind) -> dict[Key, np.ndarray]:
    """A partial's states of one kind of statistic, cut to its keys."""
    return {k: v for k, v in partial.trimmed().states.items() if k[2].kind == kind}


def _spreads_close(a: Partial, b: Partial) -> None:
    spreads_a, spreads_b = _of_kind(a, MOMENTS), _of_kind(b, MOMENTS)
    assert spreads_a.keys() == spreads_b.keys()
    for name in spreads_a:
        for part_a, part_b in zip(spreads_a[name].T[:3], spreads_b[name].T[:3], strict=True):
            assert part_a == pytest.approx(part_b, rel=REL, abs=ABS), name


@SETTINGS
@given(data(min_size=0), data(min_size=0))
def test_merge_of_halves_equals_one_partial(
    first: tuple[np.ndarray, ...], second: tuple[np.ndarray, ...]
) -> None:
    y, p, w = (np.concatenate([a, b]) for a, b in zip(first, second, strict=True))
    whole = HARNESS.partial(y, p, w)
    second_part = HARNESS.partial(second[0], second[1], second[2], first_row=len(first[0]))
    merged = HARNESS.partial(first[0], first[1], first[2]).merge(second_part)
    sums_merged, sums_whole = _of_kind(merged, SUM), _of_kind(whole, SUM)
    assert sums_merged.keys() == sums_whole.keys()
    for name in sums_whole:
        assert sums_merged[name] == pytest.approx(sums_whole[name], rel=REL, abs=ABS), name
    if len(y):
        _spreads_close(merged, whole)  # the R² spread: weight, mean and M2
        assert_same_rows(HARNESS.metrics(merged), HARNESS.metrics(whole))


@SETTINGS
@given(data(), data(), data(), st.data())
def test_merge_with_keys_is_associative_and_commutative(
    first: tuple[np.ndarray, ...],
    second: tuple[np.ndarray, ...],
    third: tuple[np.ndarray, ...],
    draw: st.DataObject,
) -> None:
    """Partials knowing different keys merge by key value, in any order and grouping."""
    parts = []
    for y, p, w in (first, second, third):
        g = draw.draw(st.lists(st.sampled_from("abcde"), min_size=len(y), max_size=len(y)))
        parts.append((y, p, w, np.array(g)))
    a, b, c = (GROUPED.partial(*part) for part in parts)
    columns = [np.concatenate(x) for x in zip(*parts, strict=True)]
    whole = GROUPED.partial(columns[0], columns[1], columns[2], columns[3])
    want = GROUPED.metrics(whole)
    for merged in (a.merge(b).merge(c), a.merge(b.merge(c)), c.merge(a).merge(b)):
        assert [r.group for r in GROUPED.rows(merged)] == [r.group for r in GROUPED.rows(whole)]
        assert_same_rows(GROUPED.metrics(merged), want)
    assert_same_rows(GROUPED.metrics(pickle.loads(pickle.dumps(a.merge(b).merge(c)))), want)


def test_merge_leaves_its_inputs_alone() -> None:
    left = GROUPED.partial([1.0, 2.0], [1.5, 2.0], [1.0, 1.0], ["a", "b"])
    right = GROUPED.partial([3.0], [1.0], [2.0], ["c"])
    before = GROUPED.metrics(left)
    left.merge(right)
    assert left.size == 2
    assert GROUPED.metrics(left) == before


def test_merge_r2_spread_by_hand() -> None:
    """Two shards with different means: the merged M2 includes the between-shard part."""
    left = HARNESS.partial([1.0, 3.0], [1.0, 3.0], np.ones(2))
    right = HARNESS.partial([11.0, 13.0], [10.0, 13.0], np.ones(2))
    merged = left.merge(right).trimmed()
    w, mean, m2, shift = merged.states[("p", "r2", Statistic("y", MOMENTS))].T
    # mean 7, M2 = 36 + 16 + 16 + 36 = 104; SSE = 1 → R² = 1 − 1/104
    assert w[0] == 4.0
    assert shift[0] + mean[0] == pytest.approx(7.0)
    assert m2[0] == pytest.approx(104.0)
    assert HARNESS.metrics(merged)[0]["r2"] == pytest.approx(1.0 - 1.0 / 104.0, rel=1e-12)


def test_statistics_belong_to_their_loss() -> None:
    """Every sum is filed under its model and loss: MSE and RMSE keep their own."""
    partial = HARNESS.partial([1.0, 2.0], [1.5, 2.0], [1.0, 1.0])
    owners = {(model, loss) for model, loss, _ in partial.states}
    assert ("p", "mse") in owners and ("p", "rmse") in owners
    mse, rmse = partial.states[("p", "mse", NUM)], partial.states[("p", "rmse", NUM)]
    assert mse is not rmse and np.array_equal(mse, rmse)  # one column, summed into each slot


# ------------------------------------------------------------------ KeySet

key_values = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d", "007", ""]))


def as_arrow(values: list[Any], kind: str, rnd: Any) -> pa.Array | pa.ChunkedArray:
    """One chunk of keys, as a plain, dictionary (own dictionary order) or chunked array."""
    plain = pa.array(values, type=pa.string())
    if kind == "plain":
        return plain
    if kind == "chunked":
        cut = rnd.randint(0, len(values))
        return pa.chunked_array([plain.slice(0, cut), plain.slice(cut)], type=pa.string())
    distinct = sorted({v for v in values if v is not None})
    rnd.shuffle(distinct)
    position = {v: i for i, v in enumerate(distinct)}
    indices = pa.array([None if v is None else position[v] for v in values], type=pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(distinct, type=pa.string()))


def chunks_of(values: list[Any], bounds: list[int]) -> list[list[Any]]:
    """Non-empty consecutive chunks (empty chunks have a test of their own)."""
    edges = sorted({0, len(values), *(b for b in bounds if b < len(values))})
    return [values[lo:hi] for lo, hi in pairwise(edges)]


@SETTINGS
@given(
    st.lists(key_values, min_size=1, max_size=40),
    st.lists(st.integers(0, 40), max_size=5),
    st.lists(st.sampled_from(["plain", "dictionary", "chunked"]), min_size=6, max_size=6),
    st.randoms(use_true_random=False),
)
def test_group_codes_stable_across_chunks(
    values: list[Any], bounds: list[int], kinds: list[str], rnd: Any
) -> None:
    index = KeySet(["g"])
    codes = np.concatenate(
        [
            index.codes([as_arrow(chunk, kinds[i % len(kinds)], rnd)])
            for i, chunk in enumerate(chunks_of(values, bounds))
        ]
    )
    assert len(codes) == len(values)
    distinct = set(values)
    assert index.size == len(distinct)  # null is a group of its own
    assert sorted(set(codes.tolist())) == list(range(len(distinct)))
    for code, v in zip(codes.tolist(), values, strict=True):
        assert index.key(code) == (v,)
    # one id per value, whatever chunk or array kind it came in
    by_value: dict[Any, set[int]] = {}
    for code, v in zip(codes.tolist(), values, strict=True):
        by_value.setdefault(v, set()).add(code)
    assert all(len(ids) == 1 for ids in by_value.values())


@SETTINGS
@given(
    st.lists(
        st.tuples(key_values, st.one_of(st.none(), st.integers(0, 3))), min_size=1, max_size=40
    ),
    st.lists(st.integers(0, 40), max_size=5),
)
def test_two_group_columns_combine(pairs: list[tuple[Any, Any]], bounds: list[int]) -> None:
    index = KeySet(["g", "h"])
    codes = np.concatenate(
        [
            index.codes(
                [
                    pa.array([a for a, _ in chunk], type=pa.string()),
                    pa.array([b for _, b in chunk], type=pa.int64()),
                ]
            )
            for chunk in chunks_of(pairs, bounds)
        ]
    )
    assert index.size == len(set(pairs))
    assert sorted(set(codes.tolist())) == list(range(len(set(pairs))))
    for code, pair in zip(codes.tolist(), pairs, strict=True):
        assert index.key(code) == pair
    ids: dict[tuple[Any, Any], set[int]] = {}
    for code, pair in zip(codes.tolist(), pairs, strict=True):
        ids.setdefault(pair, set()).add(code)
    assert all(len(v) == 1 for v in ids.values())


def test_group_codes_first_seen_order_and_null_group() -> None:
    index = KeySet(["g"])
    first = index.codes([pa.array(["b", None, "a", "b"])])
    second = index.codes([pa.array([None, "c", "a"])])
    third = index.codes([pa.array(["c", "b"]).dictionary_encode()])
    assert first.tolist() == [0, 1, 2, 0]
    assert second.tolist() == [1, 3, 2]
    assert third.tolist() == [3, 0]
    assert [index.key(i) for i in range(index.size)] == [("b",), (None,), ("a",), ("c",)]


def test_null_keys_form_their_own_group_in_evaluate() -> None:
    df = pd.DataFrame(
        {
            "y_true": [1.0, 2.0, 3.0, 4.0, 5.0],
            "y_pred": [1.0, 2.5, 3.0, 3.0, 5.5],
            "w": [1.0, 1.0, 1.0, 1.0, 1.0],
            "g": ["a", None, "a", None, "b"],
        }
    )
    rows = run(df, group_by="g").rows
    assert [r.group for r in rows] == [{"g": "a"}, {"g": "b"}, {"g": None}, None]
    assert [r.n for r in rows] == [2, 1, 2, 5]
    assert rows[0].metrics["mse"] == 0.0
    assert rows[1].metrics["mse"] == pytest.approx(0.25)
    assert rows[2].metrics["mse"] == pytest.approx((0.25 + 1.0) / 2)
    assert rows[3].metrics["mse"] == pytest.approx((0.25 + 1.0 + 0.25) / 5)


def test_two_group_columns_in_evaluate() -> None:
    df = pd.DataFrame(
        {
            "y_true": [1.0, 2.0, 3.0, 4.0],
            "y_pred": [2.0, 2.0, 5.0, 4.0],
            "w": [1.0, 1.0, 1.0, 1.0],
            "g": ["x", "x", "y", "y"],
            "h": ["u", "v", "u", "u"],
        }
    )
    rows = run(df, group_by=["g", "h"]).rows
    assert [r.group for r in rows] == [
        {"g": "x", "h": "u"},
        {"g": "x", "h": "v"},
        {"g": "y", "h": "u"},
        None,
    ]
    assert [r.metrics["mae"] for r in rows] == [1.0, 0.0, 1.0, pytest.approx(0.75)]


def test_empty_chunk_one_group_column() -> None:
    index = KeySet(["g"])
    index.codes([pa.array(["a", "b"])])
    empty = index.codes([pa.array([], type=pa.string())])
    assert len(empty) == 0
    assert np.issubdtype(empty.dtype, np.integer)
    total = GROUPED.partial(np.ones(2), np.ones(2), np.ones(2), ["a", "b"])
    total.absorb(GROUPED.partial(np.zeros(0), np.zeros(0), np.zeros(0), []))
    assert total.trimmed().n.tolist() == [1.0, 1.0]


def test_empty_chunk_two_group_columns() -> None:
    index = KeySet(["g", "h"])
    index.codes([pa.array(["a"]), pa.array([1])])
    empty = index.codes([pa.array([], type=pa.string()), pa.array([], type=pa.int64())])
    assert len(empty) == 0
    assert np.issubdtype(empty.dtype, np.integer)
    assert index.size == 1


def test_an_extreme_can_be_a_minimum() -> None:
    """A loss of the Extreme shape with largest=False reports the smallest term."""
    from losscli.losses import Direction, Extreme, Loss, Terms

    def gap(b: object) -> Terms:
        return Terms(abs(b.p - b.y))  # type: ignore[attr-defined]

    smallest = Loss(
        "min_gap",
        (),
        "",
        "min |e|",
        (Task.REGRESSION,),
        Direction.LOWER,
        Extreme(gap, largest=False),
    )
    harness = KernelHarness([smallest])
    rows = harness.rows(harness.partial([1.0, 2.0, 3.0], [1.5, 2.25, 4.0], [1.0, 1.0, 0.0]))
    assert rows[-1].metrics["min_gap"] == 0.25


INTEGER_KEYS = st.one_of(
    st.none(),
    st.integers(-5, 5),
    st.integers(-(2**40), 2**40),  # far apart: the dense table gives way to hashing
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(INTEGER_KEYS, max_size=12), max_size=5), st.booleans())
def test_key_ids_are_one_per_value_whatever_the_lookup(
    chunks: list[list[int | None]], as_dictionary: bool
) -> None:
    """Integer keys (dense table, sorted search once they spread) and text keys (a dict)
    get one id per distinct value, the same in every chunk, and read back as themselves."""
    cases = [(kind, many) for kind in (pa.int64(), pa.string()) for many in (2, 1 << 16)]
    for kind, many in cases:
        convert = str if kind == pa.string() else (lambda v: v)
        with mock.patch.object(ColumnIndex, "MANY_KEYS", many):  # dict or sort early
            check_key_ids(chunks, kind, convert, as_dictionary)


def check_key_ids(
    chunks: list[list[int | None]], kind: pa.DataType, convert: Any, as_dictionary: bool
) -> None:
    key_set = KeySet(["g"])
    ids: dict[Any, int] = {}
    for chunk in chunks:
        values = [None if v is None else convert(v) for v in chunk]
        column = pa.array(values, kind)
        codes = key_set.codes([column.dictionary_encode() if as_dictionary else column])
        for value, code in zip(values, codes.tolist(), strict=True):
            assert ids.setdefault(value, code) == code
    assert sorted(ids.values()) == list(range(key_set.size))
    assert {key_set.key(i)[0]: i for i in range(key_set.size)} == ids


# ------------------------------------------------------------------ blocks

NORMAL = CiSettings(0.95, "normal")
BOOTSTRAP = CiSettings(0.95, "bootstrap", resamples=40, seed=3, unit_rows=3)


def rows_and_intervals(harness: KernelHarness, partial: Partial) -> list[tuple[Any, ...]]:
    return [
        (row.group, row.metrics, {k: (v.low, v.high, v.se) for k, v in row.intervals.items()})
        for row in harness.rows(partial)
    ]


def assert_same_intervals(got: list[tuple[Any, ...]], want: list[tuple[Any, ...]]) -> None:
    assert [g for g, _, _ in got] == [g for g, _, _ in want]
    for (_, metrics, intervals), (_, want_metrics, want_intervals) in zip(got, want, strict=True):
        assert_same_metrics(metrics, want_metrics)
        assert intervals.keys() == want_intervals.keys()
        for loss, bounds in intervals.items():
            assert all(map(same, bounds, want_intervals[loss])), loss


@SETTINGS
@given(data(), st.integers(1, 9), st.sampled_from([None, NORMAL, BOOTSTRAP]), st.data())
def test_block_size_changes_no_value(
    case: tuple[np.ndarray, ...], block: int, ci: CiSettings | None, draw: st.DataObject
) -> None:
    """A chunk computed in blocks of a few rows gives what it gives in one block: every
    loss, per group and overall, with normal or bootstrap intervals."""
    n = len(case[0])
    g = np.array(draw.draw(st.lists(st.sampled_from("ab"), min_size=n, max_size=n)))
    check_block_size(case, g, block, ci)


@pytest.mark.parametrize("block", [1, 2, 9])
def test_an_infinite_term_after_finite_blocks_changes_no_value(block: int) -> None:
    """A row whose term overflows to inf (y = 2 against the smallest normal prediction),
    after blocks of finite terms on its key: the moments' inf − inf is the infinite value
    reported as such, in any block size, never a floating-point warning (found by
    hypothesis in a full run)."""
    n = 31
    y, p, w = np.zeros(n), np.zeros(n), np.zeros(n)
    y[26], p[26], w[26] = 2.0, 2.2250738585072014e-308, 1.0
    check_block_size((y, p, w), np.full(n, "a"), block, NORMAL)


def check_block_size(
    case: tuple[np.ndarray, ...], g: np.ndarray, block: int, ci: CiSettings | None
) -> None:
    y, p, w = case
    whole = KernelHarness(LOSSES, grouped=True, ci=ci)
    blocked = KernelHarness(LOSSES, grouped=True, ci=ci, cache_rows=block)
    assert_same_intervals(
        rows_and_intervals(blocked, blocked.partial(y, p, w, g)),
        rows_and_intervals(whole, whole.partial(y, p, w, g)),
    )


def weighed_alike(weights: np.ndarray, value: float, others: list[float]) -> np.ndarray:
    """``value`` on the rows of weight > 0, ``others`` in order on the rest."""
    out = np.full(len(weights), value)
    out[weights == 0] = others
    return out


# 17 rows on one key, weights 0/1, and on the 7 weighed rows one label and one prediction:
# MSLE's term is 14.404745606166898 on each, so Σw²(t − R)² is exactly 0 (in fractions).
# The co-moments of w·t and w it is formed from are not 0 (the weights vary): combined, they
# cancelled to their rounding, ε·(w·t)²'s size, an se of 1.3e-7 whole but 0.0 in blocks of 1.
_WEIGHTS = np.array([1.0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1])
_LABELS = [733.6875, 389.1875, 168.0625, 161.8125, 698.8125, 768.6875, 373.0625, 869.625]
_PREDS = [514.2394962074585, 303.2909302177099, 674.3727617193578, 800.447301711056]
_PREDS += [999.741067981127, 368.5650790779297, 400.2112203986086, 305.4007271900645]
CONSTANT_TERM = (
    weighed_alike(_WEIGHTS, 977.125, [*_LABELS, 646.25, 739.0]),
    weighed_alike(_WEIGHTS, 20.983211414641655, [*_PREDS, 111.14654816916902, 294.95292127296557]),
    _WEIGHTS,
)


@pytest.mark.parametrize("block", range(1, 10))
def test_block_size_changes_no_value_of_a_constant_term(block: int) -> None:
    """The example above, pinned: every loss and interval as in one block."""
    check_block_size(CONSTANT_TERM, np.full(17, "a"), block, NORMAL)


def test_a_constant_term_has_zero_standard_error_in_any_block_size() -> None:
    """A term constant over the weighed rows has no spread: its se is exactly 0 and its
    interval [v, v], whole or in blocks of any size, where the co-moments' cancellation
    is within its rounding bound (:func:`losscli.engine.comoments.tolerance`)."""
    y, p, w = CONSTANT_TERM
    g = np.full(len(y), "a")
    for block in (None, *range(1, 10)):
        spec = {} if block is None else {"cache_rows": block}
        harness = KernelHarness(["msle", "mse", "mae"], grouped=True, ci=NORMAL, **spec)
        for group, metrics, intervals in rows_and_intervals(harness, harness.partial(y, p, w, g)):
            for loss, (low, high, se) in intervals.items():
                assert (low, high, se) == (metrics[loss], metrics[loss], 0.0), (group, loss)


@SETTINGS
@given(st.integers(1, 40), st.integers(1, 7), st.booleans(), st.integers(0, 2**16))
def test_block_size_changes_no_multiclass_value(
    n: int, block: int, logits: bool, seed: int
) -> None:
    """Class probabilities or logits, computed in blocks (of whole rows of classes)."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(0.0, 3.0, (n, 3))
    p = scores if logits else np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    y, w = rng.integers(0, 3, n), rng.uniform(0.0, 2.0, n)
    params = Params(from_logits=logits)
    whole = KernelHarness(task="multiclass", params=params)
    blocked = KernelHarness(task="multiclass", params=params, cache_rows=3 * block)
    assert_same_rows(
        blocked.metrics(blocked.partial(y, p, w)), whole.metrics(whole.partial(y, p, w))
    )


def test_a_block_holds_enough_rows_per_key() -> None:
    """With many keys a block grows, so that its per-key sums never outweigh its rows."""
    assert rows_per_block(1 << 15, 10) == 1 << 15
    assert rows_per_block(1 << 15, 1_000_000) == ROWS_PER_KEY * 1_000_000
    assert rows_per_block(0, 0) == 1
