"""The Python API: ``evaluate(inputs, ...)`` → :class:`EvaluationResult`.

Reading hands over chunks of the needed columns; each loss turns a chunk into
per-row statistics; an :class:`Accumulator` per prediction column sums them per
group key; finalizing the sums gives the values. The library never prints.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from .errors import UsageError
from .finalize import result_rows
from .keys import GroupIndex
from .losses import Batch, Loss, Params, default_losses, resolve_losses
from .reading import ColumnPlan, Source, TableSource, open_source, plan_columns, to_float
from .reduce import Accumulator
from .result import EvaluationResult, ResultRow
from .validate import RowProblems

MAPE_ZERO_POLICIES = ("skip", "error")


@dataclass(frozen=True)
class Options:
    label: str | None
    preds: tuple[str, ...]
    weight: str | None
    group_by: tuple[str, ...]
    losses: tuple[Loss, ...]
    params: Params
    drop_na: bool
    mape_zero: str


def evaluate(
    inputs: Any,
    *,
    label: str | None = None,
    pred: str | Sequence[str] | None = None,
    weight: str | None = None,
    group_by: str | Sequence[str] = (),
    losses: str | Sequence[str] | None = None,
    drop_na: bool = False,
    mape_zero: str = "skip",
    huber_delta: float = 1.0,
    input_format: str | None = None,
    stdin: IO[bytes] | None = None,
) -> EvaluationResult:
    """Evaluate losses for each input (a path, ``-`` for stdin, or a pandas DataFrame).

    Returns one row per input × prediction column × group, then an overall row
    per input and prediction column, pooled from the same sums.
    """
    if mape_zero not in MAPE_ZERO_POLICIES:
        raise UsageError(f"mape_zero must be one of {MAPE_ZERO_POLICIES}, not {mape_zero!r}")
    if not huber_delta > 0:
        raise UsageError(f"the Huber delta must be positive, not {huber_delta}")
    options = Options(
        label=label,
        preds=_as_tuple(pred),
        weight=weight,
        group_by=_as_tuple(group_by),
        losses=tuple(resolve_losses(_as_tuple(losses) or default_losses())),
        params=Params(huber_delta=huber_delta),
        drop_na=drop_na,
        mape_zero=mape_zero,
    )
    rows: list[ResultRow] = []
    notices: list[str] = []
    for index, item in enumerate(_as_list(inputs)):
        source = _as_source(item, index, input_format, stdin)
        source_rows, source_notices = _evaluate_source(source, options)
        rows += source_rows
        notices += source_notices
    return EvaluationResult(rows, [loss.name for loss in options.losses], list(options.group_by),
                            notices)


def _evaluate_source(source: Source, options: Options) -> tuple[list[ResultRow], list[str]]:
    plan = plan_columns(source.name, source.columns(), options.label, options.preds,
                        options.weight, options.group_by)
    groups = GroupIndex(plan.group_by) if plan.group_by else None
    accumulators = {p: Accumulator() for p in plan.preds}
    problems = RowProblems(source.name, options.drop_na)
    for batch in source.batches(plan.needed, plan.numeric):
        values = {c: to_float(batch.column(c), c, source.name) for c in plan.numeric}
        keep = problems.check(values, plan, zero_labels="mape" in _names(options) and
                              options.mape_zero == "error")
        if problems.failed:
            continue  # keep reading only to count every bad row for the message
        codes = groups.codes([batch.column(g) for g in plan.group_by]) if groups else None
        if keep is not None:
            values = {c: v[keep] for c, v in values.items()}
            codes = None if codes is None else codes[keep]
        _accumulate(accumulators, values, codes, groups.size if groups else 1, plan, options)
    problems.raise_if_failed()
    rows: list[ResultRow] = []
    for pred, accumulator in accumulators.items():
        rows += result_rows(source.name, pred, accumulator, groups, options.losses)
    return rows, problems.notices()


def _accumulate(
    accumulators: dict[str, Accumulator],
    values: dict[str, np.ndarray],
    codes: np.ndarray | None,
    n_keys: int,
    plan: ColumnPlan,
    options: Options,
) -> None:
    y = values[plan.label]
    w = values[plan.weight] if plan.weight else np.ones_like(y)
    for pred, accumulator in accumulators.items():
        batch = Batch(y, values[pred], w, options.params)
        stats: dict[str, Any] = {"n": np.ones_like(y)}
        for loss in options.losses:
            stats.update(loss.statistics(batch))
        accumulator.add(stats, codes, n_keys)


def _names(options: Options) -> set[str]:
    return {loss.name for loss in options.losses}


def _as_source(item: Any, index: int, input_format: str | None, stdin: IO[bytes] | None) -> Source:
    if isinstance(item, (str, os.PathLike)):
        return open_source(os.fspath(item), input_format, stdin)
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
