"""Small files given one by one, of one plan, computed as one chunk: a key per file.

A file given one by one is an input of its own, so it was its own chunk, and the kernel's
fixed Python per chunk (checks, blocks, the partial, absorbing it: ~0.2 ms) was most of a
2,000-row file's cost (BENCHMARKS.md runs 15c and 17a). Consecutive inputs that
:class:`~.together.Together` finalizes together (plain results, no group columns), of one
plan and each read in one small batch, wait here and are computed as one chunk of at most
one block's rows, the file a hidden key: each file's rows are one run of codes
(:class:`~.reduce.Runs`), whose sums are each file's own ``np.add.reduce``, so every file's
row is, bit for bit, the one it gets alone.

As :mod:`.gather` does with a dataset's shards, a chunk whose checks find anything (a bad
value, a dropped row, a zero label, weights near the limit or all 0 in a file, a failure
of the kernel) is not used: its files are folded one by one as before, so every message,
notice and error is the one-by-one path's, in order. A clean chunk gives each file the
clean checks its own chunk would have left (:func:`~.gather.clean_problems`) and its own
label evidence (0/1 labels and probabilities: the task its rows count as).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ..errors import InputError, PluginFailure
from ..reading import VALUE, Source, to_float
from ..records import datarecord
from .checks import RowProblems, binary_rows
from .finalize import OWN_ROW_KINDS, own_row
from .fold import PartFold
from .gather import SMALL_ROWS, Piece, clean_problems, one_batch
from .input_result import SourceResult, closing
from .kernel import evaluate_chunk
from .kernel_spec import KernelSpec
from .keys import ChunkKeys, KeySet
from .partial import Partial
from .reduce import Runs
from .statistics import Key, Sum
from .together import Together, Waiting, likeness

if TYPE_CHECKING:
    from .run import Options, Work


@datarecord(frozen=True)
class _File:
    """One file waiting: its work (the plan shared, under its name) and its one batch."""

    work: Work
    records: pa.RecordBatch


class FileRuns:
    """The small files waiting to be computed as one chunk, in input order; ``fold`` makes
    an input's fold, for those computed one by one."""

    def __init__(self, together: Together, fold: Callable[[Work], PartFold]) -> None:
        self.together, self.fold = together, fold
        self.files: list[_File] = []
        self.rows = 0
        self.specs: dict[int, _Spec] = {}  # what each plan's kernel spec allows, found once

    def takes(self, work: Work, part: Source) -> bool:
        """Whether input ``work`` (whose one part is ``part``) may wait here: a Parquet
        file (its batch may be gathered) whose plan :class:`_Spec` takes."""
        return part.gathered and not work.sharded and self._spec(work.spec).takes

    def _spec(self, spec: KernelSpec) -> _Spec:
        known = self.specs.get(id(spec))
        if known is None:
            known = self.specs[id(spec)] = _Spec.of(spec, self.together.plain)
        return known

    def offered(
        self, work: Work, batches: Iterable[pa.RecordBatch], progress: Callable[[], None] | None
    ) -> Iterator[SourceResult]:
        """Input ``work``'s batches, read: its one small batch waits here (those waiting
        computed first where it cannot join them); else those waiting are computed and the
        input is folded alone, as before."""
        found = iter(batches)
        try:
            first = next(found, None)
            second = None if first is None else next(found, None)
        except Exception:
            yield from self.flush()  # the files before, checked first
            raise
        if first is None or second is not None or not _small(first.num_rows, work.spec):
            yield from self.flush()
            yield from self._alone(work, _again(first, second, found), progress)
            return
        if progress is not None:
            progress()
        if self.files and not self._joins(work, first):
            yield from self.flush()
        self.files.append(_File(work, first))
        self.rows += first.num_rows

    def _joins(self, work: Work, records: pa.RecordBatch) -> bool:
        first = self.files[0]
        return (
            work.spec is first.work.spec
            and self.rows + records.num_rows <= self._spec(work.spec).rows
            and records.schema.equals(first.records.schema)
        )

    def flush(self) -> Iterator[SourceResult]:
        """The files waiting, computed as one chunk (or one by one where its checks find
        anything), each file's row handed on in order."""
        files, self.files, self.rows = self.files, [], 0
        waiting = None
        if len(files) > 1:
            block = self._spec(files[0].work.spec).block
            waiting = _computed(files, block, self.together.options)
        if waiting is None:
            for file in files:
                yield from self._alone(file.work, [file.records], None)
            return
        for row in waiting:
            yield from self.together.wait(row)

    def _alone(
        self,
        work: Work,
        batches: Iterable[pa.RecordBatch],
        progress: Callable[[], None] | None,
    ) -> Iterator[SourceResult]:
        """One input folded alone (:func:`~.run.evaluate_sources`' path)."""
        fold = self.fold(work)
        try:
            fold.part(work.name, batches, progress=progress, small=True)
            fold.check(work.name)
            total = fold.settled()
        except Exception:
            yield from self.together.flush()  # the inputs before, whose results came first
            raise
        yield from self.together.done(work, [work.name], total, fold.guard)


def _again(
    first: pa.RecordBatch | None, second: pa.RecordBatch | None, rest: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """The batches read to see whether a file is small, then the rest."""
    yield from (b for b in (first, second) if b is not None)
    yield from rest


def _small(rows: int, spec: KernelSpec) -> bool:
    """Whether a file's one batch of ``rows`` waits: a small one (:mod:`.gather`'s), which
    the file alone computes as one block."""
    return 0 < rows < SMALL_ROWS and rows <= spec.cache_rows


@datarecord(frozen=True)
class _Spec:
    """What files of one plan may do here: wait (``takes``: their results are finalized
    together, their label is a value and every model one column, and every statistic is a
    sum or a maximum, so a file's state is its own row: :func:`~.finalize.own_rows`); how
    many rows of them are computed at once (a Parquet batch's, as a dataset's gathered
    shards: :mod:`.gather`); and the spec computing those as one block, so that no block
    boundary cuts a file (a row's terms are the same in any block)."""

    spec: KernelSpec  # kept, so that its id stays its own
    takes: bool
    rows: int
    block: KernelSpec

    @classmethod
    def of(cls, spec: KernelSpec, plain: bool) -> _Spec:
        from ..reading.parquet_source import batch_rows  # only Parquet files wait here

        plan = spec.plan
        takes = (
            plain
            and not plan.group_by
            and plan.label_kind == VALUE
            and not plan.notices
            and all(len(m.columns) == 1 and not (m.multiclass or m.levels) for m in plan.models)
            and all(
                step.declared and all(type(stat.kind) in OWN_ROW_KINDS for stat in step.declared)
                for steps in spec.steps.values()
                for step in steps
            )
        )
        rows = batch_rows(len(plan.numeric))
        block = replace(spec, cache_rows=max(spec.cache_rows, rows)) if takes else spec
        return cls(spec, takes, rows, block)


def _computed(files: list[_File], spec: KernelSpec, options: Options) -> list[Waiting] | None:
    """Each file's row, waiting to be finalized, from one chunk of all their rows; None
    where its checks found anything (the files are then folded one by one)."""
    work = files[0].work
    names = [f.work.name for f in files]
    if len(set(names)) < len(names):
        return None
    lengths = np.array([f.records.num_rows for f in files])
    records = one_batch([f.records for f in files], list(files[0].records.schema))
    codes = Runs.of(lengths)
    keys = ChunkKeys(KeySet((), spec.empty_is_missing), codes, len(files))
    try:
        chunk = evaluate_chunk(
            records,
            spec=spec,
            builder=work.builder,
            part=names[0],
            first_row=0,
            position=0,
            keys=keys,
            evidence={},
        )
    except (InputError, PluginFailure):
        return None
    weight = work.plan.weight
    weights = None if not weight else to_float(records.column(weight), weight, names[0])
    pieces = [Piece(f.work.name, 0, 0, f.records, None) for f in files]
    problems = clean_problems(chunk.problems[names[0]], pieces, weights, 0.0)
    states = _own_states(chunk, len(files))
    if problems is None or states is None:
        return None
    if weight and not all(problems[name].total_weight for name in names):
        return None  # a file's weights all 0: its error, named, on the one-by-one path
    binary = _evidence(work, records, codes)
    return _rows(files, chunk, states, problems, binary, options)


def _own_states(chunk: Partial, files: int) -> dict[Key, np.ndarray] | None:
    """The chunk's states as each file's fold makes them of its one chunk (absorbed into
    an empty total: 0 + each sum, −inf's maximum with each maximum), a row per file; None
    where one is not its own row (:func:`~.finalize.own_rows`)."""
    out: dict[Key, np.ndarray] = {}
    at = np.arange(files)
    for key, state in chunk.states.items():
        kind = key[2].kind
        if not own_row(kind, state) or len(state) != files:
            return None
        if type(kind) is Sum:
            total = kind.empty(files, state)
            total += state
        else:  # a maximum of one column
            total = kind.absorb(kind.empty(files, state), state, at)
        out[key] = total
    return out


def _evidence(work: Work, records: pa.RecordBatch, codes: Runs) -> dict[str, np.ndarray]:
    """Per model, whether each file's rows look binary (the kernel's test: every label 0 or
    1, every prediction a probability or a logit), a file at a time."""
    plan, name = work.plan, work.name
    assert plan.label is not None and codes.starts is not None
    y = to_float(records.column(plan.label), plan.label, name)
    out = {}
    for model in plan.models:
        p = None
        if not model.from_logits:
            column = model.columns[0]
            p = y if column == plan.label else to_float(records.column(column), column, name)
        out[model.name] = np.logical_and.reduceat(binary_rows(y, p), codes.starts)
    return out


def _rows(
    files: list[_File],
    chunk: Partial,
    states: dict[Key, np.ndarray],
    problems: dict[str, RowProblems],
    binary: dict[str, np.ndarray],
    options: Options,
) -> list[Waiting]:
    """Each file's row, checked as :meth:`~.together.Together.done` checks an input's."""
    keys = chunk.keys
    out: list[Waiting] = []
    alike: object = None
    for i, file in enumerate(files):
        work = file.work
        mine = {key: state[i : i + 1] for key, state in states.items()}
        found = problems[work.name]
        evidence = {**chunk.binary, **{m: bool(v[i]) for m, v in binary.items()}}
        total = Partial(keys, chunk.n[i : i + 1], mine, {work.name: found}, evidence)
        tasks, notices = closing(work, [found], total, options)
        models = tuple(work.plan.models)
        if alike is None:
            alike = likeness(models, mine, None)
        out.append(Waiting(work.name, models, total.n, mine, None, tasks, notices, alike))
    return out
