"""The fold of one part's chunks into a partial: the one kernel path both engines take
(an input's result from the total: :mod:`.input_result`).

A local run folds every part of an input into one :class:`PartFold` in reading order; a
distributed run (:mod:`.distributed`) folds each partition into one of its own on a
worker, starting at the partition's first row, and merges the partials. Either way each
chunk goes through :func:`~.kernel.evaluate_chunk` with its row's place in its part (for
messages) and in its input (the bootstrap's unit), its partial is absorbed under the
same checks (:class:`~.guard.FoldGuard`), and the bootstrap's cells are multiplied out
by the same settler; :func:`~.input_result.finish` turns the total into the input's result.

A chunk's rows are coded against the total's keys on the folding thread, in reading order,
before it is computed (:func:`~.kernel.group_ids`): its partial's keys are the total's own
ids, which absorbing it adds to by index, and which no thread's timing can change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ..errors import InputError, PluginFailure
from ..reading import to_float
from .budget import OverBudget
from .gather import SMALL_ROWS, Gathered, Piece, clean_problems, gathers, ids_of
from .guard import FoldGuard
from .kernel import evaluate_chunk, group_ids
from .keys import ChunkKeys, KeySet
from .partial import Partial

if TYPE_CHECKING:
    from .bootstrap import Settler
    from .run import Options, Work

POOL_MIN_ROWS = 1 << 14  # smaller chunks are computed on the folding thread


class PartFold:
    """Chunks folded into one partial in order, from row ``position`` of the input on
    (0 for a whole input; a partition's first row in a distributed run). ``pool``: the
    threads that compute chunks and settle the bootstrap (None: this thread)."""

    def __init__(
        self,
        work: Work,
        options: Options,
        pool: ThreadPoolExecutor | None,
        threads: int,
        *,
        position: int = 0,
        gather: bool = False,
    ) -> None:
        self.work, self.threads, self.pool = work, max(1, threads), pool
        # One of the threads is the reading thread (the Parquet or CSV decoder), so chunks
        # are computed by threads − 1, on this (folding) thread where that is one: on 2
        # cores, --threads 2 is one thread reading and one computing, as --threads 1 (a
        # second kernel thread took the reader's core: BENCHMARKS.md runs 8 and 9). The
        # pool, of ``threads``, multiplies bootstrap cells out. A kernel that resamples
        # computes far more than the reader decodes: there, all ``threads`` compute (the
        # row bootstrap, B = 200, 1M rows on 2 cores: 3.4 -> 2.5 s; BENCHMARKS.md run 16).
        resampling = options.uncertainty.resampling is not None
        self.computing = self.threads if resampling else max(1, self.threads - 1)
        self.total = Partial.empty(KeySet(work.plan.group_by, work.spec.empty_is_missing))
        self.position = position  # rows of the input before the next chunk (the bootstrap's unit)
        self.guard = FoldGuard(work.spec, self.total, options.budget)
        self.settler: Settler | None = None  # multiplies the bootstrap's cells out
        if work.spec.resampling is not None:  # a run without it loads none of it (#18)
            from .bootstrap import Settler

            self.settler = Settler(pool, self.threads, options.budget)
        self.pending: deque[Future[Partial]] = deque()
        # small batches wait to be computed as one chunk (a local run: engine/gather.py)
        plan = work.plan
        self.gathered = (
            Gathered(plan.group_by, len(plan.numeric))
            if gather and gathers(plan.label_kind, work.builder.period is not None)
            else None
        )
        self.deferred: list[str] = []  # parts checked while some of their rows wait

    def part(
        self,
        name: str,
        batches: Iterable[pa.RecordBatch],
        *,
        first_row: int = 0,
        progress: Callable[[], None] | None = None,
        small: bool = False,
    ) -> None:
        """Absorb the chunks of part ``name`` (a file or shard), the first of them its data
        row ``first_row`` (0, or a partition's first row in its file). ``small``: a part read
        in one small batch waits to be computed with others (:mod:`.gather`) where the fold
        gathers."""
        try:
            chunks = self._chunks(name, batches, first_row, progress, small)
            for records, ids, evidence, lone in chunks:
                if self.gathered is not None and lone:
                    if not self.gathered.fits(records):
                        self.flush()
                    self.gathered.add(Piece(name, first_row, self.position, records, ids))
                    if self.gathered.full:
                        self.flush()
                else:
                    self.flush()
                    keys = self.total.keys.chunk(ids)
                    at = self.position
                    kernel = self._kernel(records, keys, evidence, name, first_row, at)
                    self._compute(kernel, records.num_rows)
                first_row += records.num_rows
                self.position += records.num_rows
        except Exception:
            self.flush()  # the parts before, checked first (their errors come first)
            raise
        if self.gathered is None or not self.gathered.pieces:
            for chunk in self._drain():
                self._absorb(chunk)

    def _compute(self, kernel: Callable[[], Partial], rows: int) -> None:
        """One chunk's kernel call (:meth:`_kernel`, on ``rows`` rows) run here or on the
        pool, and the partials done absorbed."""
        for chunk in self._submit(kernel, rows):
            self._absorb(chunk)

    def _kernel(
        self,
        records: pa.RecordBatch,
        keys: ChunkKeys,
        evidence: dict[str, bool],
        name: str,
        first_row: int,
        position: int,
    ) -> Callable[[], Partial]:
        """The kernel's call on one chunk (of part ``name`` from its data row ``first_row``,
        row ``position`` of the input), to run here or on the pool."""
        return partial(
            evaluate_chunk,
            records,
            spec=self.guard.spec,
            builder=self.work.builder,
            part=name,
            first_row=first_row,
            position=position,
            keys=keys,
            evidence=evidence,
        )

    def _chunks(
        self,
        name: str,
        batches: Iterable[pa.RecordBatch],
        first_row: int,
        progress: Callable[[], None] | None,
        small: bool,
    ) -> Iterator[tuple[pa.RecordBatch, np.ndarray | None, dict[str, bool], bool]]:
        """The part's batches with their derived key columns (--period's,
        :meth:`~.batches.BatchBuilder.keyed`, and what they leave in the partial), their rows
        coded against the total's keys here, in reading order (:meth:`~.keys.KeySet.codes`),
        and whether the batch is a small part's only one (gathered: :mod:`.gather`)."""
        keys, columns = self.total.keys, self.work.plan.group_by
        for batch, lone in _lone(batches, small and self.gathered is not None):
            if progress is not None:
                progress()
            keyed, evidence = self.work.builder.keyed(batch, name, first_row)
            yield keyed, group_ids(keys, keyed, columns, name), evidence, lone
            first_row += batch.num_rows

    def check(self, name: str) -> None:
        """The bad values part ``name`` holds, raised (once the whole part is folded: the
        message counts them all); a part whose rows wait to be gathered, once computed."""
        if self.gathered is not None and self.gathered.waits(name):
            self.deferred.append(name)
        elif name in self.total.problems:
            self.total.problems[name].raise_if_failed()

    def flush(self) -> None:
        """The gathered small batches computed (as one chunk where their checks find
        nothing, else one by one: :mod:`.gather`), and the checks of their parts raised."""
        pieces = [] if self.gathered is None else self.gathered.take()
        deferred, self.deferred = self.deferred, []
        if pieces:
            for chunk in self._drain():
                self._absorb(chunk)
            if len(pieces) == 1 or not self._gathered_chunk(pieces):  # one: as it is
                self._one_by_one(pieces, deferred)
        for name in deferred:
            self.check(name)

    def _one_by_one(self, pieces: list[Piece], deferred: list[str]) -> None:
        """``pieces`` computed as their own chunks, each part checked after its last, as
        if never gathered: every message is the one-by-one path's."""
        for piece in pieces:
            keys = self.total.keys.chunk(piece.ids)
            records, at = piece.records, piece.position
            kernel = self._kernel(records, keys, {}, piece.part, piece.first_row, at)
            self._compute(kernel, records.num_rows)
            if piece.part in deferred and piece is _last_of(pieces, piece.part):
                self.check(piece.part)

    def _gathered_chunk(self, pieces: list[Piece]) -> bool:
        """Compute ``pieces`` as one chunk and absorb it; False (nothing absorbed) where
        its checks found anything or it failed: the pieces are then computed one by one."""
        assert self.gathered is not None
        first = pieces[0]
        records = self.gathered.records(pieces)
        keys = self.total.keys.chunk(ids_of(pieces))
        try:
            chunk = self._kernel(records, keys, {}, first.part, first.first_row, first.position)()
        except (InputError, PluginFailure):
            return False
        weight = self.work.plan.weight
        weights = None if not weight else to_float(records.column(weight), weight, first.part)
        before = sum((p.total_weight for p in self.total.problems.values()), 0.0)
        problems = clean_problems(chunk.problems[first.part], pieces, weights, before)
        if problems is None:
            if chunk.bootstrap is not None:  # its replicate sums, dropped
                self.guard.budget.release(chunk.bootstrap.charged)
            return False
        chunk.problems = problems
        self._absorb(chunk)
        return True

    def settled(self) -> Partial:
        """The total, its bootstrap cells multiplied out (the fold is done)."""
        self.flush()
        settler = self.settler
        if settler is None:
            return self.total
        self._hand_over(settler)  # the last cells, beside the last products
        self._settling(settler, settler.finish)
        if not self.guard.no_bootstrap:
            self.total.add_replicated(settler.sums)
        return self.total

    def _submit(self, kernel: Callable[[], Partial], rows: int) -> list[Partial]:
        """Start ``kernel`` (of a chunk of ``rows`` rows); the partials finished in order
        while at most ``computing`` run. A small chunk is computed here, after those before
        it: its cost is the kernel's fixed cost in Python, which holds the GIL, so another
        thread would add a hand-over and gain nothing (thousands of small shards)."""
        if self.pool is None:
            return [kernel()]
        if rows < POOL_MIN_ROWS or self.computing == 1:
            return [*self._drain(), kernel()]
        self.pending.append(self.pool.submit(kernel))
        done = []
        while len(self.pending) > self.computing:
            done.append(self.pending.popleft().result())
        return done

    def _drain(self) -> list[Partial]:
        done = [future.result() for future in self.pending]
        self.pending.clear()
        return done

    def _absorb(self, chunk: Partial) -> None:
        """One chunk's partial into the total; the bootstrap's waiting cells handed to the
        settler once there are enough (:mod:`.settle`)."""
        self.guard.absorb(chunk, self.work.plan.weight)
        settler = self.settler
        if settler is None:
            return
        if self.guard.no_bootstrap:  # left out: the products taken before go too
            settler.drop()
        elif self.total.bootstrap is not None and self.total.bootstrap.due:
            self._hand_over(settler)

    def _hand_over(self, settler: Settler) -> None:
        """The total's waiting bootstrap cells to the settler, which multiplies them out."""
        cells = None if self.total.bootstrap is None else self.total.bootstrap.take_cells()
        if cells is not None:
            self._settling(settler, partial(settler.take, cells))

    def _settling(self, settler: Settler, step: Callable[[], object]) -> None:
        """A step of the settler's, whose charges (products, growing sums) an optional
        bootstrap survives as the fold's own do (:meth:`.FoldGuard.leave_out`)."""
        try:
            step()
        except OverBudget as exc:
            self.guard.leave_out(exc)  # raises if the bootstrap is required
            settler.drop()


def _lone(
    batches: Iterable[pa.RecordBatch], gathering: bool
) -> Iterator[tuple[pa.RecordBatch, bool]]:
    """Each batch, and whether it is a small part's only batch: only such parts are
    gathered, so a file read in many small batches sums as it always did (and as the
    Dask engine's partitions of it do). The second batch is read before the first is
    computed; an error reading it comes after the first, as it would have."""
    found = iter(batches)
    first = next(found, None)
    if first is None:
        return
    if not gathering or first.num_rows >= SMALL_ROWS:
        yield first, False
    else:
        try:
            second = next(found, None)
        except Exception:
            yield first, False
            raise
        yield first, second is None
        if second is None:
            return
        yield second, False
    for batch in found:
        yield batch, False


def _last_of(pieces: list[Piece], part: str) -> Piece:
    return next(p for p in reversed(pieces) if p.part == part)
