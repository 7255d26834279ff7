"""Errors scaled by the series' own history: ``mase`` and ``rmsse`` (utilsforecast's names),
each with ``:season=m``.

Per series, MASE = mean |y − ŷ| over the evaluated rows ÷ mean |y_t − y_{t−m}| over the
history; RMSSE = √(mean (y − ŷ)² ÷ mean (y_t − y_{t−m})²). A row over several series (a
group, a period, the overall row) reports the mean over its series of their values.

The kernel keeps each series' error sums as these losses' own statistics, per key of
(group[, period], series) (the series columns are hidden key parts:
:mod:`losscli.engine.series_plan`); the history's scale is read once
(:mod:`losscli.engine.history_fold`), and the per-series values and their means are made
when finalizing (:mod:`losscli.engine.series_rows`). So the pooled value the shape's
``finalize`` gives (the mean |e| or e² over the rows) is replaced there.
"""

from __future__ import annotations

from .batch import Batch
from .params import Param
from .registry import Direction, Loss, Task, register
from .shapes import Mean, Terms
from .transforms import SQRT

SEASON = Param(
    "season", 1, "the lag m of the history's naive forecast y_{t−m}", kind=int, minimum=1
)


def _abs_err(b: Batch) -> Terms:
    """MASE = mean over series of (Σw·|y − ŷ| / Σw) ÷ mean |y_t − y_{t−m}| of its history"""
    return Terms(b.abs_err)


def _sq_err(b: Batch) -> Terms:
    """RMSSE = mean over series of √((Σw·(y − ŷ)² / Σw) ÷ mean (y_t − y_{t−m})² of its history)"""
    return Terms(b.err**2)


def squared_scale(loss: Loss) -> bool:
    """Whether ``loss`` (scaled by the history) divides mean squared errors by the mean
    squared lagged difference and takes the root (RMSSE), rather than mean absolute ones
    (MASE)."""
    return loss.base == "rmsse"


for _loss in (
    Loss(
        name="mase",
        aliases=("mean_absolute_scaled_error",),
        description="Mean absolute scaled error: each series' MAE ÷ its history's mean "
        "|y_t − y_{t−m}| (needs --history), averaged over series",
        formula="mean over series of mean|y − ŷ| / mean|y_t − y_{t−m}|",
        tasks=(Task.REGRESSION,),
        direction=Direction.LOWER,
        shape=Mean(_abs_err, nonnegative=True),
        params=(SEASON,),
        history=True,
        undefined="not defined: no series with a history to scale by",
    ),
    Loss(
        name="rmsse",
        aliases=("root_mean_squared_scaled_error",),
        description="Root mean squared scaled error: each series' √(MSE ÷ its history's "
        "mean (y_t − y_{t−m})²) (needs --history), averaged over series",
        formula="mean over series of √(mean(y − ŷ)² / mean(y_t − y_{t−m})²)",
        tasks=(Task.REGRESSION,),
        direction=Direction.LOWER,
        shape=Mean(_sq_err, SQRT, nonnegative=True),
        params=(SEASON,),
        history=True,
        undefined="not defined: no series with a history to scale by",
    ),
):
    register(_loss)
