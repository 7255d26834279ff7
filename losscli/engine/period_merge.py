"""A partial re-keyed to fewer key columns: the rollups of ``--period`` (a group over all
its periods, a period over all groups) merged by value from the group × period sums.

Keys that become one are merged by each statistic's own kind, as partials merge: never
averaged. A kind's :meth:`~.statistics.Kind.absorb` takes each target key once, so the
keys are merged pairwise in rounds (a tree: each round halves every run of keys that
become one), ⌈log₂ m⌉ rounds for runs of at most m keys, each a vectorised step over
all keys; a state that is not an array per key (a rank table, scattered bins) is
re-keyed in one step, its kind merging equal keys itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pyarrow as pa

from .bootstrap import Replicates
from .keys import KeySet
from .partial import Partial


def rekeyed(partial: Partial, kept: Sequence[int], arrays: Sequence[pa.Array]) -> Partial:
    """``partial`` (settled, trimmed) keyed by its key columns ``kept`` (their positions;
    ``arrays``: its keys' values, ``partial.keys.arrays()``), keys equal in those merged."""
    columns = [partial.keys.columns[i] for i in kept]
    keys = KeySet(columns, partial.keys.empty_is_missing)
    if kept:
        coarse = keys.codes([arrays[i] for i in kept]).astype(np.int64)
    else:  # all keys become the one key of a key set without columns
        coarse = np.zeros(partial.size, dtype=np.int64)
    size = keys.size
    order = np.argsort(coarse, kind="stable")
    runs = coarse[order]
    n = partial.n[order].copy()
    arrays_in = {k: v for k, v in partial.states.items() if isinstance(v, np.ndarray)}
    states = {k: v[order] for k, v in arrays_in.items()}
    boot = _taken(partial.bootstrap, order)
    for targets, sources in _pairs(runs):
        n[targets] += n[sources]
        for key, state in states.items():
            key[2].kind.absorb(state, state[sources], targets)
        if boot is not None:
            boot.absorb(_taken(boot, sources), targets, len(order))  # type: ignore[arg-type]
    leaders = np.flatnonzero(np.r_[True, runs[1:] != runs[:-1]]) if len(runs) else runs
    merged = {k: v[leaders] for k, v in states.items()}
    for key, state in partial.states.items():
        if key not in arrays_in:  # re-keyed at once: its kind merges equal keys
            kind = key[2].kind
            merged[key] = kind.absorb(kind.empty(size, state), state, coarse)
    states = {k: merged[k] for k in partial.states}
    out = Partial(keys, n[leaders], states, dict(partial.problems), dict(partial.binary))
    out.bootstrap = _taken(boot, leaders)
    if out.bootstrap is not None and partial.bootstrap is not None:  # rank tables: by value
        ranks = partial.bootstrap.ranks.items()
        out.bootstrap.ranks = {name: store.rekeyed(coarse) for name, store in ranks}
    return out


def _pairs(runs: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The rounds of pairwise merges of equal neighbours in ``runs`` (sorted): in each,
    (targets, sources) with every target once; after the last, each run's first holds it."""
    rounds = []
    live = np.arange(len(runs))
    while len(live) > 1:
        values = runs[live]
        start = np.r_[True, values[1:] != values[:-1]]
        first = np.maximum.accumulate(np.where(start, np.arange(len(live)), 0))
        rank = np.arange(len(live)) - first
        paired = (rank % 2 == 0) & np.r_[values[1:] == values[:-1], False]
        if not paired.any():
            break
        at = np.flatnonzero(paired)
        rounds.append((live[at], live[at + 1]))
        live = live[rank % 2 == 0]
    return rounds


def _taken(boot: Replicates | None, index: np.ndarray) -> Replicates | None:
    """The bootstrap's replicate sums of the keys ``index`` (settled: no waiting cells)."""
    if boot is None:
        return None
    assert boot.cells is None, "a partial is settled before it is re-keyed"
    span = boot.span
    return replace(
        boot,
        sums={k: v[index] for k, v in boot.sums.items()},
        shifts={k: v[index] for k, v in boot.shifts.items()},
        span=None
        if span is None
        else replace(span, last=span.last[index], first=span.first[index]),
        charged=0,
        budget=None,
        ranks={},  # re-keyed apart (rekeyed)
    )
