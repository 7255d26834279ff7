"""The groups that matter among a million: group rows ordered by a loss, worst first.

Worst follows the loss's direction: the highest MSE, the lowest R², the largest |bias|
(a loss without a better side is ordered by its distance from its right value). Within each file
and model the group rows are ordered (ties keep their key order, missing values go
last) and the overall row stays last; ``top`` keeps the first ``top`` group rows, or
with a negative ``top`` the best ones first. Only the rows shown change: every row is
still there for the checks, which judge them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import UsageError
from ..losses.bias import sorted_by, worst_first

if TYPE_CHECKING:
    from .evaluation import EvaluationResult


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
    for start, stop in result.frame.blocks():
        groups = np.arange(start, stop - 1)
        ordered = groups[np.argsort(key[groups], kind="stable")]
        shown += [ordered if top is None else ordered[: abs(top)], np.array([stop - 1])]
    which = "worst" if (top is None or top > 0) else "best"
    ordering = f"group rows by {'the difference from the reference in ' if by_delta else ''}"
    ordering += f"{sorted_by(name)}, {which} first"
    if top is not None:
        total = int((~result.frame.overall).sum())
        ordering += (
            f"; the {abs(top):,} {which} of each file and model ({total:,} group rows in all)"
        )
    return result.showing(np.concatenate(shown), ordering)


DELTA = "delta:"


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
