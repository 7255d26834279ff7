"""Partials: per-key sums of one batch, shard or partition, keyed by group values, that merge.

A partial is what the kernel makes of a batch of rows and what a whole evaluation
folds into: for every (model, loss, statistic) an array over its keys, added (sums,
and bootstrap replicate sums with one column per resample), maximised (extremes) or
merged by Chan's formula (spreads and the intervals' scaled co-moments, see
:mod:`.comoments`), or a flat rank table sorted by key (ROC-AUC), with the row
problems each part noticed and each model's task evidence. Merging is
associative and commutative (up to float rounding) and equals evaluating the union of
the rows; partials pickle. Bootstrap cell sums of blocks of rows wait in
:class:`~.cells.PendingCells` until enough of them are there to multiply out at once
(:meth:`Partial.settle`); every reader of the sums settles first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .bootstrap.cells import FIRST_UNIT, LAST_UNIT, PendingCells, ReplicateSums, StatKey, slice_of
from .budget import LOWER_REPLICATES, MemoryBudget
from .checks import RowProblems
from .comoments import merged as merge_comoments
from .comoments import one_variable
from .keys import KeySet
from .ranks import RankStore

__all__ = ["Partial", "Spread4", "StatKey", "merge_moments"]
Spread4 = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # weight, mean, M2, shift


@dataclass
class Partial:
    keys: KeySet
    n: np.ndarray = field(default_factory=lambda: np.zeros(1))  # rows per key
    added: dict[StatKey, np.ndarray] = field(default_factory=dict)
    largest: dict[StatKey, np.ndarray] = field(default_factory=dict)
    spreads: dict[StatKey, Spread4] = field(default_factory=dict)
    shifts: dict[StatKey, np.ndarray] = field(default_factory=dict)  # of shifted power sums
    binary: dict[str, bool] = field(default_factory=dict)  # one-column model: 0/1 labels?
    problems: dict[str, RowProblems] = field(default_factory=dict)  # per part (file or shard)
    ranked: dict[StatKey, RankStore] = field(default_factory=dict)  # flat, keyed per entry
    cells: PendingCells | None = None  # bootstrap cell sums not yet multiplied out
    comoments: dict[StatKey, np.ndarray] = field(default_factory=dict)  # (keys × fields)
    charged: int = 0  # bytes charged to the memory budget for its replicate sums
    skipped_bootstrap: str = ""  # why an optional bootstrap was left out: over the budget
    budget: MemoryBudget | None = None  # a fold's total charges its replicate sums here

    @classmethod
    def empty(cls, keys: KeySet) -> Partial:
        return cls(keys.copy(), np.zeros(keys.size))

    @property
    def size(self) -> int:
        return self.keys.size

    def merge(self, other: Partial) -> Partial:
        """The partial of both row sets; neither input changes. Bootstrap cells are
        multiplied out once enough of them wait, so a tree of merges holds few."""
        out = Partial.empty(self.keys)
        out.absorb(self)
        out.absorb(other)
        if out.cells is not None and out.cells.due:
            out.settle()
        return out

    def absorb(self, other: Partial) -> None:
        """Add ``other``'s rows to this partial, in place (the fold of a local run)."""
        other = other.trimmed()
        # the blocks of one chunk share its key set: their ids are the same here
        at = np.arange(other.size) if other.keys is self.keys else self.keys.absorb(other.keys)
        replaced = self._reserve(other)
        self._grow(self.keys.size)
        self._unshare()
        self.n[at] += other.n
        where = slice_of(at)
        for name, values in self._rebased(other, at).items():
            self._array(self.added, name, values, 0.0)[where] += values
        for name, values in other.largest.items():
            mine = self._array(self.largest, name, values, -np.inf)
            mine[at] = np.maximum(mine[at], values)
        for name, spread in other.spreads.items():
            self._absorb_spread(name, spread, at)
        for name, moments in other.comoments.items():
            mine = self._array(self.comoments, name, moments, 0.0)
            mine[where] = merge_comoments(mine[where], moments)
        for model, binary in other.binary.items():
            self.binary[model] = self.binary.get(model, True) and binary
        for part, found in other.problems.items():
            known = self.problems.get(part)
            self.problems[part] = found if known is None else known.merged(found)
        for name, store in other.ranked.items():
            into = self.ranked.setdefault(name, RankStore())
            for table in store.tables():
                into.add(table.rekeyed(at))
        if other.cells is not None:
            cells = other.cells.rekeyed(at)
            self.cells = cells if self.cells is None else self.cells.joined(cells)
        if self.budget is not None:
            self.budget.release(replaced)

    def settle(self) -> Partial:
        """Multiply the waiting bootstrap cells out into their replicate sums, in place
        (the value stays the same); returns this partial."""
        if self.cells is not None:
            replicated = ReplicateSums()
            replicated.add(self.cells.products())
            self.cells = None
            self.add_replicated(replicated)
        return self

    def add_replicated(self, replicated: ReplicateSums) -> None:
        """Add replicate sums made of this partial's cells (their keys are ids here); a
        sum not here yet is taken over, not copied ((keys × resamples) can be large)."""
        self._grow(self.keys.size)
        self._unshare()
        capacity = len(self.n)
        for name, values in replicated.arrays.items():
            if name not in self.added:  # rows past this partial's keys hold zeros
                short = capacity - len(values)
                self.added[name] = _padded(values, short, 0.0) if short > 0 else values[:capacity]
            else:
                values = values[: self.keys.size]
                self.added[name][: len(values)] += values

    def _unshare(self) -> None:
        """One array per sum before adding in place: the kernel files a column shared by
        two losses (or a count) once, as the same array under each name."""
        seen = {id(self.n)}
        for table in (self.added, self.largest, self.shifts):
            for name, values in table.items():
                if id(values) in seen:
                    table[name] = values = values.copy()
                seen.add(id(values))

    def _rebased(self, other: Partial, at: np.ndarray) -> dict[StatKey, np.ndarray]:
        """``other``'s sums, with its shifted power sums moved onto this partial's shifts:
        Σw(y − a) = Σw(y − b) + (b − a)Σw, and likewise for the squares."""
        added = dict(other.added)
        for (model, loss, name), theirs in other.shifts.items():
            mine = self._array(self.shifts, (model, loss, name), theirs, np.nan)
            unset = np.isnan(mine[at])
            mine[at[unset]] = theirs[unset]
            d = np.where(np.isnan(theirs), 0.0, theirs - mine[at])[:, None]
            s0, s1, s2 = (other.added[(model, loss, f"rep:{name}.s{i}")] for i in range(3))
            added[(model, loss, f"rep:{name}.s1")] = s1 + d * s0
            added[(model, loss, f"rep:{name}.s2")] = s2 + 2 * d * s1 + d**2 * s0
        return added

    def _array(
        self, table: dict[StatKey, np.ndarray], name: StatKey, like: np.ndarray, fill: float
    ) -> np.ndarray:
        if name not in table:
            table[name] = np.full((len(self.n), *like.shape[1:]), fill)
        return table[name]

    def replicate_bytes(self) -> int:
        """Bytes of the replicate sums (keys × resamples arrays) held."""
        return sum(v.nbytes for v in self.added.values() if v.ndim == 2)

    def _reserve(self, other: Partial) -> int:
        """Charge the budget (a fold's total has one) for the replicate sums absorbing
        ``other`` makes, before anything is changed: new ones, or all of them at a grown
        capacity beside the old ones. Returns the bytes to give back afterwards."""
        wide = {
            k: v.shape[1] for t in (self.added, other.added) for k, v in t.items() if v.ndim == 2
        }
        if self.budget is None or not wide:
            return 0
        capacity, resamples = _capacity(self.keys.size, len(self.n)), max(wide.values())
        grows = capacity > len(self.n)
        fresh = len(wide) if grows else sum(name not in self.added for name in wide)
        if fresh:
            self.budget.charge(
                fresh * capacity * resamples * 8,
                lambda: (
                    f"the bootstrap's replicate sums for the {self.keys.size:,} groups "
                    f"seen so far (room for {capacity:,}) × {resamples:,} resamples × "
                    f"{len(wide)} sums"
                ),
                LOWER_REPLICATES,
            )
        return self.replicate_bytes() if grows else 0

    def drop_replicates(self) -> int:
        """Leave the bootstrap out: its replicate sums, cells and units; the bytes freed."""
        freed = self.replicate_bytes() + (0 if self.cells is None else self.cells.nbytes)
        self.added = {k: v for k, v in self.added.items() if v.ndim == 1}
        self.largest = {k: v for k, v in self.largest.items() if k not in (LAST_UNIT, FIRST_UNIT)}
        self.shifts, self.cells = {}, None
        return freed

    def trimmed(self) -> Partial:
        """The same partial with its arrays cut to its keys (they grow with spare room)."""
        size = self.size
        return Partial(
            self.keys,
            self.n[:size],
            {k: v[:size] for k, v in self.added.items()},
            {k: v[:size] for k, v in self.largest.items()},
            {k: tuple(part[:size] for part in v) for k, v in self.spreads.items()},  # type: ignore[misc]
            {k: v[:size] for k, v in self.shifts.items()},
            dict(self.binary),
            dict(self.problems),
            dict(self.ranked),
            self.cells,
            {k: v[:size] for k, v in self.comoments.items()},
            self.charged,
            self.skipped_bootstrap,
            self.budget,
        )

    def _grow(self, size: int) -> None:
        """Room for ``size`` keys; capacity doubles, so a fold adds keys in amortised O(1)."""
        if size <= len(self.n):
            return
        pad = _capacity(size, len(self.n)) - len(self.n)
        self.n = _padded(self.n, pad, 0.0)
        self.added = {k: _padded(v, pad, 0.0) for k, v in self.added.items()}
        self.largest = {k: _padded(v, pad, -np.inf) for k, v in self.largest.items()}
        self.spreads = {k: _padded4(v, pad) for k, v in self.spreads.items()}
        self.shifts = {k: _padded(v, pad, np.nan) for k, v in self.shifts.items()}
        self.comoments = {k: _padded(v, pad, 0.0) for k, v in self.comoments.items()}

    def _absorb_spread(self, name: StatKey, theirs: Spread4, at: np.ndarray) -> None:
        """Chan's merge per key; their means are re-based onto this partial's shifts."""
        if name not in self.spreads:
            size = len(self.n)
            self.spreads[name] = (
                np.zeros(size),
                np.zeros(size),
                np.zeros(size),
                np.full(size, np.nan),
            )
        w, mean, m2, shift = self.spreads[name]
        tw, tmean, tm2, tshift = theirs
        unset = np.isnan(shift[at])
        shift[at[unset]] = tshift[unset]
        rebased = np.where(np.isnan(tshift), 0.0, tshift - shift[at]) + tmean
        w[at], mean[at], m2[at] = merge_moments((w[at], mean[at], m2[at]), (tw, rebased, tm2))


Moments = tuple[np.ndarray, np.ndarray, np.ndarray]  # weight, mean, M2 per key


def merge_moments(a: Moments, b: Moments) -> Moments:
    """Combine (weight, mean, M2) of two disjoint row sets, element-wise over keys: Chan's
    formula, as the co-moments merge (a one-variable table, :func:`.comoments.merged`)."""
    table = merge_comoments(one_variable(*a), one_variable(*b))
    return table[:, 0], table[:, 2], table[:, 3]


def _capacity(size: int, capacity: int) -> int:
    """Room for ``size`` keys: the capacity doubles, so a fold adds keys in amortised O(1)."""
    return capacity if size <= capacity else max(size, 2 * capacity)


def _padded(values: np.ndarray, pad: int, fill: float) -> np.ndarray:
    return np.concatenate([values, np.full((pad, *values.shape[1:]), fill)])


def _padded4(spread: Spread4, pad: int) -> Spread4:
    w, mean, m2, shift = spread
    return (
        _padded(w, pad, 0.0),
        _padded(mean, pad, 0.0),
        _padded(m2, pad, 0.0),
        _padded(shift, pad, np.nan),
    )
