"""Regression losses. Every value is a weighted mean Σw·term / Σw unless stated otherwise.

Statistic names are shared between losses when they hold the same quantity
(``w`` is Σw for every loss), so each is summed once.
"""

from __future__ import annotations

import numpy as np

from .batch import Batch, Spread
from .registry import Direction, Loss, Rule, Statistics, Sums, Task, ratio, register

REGRESSION = (Task.REGRESSION,)
LOG2 = float(np.log(2.0))


def _mse_stats(b: Batch) -> Statistics:
    sq_err = b.err**2
    if b.multiclass:  # the mean over classes of (p_k − y_k)²
        sq_err = sq_err.mean(axis=1)
    return {"w": b.weights, "w_sq_err": b.weigh(sq_err)}


def _mse(s: Sums) -> np.ndarray:
    """MSE = Σw·(y − ŷ)² / Σw

    On binary data this is the Brier score; on multi-class data the term is the
    mean over classes of (p_k − y_k)².
    """
    return ratio(s["w_sq_err"], s["w"])


def _rmse(s: Sums) -> np.ndarray:
    """RMSE = √MSE"""
    return np.sqrt(_mse(s))


def _mae_stats(b: Batch) -> Statistics:
    return {"w": b.weights, "w_abs_err": b.weigh(b.abs_err)}


def _mae(s: Sums) -> np.ndarray:
    """MAE = Σw·|y − ŷ| / Σw"""
    return ratio(s["w_abs_err"], s["w"])


def _mape_stats(b: Batch) -> Statistics:
    zero = b.y == 0
    if zero.any():
        rel = np.divide(b.abs_err, np.abs(b.y), out=np.zeros_like(b.abs_err), where=~zero)
    else:
        rel = b.abs_err / np.abs(b.y)
    return {
        "w": b.weights,
        "w_rel_err": b.weigh(rel),
        "zero_label": zero,
        "w_zero_label": b.weigh(zero),
    }


def _mape(s: Sums) -> np.ndarray:
    """MAPE = 100 · Σw·|y − ŷ|/|y| / Σw, over rows with y ≠ 0"""
    return 100.0 * ratio(s["w_rel_err"], s["w"] - s["w_zero_label"])


def _smape_stats(b: Batch) -> Statistics:
    den = np.abs(b.y) + np.abs(b.p)
    term = np.divide(2.0 * b.abs_err, den, out=np.zeros_like(den), where=den != 0)
    return {"w": b.weights, "w_smape_term": b.weigh(term)}


def _smape(s: Sums) -> np.ndarray:
    """sMAPE = 100 · Σw·2|y − ŷ|/(|y| + |ŷ|) / Σw; a row with y = ŷ = 0 counts as 0"""
    return 100.0 * ratio(s["w_smape_term"], s["w"])


def _wape_stats(b: Batch) -> Statistics:
    return {"w_abs_err": b.weigh(b.abs_err), "w_abs_y": b.weigh(np.abs(b.y))}


def _wape(s: Sums) -> np.ndarray:
    """WAPE = 100 · Σw·|y − ŷ| / Σw·|y|"""
    return 100.0 * ratio(s["w_abs_err"], s["w_abs_y"])


def _msle_stats(b: Batch) -> Statistics:
    bad = (b.y <= -1) | (b.p <= -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_err = np.where(bad, 0.0, np.log1p(b.y) - np.log1p(b.p))
    return {"w": b.weights, "w_sq_log_err": b.weigh(log_err**2), "le_minus_one": bad}


def _msle(s: Sums) -> np.ndarray:
    """MSLE = Σw·(log(1 + y) − log(1 + ŷ))² / Σw"""
    return ratio(s["w_sq_log_err"], s["w"])


def _huber_stats(b: Batch) -> Statistics:
    delta = b.params.huber_delta
    a = b.abs_err
    term = np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))
    return {"w": b.weights, "w_huber_term": b.weigh(term)}


def _huber(s: Sums) -> np.ndarray:
    """Huber = Σw·h(e) / Σw, h(e) = ½e² where |e| ≤ δ, else δ·(|e| − ½δ)"""
    return ratio(s["w_huber_term"], s["w"])


def _log_cosh_stats(b: Batch) -> Statistics:
    a = b.abs_err
    # log(cosh(a)) = a + log1p(exp(−2a)) − log 2: no overflow for large |e|.
    term = a + np.log1p(np.exp(-2.0 * a)) - LOG2
    return {"w": b.weights, "w_log_cosh_term": b.weigh(term)}


def _log_cosh(s: Sums) -> np.ndarray:
    """log-cosh = Σw·log(cosh(y − ŷ)) / Σw"""
    return ratio(s["w_log_cosh_term"], s["w"])


def _r2_stats(b: Batch) -> Statistics:
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
        "mse",
        ("l2", "mean_squared_error"),
        "Mean squared error",
        "Σw·(y − ŷ)² / Σw",
        (*REGRESSION, Task.BINARY, Task.MULTICLASS),
        Direction.LOWER,
        _mse_stats,
        _mse,
    ),
    Loss(
        "rmse",
        ("root_mean_squared_error",),
        "Root mean squared error",
        "√(Σw·(y − ŷ)² / Σw)",
        REGRESSION,
        Direction.LOWER,
        _mse_stats,
        _rmse,
    ),
    Loss(
        "mae",
        ("l1", "mean_absolute_error"),
        "Mean absolute error",
        "Σw·|y − ŷ| / Σw",
        REGRESSION,
        Direction.LOWER,
        _mae_stats,
        _mae,
    ),
    Loss(
        "mape",
        ("mean_absolute_percentage_error",),
        "Mean absolute percentage error, in %",
        "100 · Σw·|y − ŷ|/|y| / Σw  (rows with y = 0 left out)",
        REGRESSION,
        Direction.LOWER,
        _mape_stats,
        _mape,
        (ZERO_LABEL,),
    ),
    Loss(
        "smape",
        ("symmetric_mape",),
        "Symmetric mean absolute percentage error, in % (0–200)",
        "100 · Σw·2|y − ŷ|/(|y| + |ŷ|) / Σw",
        REGRESSION,
        Direction.LOWER,
        _smape_stats,
        _smape,
    ),
    Loss(
        "wape",
        ("weighted_absolute_percentage_error",),
        "Weighted absolute percentage error, in %",
        "100 · Σw·|y − ŷ| / Σw·|y|",
        REGRESSION,
        Direction.LOWER,
        _wape_stats,
        _wape,
        undefined="not defined: every label is 0 (or has no weight)",
    ),
    Loss(
        "msle",
        ("mean_squared_log_error",),
        "Mean squared logarithmic error",
        "Σw·(log(1 + y) − log(1 + ŷ))² / Σw",
        REGRESSION,
        Direction.LOWER,
        _msle_stats,
        _msle,
        (LE_MINUS_ONE,),
    ),
    Loss(
        "huber",
        ("smooth_l1",),
        "Huber loss (δ from --huber-delta, default 1)",
        "Σw·h(e) / Σw, h = ½e² if |e| ≤ δ else δ(|e| − ½δ)",
        REGRESSION,
        Direction.LOWER,
        _huber_stats,
        _huber,
    ),
    Loss(
        "log_cosh",
        ("logcosh",),
        "Log-cosh loss",
        "Σw·log(cosh(y − ŷ)) / Σw",
        REGRESSION,
        Direction.LOWER,
        _log_cosh_stats,
        _log_cosh,
    ),
    Loss(
        "r2",
        ("r_squared", "r2_score"),
        "Coefficient of determination (higher is better)",
        "1 − Σw·(y − ŷ)² / Σw·(y − ȳ)²",
        REGRESSION,
        Direction.HIGHER,
        _r2_stats,
        _r2,
        undefined="not defined for fewer than 2 rows, or no row with positive weight",
    ),
):
    register(_loss)
