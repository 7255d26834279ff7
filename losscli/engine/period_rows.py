"""The rows of a ``--period`` run: per group × period, per period over all groups, per
group over all periods, and the grand row, in the order :mod:`losscli.result.keys`
defines.

The kernel keys rows by their group values and their period's start
(:data:`~losscli.reading.columns.PERIOD_KEY`, :mod:`.periods`). The rollups are the
same partial re-keyed without the period or without the groups (:mod:`.period_merge`):
each is pooled from the sums, never averaged. Each of the three partials is finalized as
any partial is (its intervals and comparisons included; a comparison's p-values are
adjusted across its own rows: the group × period rows, the groups, or the periods), then
their rows are put in order per file and model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ..errors import InputError
from ..reading import ColumnPlan, Model
from ..reading.columns import PERIOD_KEY
from ..result import Comparison, Frame
from ..result.key_column import KeyColumn
from ..result.keys import NO_PERIOD
from .order import key_order
from .partial import Partial
from .period_labels import period_columns
from .period_merge import rekeyed
from .period_spec import PeriodSpec
from .periods import DATES

if TYPE_CHECKING:
    from .finalize import Finishing

Finalizer = Callable[[str, Partial, Sequence[Model], "Finishing"], tuple[Frame, list[Comparison]]]


def with_period(plan: ColumnPlan, spec: PeriodSpec, source: str, columns: list[str]) -> ColumnPlan:
    """The plan keyed by period too: its time column read, the period a key column."""
    if spec.column not in columns:
        shown = ", ".join(map(repr, columns[:20]))
        raise InputError(
            f"{source}: no time column {spec.column!r} (--period). The file's columns are: {shown}"
        )
    return replace(plan, group_by=(*plan.group_by, PERIOD_KEY), time=spec.column)


def period_frame(
    file: str,
    partial: Partial,
    models: Sequence[Model],
    spec: Finishing,
    finalized: Finalizer,
) -> tuple[Frame, list[Comparison]]:
    """Every row of a --period run of one input, in order (see the module's docstring)."""
    assert spec.period is not None
    partial = partial.settle().trimmed()
    if not np.sum(partial.n):
        raise InputError(f"{file}: no data rows to evaluate")
    groups = len(partial.keys.columns) - 1
    dates = bool(partial.binary.pop(DATES, False))
    fine, fine_cmp = finalized(file, partial, models, spec)
    fine = _drifted(fine, partial, models, spec, groups=groups, dates=dates)
    if not groups:  # the periods' rows are over all groups: then the grand row
        frame = _shaped(fine, [], spec.period, dates=dates, overall=True)
        order = np.arange(_parents(frame))
        return frame, _comparisons([fine_cmp], [len(order) // len(models)], order, models)
    arrays = partial.keys.arrays()
    by_group = rekeyed(partial, range(groups), arrays)
    by_period = rekeyed(partial, [groups], arrays)
    per_group, group_cmp = finalized(file, by_group, models, spec)
    per_period, period_cmp = finalized(file, by_period, models, spec)
    per_period = _drifted(per_period, by_period, models, spec, groups=0, dates=dates)
    names = partial.keys.columns[:-1]
    parts = [
        _shaped(fine, names, spec.period, dates=dates, overall=False),
        _shaped(per_group, names, spec.period, dates=dates, overall=False),
        _shaped(per_period, names, spec.period, dates=dates, overall=True),
    ]
    sizes = [_parents(p) // len(models) for p in parts]
    index = _row_order(partial, by_group, arrays, sizes, len(models))
    found = [fine_cmp, group_cmp, period_cmp]
    joined = Frame.concat(parts)
    rows = _with_class_rows(joined, index)
    return joined.take(rows), _comparisons(found, sizes, index, models)


def _drifted(
    frame: Frame, partial: Partial, models: Sequence[Model], spec: Finishing, **how: Any
) -> Frame:
    """``frame`` with each period row against its group's reference (--drift, :mod:`.drift`)."""
    if spec.uncertainty.drift is None:
        return frame
    from .drift import with_drift

    return with_drift(frame, partial, models, spec, **how)


def _parents(frame: Frame) -> int:
    """The rows without a class part (each followed by its class rows, --per-class)."""
    return len(frame) if frame.classes is None else int((~frame.classes.present).sum())


def _with_class_rows(frame: Frame, parents: np.ndarray) -> np.ndarray:
    """The rows of ``frame`` for ``parents`` (the k-th rows without a class part, in
    order), each followed by its class rows, as :mod:`losscli.result.keys` orders them."""
    if frame.classes is None:
        return parents
    at = np.flatnonzero(~frame.classes.present)
    starts = at[parents]
    sizes = np.append(at[1:], len(frame))[parents] - starts
    first = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.repeat(starts, sizes) + np.arange(int(sizes.sum())) - first


def _shaped(
    frame: Frame, names: Sequence[str], spec: PeriodSpec, *, dates: bool, overall: bool
) -> Frame:
    """A finalized frame's rows with their period part: the key column it holds taken out
    of the group columns; ``overall``: its rows are over all groups."""
    held = frame.keys.get(PERIOD_KEY)
    starts = np.full(len(frame), NO_PERIOD, dtype=np.int64)
    if held is not None:
        starts[~held.missing] = held.values[~held.missing].astype(np.int64)
    keys = {name: frame.keys.get(name, KeyColumn.none(len(frame))) for name in names}
    flags = np.full(len(frame), overall) | frame.overall
    period = period_columns(starts, spec, dates=dates)
    return replace(frame, keys=keys, overall=flags, period=period)


def _row_order(
    partial: Partial,
    by_group: Partial,
    arrays: Sequence[pa.Array],
    sizes: list[int],
    models: int,
) -> np.ndarray:
    """Positions in the three frames one after another (each a block per model, its last
    row the grand row): per model, each group's periods then its row over all periods,
    then the periods over all groups, then the grand row."""
    fine_n, group_n, period_n = sizes
    group_of = _group_rows(partial, by_group, arrays)  # per fine row: its group's row
    offsets = np.cumsum([0, fine_n * models, group_n * models])
    out = []
    for m in range(models):
        fine = offsets[0] + m * fine_n + np.arange(fine_n - 1)
        group = offsets[1] + m * group_n + np.arange(group_n - 1)
        slot = np.concatenate([2 * group_of, 2 * np.arange(group_n - 1) + 1])
        within = np.concatenate([fine, group])[np.argsort(slot, kind="stable")]
        periods = offsets[2] + m * period_n + np.arange(period_n - 1)
        grand = offsets[0] + m * fine_n + fine_n - 1
        out.append(np.concatenate([within, periods, [grand]]))
    return np.concatenate(out).astype(np.int64)


def _group_rows(partial: Partial, by_group: Partial, arrays: Sequence[pa.Array]) -> np.ndarray:
    """For each shown group × period key (in row order), the row of its group among the
    shown groups (both in key order, as finalizing orders them)."""
    fine = _shown_order(partial, arrays)
    groups = _shown_order(by_group, by_group.keys.arrays())
    columns = list(range(len(by_group.keys.columns)))
    of_fine = by_group.keys.copy().codes([arrays[c] for c in columns])
    row_of_group = np.full(by_group.size, -1, dtype=np.int64)
    row_of_group[groups] = np.arange(len(groups))
    return row_of_group[of_fine[fine]]


def _shown_order(partial: Partial, arrays: Sequence[pa.Array]) -> np.ndarray:
    seen = np.flatnonzero(partial.n > 0)
    return key_order(arrays, seen, partial.keys.empty_is_missing)


def _comparisons(
    found: Sequence[list[Comparison]],
    sizes: list[int],
    index: np.ndarray,
    models: Sequence[Model],
) -> list[Comparison]:
    """The comparisons of the three frames (``found``: of the group × period keys, the
    groups and the periods, each per model and loss in key order, the grand row's last),
    with their period, in the rows' order (``index``, :func:`_row_order`); the grand row's
    once."""
    offsets = np.cumsum([0, *(n * len(models) for n in sizes)])
    rank = np.full(offsets[-1], -1, dtype=np.int64)
    rank[index] = np.arange(len(index))
    model_of = {m.name: i for i, m in enumerate(models)}
    blocks: dict[tuple[str, str], list[tuple[int, Comparison]]] = {}
    for s, comparisons in enumerate(found):
        at: dict[tuple[str, str], int] = {}
        for c in comparisons:
            k = at[(c.pred, c.loss)] = at.get((c.pred, c.loss), -1) + 1
            position = offsets[s] + model_of[c.pred] * sizes[s] + k
            if s and k == sizes[s] - 1:
                continue  # a rollup's own grand row: the group × period frame's is kept
            blocks.setdefault((c.pred, c.loss), []).append((int(rank[position]), _parted(c)))
    return [c for block in blocks.values() for _, c in sorted(block, key=lambda x: x[0])]


def _parted(c: Comparison) -> Comparison:
    """A comparison with its period taken out of its group."""
    if c.group is None:
        return c
    values = dict(c.group)
    start = values.pop(PERIOD_KEY, None)
    return replace(c, group=values or None, period=None if start is None else int(start))
