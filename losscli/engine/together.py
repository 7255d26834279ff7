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
(:func:`~.input_result.finish`), after those waiting.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..losses import Loss, Task
from ..reading import Model
from ..records import datarecord
from ..result import Frame
from ..result.frame import repeated
from .finalize import finalize, overall_sums, own_rows, settled, stacked_sums
from .guard import FoldGuard
from .input_result import SourceResult, closing, finish, weighed
from .partial import Partial
from .statistics import Key
from .uncertainty import LossRows

if TYPE_CHECKING:
    from .run import Options, Work

MAX_WAITING = 4096  # inputs finalized together at most (their sums are a few numbers each)


@datarecord(frozen=True)
class Waiting:
    """One input's row, checked, waiting to be finalized with others alike: its statistics
    as they are (``states``, where each is its own row: :func:`~.finalize.own_rows`) or
    else as its kinds show them (``sums``)."""

    name: str
    models: tuple[Model, ...]
    n: np.ndarray  # its row count (one key: the overall row)
    states: dict[Key, np.ndarray] | None
    sums: dict[str, dict[str, LossRows]] | None  # per model and loss (where states is None)
    tasks: set[Task]
    notices: list[str]
    alike: object  # what inputs finalized together share (None: it is finalized alone)


class Together:
    """The results of a run's inputs, in order, those alike finalized together."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.plain = _plain(options)
        self.waiting: list[Waiting] = []

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
        yield from self.wait(waiting)

    def wait(self, waiting: Waiting) -> Iterator[SourceResult]:
        """An input's row, checked, waiting with those alike (those waiting, not alike,
        finalized first; :mod:`.file_runs` makes them too)."""
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
    ) -> Waiting:
        """Input ``work``'s sums, with every check :func:`~.input_result.finish` makes, in
        its order."""
        options = self.options
        problems = weighed(work, parts, total)
        guard.charge_finalizing(options.curves)
        try:
            partial = settled(work.name, total)
            models = tuple(work.plan.models)
            states = own_rows(partial)
            sums = None if states is not None else overall_sums(partial, models, options.losses)
        finally:  # this input's sums are dropped now
            guard.release_all()
        tasks, notices = closing(work, problems, total, options)
        alike = likeness(models, states, sums)
        n = np.append(partial.n[:0], np.sum(partial.n))  # as its overall row counts them
        return Waiting(work.name, models, n, states, sums, tasks, notices, alike)


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
        and all(loss.built_in for loss in options.losses)
    )


def likeness(
    models: tuple[Model, ...],
    states: dict[Key, np.ndarray] | None,
    sums: dict[str, dict[str, LossRows]] | None,
) -> object:
    """What an input's row must share with others to be finalized with them: its models,
    and its statistics' (or per loss, its rows') names, shapes and types (None: a row not
    made of arrays of one row, finalized alone)."""
    if states is not None:
        return (models, *((key, s.shape, s.dtype.str) for key, s in states.items()))
    assert sums is not None
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


def _joined(waiting: list[Waiting], losses: Sequence[Loss]) -> SourceResult:
    """The results of ``waiting`` (alike), as one: per input, a row per model, in order."""
    first, k = waiting[0], len(waiting)
    files = np.empty(k, dtype=object)
    files[:] = [w.name for w in waiting]
    n = first.n if k == 1 else np.concatenate([w.n for w in waiting])
    frames = []
    for model in first.models:
        frames.append(
            Frame(
                file=files,
                pred=repeated(model.name, k),
                keys={},
                overall=np.ones(k, dtype=bool),
                n=n.astype(np.int64),
                losses=finalize(
                    _tables(waiting, model, losses, n), losses, model.multiclass, model.levels
                ),
            )
        )
    frame = Frame.concat(frames)
    if len(frames) > 1:  # input by input, each its models in order
        frame = frame.take(np.arange(len(frame)).reshape(len(frames), k).T.ravel())
    tasks = set().union(*(w.tasks for w in waiting))
    return SourceResult(frame, [], [note for w in waiting for note in w.notices], tasks)


def _tables(
    waiting: list[Waiting], model: Model, losses: Sequence[Loss], n: np.ndarray
) -> dict[str, LossRows]:
    """Per loss, the rows of the inputs ``waiting`` (alike: a key each), in order."""
    first = waiting[0]
    if first.states is not None:
        states = {
            key: np.concatenate([w.states[key] for w in waiting if w.states is not None])
            for key in first.states
        }
        return stacked_sums(states, n, model.name, losses)
    assert first.sums is not None
    if len(waiting) == 1:
        return first.sums[model.name]
    rows = {
        loss: [w.sums[model.name][loss] for w in waiting if w.sums]
        for loss in first.sums[model.name]
    }
    return {loss: _stacked(found, n) for loss, found in rows.items()}


def _stacked(rows: list[LossRows], n: np.ndarray) -> LossRows:
    """One loss's rows of several inputs (a key each), stacked in order."""
    first = rows[0]

    def stack(table: str) -> dict[str, np.ndarray]:
        names = getattr(first, table)
        return {name: np.concatenate([getattr(r, table)[name] for r in rows]) for name in names}

    return LossRows(stack("sums"), stack("flags"), n=n, unresampled=first.unresampled)
