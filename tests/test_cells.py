"""The block bootstrap's waiting cells: merged by value, multiplied out late, the same sums.

A partial keeps its chunks' (key × unit) cell sums and multiplies them by the units'
Poisson weights only once there are enough (``engine.bootstrap.cells``); these tests hold that to
the value of multiplying every chunk at once, whatever the chunking, merge order,
thread count or pickling, and the single-precision product of counts to exactness.
"""

from __future__ import annotations

import pickle
import re
from dataclasses import replace
from functools import reduce
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.api import evaluate
from losscli.engine.bootstrap import cells, resample
from losscli.engine.bootstrap.cells import CellGroup, PendingCells
from losscli.engine.bootstrap.weights import Resampling, poisson_weights
from losscli.engine.partial import Partial
from losscli.losses.shapes import DEN, NUM
from losscli.result import CiSettings
from losscli.testing import KernelHarness


def _cells(partial: Partial) -> PendingCells | None:
    """The bootstrap cells a partial holds, not yet multiplied out."""
    return None if partial.bootstrap is None else partial.bootstrap.cells


SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)
CI = CiSettings(0.9, "bootstrap", resamples=60, seed=3, unit_rows=3)
HARNESS = KernelHarness(["mse", "mape", "wape"], grouped=True, ci=CI)
NAMES = ((("m", "mse", NUM, 0),), (("m", "mse", DEN, 0), ("m", "mape", DEN, 0)))


def intervals(partial: Partial) -> list[tuple[Any, dict[str, tuple[Any, ...]]]]:
    rows = HARNESS.rows(partial)
    return [(r.group, {k: (v.low, v.high, v.se) for k, v in r.intervals.items()}) for r in rows]


def assert_same_intervals(got: list[Any], want: list[Any], rel: float = 1e-9) -> None:
    assert [group for group, _ in got] == [group for group, _ in want]
    for (_, a), (_, b) in zip(got, want, strict=True):
        assert a.keys() == b.keys()
        for loss in b:
            for mine, theirs in zip(a[loss], b[loss], strict=True):
                assert (mine is None) == (theirs is None), loss
                if theirs is not None:
                    assert mine == pytest.approx(theirs, rel=rel, abs=1e-12), loss


@st.composite
def chunked_rows(draw: Any) -> tuple[tuple[np.ndarray, ...], list[int], list[int]]:
    """Rows with groups, cut into chunks at drawn bounds, and an order to merge them in."""
    n = draw(st.integers(2, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    y = rng.uniform(0.5, 3.0, n)
    p, w = y + rng.normal(0.0, 0.4, n), rng.uniform(0.0, 2.0, n)
    g = rng.choice(list("abcd"), n)
    cuts = sorted(set(draw(st.lists(st.integers(1, n - 1), max_size=5))))
    bounds = [0, *cuts, n]
    order = draw(st.permutations(range(len(bounds) - 1)))
    return (y, p, w, g), bounds, order


@SETTINGS
@given(chunked_rows())
def test_waiting_cells_merge_in_any_order_to_the_whole(
    drawn: tuple[tuple[np.ndarray, ...], list[int], list[int]],
) -> None:
    """Chunks whose keys come in other orders, merged in any order: the intervals of the
    rows as one chunk (each chunk's cells re-keyed by value, multiplied out once)."""
    (y, p, w, g), bounds, order = drawn
    chunks = [
        HARNESS.partial(y[a:b], p[a:b], w[a:b], g[a:b], first_row=a) for a, b in pairwise(bounds)
    ]
    assert all(_cells(chunk) is not None for chunk in chunks)  # nothing multiplied yet
    merged = reduce(Partial.merge, [chunks[i] for i in order])
    assert_same_intervals(intervals(merged), intervals(HARNESS.partial(y, p, w, g)))


def test_settled_and_waiting_cells_are_the_same_sums(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cells multiplied chunk by chunk (the old way, and the sparse product's way) and
    cells multiplied once: the same replicate sums, to rounding."""
    rng = np.random.default_rng(9)
    y = rng.uniform(1.0, 3.0, 400)
    p, w, g = (
        y + rng.normal(0.0, 0.3, 400),
        rng.uniform(0.0, 2.0, 400),
        rng.choice(list("xyz"), 400),
    )
    bounds = [0, 37, 150, 151, 400]
    chunks = [HARNESS.partial(y[a:b], p[a:b], w[a:b], g[a:b], a) for a, b in pairwise(bounds)]
    late = reduce(Partial.merge, chunks)
    early = reduce(Partial.merge, [chunk.settle() for chunk in chunks])
    monkeypatch.setattr(resample, "DENSE_CELLS_PER_ROW", 0)  # every slice sparse
    sparse = reduce(
        Partial.merge,
        [HARNESS.partial(y[a:b], p[a:b], w[a:b], g[a:b], a) for a, b in pairwise(bounds)],
    )
    assert _cells(sparse) is None
    want = intervals(sparse)
    assert_same_intervals(intervals(early), want)
    assert_same_intervals(intervals(late), want)


def test_a_partial_with_waiting_cells_pickles() -> None:
    rng = np.random.default_rng(2)
    y = rng.uniform(1.0, 3.0, 90)
    partial = HARNESS.partial(y, y + 0.1, np.ones(90), rng.choice(list("ab"), 90))
    assert _cells(partial) is not None
    copy = pickle.loads(pickle.dumps(partial))
    assert intervals(copy) == intervals(partial)


def _block(sums: np.ndarray, counts: bool, units: np.ndarray) -> CellGroup:
    names = (NAMES[1],)
    return CellGroup(names, (counts,), np.arange(sums.shape[1]), units, sums)


@pytest.mark.parametrize("rows_per_cell", [3, 20_000])
def test_counts_multiply_exactly(rows_per_cell: int) -> None:
    """Row counts times weights, in single precision while every sum stays an integer
    below 2²⁴ (and in double precision past that): exactly the integer product."""
    rng = np.random.default_rng(1)
    spec = Resampling(resamples=40, seed=5, unit_rows=rows_per_cell)
    units = np.arange(3000)
    counts = rng.integers(0, rows_per_cell + 1, (1, 4, len(units))).astype(float)
    [(names, keys, got)] = PendingCells(spec, [_block(counts, True, units)]).products()
    exact = counts[0].astype(np.int64) @ poisson_weights(5, units, 40).astype(np.int64)
    assert names == NAMES[1] and list(keys) == [0, 1, 2, 3]
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, exact.astype(float))
    single = float(counts.sum(axis=-1).max()) * poisson_weights(5, units, 40).max() < 2**24
    assert single == (rows_per_cell == 3)  # both ways are exercised


def test_blocks_of_other_keys_are_not_stacked_into_one_sparse_product() -> None:
    """Data sorted by group: each chunk has keys of its own, so stacking their cells side
    by side would be mostly zeros; they are multiplied in separate products (at most
    twice the cells they hold)."""
    units = [np.arange(start, start + 10) for start in range(0, 40, 10)]
    keyed = [np.arange(0, 30), np.arange(30, 60), np.arange(60, 90), np.arange(70, 90)]
    blocks = [
        CellGroup((NAMES[0],), (False,), keys, u, np.ones((1, len(keys), len(u))))
        for keys, u in zip(keyed, units, strict=True)
    ]
    assert [len(batch) for batch in cells._stacks(blocks)] == [2, 2]


SORTED_ARGS: dict[str, Any] = {  # a bootstrap of _sorted_parquet's rows, multiplied out often
    "pred": "a",
    "group_by": "g",
    "losses": "mse,mape",
    "ci": 0.9,
    "ci_method": "bootstrap",
    "resamples": 30,
    "block_rows": 4,
}


def _sorted_parquet(tmp_path: Path) -> Path:
    rng = np.random.default_rng(4)
    n = 6000
    y = rng.uniform(1.0, 3.0, n)
    frame = pd.DataFrame(
        {"y_true": y, "a": y + rng.normal(0.0, 0.3, n), "g": np.repeat(np.arange(60), n // 60)}
    )
    path = tmp_path / "sorted.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=700)
    return path


def test_any_thread_count_and_settle_points_give_the_same_bootstrap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cells multiplied out many times during the run (every 30 units), on the kernel's
    pool or not: the same intervals, bit for bit, for any thread count; and, to rounding,
    those of cells held to the end."""
    from losscli.reading import parquet_source

    path = _sorted_parquet(tmp_path)
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 500)

    def run(threads: int) -> list[Any]:
        rows = evaluate(str(path), threads=threads, **SORTED_ARGS).rows
        return [(r.group, {k: (v.low, v.high) for k, v in r.intervals.items()}) for r in rows]

    one, three = run(1), run(3)
    assert one == three
    monkeypatch.setattr(PendingCells, "due", property(lambda self: False))
    held = run(2)
    for (_, a), (_, b) in zip(held, one, strict=True):
        for loss in b:
            assert a[loss] == pytest.approx(b[loss], rel=1e-12)


def test_a_tree_of_merges_multiplies_cells_out_once_enough_wait() -> None:
    """Merging (as a distributed run would) settles cells once they hold as many units as
    resamples, so no partial of a merge tree holds more cells than one product's worth."""
    rng = np.random.default_rng(3)
    n = 900  # 300 units of 3 rows; 60 resamples
    y = rng.uniform(1.0, 3.0, n)
    g = rng.choice(list("ab"), n)
    parts = [
        HARNESS.partial(y[a : a + 30], y[a : a + 30] + 0.2, np.ones(30), g[a : a + 30], a)
        for a in range(0, n, 30)
    ]
    merged = reduce(Partial.merge, parts)
    cells = _cells(merged)
    assert cells is None or cells.units < cells.spec.resamples + 10
    assert_same_intervals(intervals(merged), intervals(HARNESS.partial(y, y + 0.2, np.ones(n), g)))


def test_a_chunk_with_as_many_units_as_resamples_multiplies_at_once() -> None:
    """Per-row resampling with few groups: a chunk's cells are as many as its rows, more
    than its product's entries, so waiting would only hold memory."""
    harness = KernelHarness(["mse"], grouped=True, ci=replace(CI, unit_rows=1))
    rng = np.random.default_rng(5)
    y = rng.uniform(1.0, 3.0, 200)
    partial = harness.partial(y, y + 0.1, np.ones(200), rng.choice(list("ab"), 200))
    assert _cells(partial) is None
    assert partial.bootstrap is not None
    assert partial.bootstrap.sums[("p", "mse", NUM, 0)].shape == (2, CI.resamples)


def test_products_are_made_a_slice_of_units_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The weights of a product are made a few units at a time: the same sums, to rounding."""
    rng = np.random.default_rng(6)
    units = np.arange(500)
    blocks = [
        CellGroup(NAMES, (False, True), np.arange(3), units[:300], rng.random((2, 3, 300))),
        CellGroup(NAMES, (False, True), np.array([1, 4]), units[300:], rng.random((2, 2, 200))),
    ]
    blocks[0].sums[1] = rng.integers(0, 5, (3, 300))  # the counts column
    blocks[1].sums[1] = rng.integers(0, 5, (2, 200))
    pending = PendingCells(Resampling(resamples=40, seed=1), blocks)
    whole = pending.products()
    monkeypatch.setattr(cells, "WEIGHTS_PER_SLICE", 40 * 7)  # 7 units a slice
    for (names, keys, values), (names_, keys_, values_) in zip(
        whole, pending.products(), strict=True
    ):
        assert names == names_ and list(keys) == list(keys_) == [0, 1, 2, 4]
        np.testing.assert_allclose(values_, values, rtol=1e-13)


def test_a_chunk_whose_rows_are_all_dropped_leaves_the_r2_bootstrap_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R²'s replicate power sums re-base on merge; a chunk of dropped rows has none to
    re-base, only zeros (it once raised KeyError)."""
    from losscli.reading import parquet_source

    rng = np.random.default_rng(8)
    y = rng.uniform(1.0, 3.0, 300)
    frame = pd.DataFrame({"y_true": y, "a": y + rng.normal(0.0, 0.3, 300), "g": np.arange(300) % 3})
    frame.loc[100:199, "y_true"] = np.nan
    path = tmp_path / "gap.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 100)
    rows = frame.dropna().groupby("g").size().to_dict()
    settings: list[dict[str, Any]] = [{}, {"ci_method": "bootstrap", "block_rows": 10}]
    for extra in settings:
        result = evaluate(
            str(path), pred="a", losses="mse,r2", drop_na=True, ci=0.95, group_by="g", **extra
        )
        assert [row.n for row in result.rows] == [*rows.values(), 200]
        for row in result.rows:
            r2, value = row.intervals["r2"], row.metrics["r2"]
            assert r2.low is not None and r2.high is not None and value is not None
            assert r2.low < value < r2.high


@pytest.mark.parametrize("threads", [1, 4])
def test_the_bootstrap_refuses_to_outgrow_its_memory_budget(tmp_path: Path, threads: int) -> None:
    """Replicate sums of 60 groups × 30 resamples × 2 sums (28 KiB, and the chunks' and
    finalizing's beside them) against --max-memory 20K: an environment error naming the
    real quantities and what lowers them; with room, the run goes through. The same for
    any thread count; the limit is charged, so held bytes never pass it."""
    from losscli.engine.budget import OverBudget

    path = str(_sorted_parquet(tmp_path))
    args = {**SORTED_ARGS, "losses": "mse"}
    with pytest.raises(OverBudget, match=r"groups .*× 30 resamples .* Lower --resamples") as found:
        evaluate(path, **args, threads=threads, max_memory="20K")
    assert found.value.exit_code == 4 and "--max-memory 20 KiB" in str(found.value)
    assert len(evaluate(path, **args, threads=threads, max_memory="1M").rows) == 61


def test_a_group_inside_one_block_has_no_bootstrap_interval() -> None:
    """Three rows of group 'z' inside one block of 10: every resample gives them weight k
    together, so every replicate is their value (or nothing): no interval, rather than
    one of width 0. The other groups, over many blocks, keep theirs."""
    rng = np.random.default_rng(12)
    n = 600
    y = rng.uniform(1.0, 3.0, n)
    g = np.where(np.arange(n) % 2 == 0, "x", "y").astype(object)
    g[301:304] = "z"
    frame = pd.DataFrame({"y_true": y, "a": y + rng.normal(0.0, 0.3, n), "g": g})
    result = evaluate(
        frame, pred="a", group_by="g", losses="mse", ci=0.9, ci_method="bootstrap", block_rows=10
    )
    low = {row.group["g"] if row.group else None: row.intervals["mse"].low for row in result.rows}
    assert low["z"] is None
    assert all(low[k] is not None for k in ("x", "y", None))


def test_a_loss_without_spread_over_many_units_keeps_its_bootstrap_interval() -> None:
    """Every prediction right, over 300 rows: each resample is right too, so the interval
    is [1, 1]; it is no group inside one unit, and is not left out as one."""
    y = np.arange(300) % 2
    frame = pd.DataFrame({"y": y.astype(float), "p": np.where(y == 1, 0.9, 0.1)})
    (row,) = evaluate(
        frame, label="y", pred="p", losses="accuracy", ci=0.95, ci_method="bootstrap"
    ).rows
    interval = row.intervals["accuracy"]
    assert (interval.low, interval.high, interval.se) == (1.0, 1.0, 0.0)


def _peak_rss(*args: str) -> tuple[int, float, str]:
    """A losscli process's exit code, its peak resident size in MiB, and its stderr."""
    import os
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "losscli", "evaluate", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)  # this child's own ru_maxrss (KiB on Linux)
    assert process.stderr is not None
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024, process.stderr.read().decode()


def test_max_memory_bounds_the_process_when_groups_outgrow_it(tmp_path: Path) -> None:
    """50,000 groups × 200 resamples of replicate sums (160 MB) against --max-memory 96M:
    the run stops with exit 4 when the groups seen so far would pass it, naming them, the
    resamples and the bytes, and the process never grows past the interpreter's own size
    plus the limit and a margin of 64 MB for what the budget does not count (measured: at
    most 30 MB over the limit in 20 runs; before the budget, it grew to what the groups
    needed, then some), with two reading threads whatever the machine's cores."""
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(0)
    n = 400_000  # 8 rows a group: a chunk's groups fit, the groups seen so far do not
    y = rng.uniform(1, 3, n)
    table = pa.table({"g": np.arange(n) // 8, "y_true": y, "y_pred": y + rng.normal(0, 0.3, n)})
    pacsv.write_csv(table, tmp_path / "many.csv")
    pacsv.write_csv(pa.table({"y_true": [1.0, 2.0], "y_pred": [1.5, 2.5]}), tmp_path / "tiny.csv")
    threads = ("--threads", "2")  # the margin does not depend on the machine's cores
    code, baseline, _ = _peak_rss(str(tmp_path / "tiny.csv"), *threads)
    assert code == 0
    bootstrap = ("-m", "mse", "--ci", "--ci-method", "bootstrap", "--resamples", "200")
    limit, uncounted = 96, 64  # MiB: the budget, and what it leaves out (buffers, the reader)
    code, peak, stderr = _peak_rss(
        str(tmp_path / "many.csv"), "-g", "g", *bootstrap, "--max-memory", f"{limit}M", *threads
    )
    assert code == 4, stderr
    assert re.search(r"for the [\d,]+ groups seen so far .*× 200 resamples × 2 sums need", stderr)
    assert f"--max-memory {limit} MiB. Lower --resamples or group by fewer columns" in stderr
    assert "Traceback" not in stderr
    assert peak < baseline + limit + uncounted, (peak, baseline)


def test_rank_tables_are_charged_to_the_memory_budget() -> None:
    """ROC-AUC's tables of distinct scores grow with the groups and the rows: they are
    charged before they are merged in, so a small --max-memory stops the run (exit 4)
    naming them; with room the value is the same."""
    from losscli.engine.budget import OverBudget

    rng = np.random.default_rng(5)
    n = 40_000
    frame = pd.DataFrame(
        {
            "g": np.arange(n) % 50,
            "y_true": (rng.uniform(size=n) < 0.3) * 1.0,
            "p": rng.uniform(size=n),
        }
    )
    args: dict[str, Any] = {"pred": "p", "group_by": "g", "losses": "roc_auc"}
    with pytest.raises(OverBudget, match=r"the rank tables \(ROC-AUC\) of the groups seen so far"):
        evaluate(frame, **args, max_memory="512K")
    roomy = evaluate(frame, **args, max_memory="64M").rows[-1].metrics["roc_auc"]
    assert roomy == evaluate(frame, **args).rows[-1].metrics["roc_auc"]
