"""Losses of quantile forecasts (``--quantiles``): one model of several columns, each the
forecast's quantile at its level (:meth:`Batch.quantile`).

- ``pinball:q=L`` (:mod:`.forecasting`) reads the column at level L;
- ``mqloss``: the mean over the model's levels of each column's pinball loss, per row
  (utilsforecast's ``mqloss``), then the weighted mean over rows;
- ``coverage:lower=L:upper=U``: the share of rows with q_L ≤ y ≤ q_U (bounds included);
- ``interval_score:lower=L:upper=U``: the interval (Winkler, Gneiting–Raftery) score of the
  central (U − L) interval, so L = 1 − U.

A run's quantile models imply their losses (:func:`implied`) where ``-m`` names none (or is
``all``): each level's pinball, mqloss, and coverage and interval score of the widest
central interval every quantile model has.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import UsageError
from .batch import Batch
from .params import Param
from .registry import Direction, Loss, Task, get_loss, register
from .shapes import Mean, Terms

QUANTILE = (Task.QUANTILE,)
LEVEL_PARAMS = ("lower", "upper")
SAME_LEVEL = 1e-9  # L + U = 1 to this: a central interval
UNBOUND = math.nan  # a level not named: such a loss applies to no model, so is never called


def _level(name: str, help: str) -> Param:
    return Param(name, None, help, minimum=0, maximum=1, open_ends=True)


def pinball(e: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """The pinball term of the error e = y − ŷ_q at level q."""
    return q * np.maximum(e, 0.0) + (1.0 - q) * np.maximum(-e, 0.0)


def _mqloss_term(b: Batch) -> Terms:
    """MQL = Σw·(1/K)·Σ_k [q_k·max(y − ŷ_k, 0) + (1 − q_k)·max(ŷ_k − y, 0)] / Σw over the
    model's K levels q_k (utilsforecast's mqloss)"""
    levels = np.asarray(b.levels)
    return Terms(np.mean(pinball(b.y[:, None] - b.p, levels), axis=1))


def _covered(b: Batch, *, lower: float = UNBOUND, upper: float = UNBOUND) -> Terms:
    """Coverage = Σw·1[q_L ≤ y ≤ q_U] / Σw, the bounds included"""
    y = b.y
    return Terms(((b.quantile(lower) <= y) & (y <= b.quantile(upper))).astype(np.float64))


def _interval_score(b: Batch, *, lower: float = UNBOUND, upper: float = UNBOUND) -> Terms:
    """Interval score = Σw·[(u − l) + (2/α)·(l − y)·1[y < l] + (2/α)·(y − u)·1[y > u]] / Σw,
    l = q_L, u = q_U, α = 1 − (U − L) (the central interval's miss rate, L = α/2)"""
    low, high, y = b.quantile(lower), b.quantile(upper), b.y
    scale = 2.0 / (1.0 - (upper - lower))
    missed = scale * np.maximum(low - y, 0.0) + scale * np.maximum(y - high, 0.0)
    return Terms((high - low) + missed)


class IntervalLoss(Loss):
    """A loss of two levels, ``lower`` below ``upper`` (and, for the interval score,
    central: lower = 1 − upper), both named: checked when the loss is named."""

    def bind(self, given: Sequence[tuple[str, str]]) -> Loss:
        bound = super().bind(given)
        lower, upper = bound.levels
        if lower is None or upper is None:
            raise UsageError(f"{bound.name}: {needs_levels(self.base)}")
        if not lower < upper:
            raise UsageError(f"{bound.name}: lower ({lower:g}) must be below upper ({upper:g})")
        if self.base == "interval_score" and abs(lower + upper - 1) > SAME_LEVEL:
            raise UsageError(
                f"{bound.name}: the interval score is of a central interval, lower = 1 − upper "
                f"(e.g. interval_score:lower={1 - upper:g}:upper={upper:g})"
            )
        return bound


def needs_levels(name: str) -> str:
    return (
        f"name both levels of the interval, {name}:lower=L:upper=U "
        f"(e.g. {name}:lower=0.1:upper=0.9, each a --quantiles level)"
    )


def scores_quantiles_only(loss: Loss) -> bool:
    """Whether the loss scores nothing but quantile forecasts (mqloss, coverage, …)."""
    return set(loss.tasks) == {Task.QUANTILE}


def implied(level_sets: Sequence[tuple[float, ...]]) -> list[Loss]:
    """The losses quantile models imply: each level's pinball, mqloss, and coverage and
    interval score of the widest central interval every model has (if any)."""
    levels = dict.fromkeys(q for levels in level_sets for q in levels)
    out = [get_loss(f"pinball:q={q!r}") for q in levels]
    out.append(get_loss("mqloss"))
    pair = widest_central(level_sets)
    if pair is not None:
        lower, upper = pair
        out += [get_loss(f"{name}:lower={lower!r}:upper={upper!r}") for name in INTERVALS]
    return out


def widest_central(level_sets: Sequence[tuple[float, ...]]) -> tuple[float, float] | None:
    """The widest (L, U = 1 − L) that every set of levels holds, L < U; None: none."""
    shared = set(level_sets[0]).intersection(*level_sets[1:]) if level_sets else set()
    for lower in sorted(shared):
        upper = next((u for u in shared if abs(lower + u - 1) <= SAME_LEVEL), None)
        if upper is not None and lower < upper:
            return lower, upper
    return None


def check_named(
    losses: Sequence[Loss],
    level_sets: Sequence[tuple[float, ...]],
    named: set[str],
    *,
    point_models: bool,
) -> None:
    """Usage errors, before reading, for named losses no model of the run can score: a
    quantile loss without --quantiles, levels no quantile model has (``pinball:q=L`` too
    where no one-column model is there to score it), an interval without its levels."""
    for loss in losses:
        if loss.name not in named or not (
            scores_quantiles_only(loss) or (loss.level_params and level_sets and not point_models)
        ):
            continue
        if not level_sets:
            raise UsageError(
                f"{loss.name} scores quantile forecasts, and no model has quantiles: name "
                "each model's quantile columns and levels with --quantiles COL=LEVEL,… "
                "(e.g. --quantiles q10=0.1,q50=0.5,q90=0.9)"
            )
        if None in loss.levels:
            raise UsageError(f"{loss.name}: {needs_levels(loss.base)}")
        if not any(all(q in levels for q in loss.levels) for levels in level_sets):
            shown = "; ".join(", ".join(f"{q:g}" for q in levels) for levels in level_sets)
            raise UsageError(
                f"{loss.name}: no --quantiles model has a column at level "
                f"{' and '.join(f'{q:g}' for q in loss.levels)} (their levels: {shown})"
            )


def not_applicable(loss: Loss, levels: tuple[float, ...]) -> str:
    """Why ``loss`` has no value for a quantile model of these ``levels``, or for a model of
    one column where it scores quantile forecasts only ("": neither)."""
    if not levels:
        if scores_quantiles_only(loss):
            return "not applicable to one prediction column (it needs --quantiles columns)"
        return ""
    if Task.QUANTILE not in loss.tasks:
        return (
            "not applicable to a quantile forecast (pinball:q=L, mqloss, coverage and "
            "interval_score score one)"
        )
    if None in loss.levels:
        return f"not applicable: {needs_levels(loss.base)}"
    missing = ", ".join(f"{q:g}" for q in loss.levels if q not in levels)
    return (
        f"not applicable: no quantile column at level {missing} "
        f"(its levels: {', '.join(f'{q:g}' for q in levels)})"
    )


INTERVALS = ("coverage", "interval_score")

register(
    Loss(
        name="mqloss",
        aliases=("multi_quantile_loss",),
        description="Multi-quantile loss: the mean pinball loss over a quantile forecast's "
        "levels (--quantiles)",
        formula="Σw·(1/K)·Σ_k [q_k·max(y − ŷ_k, 0) + (1 − q_k)·max(ŷ_k − y, 0)] / Σw",
        tasks=QUANTILE,
        direction=Direction.LOWER,
        shape=Mean(_mqloss_term, nonnegative=True),
    )
)
register(
    IntervalLoss(
        name="coverage",
        aliases=("interval_coverage",),
        description="Share of rows inside a quantile forecast's interval, q_L ≤ y ≤ q_U "
        "(coverage:lower=L:upper=U; nominal U − L; no better direction)",
        formula="Σw·1[q_L ≤ y ≤ q_U] / Σw",
        tasks=QUANTILE,
        direction=Direction.NONE,
        shape=Mean(_covered, proportion=True, nonnegative=True),
        params=(
            _level("lower", "the level of the interval's lower quantile"),
            _level("upper", "the level of the interval's upper quantile"),
        ),
        level_params=LEVEL_PARAMS,
    )
)
register(
    IntervalLoss(
        name="interval_score",
        aliases=("winkler_score",),
        description="Interval (Winkler) score of a quantile forecast's central interval "
        "(interval_score:lower=L:upper=U, L = 1 − U): its width plus 2/α per unit missed",
        formula="Σw·[u − l + (2/α)·(max(l − y, 0) + max(y − u, 0))] / Σw, α = 1 − (U − L)",
        tasks=QUANTILE,
        direction=Direction.LOWER,
        shape=Mean(_interval_score),
        params=(
            _level("lower", "the level of the interval's lower quantile (1 − upper)"),
            _level("upper", "the level of the interval's upper quantile"),
        ),
        level_params=LEVEL_PARAMS,
    )
)
