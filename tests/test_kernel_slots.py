"""The kernel's table of sums: the sums each loss's shape declares, and the counts of its
rules' flags, are bound to slots once per spec, before any row is read; a block adds its
sums into the chunk's table, and a custom loss's statistics (known only from its batches)
are filed beside them, per key, in any block size."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from losscli.engine.statistics import Role
from losscli.losses.shapes import DEN, NUM
from losscli.testing import KernelHarness


def test_each_declared_sum_and_flag_has_a_slot_before_any_row() -> None:
    """MSE and MAPE (a ratio each, MAPE with its zero-label rule) on two models: every
    NUM, DEN and flag count has one slot of its own, the slots numbered in order."""
    harness = KernelHarness(["mse", "mape"], weighted=False)
    spec = harness.spec
    keys = spec.sum_keys
    assert len(set(keys)) == len(keys)
    for loss in ("mse", "mape"):
        assert ("p", loss, NUM) in keys and ("p", loss, DEN) in keys
    flags = [stat.name for model, loss, stat in keys if stat.role is Role.FLAG]
    assert flags == ["zero_label"]
    slots = [slot for step in spec.steps["p"] for slot, _ in step.bound if slot >= 0]
    slots += [slot for step in spec.steps["p"] for _, slot in step.flags]
    assert sorted(slots) == list(range(len(keys)))


@pytest.mark.parametrize("cache_rows", [1, 7, 64, 1 << 14])
def test_slot_sums_and_custom_statistics_per_group_in_any_block_size(cache_rows: int) -> None:
    """Per group, the sums filed by slot (MSE, MAPE, its zero-label count) and a custom
    loss's own statistic (R²'s spread) give the values of the whole, in any block size,
    and a chunk's table holds, per key, what the rows of that key sum to."""
    rng = np.random.default_rng(5)
    n = 300
    y = rng.normal(10.0, 3.0, n)
    y[::17] = 0.0  # zero labels: MAPE leaves them out and counts them
    p = y + rng.normal(0.0, 1.0, n)
    w = rng.uniform(0.0, 2.0, n)
    g = rng.choice(list("abc"), n)
    whole = KernelHarness(["mse", "mape", "r2"], grouped=True)
    blocked = KernelHarness(["mse", "mape", "r2"], grouped=True, cache_rows=cache_rows)
    bounds = [0, 1, 120, 300]
    partial = blocked.empty()
    for a, b in pairwise(bounds):
        partial.absorb(blocked.partial(y[a:b], p[a:b], w[a:b], g[a:b], a))
    want = whole.metrics(whole.partial(y, p, w, g))
    got = blocked.metrics(partial)
    for mine, theirs in zip(got, want, strict=True):
        assert mine == pytest.approx(theirs, rel=1e-12)
    chunk = blocked.partial(y, p, w, g)
    ids = {key[0]: i for i, key in enumerate(chunk.keys.keys())}
    num = chunk.states[("p", "mse", NUM)]
    for key, i in ids.items():
        rows = g == key
        assert num[i] == pytest.approx(np.sum(w[rows] * (y[rows] - p[rows]) ** 2), rel=1e-12)
