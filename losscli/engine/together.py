"""Inputs finalized together: many small files given one by one (a row set per file) made
into one result frame, with the values and notes each would have alone.

Finalizing an input costs a fixed ~0.15 ms of Python however few its rows (every loss's
finalize and notes, a frame per model, and the run's concatenation of one frame per
input: BENCHMARKS.md runs 12 and 15c), the same for one row as for 500. An input without
group columns has one row per model (its overall row), so consecutive such inputs whose
rows are alike (the same models, and per loss the same statistics, of the same shapes)
wait here, and their sums are stacked, a key per input, and finalized at once. Every
loss's finalize works key by key (an overall row is one more key in any run), so each
row's values and notes are those it gets alone, bit for bit, and the rows come in the
inputs' order, each input's models in theirs.

What can fail is checked as each input is done, in order, before it waits (no data rows,
weights all 0, zero labels under ``--mape-zero error``), and the inputs waiting are
handed on before any later error: every message names the file it named, after the same
results. Only the plainest results wait: no group columns, no interval, comparison,
bootstrap, period, series, diagram, curve, per-class or threshold columns, and built-in
losses only (a plugin's finalize may not be key by key). The others are finished alone
(:func:`~.fold.finish`), after those waiting.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..losses import Loss, Task
from ..reading import Model
from ..result import Frame
from ..result.frame import repeated
from .finalize import finalize, overall_sums
from .fold import SourceResult, closing, finish, weighed
from .guard import FoldGuard
from .partial import Partial
from .uncertainty import LossRows

if TYPE_CHECKING:
    from .run import Options, Work

MAX_WAITING = 4096  # inputs finalized together at most (their sums are a few numbers each)


@dataclass(frozen=True)
class _Waiting:
    """One input's row sums, checked, waiting to be finalized with others alike."""

    name: str
    models: tuple[Model, ...]
    n: np.ndarray  # its row count (one key: the overall row)
    sums: dict[str, dict[str, LossRows]]  # per model and loss
    tasks: set[Task]
    notices: list[str]
    alike: object  # what inputs finalized together share (None: it is finalized alone)


class Together:
    """The results of a run's inputs, in order, those alike finalized together."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.plain = _plain(options)
        self.waiting: list[_Waiting] = []

    def done(
        self, work: Work, parts: Sequence[str], total: Partial, guard: FoldGuard
    ) -> Iterator[SourceResult]:
        """The results ready once input ``work`` (of ``parts``) is folded into ``total``:
        none while it waits; those waiting, then its own, where it cannot wait."""
        if not self.plain or work.plan.group_by:
            yield from self.flush()
            yield finish(work, parts, total, self.options, guard)
            return
        try:
            waiting = self._checked(work, parts, total, guard)
        except Exception:
            yield from self.flush()  # the inputs before, whose results came first
            raise
        if self.waiting and (waiting.alike is None or waiting.alike != self.waiting[0].alike):
            yield from self.flush()
        self.waiting.append(waiting)
        if waiting.alike is None or len(self.waiting) >= MAX_WAITING:
            yield from self.flush()

    def flush(self) -> Iterator[SourceResult]:
        """The inputs waiting, finalized together (one result)."""
        waiting, self.waiting = self.waiting, []
        if waiting:
            yield _joined(waiting, self.options.losses)

    def _checked(
        self, work: Work, parts: Sequence[str], total: Partial, guard: FoldGuard
    ) -> _Waiting:
        """Input ``work``'s sums, with every check :func:`~.fold.finish` makes, in its order."""
        options = self.options
        problems = weighed(work, parts, total)
        guard.charge_finalizing(options.curves)
        try:
            n, sums = overall_sums(work.name, total, work.plan.models, options.losses)
        finally:  # this input's sums are dropped now
            guard.release_all()
        tasks, notices = closing(work, problems, total, options)
        models = tuple(work.plan.models)
        return _Waiting(work.name, models, n, sums, tasks, notices, _alike(models, sums))


def _plain(options: Options) -> bool:
    """Whether the run's inputs without group columns may be finalized together."""
    uncertainty = options.uncertainty
    return (
        uncertainty.ci is None
        and not uncertainty.compare
        and uncertainty.resampling is None
        and not uncertainty.moments
        and not options.diagrams
        and not options.curves
        and options.per_class is None
        and options.thresholds is None
        and options.period is None
        and options.series is None
        and all(loss.origin == "built-in" for loss in options.losses)
    )


def _alike(models: tuple[Model, ...], sums: dict[str, dict[str, LossRows]]) -> object:
    """What an input's rows must share with others to be finalized with them: its models,
    and per loss the names, shapes and types of its one row's statistics and flags (None:
    one that is not a row of an array, finalized alone)."""
    shapes: list[object] = [models]
    for model in models:
        for loss, rows in sums[model.name].items():
            if rows.replicates is not None or rows.one_unit is not None:
                return None
            for table in (rows.sums, rows.flags):
                for name, value in table.items():
                    if not isinstance(value, np.ndarray) or value.ndim < 1 or len(value) != 1:
                        return None
                    shapes.append((model.name, loss, name, value.shape, value.dtype.str))
            shapes.append(rows.unresampled)
    return tuple(shapes)


def _joined(waiting: list[_Waiting], losses: Sequence[Loss]) -> SourceResult:
    """The results of ``waiting`` (alike), as one: per input, a row per model, in order."""
    first, k = waiting[0], len(waiting)
    files = np.empty(k, dtype=object)
    files[:] = [w.name for w in waiting]
    n = first.n if k == 1 else np.concatenate([w.n for w in waiting])
    frames = []
    for model in first.models:
        tables = {
            loss: _stacked([w.sums[model.name][loss] for w in waiting], n)
            for loss in first.sums[model.name]
        }
        frames.append(
            Frame(
                file=files,
                pred=repeated(model.name, k),
                keys={},
                overall=np.ones(k, dtype=bool),
                n=n,
                losses=finalize(tables, losses, model.multiclass, model.levels),
            )
        )
    frame = Frame.concat(frames)
    if len(frames) > 1:  # input by input, each its models in order
        frame = frame.take(np.arange(len(frame)).reshape(len(frames), k).T.ravel())
    tasks = set().union(*(w.tasks for w in waiting))
    return SourceResult(frame, [], [note for w in waiting for note in w.notices], tasks)


def _stacked(rows: list[LossRows], n: np.ndarray) -> LossRows:
    """One loss's rows of several inputs (a key each), stacked in order."""
    if len(rows) == 1:
        return rows[0]
    first = rows[0]

    def stack(table: str) -> dict[str, np.ndarray]:
        names = getattr(first, table)
        return {name: np.concatenate([getattr(r, table)[name] for r in rows]) for name in names}

    return LossRows(stack("sums"), stack("flags"), n=n, unresampled=first.unresampled)
