"""One input's evaluation: read its chunks, check rows, sum statistics per key, finalize."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import InputError
from ..losses import Batch, Loss, Params, Task
from ..losses.batch import Ones
from ..reading import ColumnPlan, Model, Source, plan_columns, prefetched, to_float
from ..result import ResultRow
from .batches import BatchBuilder
from .checks import RowProblems
from .finalize import result_rows
from .keys import GroupIndex
from .reduce import Accumulator

Progress = Callable[[str, int, "int | None", str], None]


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


def evaluate_source(
    source: Source, options: Options
) -> tuple[list[ResultRow], list[str], set[Task]]:
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
    run = _Run(source, plan, options)
    checked = []
    for part in source.parts():  # the shards of a dataset, each checked under its own name
        problems = RowProblems(part.name, options.drop_na, options.mape_zero == "error")
        run.read(part, problems)
        problems.raise_if_failed()
        checked.append(problems)
    if (
        plan.weight
        and sum(p.rows_seen - p.dropped for p in checked)
        and not any(p.total_weight for p in checked)
    ):
        raise InputError(
            f"{source.name}: the weights in column {plan.weight!r} are all 0, so "
            "no row counts; check the weight column"
        )
    result, tasks = run.rows()
    if options.mape_zero == "error" and (
        "mape" in options.always_shown
        or (any(x.name == "mape" for x in options.losses) and Task.REGRESSION in tasks)
    ):
        for problems in checked:
            problems.raise_zero_labels()
    return result, [*plan.notices, *(n for p in checked for n in p.notices())], tasks


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
                raise InputError(
                    f"{part.name}: no column {', '.join(map(repr, missing))}; every "
                    f"shard of {self.source.name} needs the same columns"
                )
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

    def _add(
        self,
        model: Model,
        labels: np.ndarray,
        values: dict[str, np.ndarray],
        codes: np.ndarray | None,
        problems: RowProblems,
        kept_rows: np.ndarray | None,
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
            result += result_rows(
                self.source.name,
                model.name,
                self.accumulators[model.name],
                self.groups,
                self.options.losses,
                model.multiclass,
            )
            tasks.add(
                Task.MULTICLASS
                if model.multiclass
                else Task.BINARY
                if self.binary[model.name]
                else Task.REGRESSION
            )
        return result, tasks


def _group_codes(
    groups: GroupIndex | None, batch: Any, columns: Sequence[str], source: str
) -> np.ndarray | None:
    if groups is None:
        return None
    try:
        return groups.codes([batch.column(g) for g in columns])
    except pa.ArrowException as exc:  # e.g. shards whose key columns differ in type
        raise InputError(
            f"{source}: cannot group by {', '.join(map(repr, columns))}: "
            f"{str(exc).splitlines()[0]}; group columns must hold text, numbers, "
            "dates or booleans of one type"
        ) from exc


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
