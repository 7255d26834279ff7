"""Run 18c: a chunk's rows computed in spans of several blocks where every statistic is a
sum (the per-row terms made once per span, the sums still taken block by block, so the
sums are bit for bit the block-by-block ones), and the binary evidence of a block looked
at from its first row."""

from __future__ import annotations

import numpy as np
import pytest

from losscli.engine import blocks
from losscli.engine.blocks import rows_per_span
from losscli.testing import KernelHarness


def test_a_block_whose_first_row_looks_binary_and_a_later_one_not_is_not_binary() -> None:
    harness = KernelHarness(["mse"], weighted=False)
    assert harness.partial([0.0, 1.0, 1.0], [0.2, 0.9, 0.4]).binary["p"]
    assert harness.partial([0.0, 1.0, 2.5], [0.2, 0.9, 0.4]).binary["p"] is False
    assert harness.partial([1.0, 0.0], [0.5, 1.5]).binary["p"] is False


def test_a_span_is_whole_blocks_of_one_column_models_only() -> None:
    assert rows_per_span(100, widest=1, sums_only=True) == blocks.SPAN_ROWS // 100 * 100
    assert rows_per_span(1 << 14, widest=1, sums_only=True) == 1 << 15
    assert rows_per_span(1 << 20, widest=1, sums_only=True) == 1 << 20  # a block per key
    assert rows_per_span(1 << 14, widest=3, sums_only=True) == 1 << 14  # matrices: a block
    assert rows_per_span(1 << 14, widest=1, sums_only=False) == 1 << 14  # other states


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_sums_in_spans_are_the_block_by_block_sums_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch, grouped: bool, weighted: bool
) -> None:
    """MSE, MAPE (zero labels in the second block only) and MAE by blocks of 7 rows: the
    chunk's sums made in spans of several blocks equal those of one block at a time."""
    rng = np.random.default_rng(18)
    n = 100
    y = rng.normal(10.0, 3.0, n)
    y[[60, 71]] = 0.0
    p = y + rng.normal(0.0, 1.0, n)
    w = rng.uniform(0.0, 2.0, n)
    g = rng.choice(list("abc"), n)
    losses = ["mse", "mape", "mae"]
    harness = KernelHarness(losses, weighted=weighted, grouped=grouped, cache_rows=7)
    assert harness.spec.sums_only
    spanned = harness.partial(y, p, w, g)
    monkeypatch.setattr(blocks, "SPAN_ROWS", 1)  # a span of one block
    one_by_one = harness.partial(y, p, w, g)
    assert spanned.states.keys() == one_by_one.states.keys()
    for key, state in one_by_one.states.items():
        assert np.array_equal(spanned.states[key], state), key
    assert np.array_equal(spanned.n, one_by_one.n)


def test_a_spec_with_other_statistics_is_not_sums_only() -> None:
    assert not KernelHarness(["mse", "r2"]).spec.sums_only  # R²'s spread
    assert not KernelHarness(["max_error"]).spec.sums_only  # a maximum
    assert not KernelHarness(["mse"], ci=None, moments=True).spec.sums_only
