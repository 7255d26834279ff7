"""From per-key sums to result rows: finalize every loss, apply its rules, label the groups."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

import numpy as np

from ..errors import InputError
from ..losses import Loss, Task
from ..result import ResultRow
from .keys import GroupIndex, sort_key
from .reduce import Accumulator

NOT_APPLICABLE = "not applicable"
NOT_APPLICABLE_MULTICLASS = f"{NOT_APPLICABLE} to multi-class predictions"
Metrics = list[dict[str, float | None]]
Notes = list[dict[str, str]]


def result_rows(
    file: str,
    pred: str,
    acc: Accumulator,
    groups: GroupIndex | None,
    losses: Sequence[Loss],
    multiclass: bool = False,
) -> list[ResultRow]:
    """Group rows sorted by key, then the overall row pooled from the same sums."""
    if acc.n_keys == 0 or not np.sum(acc.sums.get("n", 0)):
        raise InputError(f"{file}: no data rows to evaluate")
    rows = []
    if groups is not None:
        keys = [groups.key(i) for i in range(groups.size)]
        seen = acc.sums["n"] > 0  # a category no row has (pandas categoricals) is no group
        order = np.array(
            sorted((i for i in range(len(keys)) if seen[i]), key=lambda i: sort_key(keys[i])),
            dtype=int,
        )
        table = acc.table(order)
        metrics, notes = finalize(table, losses, multiclass)
        for j, i in enumerate(order):
            group = dict(zip(groups.columns, keys[i], strict=True))
            rows.append(ResultRow(file, pred, group, int(table["n"][j]), metrics[j], notes[j]))
    pooled = acc.pooled()
    metrics, notes = finalize(pooled, losses, multiclass)
    rows.append(ResultRow(file, pred, None, int(pooled["n"][0]), metrics[0], notes[0]))
    return rows


def finalize(
    table: dict[str, np.ndarray], losses: Sequence[Loss], multiclass: bool = False
) -> tuple[Metrics, Notes]:
    """Each loss's value per key (None where it does not apply) and a note saying why."""
    n_keys = len(table["n"])
    metrics: Metrics = [{} for _ in range(n_keys)]
    notes: Notes = [{} for _ in range(n_keys)]
    for loss in losses:
        if not loss.applies_to(multiclass):
            for k in range(n_keys):
                metrics[k][loss.name] = None
                notes[k][loss.name] = NOT_APPLICABLE_MULTICLASS
            continue
        with np.errstate(all="ignore"):
            values = np.asarray(loss.finalize(table), dtype=float)
        blocked = np.zeros(n_keys, dtype=bool)
        why = [""] * n_keys
        for rule in loss.rules:
            if rule.stat not in table:
                continue  # the loss recorded no such rows (multi-class data is checked on reading)
            counts = table[rule.stat]
            for hit in np.flatnonzero(counts > 0):
                why[hit] = "; ".join(filter(None, [why[hit], rule.note(int(counts[hit]))]))
            if not rule.skip:
                blocked |= counts > 0
        ok = np.isfinite(values) & ~blocked
        for k in range(n_keys):  # building the rows; the math above is vectorised
            metrics[k][loss.name] = float(values[k]) if ok[k] else None
            note = why[k] or ("" if ok[k] else _why_missing(loss, values[k]))
            if note:
                notes[k][loss.name] = note
    return metrics, notes


def _why_missing(loss: Loss, value: float) -> str:
    if np.isinf(value):
        return "overflows float64 (infinite): check for values near 0 or very large"
    return loss.undefined


def drop_inapplicable(
    rows: list[ResultRow], losses: list[Loss], tasks: set[Task], always: Collection[str] = ()
) -> tuple[list[ResultRow], list[Loss]]:
    """Leave out losses made for none of the data's tasks, or applicable to no row.

    For the losses the user did not name (the defaults, or 'all'): MAPE has no place
    beside binary labels, nor cross-entropy beside regression values.
    """

    def nowhere(loss: Loss) -> bool:
        if loss.name in always:
            return False
        return not tasks & set(loss.tasks) or all(
            row.metrics.get(loss.name) is None
            and row.notes.get(loss.name, "").startswith(NOT_APPLICABLE)
            for row in rows
        )

    gone = {loss.name for loss in losses if nowhere(loss)}
    if not gone:
        return rows, losses
    kept = [loss for loss in losses if loss.name not in gone]
    slim = [
        replace(
            row,
            metrics={k: v for k, v in row.metrics.items() if k not in gone},
            notes={k: v for k, v in row.notes.items() if k not in gone},
        )
        for row in rows
    ]
    return slim, kept
