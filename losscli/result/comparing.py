"""The models of a result side by side: group rows of one file aligned across its models
(by their rows over all periods without a class part, where rows have those parts),
the comparisons found by row, and the comparisons as a table of their own.

A wide view and ``--table comparisons`` read these; nothing here formats text.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..records import datarecord
from .frame import Frame, repeated
from .keys import PeriodColumns, period_texts, periods_at, refuse_clashing_groups

if TYPE_CHECKING:
    from .evaluation import EvaluationResult
    from .rows import Comparison

Key = tuple[Hashable, ...] | None  # a group's key values (None: the overall row)
VERDICTS = ("better", "worse", "indistinguishable")  # a comparison's, after the adjustment
# The comparisons table's columns (``--table comparisons``), after the group columns.
COMPARISON_FIELDS = (
    "loss",
    "pred",
    "reference",
    "delta",
    "low",
    "high",
    "p_value",
    "p_adjusted",
    "verdict",
)


def _value_key(value: Any) -> Hashable:
    """A key value as a dict key: NaN equal to NaN (a float's NaN is not equal to itself)."""
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return value


def group_key(group: dict[str, Any] | None, group_by: list[str]) -> Key:
    if group is None:
        return None
    return tuple(_value_key(group.get(name)) for name in group_by)


@datarecord(frozen=True)
class Aligned:
    """One file's models side by side: ``keys`` (its group keys, then None for the overall
    row) and, per model, the frame row of each key (-1 where the model has none)."""

    file: str
    models: list[str]
    keys: list[Key]
    rows: dict[str, np.ndarray]

    def values(self, result: EvaluationResult, loss: str) -> np.ndarray:
        """keys × models: the loss's values (NaN where missing)."""
        column = result.frame.losses[loss].values
        out = np.full((len(self.keys), len(self.models)), np.nan)
        for j, model in enumerate(self.models):
            rows = self.rows[model]
            has = rows >= 0
            out[has, j] = column[rows[has]]
        return out


def aligned(result: EvaluationResult) -> list[Aligned]:
    """Each file's models aligned by group key. Every model of a file has its keys in one
    order (they are of the same rows), so this is a comparison of lists; a model with
    other keys is matched by a dictionary."""
    frame = _plain(result)
    by_file: dict[str, list[tuple[str, int, int]]] = {}
    for start, stop in frame.blocks():
        by_file.setdefault(frame.file[start], []).append((frame.pred[start], start, stop))
    out = []
    for file, blocks in by_file.items():
        models = [pred for pred, _, _ in blocks]
        if _same_keys(result, blocks):  # the usual case, without Python per row
            union = _block_keys(result, blocks[0][1], blocks[0][2], plain=True)
            rows = {pred: np.arange(start, stop) for pred, start, stop in blocks}
            out.append(_in_frame(result, Aligned(file, models, [*union, None], rows)))
            continue
        keys_of = {pred: _block_keys(result, start, stop) for pred, start, stop in blocks}
        first = keys_of[blocks[0][0]]
        union = list(first)
        if any(keys != first for keys in keys_of.values()):
            union = list(dict.fromkeys(k for keys in keys_of.values() for k in keys))
        rows = {}
        for pred, start, stop in blocks:
            if keys_of[pred] == union:
                rows[pred] = np.arange(start, stop - 1)
            else:
                at = {k: start + i for i, k in enumerate(keys_of[pred])}
                rows[pred] = np.array([at.get(k, -1) for k in union], dtype=np.int64)
            rows[pred] = np.append(rows[pred], stop - 1)  # the overall row
        out.append(_in_frame(result, Aligned(file, models, [*union, None], rows)))
    return out


def _plain_rows(result: EvaluationResult) -> np.ndarray | None:
    """The rows without a period or class part (each group's row over all periods, and the
    grand rows), which models are aligned by; None where every row is one."""
    frame = result.frame
    if frame.period is None and frame.classes is None:
        return None
    plain = np.ones(len(frame), dtype=bool)
    plain &= True if frame.period is None else ~frame.period.present
    plain &= True if frame.classes is None else ~frame.classes.present
    return np.flatnonzero(plain)


def _plain(result: EvaluationResult) -> Frame:
    rows = _plain_rows(result)
    return result.frame if rows is None else result.frame.take(rows)


def _in_frame(result: EvaluationResult, side: Aligned) -> Aligned:
    """``side`` with rows of ``_plain``'s frame as rows of the result's."""
    rows = _plain_rows(result)
    if rows is None:
        return side
    within = {m: np.where(r >= 0, rows[np.maximum(r, 0)], -1) for m, r in side.rows.items()}
    return Aligned(side.file, side.models, side.keys, within)


def group_order(
    result: EvaluationResult, sides: list[Aligned], lead: dict[str, str]
) -> list[list[int]]:
    """Per side, the places in its ``keys`` of the groups the shown rows name (``--sort-by``,
    ``--top``), in their order: those of its file's ``lead`` model (the reference; else its
    first model) first, then any other model's not among them. The wide table's rows and
    every chart's groups come in this one order."""
    frame = result.frame
    side_of, at_of = np.full(len(frame), -1), np.full(len(frame), -1)
    for s, side in enumerate(sides):
        for model in side.models:
            rows = side.rows[model]
            has = rows >= 0
            side_of[rows[has]], at_of[rows[has]] = s, np.flatnonzero(has)
    shown = result.shown_rows()
    shown = shown[~frame.overall[shown]]
    out = []
    for s, side in enumerate(sides):
        mine = shown[side_of[shown] == s]
        first = frame.pred[mine] == lead.get(side.file, side.models[0])
        mine = np.concatenate([mine[first], mine[~first]])
        out.append(list(dict.fromkeys(at_of[mine].tolist())))
    return out


def _same_keys(result: EvaluationResult, blocks: list[tuple[str, int, int]]) -> bool:
    """Whether every block has the first one's keys in its order (none NaN: a NaN key is
    never equal to itself, and is matched through ``_value_key``)."""
    first, length = blocks[0][1], blocks[0][2] - blocks[0][1]
    for _, start, stop in blocks[1:]:
        if stop - start != length:
            return False
        for column in _plain(result).keys.values():
            mine = column.take(slice(start, stop - 1))
            theirs = column.take(slice(first, first + length - 1))
            if not all(
                a is b or a == b for a, b in zip(mine.tolist(), theirs.tolist(), strict=True)
            ):
                return False
    return True


def _block_keys(result: EvaluationResult, start: int, stop: int, plain: bool = False) -> list[Key]:
    """The block's group keys (``plain``: as they are, known to hold no NaN)."""
    block = slice(start, stop - 1)
    columns = [_plain(result).keys[g].take(block).tolist() for g in result.group_by]
    if not columns:
        return []
    if plain and not any(isinstance(v, float) and v != v for c in columns for v in c):
        return list(zip(*columns, strict=True))
    return [tuple(map(_value_key, values)) for values in zip(*columns, strict=True)]


def by_row(result: EvaluationResult) -> dict[tuple[str, str, str, Key], Comparison]:
    """Each comparison by (file, pred, loss, group key)."""
    return {(c.file, c.pred, c.loss, group_key(c.group, result.group_by)): c
            for c in result.comparisons}  # fmt: skip


def references(result: EvaluationResult) -> dict[str, str]:
    """Each file's reference model, where it has comparisons."""
    return {c.file: c.reference for c in result.comparisons}


def comparison_columns(result: EvaluationResult) -> tuple[list[str], dict[str, np.ndarray]]:
    """``--table comparisons``: one row per comparison (file, scope, the group columns,
    then ``COMPARISON_FIELDS``), as the rows' table's columns are (CSV's header, arrays);
    ``verdict`` is ``better``, ``worse`` or ``indistinguishable``."""
    found = result.comparisons
    count = len(found)

    def objects(values: list[Any]) -> np.ndarray:
        out = np.empty(count, dtype=object)
        out[:] = values
        return out

    def floats(values: list[float | None]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    period = comparison_periods(result)
    bounds = [] if period is None else ["period_start", "period_end"]
    names = ["file", "scope", *result.group_by, *bounds, *COMPARISON_FIELDS]
    own = ("file", "scope", *bounds, *COMPARISON_FIELDS)
    refuse_clashing_groups("comparisons", result.group_by, own, carried="comparisons")
    scope = repeated("group", count)
    scope[[c.group is None for c in found]] = "overall"
    columns: dict[str, np.ndarray] = {"file": objects([c.file for c in found]), "scope": scope}
    for g in result.group_by:
        columns[g] = objects([None if c.group is None else c.group.get(g) for c in found])
    for name in bounds:
        assert period is not None
        columns[name] = period_texts(period, name.removeprefix("period_"))
    for name in ("loss", "pred", "reference"):
        columns[name] = objects([getattr(c, name) for c in found])
    for name in ("delta", "low", "high", "p_value", "p_adjusted"):
        columns[name] = floats([getattr(c, name) for c in found])
    columns["verdict"] = objects([c.verdict for c in found])
    return names, columns


def comparison_periods(result: EvaluationResult) -> PeriodColumns | None:
    """Each comparison's period (its start, end and label as the rows have them; over all
    periods where it has none), or None when the rows have no periods."""
    if result.frame.period is None:
        return None
    return periods_at(result.frame.period, [c.period for c in result.comparisons])


def comparison_period_records(result: EvaluationResult) -> list[dict[str, str] | None] | None:
    """Each comparison's JSON ``period`` (``{"start", "end"}`` as the rows write theirs;
    None over all periods), or None when the rows have no periods."""
    period = comparison_periods(result)
    if period is None:
        return None
    starts = period_texts(period, "start").tolist()
    ends = period_texts(period, "end").tolist()
    return [
        None if a is None else {"start": a, "end": b} for a, b in zip(starts, ends, strict=True)
    ]
