"""Absorbing a partial into a fold's total: a chunk's partial, which fits its keys, is
added as it is (run 20b: not trimmed first); one with spare room (a total, grown) is
cut to its keys first. Either way the total owns its arrays and the input is unchanged."""

from __future__ import annotations

import numpy as np

from losscli.engine.partial import Partial
from losscli.testing import KernelHarness

GROUPED = KernelHarness(("mse", "mape", "max_error", "r2"), grouped=True)
RNG = np.random.default_rng(20)
Y, P, W = RNG.normal(10, 3, 300), RNG.normal(10, 3, 300), RNG.uniform(0, 2, 300)
G = RNG.choice(["a", "b", "c", "d", "e"], 300).tolist()


def _chunk(a: int, b: int) -> Partial:
    return GROUPED.partial(Y[a:b], P[a:b], W[a:b], G[a:b])


def _arrays(partial: Partial) -> list[np.ndarray]:
    return [partial.n, *(s for s in partial.states.values() if isinstance(s, np.ndarray))]


def test_a_chunk_is_absorbed_untrimmed_and_left_unchanged() -> None:
    chunk = _chunk(0, 100)
    assert len(chunk.n) == chunk.size and chunk.bootstrap is None  # it fits its keys
    before = [a.copy() for a in _arrays(chunk)]
    total = GROUPED.empty()
    total.absorb(chunk)
    total.absorb(_chunk(100, 300))
    assert all(np.array_equal(a, b) for a, b in zip(_arrays(chunk), before, strict=True))
    theirs = {id(a) for a in _arrays(chunk)}
    assert not theirs & {id(a) for a in _arrays(total)}  # the total adds into its own
    trimmed = GROUPED.empty()  # as before run 20b: each chunk cut to its keys first
    trimmed.absorb(_chunk(0, 100).trimmed())
    trimmed.absorb(_chunk(100, 300).trimmed())
    assert GROUPED.metrics(total) == GROUPED.metrics(trimmed)


def test_a_partial_with_spare_room_is_cut_to_its_keys_first() -> None:
    grown = GROUPED.empty()
    grown.absorb(_chunk(0, 7))  # a few keys, then room for more
    grown.absorb(_chunk(7, 300))
    grown._grow(4 * grown.size)
    assert len(grown.n) > grown.size
    one, other = GROUPED.empty(), GROUPED.empty()
    one.absorb(grown)
    other.absorb(grown.trimmed())
    assert one.size == other.size == grown.size
    assert np.array_equal(one.n[: one.size], other.n[: other.size])
    assert GROUPED.metrics(one) == GROUPED.metrics(other)
