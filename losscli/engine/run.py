"""The inputs' evaluation, run locally: per input, a fold of the kernel's partials over its chunks.

Files and shards are read ahead by a few threads (:class:`~..reading.ahead.ReadAhead`;
pyarrow and NumPy release the GIL), chunks turned into partials by
:func:`~.kernel.evaluate_chunk` in a small pool, and the partials absorbed in reading
order, so no value depends on the threads. A dataset of shards is one input: each shard
is checked under its own name, and its rows keep their positions in the dataset (shards
in sorted order), which the bootstrap keys on.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field, replace
from functools import partial

import pyarrow as pa

from ..errors import InputError, UsageError
from ..losses import Loss, Params, Task
from ..reading import ColumnPlan, Source, plan_columns
from ..reading.ahead import ReadAhead
from ..result import Comparison, Frame
from .batches import BatchBuilder
from .bootstrap import Settler
from .budget import MemoryBudget, OverBudget
from .finalize import Finishing, result_frame
from .guard import FoldGuard
from .kernel import KernelSpec, evaluate_chunk
from .keys import KeySet
from .partial import Partial
from .settings import Uncertainty

Progress = Callable[[str, int, "int | None", str], None]
POOL_MIN_ROWS = 1 << 14  # smaller chunks are computed on the folding thread


@dataclass(frozen=True)
class Options:
    label: str | None
    preds: tuple[str, ...]
    probs: tuple[str, ...]
    logits: tuple[str, ...]
    weight: str | None
    group_by: tuple[str, ...]
    losses: tuple[Loss, ...]
    always_shown: frozenset[str]  # the others (defaults, 'all') only where they apply
    params: Params
    drop_na: bool
    mape_zero: str
    renormalize: bool
    progress: Progress | None
    uncertainty: Uncertainty = field(default_factory=Uncertainty)  # intervals, comparisons
    threads: int = 1  # files read and chunks computed at once
    budget: MemoryBudget = field(default_factory=MemoryBudget)  # --max-memory
    diagrams: tuple[Loss, ...] = ()  # --calibration, --residuals: their bins (engine/bins.py)
    curves: str = ""  # --curves: the loss whose rank tables they are read from (engine/curves.py)


@dataclass(frozen=True)
class SourceResult:
    frame: Frame
    comparisons: list[Comparison]
    notices: list[str]
    tasks: set[Task]


def evaluate_sources(
    sources: Iterable[Source], options: Options
) -> Generator[SourceResult, None, None]:
    """Each input's result, in the given order.

    The files of all inputs (and the shards of each) are read ahead by ``options.threads``
    threads and their chunks computed by as many, while every partial is absorbed in
    reading order: values, row positions and errors are those of a one-by-one run.
    Each input is planned (its header read, its columns found) on a reading thread too,
    a few inputs ahead.
    """
    with (
        closing(_planned_ahead(sources, options)) as planned,
        _Workers(options.threads) as workers,
        ReadAhead(_part_streams(planned), readers=options.threads) as ahead,
    ):
        fold: _Fold | None = None
        for (input_, index, part), batches in ahead:
            if fold is None or fold.input is not input_:  # the first part of the next input
                if fold is not None:
                    yield fold.result(options)
                fold = _Fold(input_, options, workers)
            fold.part(index, part, batches)
        if fold is not None:
            yield fold.result(options)


@dataclass(frozen=True)
class _Planned:
    """One input, ready to read: the columns it needs and what each chunk becomes."""

    source: Source
    plan: ColumnPlan
    spec: KernelSpec
    builder: BatchBuilder
    reference: str | None

    @classmethod
    def of(cls, source: Source, options: Options) -> _Planned:
        plan = plan_columns(
            source.name,
            source.columns(),
            options.label,
            options.preds,
            options.weight,
            options.group_by,
            options.probs,
            options.logits,
            options.params.from_logits,
        )
        plan = replace(plan, extra=_loss_columns(source, options.losses))
        reference = _reference(plan, options.uncertainty.compare)
        spec = _kernel_spec(plan, options, source.empty_is_missing, reference)
        builder = BatchBuilder(source.name, plan, options.params, options.renormalize)
        return cls(source, plan, spec, builder, reference)


def _planned_ahead(sources: Iterable[Source], options: Options) -> Generator[_Planned, None, None]:
    """Each input planned on a reading thread, a few ahead: opening a file to read its
    header costs the folding thread more than the rest of a small file's work."""
    streams = ((source, partial(_plan, source, options)) for source in sources)
    with ReadAhead(streams, readers=options.threads) as ahead:
        for _, planned in ahead:
            yield from planned


def _plan(source: Source, options: Options) -> Iterator[_Planned]:
    yield _Planned.of(source, options)


def _part_streams(
    inputs: Iterable[_Planned],
) -> Iterator[tuple[tuple[_Planned, int, Source], Callable[[], Iterator[pa.RecordBatch]]]]:
    """Every part (file or shard) of every input, with what reads its batches."""
    for input_ in inputs:
        for index, part in enumerate(input_.source.parts()):
            yield (input_, index, part), partial(_read_part, input_, part)


def _read_part(input_: _Planned, part: Source) -> Iterator[pa.RecordBatch]:
    """The batches of one part, on a reading thread; a shard's columns checked first."""
    _require_columns(input_.source, part, input_.plan)
    return part.batches(input_.plan.needed, input_.plan.numeric)


class _Fold:
    """One input's chunks, folded into one partial in reading order."""

    def __init__(self, input_: _Planned, options: Options, workers: _Workers) -> None:
        self.input, self.options, self.workers = input_, options, workers
        self.total = Partial.empty(KeySet(input_.plan.group_by, input_.source.empty_is_missing))
        self.position = 0  # rows of the input before the next chunk (the bootstrap's unit index)
        self.guard = FoldGuard(input_.spec, self.total, options.budget)
        self.settler = Settler(workers.pool, workers.threads, options.budget)

    def part(self, index: int, part: Source, batches: Iterator[pa.RecordBatch]) -> None:
        """Absorb the chunks of one part (a shard is checked under its own name)."""
        source, progress = self.input.source, self.options.progress
        workers, first_row = self.workers, 0
        for batch in batches:
            if progress is not None:
                progress(source.name, *source.progress(index))
            kernel = partial(
                evaluate_chunk,
                batch,
                spec=self.guard.spec,
                builder=self.input.builder,
                part=part.name,
                first_row=first_row,
                position=self.position,
            )
            for chunk in workers.submit(kernel, batch.num_rows):
                self._absorb(chunk)
            first_row += batch.num_rows
            self.position += batch.num_rows
        for chunk in workers.drain():
            self._absorb(chunk)
        if part.name in self.total.problems:
            self.total.problems[part.name].raise_if_failed()

    def _absorb(self, chunk: Partial) -> None:
        """One chunk's partial into the total; the bootstrap's waiting cells handed to the
        settler once there are enough (:mod:`.settle`)."""
        self.guard.absorb(chunk, self.input.plan.weight)
        if self.guard.no_bootstrap:  # left out: the products taken before go too
            self.settler.drop()
        elif self.total.bootstrap is not None and self.total.bootstrap.due:
            self._hand_over()

    def _hand_over(self) -> None:
        """The total's waiting bootstrap cells to the settler, which multiplies them out."""
        cells = None if self.total.bootstrap is None else self.total.bootstrap.take_cells()
        if cells is not None:
            self._settling(partial(self.settler.take, cells))

    def _settling(self, step: Callable[[], object]) -> None:
        """A step of the settler's, whose charges (products, growing sums) an optional
        bootstrap survives as the fold's own do (:meth:`.FoldGuard.leave_out`)."""
        try:
            step()
        except OverBudget as exc:
            self.guard.leave_out(exc)  # raises if the bootstrap is required
            self.settler.drop()

    def result(self, options: Options) -> SourceResult:
        """The input's result rows, once every part is absorbed."""
        self._hand_over()  # the last cells, beside the last products
        self._settling(self.settler.finish)
        if not self.guard.no_bootstrap:
            self.total.add_replicated(self.settler.sums)
        source, plan, total = self.input.source, self.input.plan, self.total
        problems = [total.problems[p.name] for p in source.parts() if p.name in total.problems]
        if (
            plan.weight
            and sum(p.rows_seen - p.dropped for p in problems)
            and not any(p.total_weight for p in problems)
        ):
            raise InputError(
                f"{source.name}: the weights in column {plan.weight!r} are all 0, so "
                "no row counts; check the weight column"
            )
        self.guard.charge_finalizing()
        finishing = Finishing(
            options.losses,
            options.uncertainty,
            self.input.reference,
            self.guard.no_bootstrap,
            diagrams=options.diagrams,
            curves=options.curves,
        )
        try:
            frame, comparisons = result_frame(source.name, total, plan.models, finishing)
        finally:  # this input's sums are dropped now
            self.guard.release_all()
        tasks = {_task(total, m.name, m.multiclass) for m in plan.models}
        if options.mape_zero == "error" and (
            "mape" in options.always_shown
            or (any(x.name == "mape" for x in options.losses) and Task.REGRESSION in tasks)
        ):
            for found in problems:
                found.raise_zero_labels()
        notices = [*plan.notices, *(n for p in problems for n in p.notices())]
        return SourceResult(frame, comparisons, notices, tasks)


class _Workers:
    """Chunks computed by a few threads (NumPy releases the GIL), their partials handed
    back in reading order, so the fold, and every value, is the same for any count."""

    def __init__(self, threads: int) -> None:
        self.threads = max(1, threads)
        self.pool: ThreadPoolExecutor | None = None
        self.pending: deque[Future[Partial]] = deque()

    def __enter__(self) -> _Workers:
        if self.threads > 1:
            self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="losscli-kernel")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, kernel: Callable[[], Partial], rows: int) -> list[Partial]:
        """Start ``kernel`` (of a chunk of ``rows`` rows); the partials finished in order
        while at most ``threads`` run. A small chunk is computed here, after those before
        it: its cost is the kernel's fixed cost in Python, which holds the GIL, so another
        thread would add a hand-over and gain nothing (thousands of small shards)."""
        if self.pool is None:
            return [kernel()]
        if rows < POOL_MIN_ROWS:
            return [*self.drain(), kernel()]
        self.pending.append(self.pool.submit(kernel))
        done = []
        while len(self.pending) > self.threads:
            done.append(self.pending.popleft().result())
        return done

    def drain(self) -> list[Partial]:
        done = [future.result() for future in self.pending]
        self.pending.clear()
        return done


def _kernel_spec(
    plan: ColumnPlan, options: Options, empty_is_missing: bool, reference: str | None
) -> KernelSpec:
    uncertainty = options.uncertainty
    return KernelSpec(
        plan=plan,
        losses=(*options.losses, *options.diagrams),
        drop_na=options.drop_na,
        count_zero_labels=options.mape_zero == "error",
        moments=uncertainty.moments,
        resampling=uncertainty.resampling,
        replicate_ratios=uncertainty.bootstrap,
        reference=reference,
        empty_is_missing=empty_is_missing,
        budget=options.budget,
    )


def _loss_columns(source: Source, losses: Sequence[Loss]) -> tuple[str, ...]:
    """The input columns the losses declare, each checked to be in ``source``."""
    available = set(source.columns())
    for loss in losses:
        missing = [c for c in loss.columns if c not in available]
        if missing:
            raise InputError(
                f"{source.name}: the loss {loss.name!r} ({loss.origin}) reads the column"
                f"{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}, which the "
                "file does not have"
            )
    return tuple(dict.fromkeys(c for loss in losses for c in loss.columns))


def _reference(plan: ColumnPlan, compare: str | bool | None) -> str | None:
    if not compare:
        return None
    names = [m.name for m in plan.models]
    if len(names) < 2:
        raise UsageError("--compare needs at least two models (-p a -p b, or several --probs)")
    if compare is True:
        return names[0]
    if compare not in names:
        raise UsageError(f"--reference {compare!r} is not one of the models: {', '.join(names)}")
    return str(compare)


def _require_columns(source: Source, part: Source, plan: ColumnPlan) -> None:
    if part is source:
        return
    missing = [c for c in plan.needed if c not in part.columns()]
    if missing:
        raise InputError(
            f"{part.name}: no column {', '.join(map(repr, missing))}; every "
            f"shard of {source.name} needs the same columns"
        )


def _task(total: Partial, model: str, multiclass: bool) -> Task:
    if multiclass:
        return Task.MULTICLASS
    return Task.BINARY if total.binary.get(model, True) else Task.REGRESSION
