"""The Python API: ``evaluate(inputs, ...)`` → :class:`EvaluationResult`.

Reading hands over chunks of the needed columns; each loss turns a chunk into
per-row statistics; an :class:`Accumulator` per model sums them per group key;
finalizing the sums gives the values. The library never prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pyarrow as pa

from .errors import InputError, UsageError
from .finalize import drop_inapplicable, result_rows
from .keys import GroupIndex
from .losses import EPS, Batch, Loss, Params, Task, default_losses, resolve_losses
from .losses.batch import Ones
from .models import BatchBuilder
from .reading import (
    ColumnPlan,
    Model,
    Source,
    TableSource,
    open_source,
    plan_columns,
    prefetched,
    to_float,
)
from .reduce import Accumulator
from .result import EvaluationResult, ResultRow
from .validate import RowProblems

MAPE_ZERO_POLICIES = ("skip", "error")
Progress = Callable[[str, int, "int | None", str], None]


@dataclass(frozen=True)
class Options:
    label: str | None
    preds: tuple[str, ...]
    probs: tuple[str, ...]
    weight: str | None
    group_by: tuple[str, ...]
    losses: tuple[Loss, ...]
    always_shown: frozenset[str]  # the others (defaults, 'all') only where they apply
    params: Params
    drop_na: bool
    mape_zero: str
    renormalize: bool
    progress: Progress | None


def evaluate(
    inputs: Any,
    *,
    label: str | None = None,
    pred: str | Sequence[str] | None = None,
    probs: str | Sequence[str] | None = None,
    weight: str | None = None,
    group_by: str | Sequence[str] = (),
    losses: str | Sequence[str] | None = None,
    drop_na: bool = False,
    mape_zero: str = "skip",
    huber_delta: float = 1.0,
    from_logits: bool = False,
    renormalize: bool = False,
    eps: float = EPS,
    input_format: str | None = None,
    delimiter: str | None = None,
    encoding: str = "utf8",
    decimal: str = ".",
    stdin: IO[bytes] | None = None,
    require: Sequence[str] = (),
    progress: Progress | None = None,
) -> EvaluationResult:
    """Evaluate losses for each input (a path, ``-`` for stdin, or a pandas DataFrame).

    ``pred`` names prediction columns (regression, or the positive-class probability
    of binary data); ``probs`` names the class columns of multi-class data, as a
    comma list or a glob (one model per item). ``losses`` defaults to MSE, MAPE and
    cross-entropy where they apply; ``require`` adds losses that are always shown
    (those a check needs). Returns one row per input × model × group, then an
    overall row per input and model, pooled from the same sums. ``progress`` is
    called after every chunk with (input, done, total or None, "bytes" or "rows").
    """
    if mape_zero not in MAPE_ZERO_POLICIES:
        raise UsageError(f"mape_zero must be one of {MAPE_ZERO_POLICIES}, not {mape_zero!r}")
    if not huber_delta > 0:
        raise UsageError(f"the Huber delta must be positive, not {huber_delta}")
    if not 0 < eps < 0.5:
        raise UsageError(f"eps must lie between 0 and 0.5, not {eps}")
    names = _as_tuple(losses)
    chosen = resolve_losses(names or default_losses())
    required = resolve_losses(require) if require else []
    listed = {part.strip().lower() for item in names for part in item.split(",")}
    named = [] if not names or "all" in listed else chosen
    options = Options(
        label=label, preds=_as_tuple(pred), probs=_as_tuple(probs), weight=weight,
        group_by=_as_tuple(group_by),
        losses=tuple(dict.fromkeys([*chosen, *required])),
        always_shown=frozenset(loss.name for loss in [*named, *required]),
        params=Params(huber_delta=huber_delta, eps=eps, from_logits=from_logits),
        drop_na=drop_na, mape_zero=mape_zero, renormalize=renormalize, progress=progress,
    )
    rows: list[ResultRow] = []
    notices: list[str] = []
    tasks: set[Task] = set()
    for index, item in enumerate(_as_list(inputs)):
        source = _as_source(item, index, input_format, stdin, (delimiter, encoding, decimal))
        source_rows, source_notices, source_tasks = _evaluate_source(source, options)
        rows += source_rows
        notices += source_notices
        tasks |= source_tasks
    rows, shown = drop_inapplicable(rows, list(options.losses), tasks, options.always_shown)
    return EvaluationResult(rows, [loss.name for loss in shown], list(options.group_by), notices)


def _evaluate_source(
    source: Source, options: Options
) -> tuple[list[ResultRow], list[str], set[Task]]:
    plan = plan_columns(source.name, source.columns(), options.label, options.preds,
                        options.weight, options.group_by, options.probs)
    run = _Run(source, plan, options)
    checked = []
    for part in source.parts():  # the shards of a dataset, each checked under its own name
        problems = RowProblems(part.name, options.drop_na, options.mape_zero == "error")
        run.read(part, problems)
        problems.raise_if_failed()
        checked.append(problems)
    if plan.weight and sum(p.rows_seen - p.dropped for p in checked) and not any(
            p.total_weight for p in checked):
        raise InputError(f"{source.name}: the weights in column {plan.weight!r} are all 0, so "
                         "no row counts; check the weight column")
    result, tasks = run.rows()
    if options.mape_zero == "error" and ("mape" in options.always_shown or (
            any(x.name == "mape" for x in options.losses) and Task.REGRESSION in tasks)):
        for problems in checked:
            problems.raise_zero_labels()
    return result, [n for p in checked for n in p.notices()], tasks


class _Run:
    """The evaluation of one input: its plan, group ids, and one accumulator per model."""

    def __init__(self, source: Source, plan: ColumnPlan, options: Options) -> None:
        self.source, self.plan, self.options = source, plan, options
        self.groups = GroupIndex(plan.group_by, source.empty_is_missing) if plan.group_by else None
        self.builder = BatchBuilder(source.name, plan, options.params, options.renormalize)
        self.accumulators = {m.name: Accumulator() for m in plan.models}
        self.binary = {m.name: True for m in plan.models}  # one-column models: binary data?

    def read(self, part: Source, problems: RowProblems) -> None:
        """Add every chunk of ``part`` (the input, or one of its shards) to the sums."""
        plan, progress = self.plan, self.options.progress
        if part is not self.source:
            missing = [c for c in plan.needed if c not in part.columns()]
            if missing:
                raise InputError(f"{part.name}: no column {', '.join(map(repr, missing))}; every "
                                 f"shard of {self.source.name} needs the same columns")
        for batch in prefetched(part.batches(plan.needed, plan.numeric)):
            if progress is not None:
                progress(self.source.name, *self.source.progress())
            values = {c: to_float(batch.column(c), c, part.name) for c in plan.numeric}
            labels = self.builder.labels(batch, values, problems.rows_seen)
            keep = problems.check(values, plan, batch.num_rows, self.builder.missing(labels))
            if problems.failed:
                continue  # keep reading only to count every bad row for the message
            codes = _group_codes(self.groups, batch, plan.group_by, part.name)
            kept_rows = None
            if keep is not None:
                values = {c: v[keep] for c, v in values.items()}
                labels = {m: v[keep] for m, v in labels.items()}
                codes = None if codes is None else codes[keep]
                kept_rows = np.flatnonzero(keep)
            for model in plan.models:
                self._add(model, labels[model.name], values, codes, problems, kept_rows)

    def _add(self, model: Model, labels: np.ndarray, values: dict[str, np.ndarray],
             codes: np.ndarray | None, problems: RowProblems, kept_rows: np.ndarray | None
             ) -> None:
        n_keys = self.groups.size if self.groups else 1
        # Infinities and NaNs in statistics are deliberate: finalize reports them per loss.
        with np.errstate(all="ignore"):
            rows = self.builder.batch(model, labels, values, problems, kept_rows)
            if rows is None:
                return
            stats = _statistics(rows, self.options.losses)
            self.accumulators[model.name].add(stats, codes, n_keys)
            if self.binary[model.name] and not model.multiclass:  # until a chunk says no
                self.binary[model.name] = _looks_binary(rows)

    def rows(self) -> tuple[list[ResultRow], set[Task]]:
        """Result rows per model, and the task each model's data turned out to be."""
        result: list[ResultRow] = []
        tasks = set()
        for model in self.plan.models:
            result += result_rows(self.source.name, model.name, self.accumulators[model.name],
                                  self.groups, self.options.losses, model.multiclass)
            tasks.add(Task.MULTICLASS if model.multiclass else
                      Task.BINARY if self.binary[model.name] else Task.REGRESSION)
        return result, tasks


def _group_codes(groups: GroupIndex | None, batch: Any, columns: Sequence[str],
                 source: str) -> np.ndarray | None:
    if groups is None:
        return None
    try:
        return groups.codes([batch.column(g) for g in columns])
    except pa.ArrowException as exc:  # e.g. shards whose key columns differ in type
        raise InputError(f"{source}: cannot group by {', '.join(map(repr, columns))}: "
                         f"{str(exc).splitlines()[0]}; group columns must hold text, numbers, "
                         "dates or booleans of one type") from exc


def _statistics(batch: Batch, losses: Sequence[Loss]) -> dict[str, Any]:
    """The per-row statistics of every loss that applies to the batch, plus ``n``."""
    stats: dict[str, Any] = {"n": Ones(len(batch.y))}
    for loss in losses:
        if loss.applies_to(batch.multiclass):
            stats.update(loss.statistics(batch))
    return stats


def _looks_binary(batch: Batch) -> bool:
    """Every label 0 or 1, every prediction a probability (or a logit)."""
    if not ((batch.y == 0) | (batch.y == 1)).all():
        return False
    return batch.logits is not None or bool(((batch.p >= 0) & (batch.p <= 1)).all())


def _as_source(item: Any, index: int, input_format: str | None, stdin: IO[bytes] | None,
               dialect: tuple[str | None, str, str]) -> Source:
    if isinstance(item, (str, os.PathLike)):
        return open_source(os.fspath(item), input_format, stdin, *dialect)
    if hasattr(item, "columns") and hasattr(item, "dtypes"):
        import pyarrow as pa

        return TableSource(f"DataFrame[{index}]", pa.Table.from_pandas(item, preserve_index=False))
    raise UsageError(f"cannot evaluate a {type(item).__name__}; give a path or a DataFrame")


def _as_list(inputs: Any) -> list[Any]:
    if isinstance(inputs, (str, os.PathLike)) or hasattr(inputs, "columns"):
        return [inputs]
    return list(inputs)


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)
