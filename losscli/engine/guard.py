"""What a fold checks as it absorbs each chunk: that the input's weights stay summable, and
that the bootstrap's sums, the rank tables and the diagrams' bins stay within the memory
budget (:mod:`.budget`).

The hidden bootstrap under the normal method (the interval of a custom finalize such as
R², F1, precision, recall, balanced accuracy or ECE, which has no sound streamed normal
interval) is the one allocation that is optional: over the budget it is left out from
there on, those losses get no interval and a note saying why, and the run goes on. The
bootstrap method is never left out: over the budget the run stops.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from ..errors import InputError
from .budget import LOWER_REPLICATES, MemoryBudget, OverBudget
from .checks import WEIGHT_ADVICE, WEIGHT_SUM_LIMIT
from .kernel_spec import KernelSpec
from .partial import Partial, capacity_for
from .statistics import Key, Kind


class FoldGuard:
    """The checks of one input's fold into ``total``; ``spec`` is what the next chunks are
    computed with (without the hidden bootstrap once it is over the budget)."""

    def __init__(self, spec: KernelSpec, total: Partial, budget: MemoryBudget) -> None:
        self.spec, self.total, self.budget = spec, total, budget
        if spec.resampling is not None:  # a run without the bootstrap loads none of it (#18)
            from .bootstrap import Replicates

            total.bootstrap = Replicates(budget=budget)
        self.held_before = budget.held
        self.no_bootstrap = ""  # why the hidden bootstrap was left out
        self.ranks_held = 0  # bytes of the total's rank tables, charged
        self.pairs_held = 0  # and of its pair tables (ROC-AUC's paired test), charged
        self.wide_held = 0  # bytes of the total's wide per-key states (bins), charged
        self.wide_replaced = 0  # and of those they replace, given back once absorbed
        self.wide_refused = False  # a refusal of theirs stops the run
        self.wide_per_key, self.wide_askers = 0, ""  # their bytes per key, and what keeps them
        # The kinds of the states seen so far, learnt once per new key rather than looked
        # over in every chunk (the per-chunk cost of many small files: BENCHMARKS.md run 12).
        self.seen: set[Key] = set()
        self.wide: dict[Key, Kind] = {}  # the wide states' kinds (key_bytes), by key
        self.tables = False  # whether a rank or pair table was seen (else none is charged)
        self._learn(total)

    def absorb(self, chunk: Partial, weight: str | None) -> None:
        """``chunk`` into the total, its replicate sums charged (the total charges its
        own growth, before it grows) and the chunk's own given back once absorbed."""
        check_weight_sum(self.total, chunk, weight)
        self._learn(chunk)
        boot = chunk.bootstrap
        skipped = "" if boot is None else boot.skipped
        if skipped or self.no_bootstrap:
            self._drop_bootstrap(chunk, skipped)
        incoming, pairs, dropped = 0, 0, False
        if self.tables:  # a run without rank losses loads no pair tables (start-up, #18)
            from . import delong_pairs

            incoming = self._charge_ranks(chunk)
            pairs, dropped = delong_pairs.charge(self.total, chunk, self.budget, self.pairs_held)
        if dropped:  # over the budget: unpaired from here on (delong_pairs)
            self.pairs_held, self.spec = 0, replace(self.spec, pair_tables=False)
        reserve = partial(self._charge_wide, chunk)
        try:
            self.total.absorb(chunk, reserve)
        except OverBudget as exc:  # nothing changed yet: absorbed again without it
            if self.spec.replicate_ratios or self.wide_refused:
                raise
            self._drop_bootstrap(chunk, exc.reason)
            self.total.absorb(chunk, reserve)
        self.budget.release(self.wide_replaced)
        self.wide_replaced = 0
        if boot is not None:
            self.budget.release(boot.charged - (0 if boot.cells is None else boot.cells.nbytes))
        if pairs:
            from . import delong_pairs

            self.pairs_held = delong_pairs.settle_charge(
                self.total, self.budget, self.pairs_held, pairs
            )
        if incoming:  # the tables as merged (binned beyond their entry budget) stay charged
            held, self.ranks_held = self.ranks_held, rank_bytes(self.total)
            self.budget.release(held + incoming - self.ranks_held)

    def _learn(self, partial: Partial) -> None:
        """Note the kinds of ``partial``'s states not seen before: the wide ones, and
        whether any keeps a rank or pair table."""
        new = partial.states.keys() - self.seen
        if not new:
            return
        self.seen.update(new)
        for key in new:
            kind = key[2].kind
            if kind.key_bytes():
                self.wide[key] = kind
            self.tables = self.tables or kind.table

    def _charge_wide(self, chunk: Partial, keys: int) -> None:
        """Charge the wide per-key states (a diagram's bins, :meth:`.Kind.key_bytes`) for
        ``keys`` keys, before they grow: the grown arrays are made beside the old ones,
        which are given back once the chunk is absorbed."""
        wide = self.wide  # of the total's states and the chunk's (:meth:`_learn`)
        if not wide:
            return
        per_key = sum(kind.key_bytes() for kind in wide.values())
        room = capacity_for(keys, len(self.total.n))
        if room * per_key <= self.wide_held:
            return
        askers = {getattr(kind, "asked_by", "") or loss for (_, loss, _), kind in wide.items()}
        self.wide_askers = " and ".join(sorted(askers))
        what = f"the bins of {self.wide_askers} ({per_key // 8:,} floats per group)"
        lower = f"Group by fewer columns, or leave out {self.wide_askers}"
        if self.total.keys.columns:
            what += f" for the {keys:,} groups seen so far (room for {room:,})"
        else:
            lower = f"Leave out {self.wide_askers}"
        try:
            self.budget.charge(room * per_key, lambda: what, lower)
        except OverBudget:
            self.wide_refused = True
            raise
        self.wide_replaced += self.wide_held
        self.wide_held, self.wide_per_key = room * per_key, per_key

    def _charge_ranks(self, chunk: Partial) -> int:
        """Charge a chunk's rank tables (ROC-AUC) twice, before they are merged in: the
        merged table is made beside the tables it is made of. Returns the bytes charged."""
        size = 2 * rank_bytes(chunk)
        if size:
            self.budget.charge(size, lambda: self._rank_tables(chunk, size), _fewer_ranks(chunk))
        return size

    def _rank_tables(self, chunk: Partial, size: int) -> str:
        """What the rank tables refused are: the groups really seen (this chunk's too)."""
        entries = size // 2 // RANK_ENTRY_BYTES
        if not self.total.keys.columns:
            return f"the rank tables (ROC-AUC) of a chunk's {entries:,} (class, score) entries"
        keys = self.total.keys.copy()
        keys.absorb(chunk.keys)
        return (
            f"the rank tables (ROC-AUC) of the groups seen so far ({keys.size:,}) and a "
            f"chunk's {entries:,} (group, class, score) entries"
        )

    def charge_finalizing(self, curves: str = "") -> None:
        """Charge the copies finalizing makes: of the wide per-key states (in key order, with
        the overall row: the diagrams), of the rank tables of loss ``curves`` (each model's
        merged, with its overall table beside: the curves), and of the replicate sums
        (ordered per model, and a few (keys × resamples) arrays of one loss's replicates at
        a time)."""
        keys = self.total.size
        if self.wide_held:
            self.budget.charge(
                (keys + 1) * self.wide_per_key,
                lambda: f"finalizing the bins of {self.wide_askers} for {keys:,} groups",
                f"Group by fewer columns, or leave out {self.wide_askers}",
            )
        entries = _rank_entries(self.total, only=curves)
        if entries:
            self.budget.charge(
                2 * entries * RANK_ENTRY_BYTES,
                lambda: f"the curves' copies of the rank tables ({entries:,} entries)",
                "Group by fewer columns, or leave out --curves",
            )
        boot = self.total.bootstrap
        wide = [] if boot is None else list(boot.sums.values())
        if not wide:
            return
        resamples = wide[0].shape[1]
        try:
            self.budget.charge(
                (len(wide) + 4) * (keys + 1) * resamples * 8,
                lambda: (
                    f"finalizing the bootstrap of {keys:,} groups × {resamples:,} "
                    f"resamples × {len(wide)} sums"
                ),
                LOWER_REPLICATES,
            )
        except OverBudget as exc:
            self.leave_out(exc)

    def leave_out(self, refused: OverBudget) -> None:
        """A charge of the bootstrap ``refused``: an optional one (the hidden one under the normal
        method) is left out from here on; a required one stops the run (re-raised)."""
        if self.spec.replicate_ratios:
            raise refused
        self._drop_bootstrap(Partial.empty(self.total.keys), refused.reason)

    def release_all(self) -> None:
        """The input is done: what its fold held is given back."""
        self.budget.release(self.budget.held - self.held_before)

    def _drop_bootstrap(self, chunk: Partial, why: str) -> None:
        """The hidden bootstrap under the normal method, over the budget: left out from
        here on (no interval for the losses it served), its sums freed."""
        if not self.no_bootstrap:
            self.no_bootstrap = why
            if self.total.bootstrap is not None:
                self.budget.release(self.total.bootstrap.drop())
            self.spec = replace(self.spec, resampling=None)
        if chunk.bootstrap is not None:
            chunk.bootstrap.drop()
            self.budget.release(chunk.bootstrap.charged)
            chunk.bootstrap.charged = 0


CURVES = "(curves)"  # the curves' internal loss (engine/curves.py), kept for --curves
RANK_ENTRY_BYTES = 32  # a rank table's entry: cell, score, positive and negative weight


def _fewer_ranks(chunk: Partial) -> str:
    """What lowers the rank tables: fewer groups where there are groups; else only a
    run without the losses that keep them (their entries are the distinct scores)."""
    if chunk.keys.columns:
        return "Group by fewer columns"
    from .ranks import RANKS  # a chunk with rank tables: the rank modules are loaded

    found = {loss for _, loss, stat in chunk.states if stat.kind == RANKS}
    named = sorted(n for n in found if n != CURVES) + (["--curves"] if CURVES in found else [])
    return f"Evaluate without {', '.join(named)} (the rank tables grow with the distinct scores)"


def rank_bytes(partial: Partial) -> int:
    """Bytes of a partial's rank tables (settled and pending)."""
    return _rank_entries(partial) * RANK_ENTRY_BYTES


def _rank_entries(partial: Partial, only: str | None = None) -> int:
    """Entries of a partial's rank tables (of loss ``only``, if given); the rank modules
    are imported only where a state keeps a table (a rank loss's: start-up, #18)."""
    if not any(stat.kind.table for _, _, stat in partial.states):
        return 0
    from .ranks import RankKind

    stores = [
        v
        for (_, loss, stat), v in partial.states.items()
        if isinstance(stat.kind, RankKind) and only in (None, loss)
    ]
    return sum(len(t) for store in stores for t in store.tables())


def check_weight_sum(total: Partial, chunk: Partial, weight: str | None) -> None:
    """Stop before the input's Σw passes :data:`~.checks.WEIGHT_SUM_LIMIT` across chunks
    (within a chunk, its rows check it and name the row)."""
    if not weight:
        return
    found = [*total.problems.values(), *chunk.problems.values()]
    weights = sum((p.total_weight for p in found), 0.0)
    if weights <= WEIGHT_SUM_LIMIT or weights != weights or any(p.failed for p in found):
        return  # a failed chunk names its rows
    last = max(chunk.problems.values(), key=lambda p: p.rows_seen)
    raise InputError(
        f"{last.source}: the weights in column {weight!r} add up to more than "
        f"{WEIGHT_SUM_LIMIT:g} by data row {last.rows_seen:,}, too near float64's largest "
        f"value (1.8e+308) for sums of weighted terms. {WEIGHT_ADVICE}"
    )
