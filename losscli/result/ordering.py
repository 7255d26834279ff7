"""The groups that matter among a million: group rows ordered by a loss, worst first.

Worst follows the loss's direction: the highest MSE, the lowest R², the largest |bias|
(a loss without a better side is ordered by its distance from its right value). Within
each file and model the groups are ordered by their rows over all periods (ties keep
their key order, missing values go last) and the rows over all groups stay last; ``top``
keeps the first ``top`` groups, or with a negative ``top`` the best ones first. A group's
period rows stay with it in time order, and class rows with their parent (:mod:`.keys`).
Only the rows shown change: every row is still there for the checks, which judge them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import UsageError
from ..losses.bias import sorted_by, worst_first

if TYPE_CHECKING:
    from .evaluation import EvaluationResult
    from .frame import Frame


def ranked(result: EvaluationResult, sort_by: str | None, top: int | None) -> EvaluationResult:
    """``result`` showing its group rows ordered by ``sort_by`` (default: the first loss;
    ``delta:LOSS``: the difference from the reference model, see ``deltas``)."""
    if sort_by is None and top is None:
        return result
    by_delta = sort_by is not None and sort_by.startswith(DELTA)
    name = _shown_loss(result, sort_by[len(DELTA) :] if by_delta and sort_by else sort_by)
    values = deltas(result, name) if by_delta else result.frame.losses[name].values
    values, lower_is_better = worst_first(name, values)  # bias: by |bias|
    best_first = top is not None and top < 0
    key = values if lower_is_better == best_first else -values  # NaN stays NaN: sorted last
    shown = []
    total = 0
    for start, stop in result.frame.blocks():
        heads, ends, rest = group_spans(result.frame, start, stop)
        order = np.argsort(key[heads], kind="stable")
        order = order if top is None else order[: abs(top)]
        total += len(heads)
        starts = np.concatenate([[start], ends[:-1]])  # each group's rows: from its first
        shown += [np.arange(starts[k], ends[k]) for k in order.tolist()]
        shown.append(np.arange(rest, stop))
    which = "worst" if (top is None or top > 0) else "best"
    ordering = f"group rows by {'the difference from the reference in ' if by_delta else ''}"
    ordering += f"{sorted_by(name)}, {which} first"
    if top is not None:
        ordering += (
            f"; the {abs(top):,} {which} of each file and model ({total:,} group rows in all)"
        )
    return result.showing(np.concatenate(shown), ordering)


DELTA = "delta:"


def group_spans(frame: Frame, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The groups of the block ``[start, stop)``: each group's row over all periods without
    a class part (its *head*, the row it is ordered by), where each group's rows end (its
    periods, its head and their class rows: from the previous group's end), and where the
    rows over all groups begin (:mod:`.keys`' order)."""
    overall = frame.overall[start:stop]
    rest = start + (int(np.argmax(overall)) if overall.any() else stop - start)
    head = ~overall
    plain = np.ones(stop - start, dtype=bool)
    if frame.classes is not None:
        plain = ~frame.classes.present[start:stop]
    head &= plain
    if frame.period is not None:
        head &= ~frame.period.present[start:stop]
    heads = start + np.flatnonzero(head)
    following = np.append(start + np.flatnonzero(plain), stop)  # the next row without a class
    ends = following[np.searchsorted(following, heads, side="right")]
    return heads, np.minimum(ends, rest), rest


def deltas(result: EvaluationResult, name: str) -> np.ndarray:
    """Per row, Δ of loss ``name`` against the reference model (NaN where there is none);
    the reference's own rows take the first other model's Δ of the same group, so that
    every model of a file shows its groups in one order."""
    from .comparing import by_row, group_key

    if not result.comparisons:
        raise UsageError(f"--sort-by {DELTA}{name}: add --compare (or --reference NAME)")
    found = by_row(result)
    first_other: dict[tuple[str, object], float] = {}
    for (file, _, loss, key), comparison in found.items():
        if loss == name and comparison.delta is not None:
            first_other.setdefault((file, key), comparison.delta)
    frame = result.frame
    out = np.full(len(frame), np.nan)
    for i in range(len(frame)):
        key = group_key(frame.group(i), result.group_by)
        c = found.get((frame.file[i], frame.pred[i], name, key))
        delta = c.delta if c is not None else first_other.get((frame.file[i], key))
        out[i] = np.nan if delta is None else delta
    return out


def _shown_loss(result: EvaluationResult, spec: str | None) -> str:
    """The canonical name of the loss ``spec`` names, which must be one of the result's."""
    if spec is None:
        return result.losses[0]
    from ..losses import get_loss

    name = get_loss(spec).name
    if name not in result.losses:
        raise UsageError(
            f"--sort-by {spec}: the result has no {name} column; sort by one of "
            f"{', '.join(result.losses)} (or add it with -m)"
        )
    return name


def group_ids(frame: Frame) -> np.ndarray:
    """Each row's group, numbered across the frame (-1 on rows over all groups): a group's
    period rows, its row over all periods and their class rows share one number."""
    out = np.full(len(frame), -1, dtype=np.int64)
    number = 0
    for start, stop in frame.blocks():
        heads, ends, _ = group_spans(frame, start, stop)
        firsts = np.concatenate([[start], ends[:-1]]) if len(heads) else heads
        sizes = ends - firsts
        if len(heads):
            out[start : ends[-1]] = np.repeat(np.arange(number, number + len(heads)), sizes)
        number += len(heads)
    return out
