"""A partial's bootstrap: its replicate sums, the cells still waiting for their weights,
and each key's span of resampling units — the one interface the kernel, partials and
finalizing use.

Replicate sums are filed per (model, loss, statistic, part): the parts are the per-row
columns the statistic's kind resamples (:meth:`~..statistics.Kind.replicated`: one for a
sum, K for K sums per key, three power sums for shifted moments, whose shifts are kept
here too and re-based as partials merge). Each is a (keys × resamples) array.
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Any

import numpy as np

from ...records import datarecord
from ..budget import LOWER_REPLICATES, MemoryBudget
from ..moments import PowerSums, kept
from ..partial import capacity_for
from ..reduce import slice_of
from ..statistics import Key, Statistic
from .cells import Part, PendingCells, ReplicateSums

if TYPE_CHECKING:  # the rank losses' replicate tables: imported where a run has them
    from .rank_tables import ReplicateStore

RANK_REPLICATES = "rank_replicates"  # what a rank loss's replicates are read under (rows)


@datarecord
class UnitSpan:
    """Per key, the last resampling unit holding its rows of positive weight, and minus the
    first (−inf without such rows): both merge by maximum, and a key's rows lie in one unit
    iff they are opposites."""

    last: np.ndarray
    first: np.ndarray

    def absorb(self, other: UnitSpan, at: np.ndarray) -> None:
        self.last[at] = np.maximum(self.last[at], other.last)
        self.first[at] = np.maximum(self.first[at], other.first)

    def one_unit(self, order: np.ndarray) -> np.ndarray:
        """Per ordered key, then for all keys: do its rows lie in one unit?"""
        spans = self.last + self.first
        overall = np.max(self.last, initial=-np.inf) + np.max(self.first, initial=-np.inf)
        return np.append(spans[order] <= 0, overall <= 0)


@datarecord
class Replicates:
    sums: dict[Part, np.ndarray] = field(default_factory=dict)  # (keys × resamples)
    shifts: dict[Key, np.ndarray] = field(default_factory=dict)  # of shifted power sums
    cells: PendingCells | None = None  # cell sums not yet multiplied out
    span: UnitSpan | None = None
    charged: int = 0  # bytes charged to the memory budget for a chunk's replicate sums
    skipped: str = ""  # why an optional bootstrap was left out: over the budget
    budget: MemoryBudget | None = None  # a fold's total charges its replicate sums here
    # per (model, losses): rank losses' replicate tables (ROC-AUC, average precision), one
    # per model and ranks function, shared by the losses named
    ranks: dict[tuple[str, tuple[str, ...]], ReplicateStore] = field(default_factory=dict)

    @property
    def due(self) -> bool:
        return self.cells is not None and self.cells.due

    @property
    def nbytes(self) -> int:
        """Bytes of the replicate sums and waiting cells held."""
        held = sum(v.nbytes for v in self.sums.values())
        return held + (0 if self.cells is None else self.cells.nbytes)

    def take_cells(self) -> PendingCells | None:
        """The waiting cells, handed over (to be multiplied out elsewhere)."""
        cells, self.cells = self.cells, None
        return cells

    def absorb(self, other: Replicates, at: np.ndarray, capacity: int) -> None:
        """``other``'s sums (its keys are ``at`` here), their shifted power sums re-based onto
        this one's shifts (:meth:`~..moments.ShiftedMoments.rebased`)."""
        from .rank_tables import ReplicateStore

        where = slice_of(at)
        for name, values in self._rebased(other, at, capacity).items():
            if name not in self.sums:
                self.sums[name] = np.zeros((capacity, values.shape[1]))
            self.sums[name][where] += values
        if other.span is not None:
            if self.span is None:
                self.span = UnitSpan(np.full(capacity, -np.inf), np.full(capacity, -np.inf))
            self.span.absorb(other.span, at)
        if other.cells is not None:
            cells = other.cells.rekeyed(at)
            self.cells = cells if self.cells is None else self.cells.joined(cells)
        for losses, store in other.ranks.items():
            self.ranks.setdefault(losses, ReplicateStore()).absorb(store, at, self.budget)

    def _rebased(self, other: Replicates, at: np.ndarray, capacity: int) -> dict[Part, np.ndarray]:
        """``other``'s sums, its shifted power sums moved onto the shifts kept here."""
        sums = dict(other.sums)
        for (model, loss, stat), theirs in other.shifts.items():
            mine = self.shifts.setdefault((model, loss, stat), np.full(capacity, np.nan))
            mine[at] = to = kept(mine[at], theirs)
            names: list[Part] = [(model, loss, stat, i) for i in range(3)]
            moved = PowerSums(theirs, *(other.sums[name] for name in names)).rebased(to)
            sums.update(zip(names, moved.parts(), strict=True))
        return sums

    def settle(self, size: int, capacity: int) -> None:
        """Multiply the waiting cells out into the replicate sums (keys are ids here)."""
        if self.cells is not None:
            replicated = ReplicateSums()
            replicated.add(self.cells.products())
            self.cells = None
            self.add(replicated, size, capacity)

    def add(self, replicated: ReplicateSums, size: int, capacity: int) -> None:
        """Add replicate sums made of this partial's cells; a sum not here yet is taken
        over, not copied ((keys × resamples) can be large)."""
        self.unshare()
        for name, values in replicated.arrays.items():
            if name not in self.sums:  # rows past the partial's keys hold zeros
                short = capacity - len(values)
                self.sums[name] = _padded(values, short, 0.0) if short > 0 else values[:capacity]
            else:
                values = values[:size]
                self.sums[name][: len(values)] += values

    def unshare(self) -> None:
        """One array per sum before adding in place (a chunk files a column once)."""
        seen: set[int] = set()
        for name, values in self.sums.items():
            if id(values) in seen:
                self.sums[name] = values = values.copy()
            seen.add(id(values))

    def reserve(self, other: Replicates, size: int, capacity: int) -> int:
        """Charge the budget (a fold's total has one) for the replicate sums absorbing
        ``other`` makes, before anything is changed: new ones, or all of them at a grown
        capacity beside the old ones. Returns the bytes to give back afterwards."""
        wide = {k: v.shape[1] for t in (self.sums, other.sums) for k, v in t.items()}
        if self.budget is None or not wide:
            return 0
        room, resamples = capacity_for(size, capacity), max(wide.values())
        grows = room > capacity
        fresh = len(wide) if grows else sum(name not in self.sums for name in wide)
        if fresh:
            self.budget.charge(
                fresh * room * resamples * 8,
                lambda: (
                    f"the bootstrap's replicate sums for the {size:,} groups "
                    f"seen so far (room for {room:,}) × {resamples:,} resamples × "
                    f"{len(wide)} sums"
                ),
                LOWER_REPLICATES,
            )
        return sum(v.nbytes for v in self.sums.values()) if grows else 0

    def release(self, replaced: int) -> None:
        if self.budget is not None:
            self.budget.release(replaced)

    def drop(self) -> int:
        """Leave the bootstrap out: its replicate sums, cells and units; the bytes freed."""
        freed = self.nbytes + sum(store.charged for store in self.ranks.values())
        self.sums, self.shifts, self.cells, self.span, self.ranks = {}, {}, None, None, {}
        return freed

    def trimmed(self, size: int) -> Replicates:
        return Replicates(
            {k: v[:size] for k, v in self.sums.items()},
            {k: v[:size] for k, v in self.shifts.items()},
            self.cells,
            None if self.span is None else UnitSpan(self.span.last[:size], self.span.first[:size]),
            self.charged,
            self.skipped,
            self.budget,
            self.ranks,
        )

    def grow(self, capacity: int) -> None:
        self.sums = {k: _padded(v, capacity - len(v), 0.0) for k, v in self.sums.items()}
        self.shifts = {k: _padded(v, capacity - len(v), np.nan) for k, v in self.shifts.items()}
        if self.span is not None:
            pad = capacity - len(self.span.last)
            self.span = UnitSpan(
                _padded(self.span.last, pad, -np.inf), _padded(self.span.first, pad, -np.inf)
            )

    def rows(self, model: str, loss: str, order: np.ndarray) -> dict[str, Any] | None:
        """One loss's statistics as each resample saw them, for the ordered keys and then all
        keys pooled (None: none resampled); a rank loss's are its replicate tables, read
        under :data:`RANK_REPLICATES` (:func:`.rank_tables.replicate_values`)."""
        for (owner, losses), store in self.ranks.items():
            if owner == model and loss in losses:
                from .rank_tables import RankReplicates

                return {RANK_REPLICATES: RankReplicates(store, order, len(order))}
        parts: dict[Statistic, list[np.ndarray]] = {}
        for (owner, name, stat, _), values in sorted(
            self.sums.items(), key=lambda item: item[0][3]
        ):
            if owner == model and name == loss:
                parts.setdefault(stat, []).append(values)
        if not parts:
            return None
        out: dict[str, Any] = {}
        for stat, found in parts.items():
            shift = self.shifts.get((model, loss, stat))
            out.update(stat.kind.replicate_rows(stat.name, found, shift, order=order))
        return out


def _padded(values: np.ndarray, pad: int, fill: float) -> np.ndarray:
    if pad <= 0:
        return values
    return np.concatenate([values, np.full((pad, *values.shape[1:]), fill)])
