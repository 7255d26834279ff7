"""Which rows a check judges, from its prefixes and the rows' keys (:mod:`..result.keys`).

A plain check judges the rows without a class part: group and overall rows, within each
period and over all periods. ``class:`` judges class rows only, ``average:`` average rows
only (the ``accuracy`` row only for the losses it carries); ``overall:`` keeps the rows
over all groups among them. ``last:`` (``first:``) keeps the rows of the latest
(earliest) period of each file and model's rows; a group without a row in that period
gets a warning, since the check cannot judge it there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import UsageError

if TYPE_CHECKING:
    from ..result import EvaluationResult, Frame
    from .parse import Check

SHOWN_GROUPS = 5  # groups a warning names before it counts the rest


def judged_rows(check: Check, result: EvaluationResult) -> tuple[np.ndarray, list[str]]:
    """The indices of the rows ``check`` judges, and warnings about groups it cannot."""
    frame = result.frame
    if check.when and frame.period is None:
        raise UsageError(
            f"--check {check.text!r}: '{check.when}:' judges the {_latest(check)} period's "
            "rows, and this result has no periods; add --period COL:FREQ"
        )
    if check.part and (frame.classes is None or not _of_part(frame, check.part).any()):
        raise UsageError(
            f"--check {check.text!r}: '{check.part}:' judges {check.part} rows, and this "
            "result has none; add --per-class"
        )
    chosen = _of_part(frame, check.part)
    if check.part == "average":
        chosen &= ~_accuracy_row_without(frame, check.loss)
    if check.overall_only:
        chosen &= frame.overall
    warnings: list[str] = []
    if check.when:
        in_period, warnings = _in_edge_period(check, result)
        chosen &= in_period
    return np.flatnonzero(chosen), warnings


def _of_part(frame: Frame, part: str) -> np.ndarray:
    """Rows of the class part ``part`` (``class``, ``average``; "": rows without one)."""
    classes = frame.classes
    if classes is None:
        return np.full(len(frame), part == "")
    if part == "class":
        return classes.present & ~classes.average
    if part == "average":
        return classes.average.copy()
    return ~classes.present


def _accuracy_row_without(frame: Frame, loss: str) -> np.ndarray:
    """The ``accuracy`` average rows where ``loss`` has no value: that row carries accuracy
    alone (in precision, recall and F1, as scikit-learn's report prints it), so an
    ``average:`` check of another loss judges the macro and weighted rows only."""
    classes, column = frame.classes, frame.losses.get(loss)
    if classes is None or column is None:
        return np.zeros(len(frame), dtype=bool)
    return classes.average & (classes.name == "accuracy") & np.isnan(column.values)


def _latest(check: Check) -> str:
    return "latest" if check.when == "last" else "earliest"


def _in_edge_period(check: Check, result: EvaluationResult) -> tuple[np.ndarray, list[str]]:
    """Rows of each block's latest (``last:``) or earliest (``first:``) period, and a
    warning naming the groups of a block without a row in it."""
    frame = result.frame
    period = frame.period
    assert period is not None
    out = np.zeros(len(frame), dtype=bool)
    warnings = []
    for start, stop in frame.blocks():
        starts = period.start[start:stop]
        present = period.present[start:stop]
        if not present.any():
            continue
        edge = starts[present].max() if check.when == "last" else starts[present].min()
        out[start:stop] = present & (starts == edge)
        label = period.label[start:stop][out[start:stop]][0]
        missing = _groups_without(result, start, stop, out[start:stop])
        if missing:
            named = ", ".join(missing[:SHOWN_GROUPS])
            more = len(missing) - SHOWN_GROUPS
            named += f" and {more:,} more" if more > 0 else ""
            warnings.append(
                f"--check {check.text}: {frame.file[start]}, {frame.pred[start]}: "
                f"{len(missing):,} group(s) have no rows in the {_latest(check)} period "
                f"{label}, so the check does not judge them there: {named}"
            )
    return out, warnings


def _groups_without(result: EvaluationResult, start: int, stop: int, edge: np.ndarray) -> list[str]:
    """The block's groups (as messages name them) with no row among the ``edge`` rows."""
    frame = result.frame.take(slice(start, stop))
    plain = _of_part(frame, "") & ~frame.overall
    names = result.group_by

    def keys(mask: np.ndarray) -> list[tuple[object, ...]]:
        rows = np.flatnonzero(mask)
        return list(zip(*(frame.keys[g].take(rows).tolist() for g in names), strict=True))

    assert frame.period is not None
    seen = set(keys(plain & edge))
    every = keys(plain & ~frame.period.present)
    return [
        ", ".join(f"{g}={v}" for g, v in zip(names, key, strict=True))
        for key in every
        if key not in seen
    ]
