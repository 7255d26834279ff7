"""Regression losses. Every value is a weighted mean Σw·term / Σw unless stated otherwise.

Each loss gives its per-row term; the engine sums it per key (an array shared by two
losses, such as the squared error of MSE and RMSE, is summed once per chunk).
"""

from __future__ import annotations

import numpy as np

from .batch import Batch, Spread
from .params import Param
from .registry import Direction, Loss, Rule, Task, register
from .shapes import Custom, Mean, Ratio, Sums, Terms, ratio
from .transforms import PERCENT, SQRT

REGRESSION = (Task.REGRESSION,)
LOG2 = float(np.log(2.0))
HUBER_DELTA = 1.0  # Huber's δ where none is given, as torch.nn.functional.huber_loss


def _sq_err(b: Batch) -> Terms:
    """MSE = Σw·(y − ŷ)² / Σw; RMSE = √MSE

    On binary data MSE is the Brier score; on multi-class data the term is the
    mean over classes of (p_k − y_k)².
    """
    sq_err = b.err**2
    if b.multiclass:  # the mean over classes of (p_k − y_k)²
        sq_err = sq_err.mean(axis=1)
    return Terms(sq_err)


def _abs_err(b: Batch) -> Terms:
    """MAE = Σw·|y − ŷ| / Σw"""
    return Terms(b.abs_err)


def _rel_err(b: Batch) -> Terms:
    """MAPE = 100 · Σw·|y − ŷ|/|y| / Σw, over rows with y ≠ 0 (the denominator term is 1
    on those rows only)

    |e|/|y| is made as |e/y|, the same bits (a division rounds the magnitude, its sign set
    apart): two passes where |e|, |y| and their quotient took three (run 19a).
    """
    zero = b.y == 0
    if zero.any():
        rel = np.divide(b.err, b.y, out=np.zeros_like(b.err), where=~zero)
        return Terms(np.absolute(rel, out=rel), ~zero, {"zero_label": zero})
    rel = np.divide(b.err, b.y)
    return Terms(np.absolute(rel, out=rel), None, {"zero_label": zero})


def _smape_term(b: Batch) -> Terms:
    """sMAPE = 100 · Σw·2|y − ŷ|/(|y| + |ŷ|) / Σw; a row with y = ŷ = 0 counts as 0"""
    den = np.abs(b.y) + np.abs(b.p)
    return Terms(np.divide(2.0 * b.abs_err, den, out=np.zeros_like(den), where=den != 0))


def _wape_terms(b: Batch) -> Terms:
    """WAPE = 100 · Σw·|y − ŷ| / Σw·|y|"""
    return Terms(b.abs_err, np.abs(b.y))


def _sq_log_err(b: Batch) -> Terms:
    """MSLE = Σw·(log(1 + y) − log(1 + ŷ))² / Σw"""
    bad = (b.y <= -1) | (b.p <= -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_err = np.where(bad, 0.0, np.log1p(b.y) - np.log1p(b.p))
    return Terms(log_err**2, None, {"le_minus_one": bad})


def _huber_term(b: Batch, *, delta: float | None = None) -> Terms:
    """Huber = Σw·h(e) / Σw, h(e) = ½e² where |e| ≤ δ, else δ·(|e| − ½δ)

    δ from ``huber:delta=…`` (``--huber-delta δ`` names that loss), else 1.
    """
    if delta is None:
        delta = HUBER_DELTA
    a = b.abs_err
    return Terms(np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta)))


def _log_cosh_term(b: Batch) -> Terms:
    """log-cosh = Σw·log(cosh(y − ŷ)) / Σw"""
    a = b.abs_err
    # log(cosh(a)) = a + log1p(exp(−2a)) − log 2: no overflow for large |e|.
    return Terms(a + np.log1p(np.exp(-2.0 * a)) - LOG2)


def _r2_stats(b: Batch) -> dict[str, np.ndarray | Spread]:
    return {"w_sq_err": b.weigh(b.err**2), "y": Spread(b.y, b.w_array)}


def _r2(s: Sums) -> np.ndarray:
    """R² = 1 − Σw·(y − ŷ)² / Σw·(y − ȳ)², ȳ the weighted mean of y

    As scikit-learn's r2_score: 1 when both sums are 0, 0 when only the total
    sum of squares is 0, undefined (NaN) for fewer than two rows. A sum that
    overflowed float64 (infinite, or ∞ − ∞ in the merge) gives −∞: reported as overflow.
    """
    sse, sst = s["w_sq_err"], s["y.m2"]
    value = 1.0 - ratio(sse, sst)
    value = np.where(sst == 0, np.where(sse == 0, 1.0, 0.0), value)
    value = np.where(np.isfinite(sse) & np.isfinite(sst), value, -np.inf)
    return np.where((s["n"] < 2) | (s["y.w"] == 0), np.nan, value)


LE_MINUS_ONE = Rule("le_minus_one", "not applicable: labels or predictions ≤ −1")
ZERO_LABEL = Rule("zero_label", "with label 0 left out", skip=True)

for _loss in (
    Loss(
        name="mse",
        aliases=("l2", "mean_squared_error"),
        description="Mean squared error",
        formula="Σw·(y − ŷ)² / Σw",
        tasks=(*REGRESSION, Task.BINARY, Task.MULTICLASS),
        direction=Direction.LOWER,
        shape=Mean(_sq_err, nonnegative=True),
    ),
    Loss(
        name="rmse",
        aliases=("root_mean_squared_error",),
        description="Root mean squared error",
        formula="√(Σw·(y − ŷ)² / Σw)",
        tasks=REGRESSION,
        direction=Direction.LOWER,
        shape=Mean(_sq_err, SQRT, nonnegative=True),
    ),
    Loss(
        name="mae",
        aliases=("l1", "mean_absolute_error"),
        description="Mean absolute error",
        formula="Σw·|y − ŷ| / Σw",
        tasks=REGRESSION,
        direction=Direction.LOWER,
        shape=Mean(_abs_err, nonnegative=True),
    ),
    Loss(
        name="mape",
        aliases=("mean_absolute_percentage_error",),
        description="Mean absolute percentage error, in %",
        formula="100 · Σw·|y − ŷ|/|y| / Σw  (rows with y = 0 left out)",
        tasks=REGRESSION,
        direction=Direction.LOWER,
        shape=Ratio(_rel_err, PERCENT, nonnegative=True),
        rules=(ZERO_LABEL,),
    ),
    Loss(
        name="smape",
        aliases=("symmetric_mape",),
        description="Symmetric mean absolute percentage error, in % (0–200)",
        formula="100 · Σw·2|y − ŷ|/(|y| + |ŷ|) / Σw",
        tasks=REGRESSION,
        direction=Direction.LOWER,
        shape=Mean(_smape_term, PERCENT, nonnegative=True),
    ),
    Loss(
        name="wape",
        aliases=("weighted_absolute_percentage_error",),
        description="Weighted absolute percentage error, in %",
        formula="100 · Σw·|y − ŷ| / Σw·|y|",
        tasks=REGRESSION,
        direction=Direction.LOWER,
        shape=Ratio(_wape_terms, PERCENT, nonnegative=True),
        undefined="not defined: every label is 0 (or has no weight)",
    ),
    Loss(
        name="msle",
        aliases=("mean_squared_log_error",),
        description="Mean squared logarithmic error",
        formula="Σw·(log(1 + y) − log(1 + ŷ))² / Σw",
        tasks=REGRESSION,
        direction=Direction.LOWER,
        shape=Mean(_sq_log_err, nonnegative=True),
        rules=(LE_MINUS_ONE,),
    ),
    Loss(
        name="huber",
        aliases=("smooth_l1",),
        description="Huber loss (δ from huber:delta=D or --huber-delta; default 1)",
        formula="Σw·h(e) / Σw, h = ½e² if |e| ≤ δ else δ(|e| − ½δ)",
        tasks=REGRESSION,
        direction=Direction.LOWER,
        shape=Mean(_huber_term, nonnegative=True),
        params=(
            Param(
                "delta",
                None,  # none given: HUBER_DELTA (--huber-delta D names huber:delta=D)
                "δ, where the loss turns linear",
                minimum=0,
                open_ends=True,
                shown_default=HUBER_DELTA,
            ),
        ),
    ),
    Loss(
        name="log_cosh",
        aliases=("logcosh",),
        description="Log-cosh loss",
        formula="Σw·log(cosh(y − ŷ)) / Σw",
        tasks=REGRESSION,
        direction=Direction.LOWER,
        shape=Mean(_log_cosh_term, nonnegative=True),
    ),
    Loss(
        name="r2",
        aliases=("r_squared", "r2_score"),
        description="Coefficient of determination (higher is better)",
        formula="1 − Σw·(y − ŷ)² / Σw·(y − ȳ)²",
        tasks=REGRESSION,
        direction=Direction.HIGHER,
        shape=Custom(_r2_stats, _r2),
        undefined="not defined for fewer than 2 rows, or no row with positive weight",
    ),
):
    register(_loss)
