"""A total's sums, each kept once where several statistics hold the very same numbers.

Several sums of a partial are often equal key by key: the row count ``n`` and each mean's
denominator (Σ1 unweighted: MSE's, MAPE's where no label is zero). A total of many keys
(:data:`~.partial.SUMS_TOGETHER_KEYS`) keeps one array for the sums that have held the
same bits in every chunk absorbed so far, and adds a chunk's values to it once. At a
million keys every scattered add of a chunk's sums costs
~10 ns a key (one cache line of an 8 MB array each; BENCHMARKS.md runs 13 and 19b), and
with ``-m mse,mape`` two of its six adds were such repeats. The totals are the same bits as
adding to each apart: every key gets the same additions in the same order. Where a
chunk's values of sums kept together differ, they part: each set of equal values gets
its own copy of the total so far.

A count of rows (``n``, a rule's flags: sums of booleans, never −0.0) that is zero for
every key of a chunk adds nothing (``x + 0.0`` is ``x`` for every count): a rule that
flags no row costs no scattered pass.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from typing import Generic, TypeVar

import numpy as np

from ..records import datarecord
from .reduce import add_at

K = TypeVar("K", bound=Hashable)


def added(
    totals: Mapping[K, np.ndarray],
    chunk: Mapping[K, np.ndarray],
    where: np.ndarray | slice,
    size: int,
    counts: Collection[K],
) -> dict[K, np.ndarray]:
    """``chunk``'s sums (their keys are ``where`` in the totals' rows) added to ``totals``
    in place, each array once; returns the arrays of every statistic whose array changed
    (a new total, a copy where sums kept together part, or one a new statistic joins).
    ``totals`` holds a total of ``size`` rows for each of ``chunk``'s statistics but new
    ones, whose totals start at zero: one of them joins a total still zero whose chunk
    values are its own (the row counts of a partial's first chunk, say). ``counts``: the
    statistics that count rows."""
    plans: list[_Plan[K]] = []
    held: dict[int, list[K]] = {}
    for key, total in totals.items():
        held.setdefault(id(total), []).append(key)
    for keys in held.values():
        total = totals[keys[0]]
        absent = [key for key in keys if key not in chunk]
        present = [key for key in keys if key in chunk]
        if absent and present:  # those without rows here keep the total so far
            plans.append(_Plan(total.copy(), absent, changed=True, adds=False))
        kept_together = all(same_bits(chunk[present[0]], chunk[key]) for key in present[1:])
        sets = [present] if kept_together and present else equal_sets(present, chunk)
        for n, same in enumerate(sets):
            plans.append(_Plan(total if n == 0 else total.copy(), same, changed=n > 0))
    new = [key for key in chunk if key not in totals]
    for same in equal_sets(new, chunk):
        joined = next((p for p in plans if p.joins(same[0], chunk)), None)
        if joined is not None:  # a total still zero, of the same values: one array
            joined.keys += same
            joined.changed = True
        else:
            like = chunk[same[0]]
            plans.append(_Plan(np.zeros((size, *like.shape[1:])), same, changed=True))
    out: dict[K, np.ndarray] = {}
    for plan in plans:
        values = chunk[plan.keys[0]] if plan.adds else None
        counted = any(key in counts for key in plan.keys)  # a total of counts, then
        if values is not None and not (counted and not values.any()):
            add_at(plan.total, values, where)
        if plan.changed:
            out.update(dict.fromkeys(plan.keys, plan.total))
    return out


@datarecord
class _Plan(Generic[K]):
    """One total array, the statistics it is the total of, whether that is news to the
    caller (a new or copied array, or statistics joining it), and whether the chunk adds
    to it (not to the keys it has no values of)."""

    total: np.ndarray
    keys: list[K]
    changed: bool
    adds: bool = True

    def joins(self, key: K, chunk: Mapping[K, np.ndarray]) -> bool:
        """Whether a new statistic ``key`` can be kept in this total: the chunk gives it the
        same values, and the total is still zero (+0.0, the start of a new one)."""
        theirs = chunk[self.keys[0]] if self.adds else None
        if theirs is None or not same_bits(theirs, chunk[key]):
            return False
        return not self.total.view(_bits(self.total)).any()


def equal_sets(keys: list[K], chunk: Mapping[K, np.ndarray]) -> list[list[K]]:
    """``keys`` in sets of the same values (bit for bit) in ``chunk``, in first-seen order.
    Only arrays alike at a few places are compared whole, so many different sums (every
    loss at once, over many small files) cost a pass each, not one per pair."""
    if len(keys) < 2:
        return [keys] if keys else []
    sets: list[list[K]] = []
    alike: dict[tuple[object, ...], list[list[K]]] = {}
    for key in keys:
        values = chunk[key]
        candidates = alike.setdefault(_glance(values), [])
        for same in candidates:
            if same_bits(chunk[same[0]], values):
                same.append(key)
                break
        else:
            candidates.append([key])
            sets.append(candidates[-1])
    return sets


def _glance(values: np.ndarray) -> tuple[object, ...]:
    """What equal arrays share: their shape, type and a few values' bits."""
    flat = values.reshape(-1)
    picked = flat[[0, len(flat) // 2, -1]] if len(flat) else flat
    return values.shape, values.dtype.str, picked.tobytes()


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays hold the same bits (−0.0 is not 0.0; a NaN is itself)."""
    if a is b:
        return True
    if a.shape != b.shape or a.dtype != b.dtype or a.dtype.kind != "f":
        return False
    if not (a.flags.c_contiguous and b.flags.c_contiguous):
        return False
    bits = _bits(a)
    return bool((a.view(bits) == b.view(bits)).all())


def _bits(values: np.ndarray) -> np.dtype:
    """An integer type as wide as ``values``' floats: their bits, compared as integers."""
    return np.dtype(f"i{values.dtype.itemsize}")
