"""Partials: per-key statistics of one chunk, shard or partition, keyed by group values,
that merge.

A partial is what the kernel makes of a chunk of rows and what a whole evaluation folds
into: per key, the rows seen and, for every (model, loss, statistic), the statistic's
state, which its declared kind (:mod:`.statistics`) knows how to combine, grow, cut and
pool; the row problems each part noticed; each model's task evidence; and the bootstrap's
replicate sums (:class:`~.bootstrap.replicates.Replicates`, None without one). Merging is
associative and commutative (up to float rounding) and equals evaluating the union of the
rows; partials pickle. Every reader of the replicate sums settles first
(:meth:`Partial.settle`).

Partials merge by value: the keys of one are looked up in the other's. A chunk coded
against its fold's own key set (:meth:`~.keys.KeySet.chunk`) skips that: its states are
for ids ``at`` of the fold's keys, and absorbing it adds them there by index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING

import numpy as np

from ..records import datarecord
from .checks import RowProblems
from .keys import KeySet
from .reduce import add_at, slice_of
from .statistics import SUM, Key, Kind, Role, State, Sum

if TYPE_CHECKING:  # the bootstrap: imported where a run resamples (start-up, #18)
    from .bootstrap import Replicates, ReplicateSums

__all__ = ["Key", "Partial", "capacity_for"]


@datarecord
class Partial:
    keys: KeySet
    n: np.ndarray = field(default_factory=lambda: np.zeros(1))  # rows per key
    states: dict[Key, State] = field(default_factory=dict)  # per declared statistic
    problems: dict[str, RowProblems] = field(default_factory=dict)  # per part (file or shard)
    binary: dict[str, bool] = field(default_factory=dict)  # one-column model: 0/1 labels?
    bootstrap: Replicates | None = None  # the bootstrap's replicate sums, cells and units
    # which of ``keys`` the states are for, in state order (a chunk coded against its fold's
    # keys: :class:`~.keys.ChunkKeys`); None: all of them, in id order
    at: np.ndarray | None = None

    @classmethod
    def empty(cls, keys: KeySet) -> Partial:
        return cls(keys.copy(), np.zeros(keys.size))

    @property
    def size(self) -> int:
        return self.keys.size if self.at is None else len(self.at)

    def merge(self, other: Partial) -> Partial:
        """The partial of both row sets; neither input changes. Bootstrap cells are
        multiplied out once enough of them wait, so a tree of merges holds few."""
        out = Partial.empty(self.keys)
        out.absorb(self)
        out.absorb(other)
        if out.bootstrap is not None and out.bootstrap.due:
            out.settle()
        return out

    def absorb(self, other: Partial, reserve: Callable[[int], None] | None = None) -> None:
        """Add ``other``'s rows to this partial, in place (the fold of a local run);
        ``reserve`` is told the keys there will be, before any state grows."""
        # a chunk's partial fits its keys and is added as it is; a total with room to grow
        # is cut to its keys first, and a bootstrap's partial too (a precaution: its
        # replicates are settled apart)
        if len(other.n) != other.size or other.bootstrap is not None:
            other = other.trimmed()
        at = self._place(other)
        if reserve is not None:
            reserve(self.keys.size)
        theirs = other.bootstrap
        if theirs is not None and self.bootstrap is None:
            from .bootstrap import Replicates

            self.bootstrap = Replicates()
        mine = self.bootstrap
        replaced = (
            0 if theirs is None or mine is None else mine.reserve(theirs, self.size, len(self.n))
        )
        self._grow(self.keys.size)
        together = self.keys.size >= SUMS_TOGETHER_KEYS  # (a fold's keys never fewer)
        self._unshare(sums=not together)
        where = slice_of(at)  # where the keys go: found once for every sum
        if together:
            self._add_sums(other, where)
        else:
            add_at(self.n, other.n, where)
        for key, state in other.states.items():
            kind = key[2].kind
            if together and type(kind) is Sum:
                continue
            known = self.states.get(key)
            known = kind.empty(len(self.n), state) if known is None else known
            if type(kind) is Sum:
                add_at(known, state, where)
                self.states[key] = known
            else:
                self.states[key] = kind.absorb(known, state, at)
        for model, binary in other.binary.items():
            self.binary[model] = self.binary.get(model, True) and binary
        for part, found in other.problems.items():
            known_problems = self.problems.get(part)
            self.problems[part] = found if known_problems is None else known_problems.merged(found)
        if theirs is not None and mine is not None:
            mine.absorb(theirs, at, len(self.n))
            mine.release(replaced)

    def _add_sums(self, other: Partial, where: np.ndarray | slice) -> None:
        """``other``'s row counts and sums (statistics of kind :class:`Sum`) added here,
        those holding the same numbers kept as one array (:mod:`.shared_sums`, imported
        for totals of many keys only: start-up, #18)."""
        from . import shared_sums

        totals = {_ROWS: self.n, **_sums(self.states)}
        chunk = {_ROWS: other.n, **_sums(other.states)}
        counts = {_ROWS, *(key for key in chunk if key is not None and key[2].role is Role.FLAG)}
        changed = shared_sums.added(totals, chunk, where, len(self.n), counts)
        self.n = changed.pop(_ROWS, self.n)
        self.states.update((key, state) for key, state in changed.items() if key is not None)

    def _place(self, other: Partial) -> np.ndarray:
        """The id here of each of ``other``'s keys: by value, or, for a chunk coded against
        these very keys, its ids."""
        if other.keys is not self.keys:
            found = self.keys.absorb(other.keys)
            return found if other.at is None else found[other.at]
        return np.arange(other.size) if other.at is None else other.at

    def settle(self) -> Partial:
        """Multiply the waiting bootstrap cells out into their replicate sums, in place
        (the value stays the same); returns this partial."""
        if self.bootstrap is not None:
            self._grow(self.keys.size)
            self.bootstrap.settle(self.keys.size, len(self.n))
        return self

    def add_replicated(self, replicated: ReplicateSums) -> None:
        """Add replicate sums made of this partial's cells (their keys are ids here)."""
        self._grow(self.keys.size)
        if self.bootstrap is None:
            from .bootstrap import Replicates

            self.bootstrap = Replicates()
        self.bootstrap.add(replicated, self.keys.size, len(self.n))

    def _unshare(self, sums: bool) -> None:
        """One array per state before adding in place: the kernel files a column shared by
        two losses (or a count) once, as the same array under each key. ``sums``: the sums
        too (else sums held as one array stay one while their values do: :mod:`.shared_sums`)."""
        kept = {} if sums else _sums(self.states)
        seen = {id(self.n), *map(id, kept.values())}
        for key, state in self.states.items():
            if key in kept:
                continue
            if id(state) in seen and isinstance(state, np.ndarray):
                self.states[key] = state = state.copy()
            seen.add(id(state))
        if self.bootstrap is not None:
            self.bootstrap.unshare()

    def trimmed(self) -> Partial:
        """The same partial with its states cut to its keys (they grow with spare room)."""
        size = self.size
        n, states = _each_array(self.n, self.states, lambda kind, v: kind.trimmed(v, size))
        return Partial(
            self.keys,
            n,
            states,
            dict(self.problems),
            dict(self.binary),
            None if self.bootstrap is None else self.bootstrap.trimmed(size),
            self.at,
        )

    def _grow(self, size: int) -> None:
        """Room for ``size`` keys; capacity doubles, so a fold adds keys in amortised O(1)."""
        if size <= len(self.n):
            return
        capacity = capacity_for(size, len(self.n))
        self.n, self.states = _each_array(
            self.n, self.states, lambda kind, v: kind.grown(v, capacity)
        )
        if self.bootstrap is not None:
            self.bootstrap.grow(capacity)


def _each_array(
    n: np.ndarray, states: dict[Key, State], made: Callable[[Kind, State], State]
) -> tuple[np.ndarray, dict[Key, State]]:
    """The row counts and states, each made anew by ``made`` (grown, trimmed) once per
    array: sums held as one array (:mod:`.shared_sums`), or the row counts, stay one
    array (a view apiece would be added to once per statistic)."""
    out: dict[tuple[int, Kind], State] = {(id(n), SUM): made(SUM, n)}
    for key, state in states.items():
        kind = key[2].kind
        if (id(state), kind) not in out:
            out[id(state), kind] = made(kind, state)
    return out[id(n), SUM], {k: out[id(v), k[2].kind] for k, v in states.items()}


def capacity_for(size: int, capacity: int) -> int:
    """Room for ``size`` keys: the capacity doubles, so a fold adds keys in amortised O(1)."""
    return capacity if size <= capacity else max(size, 2 * capacity)


# Totals of this many keys keep sums of the same numbers as one array: a
# chunk's scattered adds into them cost more than comparing its sums (about 10 ns a key
# against 1), while for few keys the comparing costs more than it saves (BENCHMARKS.md
# run 19b: ~80 µs a chunk of an overall row).
SUMS_TOGETHER_KEYS = 1 << 14
_ROWS = None  # the row counts' place among the sums (no statistic's key is None)


def _sums(states: dict[Key, State]) -> dict[Key | None, np.ndarray]:
    """The states of kind :class:`Sum`."""
    return {key: state for key, state in states.items() if type(key[2].kind) is Sum}
