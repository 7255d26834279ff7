"""Rank tables: per key and class, the weighted positive and negative mass at each distinct
score — what a rank statistic (ROC-AUC) needs, kept as flat sorted arrays.

A table is four arrays sorted by (key, class, score), one entry per distinct triple, with
the summed weights of the positive and the negative rows there. Merging concatenates,
sorts and sums equal runs, so it is exact, associative and commutative. A table whose
entries exceed :data:`BUDGET` has its scores quantised to bins: first 2^20 equal bins on
[0, 1] (of the sigmoid for logits), then coarser by 2^4 while still over the budget. The
bins nest, so binning commutes with merging: the union is always kept at the finest level
that fits it, whatever the order of merging. Only pairs tied inside a bin are lost, and
their count bounds the error exactly (:func:`key_class_sums` reports it).

A :class:`RankStore` is a partial's table plus tables absorbed but not sorted in yet:
they are folded in once they hold as many entries as the table, so a fold of many
chunks sorts each entry O(log chunks) times, not once per chunk.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import field, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..records import datarecord
from .statistics import Kind, Problem, Role, State, Statistic

if TYPE_CHECKING:
    from ..losses.shapes import Ranks

BUDGET = 4_000_000  # distinct (key, class, score) entries of one model's table
FINEST_BITS = 20
STEP_BITS = 4
COARSEST_BITS = 8
EXACT = 0  # ``bits`` of a table of exact scores
SHOWN = ("pos", "neg", "area", "tied", "bits")  # what a rank table is read as (key_class_sums)


@datarecord(frozen=True)
class RankTable:
    """Entries sorted by (cell, score), where cell = key · classes + class; ``bits`` > 0:
    scores are bin numbers."""

    cell: np.ndarray
    score: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    classes: int = 1
    logits: bool = False
    bits: int = EXACT

    def __len__(self) -> int:
        return len(self.cell)

    def rekeyed(self, at: np.ndarray) -> RankTable:
        """The same entries with key ids mapped by ``at`` (no longer sorted)."""
        key, cls = np.divmod(self.cell, self.classes)
        return replace(self, cell=at[key] * self.classes + cls)


def kept_rows(
    codes: np.ndarray | None, ranks: Ranks, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(weights, keys, scores as rows × classes, positive) of the rows a table keeps: those
    of positive weight that no flag marks."""
    scores = ranks.scores[:, None] if ranks.scores.ndim == 1 else ranks.scores
    positive = ranks.positive.reshape(scores.shape)
    rows = len(scores)
    use = used_rows(ranks, weights)
    w = np.ones(rows) if weights is None else weights
    keys = np.zeros(rows, dtype=np.int64) if codes is None else codes.astype(np.int64)
    return w[use], keys[use], scores[use], positive[use]


class ReplicateRankKind(Kind):
    """The kind of :data:`REPLICATE_RANKS`: a rank loss's rows, which the bootstrap makes a
    replicate table of (:mod:`.bootstrap.rank_tables`)."""


REPLICATE_RANKS = Statistic("replicate_ranks", ReplicateRankKind(), Role.SPREAD)


def replicated(column: tuple[Ranks, Any], function: Callable[..., Any]) -> dict[Statistic, Any]:
    """What a rank loss resamples under the bootstrap: its (ranks, weights) and its ranks
    function (the losses whose ranks one function makes share one replicate table)."""
    return {REPLICATE_RANKS: (*column, inspect.unwrap(function))}


def used_rows(ranks: Ranks, weights: np.ndarray | None) -> np.ndarray:
    """Which rows a table keeps: those of positive weight that no flag marks."""
    use = np.ones(len(ranks.scores), dtype=bool) if weights is None else weights > 0
    for flagged in ranks.flags.values():
        use &= ~flagged
    return use


def table_of_rows(codes: np.ndarray | None, ranks: Ranks, weights: np.ndarray | None) -> RankTable:
    """The table of one chunk: rows with positive weight and no flag, every class."""
    w, keys, scores, positive = kept_rows(codes, ranks, weights)
    classes = scores.shape[1]
    w_each = np.repeat(w, classes)
    hit = positive.reshape(-1)
    table = RankTable(
        (keys[:, None] * classes + np.arange(classes, dtype=np.int64)).reshape(-1),
        scores.reshape(-1).astype(float),
        np.where(hit, w_each, 0.0),
        np.where(hit, 0.0, w_each),
        classes,
        ranks.logits,
    )
    return _fitted(_collapsed(table))


def merged(tables: list[RankTable]) -> RankTable:
    """One table of all entries, at the finest level that fits the budget."""
    bits = min((t.bits for t in tables if t.bits != EXACT), default=EXACT)
    same = [_binned(t, bits) for t in tables] if bits != EXACT else tables
    first = same[0]
    cell, score, pos, neg = (
        np.concatenate([getattr(t, name) for t in same]) for name in ("cell", "score", "pos", "neg")
    )
    table = RankTable(cell, score, pos, neg, first.classes, first.logits, bits)
    return _fitted(_collapsed(table))


def _collapsed(t: RankTable) -> RankTable:
    """Sorted by (cell, score), equal pairs summed."""
    if not len(t):
        return t
    order = np.lexsort((t.score, t.cell))
    cell, score = t.cell[order], t.score[order]
    new = np.ones(len(cell), dtype=bool)
    new[1:] = (cell[1:] != cell[:-1]) | (score[1:] != score[:-1])
    starts = np.flatnonzero(new)
    return RankTable(
        cell[starts],
        score[starts],
        np.add.reduceat(t.pos[order], starts),
        np.add.reduceat(t.neg[order], starts),
        t.classes,
        t.logits,
        t.bits,
    )


def _fitted(t: RankTable) -> RankTable:
    """``t``, its scores binned ever coarser while its entries exceed the budget."""
    while len(t) > BUDGET and t.bits != COARSEST_BITS:
        t = _collapsed(_binned(t, FINEST_BITS if t.bits == EXACT else t.bits - STEP_BITS))
    return t


def _binned(t: RankTable, bits: int) -> RankTable:
    """Scores as bin numbers among 2^bits equal bins on [0, 1] (no coarser than ``t``'s)."""
    if t.bits == bits:
        return t
    if t.bits == EXACT:
        unit = 0.5 * (1.0 + np.tanh(0.5 * t.score)) if t.logits else t.score
        score = np.minimum(np.floor(np.clip(unit, 0.0, 1.0) * 2.0**bits), 2.0**bits - 1)
    else:
        score = np.floor(t.score / 2.0 ** (t.bits - bits))
    return replace(t, score=score, bits=bits)


def key_class_sums(t: RankTable, n_keys: int) -> dict[str, np.ndarray]:
    """Per key and class (keys × classes): P and N, the weighted positive and negative
    mass; ``area`` = Σ_s N(s)·(P above s + ½·P(s)), the Mann–Whitney count; ``tied`` =
    Σ_s P(s)·N(s), the pairs the score cannot order. ``bits`` per key: 0 for exact scores.
    ``t`` must be collapsed (sorted, one entry per cell and score)."""
    cells = n_keys * t.classes
    cell = t.cell
    pos_total = np.bincount(cell, weights=t.pos, minlength=cells)
    new = np.ones(len(cell), dtype=bool)
    new[1:] = cell[1:] != cell[:-1]
    first = np.flatnonzero(new)[np.cumsum(new) - 1]  # each entry's first entry of its cell
    above = pos_total[cell] - _running_sums(t.pos, first)
    area = np.bincount(cell, weights=t.neg * (above + 0.5 * t.pos), minlength=cells)
    shape = (n_keys, t.classes)
    return {
        "pos": pos_total.reshape(shape),
        "neg": np.bincount(cell, weights=t.neg, minlength=cells).reshape(shape),
        "area": area.reshape(shape),
        "tied": np.bincount(cell, weights=t.pos * t.neg, minlength=cells).reshape(shape),
        "bits": np.full(n_keys, float(t.bits)),
    }


def _running_sums(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Σ values from each entry's ``first`` entry up to it, inclusive, in one vectorised
    pass. A plain running sum minus the sum before the cell would carry the rounding of
    every earlier cell (ε times the grand total: a small group after a heavy one would
    lose digits); each step's rounding error is recovered exactly (Fast2Sum) and added
    back, so the error stays ε times the cell's own sums."""
    running = np.cumsum(values)
    before = np.concatenate([[0.0], running[:-1]])
    lost = values - (running - before)  # what each addition rounded away
    lost_running = np.cumsum(lost)
    base, lost_base = before[first], lost_running[first] - lost[first]
    return (running - base) + (lost_running - lost_base)


def pooled(t: RankTable) -> RankTable:
    """Every key's entries as one key's (the overall row)."""
    return _collapsed(replace(t, cell=t.cell % t.classes))


@datarecord
class RankStore:
    """A partial's rank table and the tables absorbed since it was last sorted."""

    table: RankTable | None = None
    pending: list[RankTable] = field(default_factory=list)

    def add(self, table: RankTable) -> None:
        """Take ``table``'s entries (sorted in once the pending ones match the table)."""
        self.pending.append(table)
        if sum(map(len, self.pending)) >= (0 if self.table is None else len(self.table)):
            self.settled()

    def settled(self) -> RankTable:
        """The one sorted table of every entry (folding the pending tables in)."""
        if self.pending:
            mine = [] if self.table is None else [self.table]
            self.table, self.pending = merged([*mine, *self.pending]), []
        assert self.table is not None, "a rank store holds at least one table"
        return self.table

    def tables(self) -> list[RankTable]:
        return [*([] if self.table is None else [self.table]), *self.pending]


@datarecord(frozen=True)
class RankKind(Kind):
    """A rank statistic's state: a :class:`RankStore` of (key, class, score) entries,
    merged by concatenating (re-keyed) and summing equal scores; its rows are the
    per-class sums of :func:`key_class_sums`, and of all keys pooled."""

    table: ClassVar[bool] = True

    def of_rows(self, codes: np.ndarray | None, n_keys: int, column: Any) -> State:
        ranks, weights = column
        return RankStore(table_of_rows(codes, ranks, weights))

    def empty(self, size: int, like: State) -> State:
        return RankStore()

    def grown(self, state: State, size: int) -> State:
        return state

    def trimmed(self, state: State, size: int) -> State:
        return state

    def combined(self, mine: State, theirs: State) -> State:
        return self.added(RankStore(mine.table, list(mine.pending)), theirs)

    def added(self, mine: State, theirs: State) -> State:
        for table in theirs.tables():
            mine.add(table)
        return mine

    def absorb(self, mine: State, theirs: State, at: np.ndarray) -> State:
        for table in theirs.tables():
            mine.add(table.rekeyed(at))
        return mine

    def check(self, column: Any, rows: int, label: str) -> Problem:
        return "", None  # a rank statistic's rows are checked as they are read

    def names(self, name: str) -> tuple[str, ...]:
        return SHOWN

    def rows(self, name: str, state: State, order: np.ndarray, *, size: int) -> dict[str, Any]:
        tables = state.tables()  # sorted into one table of its own: the store stays as it is
        table = tables[0] if len(tables) == 1 else merged(tables)
        keyed, overall = key_class_sums(table, size), key_class_sums(pooled(table), 1)
        return {k: np.concatenate([keyed[k][order], overall[k]]) for k in keyed}


RANKS = RankKind()
