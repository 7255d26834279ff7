"""ROC-AUC's paired comparison (``--compare``): DeLong's test of two models on the same rows.

The paired variance needs, per row, both models' placements, so it keeps per key a pair
table: for every distinct (label, score of the model, score of the reference) the rows'
Σw and Σw², merged by value like the rank tables (concatenate, sort, sum equal runs),
so it is exact, associative and commutative. From it, per key::

    Var(Δ) = n₁/(n₁ − 1) · Σw²(d10 − Δ)² / P²  +  n₀/(n₀ − 1) · Σu²(d01 − Δ)² / N²

with d10 = V10_model − V10_reference per positive row, d01 likewise per negative row
(:mod:`.delong` for the placements and the effective rows n₁, n₀), Δ = AUC_model −
AUC_reference: unweighted, DeLong's S10/m + S01/n of the difference (var_a + var_b −
2 cov). Δ/√Var(Δ) is read on the normal scale (z test and interval), as pROC's
``roc.test(method="delong")``.

A pair table holds about one entry per row. Its bytes are charged to ``--max-memory``
(:func:`charge`) as an optional allocation: beyond the budget the tables are dropped (a
store then says why, and merges as dropped) and the comparison falls back to the two
models' independent variances, Var(Δ) = Var_model + Var_reference ("delong unpaired",
which overstates the spread of positively correlated models: a conservative test).
The pair tables are never binned: where the rank tables are (past their entry budget)
the paired Δ is the exact scores', which may differ from the difference of the two
binned values shown by up to the sum of their stated bounds.
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..records import datarecord
from .budget import MemoryBudget
from .delong import side_variance, variance, z_quantile
from .ranks import _running_sums as running_sums
from .statistics import Kind, Problem, Role, State, Statistic

if TYPE_CHECKING:
    from ..losses.shapes import Ranks
    from .intervals import Paired
    from .partial import Partial

PAIRED, UNPAIRED = "delong paired", "delong unpaired"
ENTRY_BYTES = 48  # cell, two scores, Σw, Σw², and the sort's order


@datarecord(frozen=True)
class PairTable:
    """Entries sorted by (cell, score_a, score_b), cell = 2·key + (1 if positive); ``w``
    is (entries × 2): Σw and Σw²."""

    cell: np.ndarray
    a: np.ndarray
    b: np.ndarray
    w: np.ndarray

    def __len__(self) -> int:
        return len(self.cell)


def pair_table(
    codes: np.ndarray | None, model: Ranks, reference: Ranks, weights: np.ndarray | None
) -> PairTable:
    """One block's pair table: rows of positive weight that neither model's rules flag and
    that both call positive or both negative (binary scores)."""
    rows = len(model.scores)
    use = np.ones(rows, dtype=bool) if weights is None else weights > 0
    for flagged in (*model.flags.values(), *reference.flags.values()):
        use &= ~flagged
    use &= model.positive.reshape(-1) == reference.positive.reshape(-1)
    w = np.ones(rows) if weights is None else weights
    keys = np.zeros(rows, dtype=np.int64) if codes is None else codes.astype(np.int64)
    cell = keys * 2 + model.positive.reshape(-1).astype(np.int64)
    a, b = model.scores.reshape(-1).astype(float), reference.scores.reshape(-1).astype(float)
    return collapsed(PairTable(cell[use], a[use], b[use], np.stack([w, w * w], axis=1)[use]))


def collapsed(t: PairTable) -> PairTable:
    """Sorted by (cell, a, b), equal triples summed."""
    if not len(t):
        return t
    order = np.lexsort((t.b, t.a, t.cell))
    cell, a, b = t.cell[order], t.a[order], t.b[order]
    new = np.ones(len(cell), dtype=bool)
    new[1:] = (cell[1:] != cell[:-1]) | (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    starts = np.flatnonzero(new)
    return PairTable(cell[starts], a[starts], b[starts], np.add.reduceat(t.w[order], starts))


FIELDS = ("cell", "a", "b", "w")


def joined(tables: list[PairTable]) -> PairTable:
    """One table of all entries (sorted, equal triples summed)."""
    return collapsed(PairTable(*(np.concatenate([getattr(t, f) for t in tables]) for f in FIELDS)))


@datarecord
class PairStore:
    """A partial's pair table and the tables absorbed since it was last sorted; once over
    the memory budget, none, and ``dropped`` says why."""

    table: PairTable | None = None
    pending: list[PairTable] = field(default_factory=list)
    dropped: str = ""

    def add(self, other: PairStore, at: np.ndarray | None = None) -> None:
        if self.dropped or other.dropped:
            self.drop(self.dropped or other.dropped)
            return
        for t in other.tables():
            if at is not None:
                key, label = np.divmod(t.cell, 2)
                t = PairTable(at[key] * 2 + label, t.a, t.b, t.w)
            self.pending.append(t)
        if sum(map(len, self.pending)) >= (0 if self.table is None else len(self.table)):
            self.settled()

    def settled(self) -> PairTable | None:
        if self.pending:
            self.table, self.pending = joined(self.tables()), []
        return self.table

    def tables(self) -> list[PairTable]:
        return [*([] if self.table is None else [self.table]), *self.pending]

    def drop(self, why: str) -> None:
        self.table, self.pending, self.dropped = None, [], why

    def entries(self) -> int:
        return sum(map(len, self.tables()))


@datarecord(frozen=True)
class PairKind(Kind):
    """A model's pair tables with the reference (:class:`PairStore`), merged by value."""

    table: ClassVar[bool] = True

    def of_rows(self, codes: np.ndarray | None, n_keys: int, column: Any) -> State:
        model, reference, weights = column
        return PairStore(pair_table(codes, model, reference, weights))

    def empty(self, size: int, like: State) -> State:
        return PairStore()

    def grown(self, state: State, size: int) -> State:
        return state

    def trimmed(self, state: State, size: int) -> State:
        return state

    def combined(self, mine: State, theirs: State) -> State:
        out = PairStore(mine.table, list(mine.pending), mine.dropped)
        out.add(theirs)
        return out

    def added(self, mine: State, theirs: State) -> State:
        mine.add(theirs)
        return mine

    def absorb(self, mine: State, theirs: State, at: np.ndarray) -> State:
        mine.add(theirs, at)
        return mine

    def check(self, column: Any, rows: int, label: str) -> Problem:
        return "", None

    def names(self, name: str) -> tuple[str, ...]:
        return ("pairs",)

    def rows(self, name: str, state: State, order: np.ndarray, *, size: int) -> dict[str, Any]:
        """The store itself, with the ordered keys: :func:`paired` reads it."""
        return {"pairs": (state, order, size)}


PAIRS = Statistic("pairs", PairKind(), Role.SPREAD)


def pair_sums(t: PairTable, n_keys: int) -> dict[str, np.ndarray]:
    """Per key: P, N, Σw², Σu², Δ and the sums of squares Σw²(d10 − Δ)², Σu²(d01 − Δ)²."""
    cells = 2 * n_keys
    w, w2 = t.w[:, 0], t.w[:, 1]
    total = np.bincount(t.cell, weights=w, minlength=cells)  # P at 2k + 1, N at 2k
    v_a, v_b = _placements(t.cell, t.a, w, total), _placements(t.cell, t.b, w, total)
    d = v_a - v_b
    with np.errstate(all="ignore"):
        delta = np.bincount(t.cell, weights=w * d, minlength=cells) / total
        # the positives' d10 and the negatives' d01 both have the mean Δ (the positives')
        ss = np.bincount(t.cell, weights=w2 * (d - delta[t.cell | 1]) ** 2, minlength=cells)
    squares = np.bincount(t.cell, weights=w2, minlength=cells)
    return {
        "pos": total[1::2],
        "neg": total[0::2],
        "pos_w2": squares[1::2],
        "neg_w2": squares[0::2],
        "delta": delta[1::2],
        "pos_ss": ss[1::2],
        "neg_ss": ss[0::2],
    }


def _placements(
    cell: np.ndarray, score: np.ndarray, w: np.ndarray, total: np.ndarray
) -> np.ndarray:
    """Each entry's placement by one model's ``score``: a positive's V10, the negative
    weight below its score plus half that at it, over N; a negative's V01, the positive
    weight above plus half that at it, over P."""
    key = cell // 2
    order = np.lexsort((score, key))
    k, s, positive, ws = key[order], score[order], cell[order] % 2 == 1, w[order]
    new_key = np.ones(len(k), dtype=bool)
    new_key[1:] = k[1:] != k[:-1]
    new_score = new_key.copy()
    new_score[1:] |= s[1:] != s[:-1]
    first_key = np.flatnonzero(new_key)[np.cumsum(new_key) - 1]
    runs = np.flatnonzero(new_score)
    run_of = np.cumsum(new_score) - 1
    last = np.append(runs[1:], len(k))[run_of] - 1  # each entry's score run's last entry
    out = np.empty(len(k))
    with np.errstate(all="ignore"):
        neg = np.where(positive, 0.0, ws)
        through = running_sums(neg, first_key)[last]  # negative weight up to this score
        at = np.add.reduceat(neg, runs)[run_of]
        v10 = (through - 0.5 * at) / total[2 * k]
        pos = np.where(positive, ws, 0.0)
        through = running_sums(pos, first_key)[last]
        at = np.add.reduceat(pos, runs)[run_of]
        v01 = (total[2 * k + 1] - through + 0.5 * at) / total[2 * k + 1]
    out[order] = np.where(positive, v10, v01)
    return out


def paired(store: tuple[PairStore, np.ndarray, int], level: float) -> tuple[Paired, str] | None:
    """DeLong's paired test per key (the ordered keys, then all pooled) from the pair
    tables; None where they were dropped (over the memory budget)."""
    state, order, size = store
    if state.dropped:
        return None
    tables = state.tables()  # sorted into one table of its own: the store stays as it is
    if not tables:
        return None
    table = tables[0] if len(tables) == 1 else joined(tables)
    keyed = pair_sums(table, size)
    overall = pair_sums(_pooled(table), 1)
    sums = {k: np.concatenate([keyed[k][order], overall[k]]) for k in keyed}
    var = side_variance(sums["pos"], sums["pos_w2"], sums["pos_ss"]) + side_variance(
        sums["neg"], sums["neg_w2"], sums["neg_ss"]
    )
    return _normal_test(sums["delta"], var, level), PAIRED


def unpaired(
    delta: np.ndarray, mine: dict[str, np.ndarray], ref: dict[str, np.ndarray], level: float
) -> Paired:
    """Δ's test with the two models' DeLong variances as if independent."""
    return _normal_test(delta, variance(mine)[:, 0] + variance(ref)[:, 0], level)


def _normal_test(delta: np.ndarray, var: np.ndarray, level: float) -> Paired:
    from scipy import special

    from .intervals import Paired

    with np.errstate(all="ignore"):
        se = np.sqrt(np.maximum(var, 0.0))
        z = np.where(se > 0, delta / se, np.where(delta == 0, 0.0, np.inf))
        p = np.where(np.isnan(se), np.nan, 2.0 * special.ndtr(-np.abs(z)))
        q = z_quantile(level)
    return Paired(delta, delta - q * se, delta + q * se, p, se)


def _pooled(t: PairTable) -> PairTable:
    return collapsed(PairTable(t.cell % 2, t.a, t.b, t.w))


def pair_bytes(partial: Partial) -> int:
    """Bytes of a partial's pair tables (settled and pending)."""
    stores = [v for (_, _, stat), v in partial.states.items() if isinstance(stat.kind, PairKind)]
    return sum(store.entries() for store in stores) * ENTRY_BYTES


def charge(total: Partial, chunk: Partial, budget: MemoryBudget, held: int) -> tuple[int, bool]:
    """Charge a chunk's pair tables (twice: the merged table is made beside its parts)
    before they are merged in; over the budget drop them, in the chunk and the total, and
    give back what the total's held (``held``). Returns the bytes now charged (to be
    settled by :func:`settle_charge`) and whether the tables were dropped."""
    size = 2 * pair_bytes(chunk)
    if not size or budget.try_charge(size):
        return size, False
    why = (
        f"its pair tables (about one entry per row, {ENTRY_BYTES} bytes each) would pass "
        f"--max-memory {budget.limit:,} bytes"
    )
    for partial in (total, chunk):
        for (_, _, stat), store in partial.states.items():
            if isinstance(stat.kind, PairKind):
                store.drop(why)
    budget.release(held)
    return 0, True


def settle_charge(total: Partial, budget: MemoryBudget, held: int, incoming: int) -> int:
    """After a chunk is absorbed: keep the total's pair tables charged, give back the rest."""
    now = pair_bytes(total)
    budget.release(held + incoming - now)
    return now
