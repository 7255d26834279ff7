"""An input's result from the total of its parts (:func:`finish`): its row checks weighed,
its rows finalized (:mod:`.finalize`), its tasks and notices; both engines, and the
inputs finalized together (:mod:`.together`, :mod:`.file_runs`), end here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import InputError
from ..losses import Task
from ..records import datarecord
from ..result import Frame
from .checks import RowProblems
from .finalize import Finishing, result_frame
from .guard import FoldGuard
from .partial import Partial

if TYPE_CHECKING:
    from ..result import Comparison
    from .run import Options, Work


@datarecord(frozen=True)
class SourceResult:
    frame: Frame
    comparisons: list[Comparison]
    notices: list[str]
    tasks: set[Task]


def finish(
    work: Work,
    parts: Sequence[str],
    total: Partial,
    options: Options,
    guard: FoldGuard,
) -> SourceResult:
    """The input's result rows from the total of all its ``parts`` (their names, in order),
    folded under ``guard`` (whose budget it was charged to)."""
    problems = weighed(work, parts, total)
    guard.charge_finalizing(options.curves)
    finishing = Finishing(
        options.losses,
        options.uncertainty,
        work.reference,
        guard.no_bootstrap,
        diagrams=options.diagrams,
        curves=options.curves,
        per_class=options.per_class,
        thresholds=options.thresholds,
        period=options.period,
        series=options.series,
    )
    try:
        frame, comparisons = result_frame(work.name, total, work.plan.models, finishing)
    finally:  # this input's sums are dropped now
        guard.release_all()
    tasks, notices = closing(work, problems, total, options)
    return SourceResult(frame, comparisons, notices, tasks)


def weighed(work: Work, parts: Sequence[str], total: Partial) -> list[RowProblems]:
    """The checks of the input's ``parts``, in order; an input whose weights are all 0 is
    an error."""
    problems = [total.problems[p] for p in parts if p in total.problems]
    plan = work.plan
    if (
        plan.weight
        and sum(p.rows_seen - p.dropped for p in problems)
        and not any(p.total_weight for p in problems)
    ):
        raise InputError(
            f"{work.name}: the weights in column {plan.weight!r} are all 0, so "
            "no row counts; check the weight column"
        )
    return problems


def closing(
    work: Work, problems: list[RowProblems], total: Partial, options: Options
) -> tuple[set[Task], list[str]]:
    """The input's tasks and notices, once its rows are finalized; its zero labels raised
    where MAPE was asked to fail on them."""
    plan = work.plan
    tasks = {Task.QUANTILE if m.levels else _task(total, m.name, m.multiclass) for m in plan.models}
    if options.mape_zero == "error" and (
        "mape" in options.always_shown
        or (any(x.name == "mape" for x in options.losses) and Task.REGRESSION in tasks)
    ):
        for found in problems:
            found.raise_zero_labels()
    notices = [*plan.notices, *(n for p in problems for n in p.notices())]
    return tasks, notices


def _task(total: Partial, model: str, multiclass: bool) -> Task:
    if multiclass:
        return Task.MULTICLASS
    return Task.BINARY if total.binary.get(model, True) else Task.REGRESSION
