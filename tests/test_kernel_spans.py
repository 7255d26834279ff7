"""Run 18c: a chunk's rows computed in spans of several blocks where every statistic is a
sum (the per-row terms made once per span, the sums still taken block by block, so the
sums are bit for bit the block-by-block ones), and the binary evidence of a block looked
at from its first row. Run 19a: spans for rows with group keys too."""

from __future__ import annotations

import numpy as np
import pytest

from losscli.engine import blocks
from losscli.engine.blocks import BlockSums, rows_per_span
from losscli.engine.reduce import key_sum
from losscli.testing import KernelHarness


def test_a_block_whose_first_row_looks_binary_and_a_later_one_not_is_not_binary() -> None:
    harness = KernelHarness(["mse"], weighted=False)
    assert harness.partial([0.0, 1.0, 1.0], [0.2, 0.9, 0.4]).binary["p"]
    assert harness.partial([0.0, 1.0, 2.5], [0.2, 0.9, 0.4]).binary["p"] is False
    assert harness.partial([1.0, 0.0], [0.5, 1.5]).binary["p"] is False


def test_a_span_is_whole_blocks_of_one_column_models_only() -> None:
    def span(block: int, widest: int = 1, sums_only: bool = True) -> int:
        return rows_per_span(block, widest=widest, sums_only=sums_only)

    assert span(100) == blocks.SPAN_ROWS // 100 * 100
    assert span(1 << 14) == 1 << 15
    assert span(1 << 20) == 1 << 20  # a block larger than a span
    assert span(1 << 14, widest=3) == 1 << 14  # matrices: a block
    assert span(1 << 14, sums_only=False) == 1 << 14  # other states


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_sums_in_spans_are_the_block_by_block_sums_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch, weighted: bool, grouped: bool
) -> None:
    """MSE, MAPE (zero labels in two of the blocks) and MAE by blocks of 7 rows (of 12
    with 3 groups: 4 rows a key), with group keys or without: the chunk's sums made in
    spans of several blocks equal those of one block at a time."""
    rng = np.random.default_rng(18)
    n = 100
    y = rng.normal(10.0, 3.0, n)
    y[[60, 71]] = 0.0
    p = y + rng.normal(0.0, 1.0, n)
    w = rng.uniform(0.0, 2.0, n)
    g = rng.choice(["a", "b", "c"], n) if grouped else None
    losses = ["mse", "mape", "mae"]
    harness = KernelHarness(losses, weighted=weighted, grouped=grouped, cache_rows=7)
    assert harness.spec.sums_only
    spanned = harness.partial(y, p, w, g)
    monkeypatch.setattr(blocks, "SPAN_ROWS", 1)  # a span of one block
    one_by_one = harness.partial(y, p, w, g)
    assert spanned.states.keys() == one_by_one.states.keys()
    for key, state in one_by_one.states.items():
        assert spanned.states[key].tobytes() == state.tobytes(), key  # bits: −0.0 too
    assert spanned.n.tobytes() == one_by_one.n.tobytes()


def test_a_spec_with_other_statistics_is_not_sums_only() -> None:
    assert not KernelHarness(["mse", "r2"]).spec.sums_only  # R²'s spread
    assert not KernelHarness(["max_error"]).spec.sums_only  # a maximum
    assert not KernelHarness(["mse"], ci=None, moments=True).spec.sums_only


def test_block_sums_of_a_span_with_keys_add_each_block_in_order() -> None:
    """A span's sums per key, a block at a time: what adding each block's own sums into a
    table in order gives, bit for bit, for a column filed in a slot and for the counts."""
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 4, 50).astype(np.intp)
    column = rng.normal(0.0, 1e6, 50)
    sums = BlockSums(codes, 4, 50, block=16)
    sums.slots.append(0)
    sums.columns.append(column)
    table, touched = np.empty((1, 4)), [False]
    sums.settle(table, touched)
    want = key_sum(codes[:16], 4, column[:16])
    for a in (16, 32, 48):
        want = want + key_sum(codes[a : a + 16], 4, column[a : a + 16])
    assert touched == [True] and np.array_equal(table[0], want)
    assert np.array_equal(sums(column), want)
