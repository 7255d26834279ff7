"""The inputs' evaluation, run locally: per input, a fold of the kernel's partials over its chunks.

Files and shards are read ahead by a few threads (:class:`~..reading.ahead.ReadAhead`;
pyarrow and NumPy release the GIL), chunks turned into partials by
:func:`~.kernel.evaluate_chunk` in a small pool, and the partials absorbed in reading
order, so no value depends on the threads. A dataset of shards is one input: each shard
is checked under its own name, and its rows keep their positions in the dataset (shards
in sorted order), which the bootstrap keys on.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import field, replace
from functools import partial
from typing import TYPE_CHECKING

import pyarrow as pa

from ..errors import InputError, UsageError
from ..losses import Loss, Params
from ..reading import CLASS, ColumnPlan, Source, plan_columns
from ..reading.ahead import ReadAhead, Ready
from ..records import datarecord
from .batches import BatchBuilder
from .budget import MemoryBudget
from .file_runs import FileRuns
from .fold import PartFold
from .gather import SMALL_ROWS
from .input_result import SourceResult
from .kernel_spec import KernelSpec, placement_losses
from .settings import Uncertainty
from .together import Together

if TYPE_CHECKING:  # the features' types: imported where a run has them (start-up, #18)
    from ..reading.quantiles import QuantileSpec
    from ..result.thresholds import ThresholdRun
    from .period_spec import PeriodSpec
    from .series_plan import SeriesRun

__all__ = ["Options", "PartFold", "Progress", "SourceResult", "Work", "evaluate_sources"]
Progress = Callable[[str, int, "int | None", str], None]
# Inputs planned ahead of those the reading has started (two per thread at most 8 threads,
# as before): with 2, the folding thread waited for each small file's plan as the reading
# started it, 16 at a time (500 files, --threads 1, 7 alternating sets: CPU 0.23-0.26 ->
# 0.21-0.23 s; BENCHMARKS.md run 17a).
PLANNED_AHEAD = 16
# A small file (run._small_rows) is read with its plan where it holds at most this many
# values (rows x columns read): the inputs planned ahead (16, and the read-ahead's window
# of 32) then hold ~12 MiB of numeric columns at most; a text column's cells are bounded by
# the file's size, not by this count.
READ_WITH_PLAN_VALUES = 1 << 15


@datarecord(frozen=True)
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
    per_class: tuple[Loss, ...] | None = None  # --per-class: internal losses (per_class.py)
    quantiles: tuple[QuantileSpec, ...] = ()  # --quantiles: quantile forecasts' columns and levels
    thresholds: ThresholdRun | None = None  # --thresholds: what to read of the rank tables
    period: PeriodSpec | None = None  # --period: rows per period too (engine/periods.py)
    series: SeriesRun | None = None  # mase, rmsse: the history's scales, the series level


def evaluate_sources(
    sources: Iterable[Source], options: Options
) -> Generator[SourceResult, None, None]:
    """Each input's result, in the given order (consecutive inputs finalized together
    come as one result: :mod:`.together`).

    The files of all inputs (and the shards of each) are read ahead by ``options.threads``
    threads and their chunks computed by one fewer, while every partial is absorbed in
    reading order: values, row positions and errors are those of a one-by-one run.
    Each input is planned (its header read, its columns found) on a reading thread too,
    a few inputs ahead.
    """
    together = Together(options)  # inputs alike finalized at once (engine/together.py)
    with (
        closing(_planned_ahead(sources, options)) as planned,
        _Workers(options.threads) as workers,
        ReadAhead(_part_streams(planned), readers=options.threads) as ahead,
    ):
        # small files alike computed as one chunk (engine/file_runs.py)
        runs = FileRuns(together, partial(_fold, options=options, workers=workers))
        current: tuple[_Planned, PartFold] | None = None
        try:
            for (input_, index, part), batches in ahead:
                progress = _progress(input_.source, index, options)
                if current is None or current[0] is not input_:  # the next input's first part
                    if current is not None:
                        yield from _finished(*current, together)
                        current = None
                    if runs.takes(input_.work, part):
                        yield from runs.offered(input_.work, batches, progress)
                        continue
                    yield from runs.flush()
                    current = (input_, _fold(input_.work, options=options, workers=workers))
                fold = current[1]
                fold.part(part.name, batches, progress=progress, small=_gathered(part))
                fold.check(part.name)
            yield from runs.flush()
        except Exception:
            yield from runs.flush()  # the files waiting, before (their errors come first)
            yield from together.flush()  # the inputs before, whose results came first
            if current is not None:  # the parts gathered before (engine/gather.py) first
                current[1].flush()
            raise
        if current is not None:
            yield from _finished(*current, together)
        yield from together.flush()


def _fold(work: Work, *, options: Options, workers: _Workers) -> PartFold:
    """An input's fold, which gathers its small batches into chunks (engine/gather.py)."""
    return PartFold(work, options, workers.pool, workers.threads, gather=True)


def _gathered(part: Source) -> bool:
    """Whether a part read in one small batch is gathered with others (engine/gather.py):
    a Parquet file's. Not a CSV file's: the Dask engine folds a CSV shard as a chunk of its
    own, and a gathered chunk moved a comparison's Δ (a difference of near-equal losses) of
    a CSV dataset by 2.6e-11 relative, past the 1e-12 the engines are held to
    (tests/test_dask_engine.py). The Dask engine does not gather Parquet shards either:
    there the engines agree to rounding, not bit for bit (BENCHMARKS.md run 12b)."""
    return part.gathered


def _progress(source: Source, index: int, options: Options) -> Callable[[], None] | None:
    """What reports the progress of part ``index`` of ``source`` after each of its chunks."""
    report = options.progress
    if report is None:
        return None
    return lambda: report(source.name, *source.progress(index))


def _finished(input_: _Planned, fold: PartFold, together: Together) -> Iterator[SourceResult]:
    """The results ready once an input's every part is folded (:func:`finish`, or with
    others alike: :class:`~.together.Together`)."""
    total = fold.settled()
    parts = [p.name for p in input_.source.parts()]
    return together.done(fold.work, parts, total, fold.guard)


@datarecord(frozen=True)
class Work:
    """What every chunk of one input becomes: its columns, the kernel's spec and the batch
    builder. It pickles (a distributed run ships it to its workers with the options)."""

    name: str
    plan: ColumnPlan
    spec: KernelSpec
    builder: BatchBuilder
    reference: str | None
    sharded: bool  # a dataset of shards: each shard's columns are checked

    def require_columns(self, part: Source) -> None:
        """A shard's columns, checked before it is read: every shard needs the plan's."""
        if not self.sharded:
            return
        columns = part.columns()
        missing = [c for c in self.plan.needed if c not in columns]
        if missing:
            raise InputError(
                f"{part.name}: no column {', '.join(map(repr, missing))}; every "
                f"shard of {self.name} needs the same columns"
            )


@datarecord(frozen=True)
class _Planned:
    """One input, ready to read: the source, what its chunks become and, for a small file,
    its batches read already (:func:`_read_with_plan`)."""

    source: Source
    work: Work
    read: Ready[pa.RecordBatch] | None = None

    @classmethod
    def of(cls, source: Source, options: Options, plans: Plans | None = None) -> _Planned:
        work = plan_work(source, options) if plans is None else plans.work(source)
        return cls(source, work, _read_with_plan(work, source))


class Plans:
    """The work of a run's inputs, planned once per schema: an input whose columns (names,
    in order), kind and sharding are those of one planned before gets that plan and kernel
    spec (a plan depends on the column names alone), under its own name. 500 small files
    given one by one are planned once, not 500 times (BENCHMARKS.md run 12). A plan whose
    notices or class matchers name its file is made anew for each input."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.known: dict[tuple[object, ...], Work] = {}  # read and written by reading threads

    def work(self, source: Source) -> Work:
        columns = source.columns()
        key = (type(source), tuple(columns), source.empty_is_missing, _sharded(source))
        known = self.known.get(key)
        if known is None:
            work = plan_work(source, self.options, columns)
            if not work.plan.notices and work.plan.label_kind != CLASS:
                self.known[key] = work
            return work
        return replace(known, name=source.name)


def _sharded(source: Source) -> bool:
    return source.parts() != [source]


def plan_work(source: Source, options: Options, columns: list[str] | None = None) -> Work:
    """An input's columns found (from its header or footer: ``columns`` where read
    already), and what each chunk becomes."""
    if columns is None:
        columns = source.columns()
    plan = plan_columns(
        source.name,
        columns,
        options.label,
        options.preds,
        options.weight,
        options.group_by,
        options.probs,
        options.logits,
        options.params.from_logits,
        options.quantiles,
    )
    plan = replace(plan, extra=_loss_columns(source.name, columns, options.losses))
    if options.period is not None:
        from .period_rows import with_period

        plan = with_period(plan, options.period, source.name, columns)
    if options.series is not None:
        from .series_plan import with_series

        plan = with_series(plan, options.series, source.name, columns)
    reference = _reference(plan, options.uncertainty.compare)
    spec = _kernel_spec(plan, options, source.empty_is_missing, reference)
    builder = BatchBuilder(
        source.name, plan, options.params, options.renormalize, period=options.period
    )
    return Work(source.name, plan, spec, builder, reference, _sharded(source))


def _planned_ahead(sources: Iterable[Source], options: Options) -> Generator[_Planned, None, None]:
    """Each input planned on a reading thread, a few ahead (:data:`PLANNED_AHEAD` beyond
    those the reading has started: a planned file stays open until it is read): opening a
    file to read its header costs the folding thread more than the rest of a small file's
    work."""
    plans = Plans(options)
    streams = ((source, partial(_plan, source, options, plans)) for source in sources)
    window = max(PLANNED_AHEAD, 2 * options.threads)
    with ReadAhead(streams, readers=options.threads, window=window) as ahead:
        for _, planned in ahead:
            yield from planned


def _plan(source: Source, options: Options, plans: Plans) -> Ready[_Planned]:
    """An input planned (a small file read with it), handed over in one piece."""
    return Ready([_Planned.of(source, options, plans)])


def _read_with_plan(work: Work, source: Source) -> Ready[pa.RecordBatch] | None:
    """The batches of a small file (:func:`_small_rows`), read now, on the planning
    thread, or the error reading it met (raised where the caller takes its batches, as
    ever): the folding thread then takes a small file's plan and batch in one hand-over,
    not two streams' (BENCHMARKS.md run 18b). None for any other input, and for a file of
    more than :data:`READ_WITH_PLAN_VALUES` values."""
    rows = _small_rows(work, source)
    if work.sharded or rows is None or rows * len(work.plan.needed) > READ_WITH_PLAN_VALUES:
        return None
    return Ready.of(read_part(work, source))


def _small_rows(work: Work, part: Source) -> int | None:
    """The rows of ``part`` where they are known before it is read (a Parquet footer's),
    one batch holds them and they are few (fewer than a gathered batch's); else None."""
    rows = part.rows_in_a_batch(work.plan.numeric)
    return rows if rows is not None and rows < SMALL_ROWS else None


Stream = Callable[[], Iterable[pa.RecordBatch]] | Ready[pa.RecordBatch]


def _part_streams(
    inputs: Iterable[_Planned],
) -> Iterator[tuple[tuple[_Planned, int, Source], Stream]]:
    """Every part (file or shard) of every input, with what reads its batches (or them,
    read with its plan)."""
    for input_ in inputs:
        if input_.read is not None:
            yield (input_, 0, input_.source), input_.read
            continue
        for index, part in enumerate(input_.source.parts()):
            yield (input_, index, part), partial(_read_part, input_, part)


def _read_part(input_: _Planned, part: Source) -> Iterable[pa.RecordBatch]:
    """The batches of one part, on a reading thread; a shard's columns checked first (its
    footer read). A part of few rows is read whole, handed over in one piece."""
    batches = read_part(input_.work, part)
    return batches if _small_rows(input_.work, part) is None else Ready.of(batches)


def read_part(work: Work, part: Source) -> Iterator[pa.RecordBatch]:
    """The batches of one part (a file, a shard, a partition) of ``work``'s input, of just
    the columns it needs; a shard's columns checked first."""
    work.require_columns(part)
    return part.batches(work.plan.needed, work.plan.numeric)


class _Workers:
    """The threads that compute chunks (NumPy releases the GIL) and settle the bootstrap;
    the fold hands partials back in reading order, so every value is the same for any
    count."""

    def __init__(self, threads: int) -> None:
        self.threads = max(1, threads)
        self.pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> _Workers:
        if self.threads > 1:
            self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="losscli-kernel")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _kernel_spec(
    plan: ColumnPlan, options: Options, empty_is_missing: bool, reference: str | None
) -> KernelSpec:
    uncertainty = options.uncertainty
    placements = placement_losses(options.losses, intervals=uncertainty.delong)
    return KernelSpec(
        plan=plan,
        losses=(*options.losses, *options.diagrams, *(options.per_class or ())),
        drop_na=options.drop_na,
        count_zero_labels=options.mape_zero == "error",
        moments=uncertainty.moments,
        resampling=uncertainty.resampling,
        replicate_ratios=uncertainty.bootstrap,
        reference=reference,
        placements=placements,
        pair_tables=bool(placements) and reference is not None,
        empty_is_missing=empty_is_missing,
        budget=options.budget,
    )


def _loss_columns(source: str, columns: list[str], losses: Sequence[Loss]) -> tuple[str, ...]:
    """The input columns the losses declare, each checked to be in ``columns`` (of ``source``)."""
    available = set(columns)
    for loss in losses:
        missing = [c for c in loss.columns if c not in available]
        if missing:
            raise InputError(
                f"{source}: the loss {loss.name!r} ({loss.origin}) reads the column"
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
