"""Properties of the reduction: chunking, grouping, order and merging never change a value."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from losscli.api import evaluate
from losscli.engine.finalize import finalize
from losscli.engine.keys import GroupIndex
from losscli.engine.reduce import Accumulator
from losscli.losses import REGISTRY, Batch, Loss, Params, Task, get_loss

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
PARAMS = Params(huber_delta=0.75)


def stats_of(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> dict[str, Any]:
    """The statistics dict exactly as ``api._accumulate`` builds it."""
    batch = Batch(y, p, w, PARAMS)
    stats: dict[str, Any] = {"n": np.ones_like(y)}
    for loss in ALL_LOSSES:
        stats.update(loss.statistics(batch))
    return stats


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


NAMED = [loss.name for loss in ALL_LOSSES if Task.REGRESSION in loss.tasks]


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
    } <= names


@SETTINGS
@given(data_and_bounds())
def test_chunked_equals_whole(case: tuple[tuple[np.ndarray, ...], list[int]]) -> None:
    (y, p, w), bounds = case
    whole = Accumulator()
    whole.add(stats_of(y, p, w))
    chunked = Accumulator()
    for lo, hi in pairwise(bounds):
        chunked.add(stats_of(y[lo:hi], p[lo:hi], w[lo:hi]))
    assert_same_rows(
        finalize(chunked.table(), ALL_LOSSES)[0], finalize(whole.table(), ALL_LOSSES)[0]
    )
    assert finalize(chunked.table(), ALL_LOSSES)[1] == finalize(whole.table(), ALL_LOSSES)[1]
    assert_same_rows(
        finalize(chunked.pooled(), ALL_LOSSES)[0], finalize(whole.table(), ALL_LOSSES)[0]
    )


@SETTINGS
@given(data_and_bounds(), st.data())
def test_chunked_equals_whole_with_keys(
    case: tuple[tuple[np.ndarray, ...], list[int]], draw: st.DataObject
) -> None:
    """Keys (group ids) appearing chunk by chunk, the key count growing as in the API."""
    (y, p, w), bounds = case
    codes = np.array(
        draw.draw(st.lists(st.integers(0, 3), min_size=len(y), max_size=len(y))), dtype=np.intp
    )
    n_keys = int(codes.max()) + 1
    whole = Accumulator()
    whole.add(stats_of(y, p, w), codes, n_keys)
    chunked = Accumulator()
    seen = 0
    for lo, hi in pairwise(bounds):
        seen = max(seen, int(codes[lo:hi].max(initial=-1)) + 1)
        chunked.add(stats_of(y[lo:hi], p[lo:hi], w[lo:hi]), codes[lo:hi], seen)
    chunked.add(stats_of(y[:0], p[:0], w[:0]), codes[:0], n_keys)  # an empty last chunk
    assert chunked.n_keys == n_keys
    assert_same_rows(
        finalize(chunked.table(), ALL_LOSSES)[0], finalize(whole.table(), ALL_LOSSES)[0]
    )
    assert_same_rows(
        finalize(chunked.pooled(), ALL_LOSSES)[0], finalize(whole.pooled(), ALL_LOSSES)[0]
    )


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


def _moments_close(a: Accumulator, b: Accumulator) -> None:
    assert a.moments.keys() == b.moments.keys()
    for name in a.moments:
        for part_a, part_b in zip(a.moments[name], b.moments[name], strict=True):
            assert part_a == pytest.approx(part_b, rel=REL, abs=ABS), name


@SETTINGS
@given(data(min_size=0), data(min_size=0))
def test_merge_of_halves_equals_one_accumulator(
    first: tuple[np.ndarray, ...], second: tuple[np.ndarray, ...]
) -> None:
    y, p, w = (np.concatenate([a, b]) for a, b in zip(first, second, strict=True))
    whole = Accumulator()
    whole.add(stats_of(y, p, w))
    left, right = Accumulator(), Accumulator()
    left.add(stats_of(*first))
    right.add(stats_of(*second))
    merged = left.merge(right)
    assert merged.sums.keys() == whole.sums.keys()
    for name in whole.sums:
        assert merged.sums[name] == pytest.approx(whole.sums[name], rel=REL, abs=ABS), name
    _moments_close(merged, whole)  # the R² spread: weight, mean and M2
    assert merged.table()["y.m2"] == pytest.approx(whole.table()["y.m2"], rel=REL, abs=ABS)
    assert_same_rows(
        finalize(merged.table(), ALL_LOSSES)[0], finalize(whole.table(), ALL_LOSSES)[0]
    )


@SETTINGS
@given(data(), data(), st.data())
def test_merge_with_keys(
    first: tuple[np.ndarray, ...], second: tuple[np.ndarray, ...], draw: st.DataObject
) -> None:
    """Shards knowing different numbers of keys: the smaller one grows."""
    codes_a = np.array(
        draw.draw(st.lists(st.integers(0, 2), min_size=len(first[0]), max_size=len(first[0]))),
        dtype=np.intp,
    )
    codes_b = np.array(
        draw.draw(st.lists(st.integers(0, 4), min_size=len(second[0]), max_size=len(second[0]))),
        dtype=np.intp,
    )
    keys_a, keys_b = int(codes_a.max()) + 1, int(codes_b.max()) + 1
    y, p, w = (np.concatenate([a, b]) for a, b in zip(first, second, strict=True))
    codes = np.concatenate([codes_a, codes_b])
    n_keys = max(keys_a, keys_b)
    whole = Accumulator()
    whole.add(stats_of(y, p, w), codes, n_keys)
    left, right = Accumulator(), Accumulator()
    left.add(stats_of(*first), codes_a, keys_a)
    right.add(stats_of(*second), codes_b, keys_b)
    merged = left.merge(right)
    assert merged.n_keys == n_keys
    _moments_close(merged, whole)
    assert_same_rows(
        finalize(merged.table(), ALL_LOSSES)[0], finalize(whole.table(), ALL_LOSSES)[0]
    )
    assert_same_rows(
        finalize(merged.pooled(), ALL_LOSSES)[0], finalize(whole.pooled(), ALL_LOSSES)[0]
    )


def test_merge_r2_spread_by_hand() -> None:
    """Two shards with different means: the merged M2 includes the between-shard part."""
    left, right = Accumulator(), Accumulator()
    left.add(stats_of(np.array([1.0, 3.0]), np.array([1.0, 3.0]), np.ones(2)))
    right.add(stats_of(np.array([11.0, 13.0]), np.array([10.0, 13.0]), np.ones(2)))
    merged = left.merge(right)
    table = merged.table()
    # mean 7, M2 = 36 + 16 + 16 + 36 = 104; SSE = 1 → R² = 1 − 1/104
    assert table["y.w"][0] == 4.0
    assert table["y.mean"][0] == pytest.approx(7.0)
    assert table["y.m2"][0] == pytest.approx(104.0)
    metrics, _ = finalize(table, [get_loss("r2")])
    assert metrics[0]["r2"] == pytest.approx(1.0 - 1.0 / 104.0, rel=1e-12)


# ------------------------------------------------------------------ GroupIndex

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
    index = GroupIndex(["g"])
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
    index = GroupIndex(["g", "h"])
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
    index = GroupIndex(["g"])
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
    index = GroupIndex(["g"])
    index.codes([pa.array(["a", "b"])])
    empty = index.codes([pa.array([], type=pa.string())])
    assert len(empty) == 0
    assert np.issubdtype(empty.dtype, np.integer)
    acc = Accumulator()
    acc.add(stats_of(np.zeros(0), np.zeros(0), np.zeros(0)), empty, index.size)
    assert acc.sums["n"].tolist() == [0.0, 0.0]


def test_empty_chunk_two_group_columns() -> None:
    index = GroupIndex(["g", "h"])
    index.codes([pa.array(["a"]), pa.array([1])])
    empty = index.codes([pa.array([], type=pa.string()), pa.array([], type=pa.int64())])
    assert len(empty) == 0
    acc = Accumulator()
    acc.add(stats_of(np.zeros(0), np.zeros(0), np.zeros(0)), empty, index.size)
    assert np.issubdtype(empty.dtype, np.integer)
    assert acc.sums["n"].tolist() == [0.0]
