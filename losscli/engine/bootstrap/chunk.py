"""One chunk's bootstrap, the interface the kernel calls: the blocks' rows and the
statistics' per-row columns in, the chunk's :class:`~.replicates.Replicates` out.

A statistic's column is resampled as its kind splits it (:meth:`~..statistics.Kind.replicated`);
a shifted kind's power sums (:class:`~..moments.PowerSums`) around each key's first value
in the chunk, which this keeps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..budget import MemoryBudget
from ..moments import first_values, kept
from ..ranks import ReplicateRankKind
from ..statistics import Key
from .cells import PendingCells
from .replicates import Replicates, UnitSpan

if TYPE_CHECKING:  # the kernel imports this module; a run resamples only when asked to
    from .rank_tables import RowsOf
    from .weights import Resampling


class ChunkBootstrap:
    """The replicate sums of one chunk's resampled statistics, per key and resample. An
    ``optional`` bootstrap (the hidden one of R², F1, … under the normal method) over the
    memory budget is left out instead (:attr:`Replicates.skipped`)."""

    def __init__(
        self, spec: Resampling, n_keys: int, budget: MemoryBudget, *, optional: bool = False
    ) -> None:
        from .resample import ChunkResampler

        self._resampler = ChunkResampler(spec, n_keys, budget, optional=optional)
        self._n_keys, self._spec, self._budget = n_keys, spec, budget
        self._codes: np.ndarray | None = None
        self._positions = np.empty(0, dtype=np.int64)
        self._shifts: dict[Key, np.ndarray] = {}
        # rank losses' rows, per block, per (model, their ranks function): losses that
        # share the function share a table, filed under all their names
        self._ranks: dict[tuple[str, Any], list[RowsOf]] = {}
        self._rank_losses: dict[tuple[str, Any], list[str]] = {}
        self._ranked: set[tuple[str, Any]] = set()  # the current block's, taken already

    def block(
        self, positions: np.ndarray, codes: np.ndarray | None, counted: np.ndarray | None = None
    ) -> None:
        """The next block's rows: their positions in the input, their keys, and which of
        them have positive weight (None: all)."""
        self._resampler.block(positions, codes, counted)
        self._codes, self._positions = codes, positions
        self._ranked = set()

    def request(self, key: Key, column: Any) -> None:
        """Resample the current block's per-row ``column`` of the statistic ``key`` names."""
        model, loss, stat = key
        kind, shift = stat.kind, None
        if isinstance(kind, ReplicateRankKind):  # a rank loss's rows: a replicate table
            from .rank_tables import RowsOf

            ranks, weights, function = column
            share = (model, function)
            losses = self._rank_losses.setdefault(share, [])
            if loss not in losses:
                losses.append(loss)
            if share not in self._ranked:  # the same rows as another loss's: taken once
                self._ranked.add(share)
                rows = RowsOf.of(
                    self._codes, (ranks, weights), self._positions, self._spec.unit_rows
                )
                self._ranks.setdefault(share, []).append(rows)
            return
        if kind.shifted:
            first = self._shift(key, kind.shift_source(column))
            shift = first[0] if self._codes is None else first[self._codes]
        for part, values in enumerate(kind.replicated(column, shift)):
            self._resampler.request((model, loss, stat, part), values)

    def replicates(self) -> Replicates:
        """The chunk's replicate sums (or the cells they are made of), its keys' unit
        spans and the shifts of its power sums; settled where there are shifts (shifted
        power sums re-base as partials merge, so theirs must be sums)."""
        from .rank_tables import ReplicateStore, RowsOf, table_of_rows

        resampler = self._resampler
        replicated, groups = resampler.results()
        found = Replicates(charged=resampler.charged, skipped=resampler.skipped)
        if resampler.skipped:
            return found
        found.sums, found.shifts = replicated, dict(self._shifts)
        found.span = UnitSpan(*resampler.unit_span())
        if groups:
            found.cells = PendingCells(resampler.spec, groups)
        if self._shifts:
            found.settle(self._n_keys, self._n_keys)
        for share, parts in self._ranks.items():
            name = (share[0], tuple(sorted(self._rank_losses[share])))
            table = table_of_rows(RowsOf.concatenated(parts), self._spec, self._budget)
            if isinstance(table, str):
                found.ranks[name] = ReplicateStore(dropped=table)
            else:
                found.ranks[name] = ReplicateStore(table)
                found.charged += table.w.nbytes
        return found

    def _shift(self, key: Key, values: np.ndarray) -> np.ndarray:
        """Each key's first value in the chunk so far (NaN for a key not seen yet)."""
        shift = self._shifts.get(key, np.full(self._n_keys, np.nan))
        self._shifts[key] = shift = kept(shift, first_values(self._codes, self._n_keys, values))
        return shift
