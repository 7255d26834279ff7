"""Replicate rank tables: ROC-AUC's and average precision's bootstrap (``--ci-method
bootstrap``).

A rank statistic is no sum of per-row terms, so its replicates cannot be the product of
per-key sums with the units' weights (:mod:`.resample`). Its rank table can: per key,
class and distinct score, the positive and the negative weight are sums. A replicate
table keeps them under every resample's weights: one entry per distinct (cell, score,
side), cell = key · classes + class and side = positive or not, with a row of
Σ_rows w · v(unit, b) over its rows, v the same Poisson weights (:mod:`.weights`) every
other loss's bootstrap gives the row's unit, so the comparisons between losses and models
stay paired. It merges as the rank tables do (:mod:`..ranks`): concatenate, sort, sum
equal entries, so it is exact, associative and commutative, across chunks, threads,
files and partitions. Replicate b's ROC-AUC and average precision are read from its
column exactly as the value is read from the rank table (:func:`replicate_values`).

Its bytes are entries × resamples × 8, charged to ``--max-memory``: an optional
allocation. Past the budget the tables are dropped (a store says why, and merges as
dropped), ROC-AUC keeps DeLong's normal interval and average precision has none, each
with a note. The tables are never binned: past the rank tables' own entry budget
(:data:`..ranks.BUDGET`) they are dropped too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ...records import datarecord
from ..budget import MemoryBudget, shown
from ..rank_precision import micro_sums, precision_sums
from ..ranks import BUDGET, RankTable, key_class_sums
from .weights import WEIGHTS_PER_SLICE, Resampling, poisson_weights

if TYPE_CHECKING:
    from ...losses.shapes import Ranks

REFUSED = "replicate rank tables"  # their key in MemoryBudget.refused
READ_ENTRIES = 1 << 21  # (distinct scores × resamples) read at once: the temporaries stay small
Reader = Callable[[RankTable, int], dict[str, np.ndarray]]


@datarecord(frozen=True)
class ReplicateTable:
    """Entries sorted by (cell, score, side); ``w`` is (entries × resamples)."""

    cell: np.ndarray
    score: np.ndarray
    side: np.ndarray  # positive rows' entry
    w: np.ndarray
    classes: int = 1

    def __len__(self) -> int:
        return len(self.cell)

    @property
    def nbytes(self) -> int:
        return int(self.w.nbytes + self.cell.nbytes + self.score.nbytes + self.side.nbytes)

    def rekeyed(self, at: np.ndarray) -> ReplicateTable:
        """The same entries, key ids mapped by ``at`` (no longer sorted)."""
        key, cls = np.divmod(self.cell, self.classes)
        return replace(self, cell=at[key] * self.classes + cls)


def _runs(t: ReplicateTable) -> tuple[np.ndarray, np.ndarray]:
    """The sort order of ``t``'s entries by (cell, score, side), and where each distinct
    triple starts in it."""
    order = np.lexsort((t.side, t.score, t.cell))
    cell, score, side = t.cell[order], t.score[order], t.side[order]
    new = np.ones(len(cell), dtype=bool)
    new[1:] = (cell[1:] != cell[:-1]) | (score[1:] != score[:-1]) | (side[1:] != side[:-1])
    return order, np.flatnonzero(new)


def joined(tables: list[ReplicateTable]) -> ReplicateTable:
    """One table of all entries: sorted, equal (cell, score, side) summed (one table
    that is so already is kept as it is)."""
    first = tables[0]
    if len(tables) == 1 and _collapsed(first):
        return first
    cell, score, side = (np.concatenate([getattr(t, f) for t in tables]) for f in FIELDS)
    w = np.concatenate([t.w for t in tables])
    if not len(cell):
        return ReplicateTable(cell, score, side, w, first.classes)
    order, starts = _runs(ReplicateTable(cell, score, side, w, first.classes))
    at = order[starts]
    return ReplicateTable(
        cell[at], score[at], side[at], np.add.reduceat(w[order], starts), first.classes
    )


FIELDS = ("cell", "score", "side")


def _collapsed(t: ReplicateTable) -> bool:
    """Whether ``t``'s entries are strictly increasing by (cell, score, side) (a chunk's
    table re-keyed by increasing ids stays so)."""
    cell, score, side = np.diff(t.cell), np.diff(t.score), np.diff(t.side.astype(np.int8))
    return bool(np.all((cell > 0) | ((cell == 0) & ((score > 0) | ((score == 0) & (side > 0))))))


def pooled(t: ReplicateTable) -> ReplicateTable:
    """Every key's entries as one key's (the overall row)."""
    return joined([replace(t, cell=t.cell % t.classes)])


@datarecord
class RowsOf:
    """A block's rows a replicate table keeps (positive weight, no flag), as
    :func:`..ranks.kept_rows` chooses them, with their resampling units."""

    keys: np.ndarray
    scores: np.ndarray  # rows × classes
    positive: np.ndarray  # rows × classes
    w: np.ndarray
    units: np.ndarray

    @classmethod
    def of(
        cls, codes: np.ndarray | None, column: tuple[Ranks, Any], positions: np.ndarray, unit: int
    ) -> RowsOf:
        from ..ranks import kept_rows, used_rows

        ranks, weights = column
        w, keys, scores, positive = kept_rows(codes, ranks, weights)
        return cls(keys, scores, positive, w, positions[used_rows(ranks, weights)] // unit)

    @classmethod
    def concatenated(cls, parts: list[RowsOf]) -> RowsOf:
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in ROW_FIELDS))


ROW_FIELDS = ("keys", "scores", "positive", "w", "units")


def table_of_rows(
    rows: RowsOf, spec: Resampling, budget: MemoryBudget | None
) -> ReplicateTable | str:
    """The replicate table of a chunk's rows (their units ascending), or why not: its
    bytes would pass the memory budget (charged here when they fit)."""
    classes = rows.scores.shape[1]
    cell = (rows.keys[:, None] * classes + np.arange(classes, dtype=np.int64)).reshape(-1)
    score = rows.scores.reshape(-1).astype(float)
    side = rows.positive.reshape(-1).astype(bool)
    refused = None if budget is None else budget.refused.get(REFUSED)
    if refused:  # left out already: no table of a chunk will be kept
        return refused
    t = ReplicateTable(cell, score, side, np.empty((len(cell), 0)), classes)
    order, starts = _runs(t)
    entries = len(starts)
    why = too_large(entries, spec.resamples, budget)
    if why:
        if budget is not None:
            budget.refused.setdefault(REFUSED, why)
        return why
    new = np.zeros(len(cell), dtype=bool)
    new[starts] = True
    entry = np.empty(len(cell), dtype=np.intp)
    entry[order] = np.cumsum(new) - 1
    at = order[starts]
    w = np.zeros((entries, spec.resamples))
    _add_weighted(w, entry.reshape(-1, classes), rows, spec)
    return ReplicateTable(cell[at], score[at], side[at], w, classes)


def too_large(entries: int, resamples: int, budget: MemoryBudget | None) -> str:
    """Why a table of ``entries`` entries cannot be kept ("": it can, and is charged)."""
    size = entries * resamples * 8
    if entries > BUDGET:
        return f"more than {BUDGET:,} distinct scores"
    if budget is None or budget.try_charge(size):
        return ""
    return (
        f"they would take {shown(size)} at {entries:,} distinct scores × {resamples:,} "
        f"resamples, past --max-memory {shown(budget.limit)}"
    )


def _add_weighted(w: np.ndarray, entry: np.ndarray, rows: RowsOf, spec: Resampling) -> None:
    """w[e, b] += Σ over the rows of entry e of weight · v(unit, b): one sparse product per
    slice of units (the weights made at once stay small), of the entries the slice has."""
    from scipy import sparse

    units = np.unique(rows.units)
    classes = entry.shape[1]
    step = max(1, WEIGHTS_PER_SLICE // spec.resamples)
    for start in range(0, len(units), step):
        these = units[start : start + step]
        lo, hi = np.searchsorted(rows.units, [these[0], these[-1] + 1])
        local = np.repeat(np.searchsorted(these, rows.units[lo:hi]), classes)
        present, where = np.unique(entry[lo:hi].reshape(-1), return_inverse=True)
        values = np.repeat(rows.w[lo:hi], classes)
        matrix = sparse.csr_matrix(
            (values, (where.reshape(-1), local)), shape=(len(present), len(these))
        )
        w[present] += matrix @ poisson_weights(spec.seed, these, spec.resamples)


@datarecord
class ReplicateStore:
    """A partial's replicate table and the tables absorbed since it was last sorted; once
    past the memory budget, none, and ``dropped`` says why. ``charged``: the bytes of its
    tables counted to a budget (a fold's total's)."""

    table: ReplicateTable | None = None
    pending: list[ReplicateTable] = field(default_factory=list)
    dropped: str = ""
    charged: int = 0

    def tables(self) -> list[ReplicateTable]:
        return [*([] if self.table is None else [self.table]), *self.pending]

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in self.tables())

    def drop(self, why: str, budget: MemoryBudget | None) -> None:
        """No tables from here on; the chunks to come make none (``budget.refused``)."""
        if budget is not None:
            budget.release(self.charged)
            budget.refused.setdefault(REFUSED, why)
        self.table, self.pending, self.dropped, self.charged = None, [], why, 0

    def absorb(self, other: ReplicateStore, at: np.ndarray, budget: MemoryBudget | None) -> None:
        """``other``'s tables (its keys are ``at`` here), charged to ``budget`` if any."""
        if self.dropped or other.dropped:
            self.drop(self.dropped or other.dropped, budget)
            return
        incoming = [t.rekeyed(at) for t in other.tables()]
        if not self._charge(sum(t.nbytes for t in incoming), budget):
            return
        self.pending += incoming
        if sum(map(len, self.pending)) >= (0 if self.table is None else len(self.table)):
            self.settle(budget)

    def settle(self, budget: MemoryBudget | None) -> None:
        """One sorted table of every entry (made beside its parts: charged first)."""
        if not self.pending:
            return
        parts = self.tables()
        if len(parts) == 1 and _collapsed(parts[0]):
            self.table, self.pending = parts[0], []
            return
        # made beside its parts: their entries gathered twice (concatenated, then in order)
        if not self._charge(3 * sum(t.nbytes for t in parts), budget):
            return
        self.table, self.pending = joined(parts), []
        if budget is not None:
            budget.release(self.charged - self.table.nbytes)
            self.charged = self.table.nbytes
        if len(self.table) > BUDGET:
            self.drop(f"more than {BUDGET:,} distinct scores", budget)

    def _charge(self, size: int, budget: MemoryBudget | None) -> bool:
        if budget is None or budget.try_charge(size):
            self.charged += 0 if budget is None else size
            return True
        entries = sum(map(len, self.tables()))
        resamples = next((t.w.shape[1] for t in self.tables()), 0)
        self.drop(
            f"they would take {shown(self.charged + size)} as they are merged, at about "
            f"{entries:,} distinct scores × {resamples:,} resamples, past --max-memory "
            f"{shown(budget.limit)}",
            budget,
        )
        return False

    def rekeyed(self, at: np.ndarray) -> ReplicateStore:
        """The store with key ids mapped by ``at`` (ids merged where they meet), uncharged."""
        if self.dropped:
            return ReplicateStore(dropped=self.dropped)
        tables = self.tables()
        return ReplicateStore(joined([t.rekeyed(at) for t in tables]) if tables else None)


@datarecord(frozen=True)
class RankReplicates:
    """What finalizing reads of one loss's replicate tables: its store, the ordered keys
    and the keys' count (:func:`replicate_values` reads them)."""

    store: ReplicateStore
    order: np.ndarray
    size: int


def replicate_values(
    found: RankReplicates, finalize: Callable[[dict[str, Any]], np.ndarray], *, precision: bool
) -> np.ndarray:
    """Each replicate's value of a rank loss, (ordered keys, then all keys pooled) ×
    resamples: ``finalize`` of the sums its column gives, read as the loss reads its rank
    table (``precision``: average precision's sums too)."""
    reader: Reader = _precision_sums if precision else key_class_sums
    tables = found.store.tables()
    table = tables[0] if len(tables) == 1 else joined(tables)
    keyed = _values(table, found.size, reader, finalize)[found.order]
    return np.concatenate([keyed, _values(pooled(table), 1, reader, finalize)])


def _precision_sums(t: RankTable, n_keys: int) -> dict[str, np.ndarray]:
    sums = {**key_class_sums(t, n_keys), **precision_sums(t, n_keys)}
    return {**sums, **micro_sums(t, n_keys)} if t.classes > 1 else sums


def _values(
    t: ReplicateTable, n_keys: int, reader: Reader, finalize: Callable[[dict[str, Any]], np.ndarray]
) -> np.ndarray:
    """(keys × resamples): per slice of resamples, their columns as one rank table of
    keys × resamples cells (cell = b · keys · classes + key · classes + class), read and
    finalized at once."""
    resamples = t.w.shape[1]
    out = np.full((n_keys, resamples), np.nan)
    if not len(t):
        return out
    n_keys = max(n_keys, int(t.cell[-1]) // t.classes + 1)  # cells of one replicate never overlap
    new = np.ones(len(t), dtype=bool)
    new[1:] = (t.cell[1:] != t.cell[:-1]) | (t.score[1:] != t.score[:-1])
    starts = np.flatnonzero(new)
    cells = n_keys * t.classes
    step = max(1, READ_ENTRIES // len(starts))
    for b0 in range(0, resamples, step):
        w = t.w[:, b0 : b0 + step]
        count = w.shape[1]
        pos = np.add.reduceat(np.where(t.side[:, None], w, 0.0), starts).T.reshape(-1)
        neg = np.add.reduceat(np.where(t.side[:, None], 0.0, w), starts).T.reshape(-1)
        cell = (np.arange(count)[:, None] * cells + t.cell[starts]).reshape(-1)
        tiled = RankTable(cell, np.tile(t.score[starts], count), pos, neg, t.classes)
        sums: dict[str, Any] = reader(tiled, n_keys * count)
        sums["n"] = np.ones(n_keys * count)
        with np.errstate(all="ignore"):
            values = np.asarray(finalize(sums), dtype=float)
        out[:, b0 : b0 + count] = values.reshape(count, n_keys).T[: len(out)]
    return out
