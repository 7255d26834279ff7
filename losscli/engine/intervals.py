"""Intervals and paired differences, derived from a loss's shape and its per-key sums.

Normal method, for a ratio R = Σw·a / Σw·b (a weighted mean when b = 1), by the delta
method with the weights held fixed::

    Var(R) = n_eff/(n_eff − 1) · Σw²(a − R·b)² / (Σw·b)²,   n_eff = (Σw·b)² / Σw²b²

from the streamed co-moments of w·a and w·b, centred and scaled per key (see
:mod:`.comoments`: no overflow or underflow at any magnitude float64 holds; the
standard error is formed on the scaled values and scaled back). Their combination
cancels where the weights vary: a variance within its rounding bound is exactly 0 (a
term constant over the weighed rows has SE 0 and the interval [R, R] in any blocks).
For an unweighted mean this is
s²/n, and the interval is R ± t(n_eff − 1)·SE. Proportions (accuracy) use Wilson's
interval at n_eff. A transform T (×100, √) maps the interval's ends (|·|: the interval's
image), and its SE by T'(R). A paired difference of two models on the same rows adds
the covariance from the cross sums Σw²·a_m·a_r, …, which for a mean is the paired
t-test (Diebold–Mariano with lag 0). The bootstrap method reads percentiles of the
replicate values instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ..losses.shapes import CROSS, DEN, NUM, SPREAD, Ratio, Sums, ratio
from ..records import datarecord
from . import comoments
from .student import t_quantile

Interval = tuple[np.ndarray, np.ndarray, np.ndarray]  # low, high, se per key


@datarecord(frozen=True)
class Paired:
    delta: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p_value: np.ndarray
    se: np.ndarray  # of Δ: the paired standard error, or the replicates' standard deviation
    df: np.ndarray | None = None  # the t distribution's degrees of freedom (normal method)
    wald_p: np.ndarray | None = None  # the bootstrap's: 2Φ(−|Δ|/se), see reported_p

    @property
    def reported_p(self) -> np.ndarray:
        """Each key's p-value as its comparison reports it, and the one its group rows'
        adjustment is of (the last key is the overall row): the test's own, but for the
        bootstrap's group rows the normal approximation from the replicates' SD. A count of
        replicates cannot show a p-value below 2/(B + 1) (0.002 at B = 1,000), which no
        correction across more than a few dozen groups could ever call significant. The
        overall row keeps its own test's, like its interval."""
        if self.wald_p is None:
            return self.p_value
        return np.append(self.wald_p[:-1], self.p_value[-1:])


def _t_quantile(level: float, df: np.ndarray) -> np.ndarray:
    return t_quantile(0.5 + level / 2, df)


def t_two_sided_p(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    """The two-sided p-value of Student's t (NaN where t is NaN or df ≤ 0)."""
    from scipy import special

    with np.errstate(invalid="ignore"):
        tail = special.stdtr(np.maximum(df, 1e-12), -np.abs(t))
        return np.where(df > 0, 2.0 * tail, np.nan)


def _z(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


def _moments(s: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(R, Var(R)/scale² before the small-sample factor, n_eff, scale) per key, from the
    scaled co-moments (:mod:`.comoments`): Var(R) itself may pass float64's range where
    its square root does not."""
    table = s[SPREAD.name]
    r = ratio(s[NUM.name], s[DEN.name])
    scaled, den, scale = comoments.spread(table, 0, 1)
    with np.errstate(all="ignore"):
        residual = comoments.residual(table, (0, 1), (0, 1), r=scaled, s=scaled)
        size = comoments.rounding(table, (0, 1), scaled) ** 2
        var = _above_rounding(residual, comoments.tolerance(table) * size) / den**2
    return r, var, comoments.effective_rows(table, 1), scale


def _above_rounding(var: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """A variance obtained by cancellation, or exactly 0 where it is within its rounding
    bound (it cannot be told from 0 there, and its square root would be √ε of the
    terms' size: noise that changes with the block size); never below 0, NaN stays NaN."""
    return np.where(var <= bound, 0.0, np.maximum(var, 0.0))


# n_eff of one weighed row is 1 up to the co-moments' rounding (a few ε): no interval.
# Above it, n_eff − 1 this small takes weights 1e9 times apart: the interval is ∞ anyway.
ONE_ROW = 1 + 1e-9


def _factor(n_eff: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.where(n_eff > ONE_ROW, n_eff / (n_eff - 1), np.nan)


def normal_interval(shape: Ratio, s: Sums, level: float) -> Interval:
    r, var, n_eff, scale = _moments(s)
    with np.errstate(all="ignore"):
        se_r = np.sqrt(var * _factor(n_eff)) * scale
    if shape.proportion:
        low_r, high_r = wilson(r, n_eff, _z(level))
    else:
        q = _t_quantile(level, n_eff - 1)
        low_r, high_r = r - q * se_r, r + q * se_r
        if shape.nonnegative:  # the mean of terms ≥ 0 cannot be below 0 (nor √ of one)
            low_r = np.maximum(low_r, 0.0)
    t = shape.transform
    with np.errstate(all="ignore"):
        return (*t.interval(low_r, high_r), se_r * np.abs(t.slope(r)))


def wilson(p: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's score interval for a proportion p of n (effective) trials."""
    with np.errstate(all="ignore"):
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        ok = n > 0
        return np.where(ok, centre - half, np.nan), np.where(ok, centre + half, np.nan)


def percentile_interval(values: np.ndarray, level: float) -> Interval:
    """Percentile interval and SD of replicate values (keys × resamples)."""
    tail = (1 - level) / 2
    with np.errstate(all="ignore"), _quiet_nan_warnings():
        low, high = np.nanquantile(values, [tail, 1 - tail], axis=1)
        se = np.nanstd(values, axis=1, ddof=1)
    return low, high, se


def paired_normal(shape: Ratio, model: Sums, ref: Sums, level: float) -> Paired:
    """Δ = value(model) − value(reference) on the same rows, its interval and p-value, both
    from one t statistic on the loss's scale (so a verdict always agrees with its
    interval; for RMSE that is the √ scale, whose test is not MSE's to the digit)."""
    table = model[CROSS.name]  # the model's two columns, then the reference's
    r_m, r_r = ratio(model[NUM.name], model[DEN.name]), ratio(ref[NUM.name], ref[DEN.name])
    scaled_m, den_m, scale_m = comoments.spread(table, 0, 1)
    scaled_r, den_r, scale_r = comoments.spread(table, 2, 3)
    n_eff = comoments.effective_rows(table, 3)
    with np.errstate(all="ignore"):
        var_m = (
            np.maximum(comoments.residual(table, (0, 1), (0, 1), r=scaled_m, s=scaled_m), 0)
            / den_m**2
        )
        var_r = (
            np.maximum(comoments.residual(table, (2, 3), (2, 3), r=scaled_r, s=scaled_r), 0)
            / den_r**2
        )
        cov = comoments.residual(table, (0, 1), (2, 3), r=scaled_m, s=scaled_r) / (den_m * den_r)
        # each side's slope times its scale, divided by the larger: no square overflows
        a_m = shape.transform.slope(r_m) * scale_m
        a_r = shape.transform.slope(r_r) * scale_r
        k = np.maximum(np.abs(a_m), np.abs(a_r))
        b_m, b_r = a_m / k, a_r / k
        var = b_m**2 * var_m + b_r**2 * var_r - 2 * b_m * b_r * cov
        sizes = np.abs(b_m) * comoments.rounding(table, (0, 1), scaled_m) / np.abs(den_m)
        sizes += np.abs(b_r) * comoments.rounding(table, (2, 3), scaled_r) / np.abs(den_r)
        var = _above_rounding(var, comoments.tolerance(table) * sizes**2) * _factor(n_eff)
        se = np.where(k > 0, k * np.sqrt(np.maximum(var, 0.0)), 0.0)
        delta = shape.transform.apply(r_m) - shape.transform.apply(r_r)
        q = _t_quantile(level, n_eff - 1)
    p = t_two_sided_p(_t_statistic(delta, se), n_eff - 1)
    return Paired(delta, delta - q * se, delta + q * se, p, se, n_eff - 1)


def _t_statistic(difference: np.ndarray, se: np.ndarray) -> np.ndarray:
    """difference / se; ±inf for a difference without spread, 0 for none at all."""
    with np.errstate(all="ignore"):
        return np.where(se > 0, difference / se, np.where(difference == 0, 0.0, np.inf))


def paired_bootstrap(delta: np.ndarray, replicates: np.ndarray, level: float) -> Paired:
    """Δ with the percentile interval of its replicates and a two-sided bootstrap p-value,
    (1 + replicates on the far side of 0) / (1 + replicates), doubled: never exactly 0."""
    low, high, se = percentile_interval(replicates, level)
    with np.errstate(all="ignore"):
        valid = np.sum(np.isfinite(replicates), axis=1)
        below = np.sum(replicates <= 0, axis=1)
        above = np.sum(replicates >= 0, axis=1)
        p = np.minimum(1.0, 2 * (np.minimum(below, above) + 1) / (valid + 1))
    with np.errstate(all="ignore"):
        wald = np.where(np.isnan(se), np.nan, 2.0 * _normal_tail(np.abs(_t_statistic(delta, se))))
    return Paired(delta, low, high, np.where(valid > 0, p, np.nan), se, wald_p=wald)


def _normal_tail(z: np.ndarray) -> np.ndarray:
    """P(Z > z) for a standard normal Z, element-wise."""
    from scipy import special

    return special.ndtr(-z)


@contextmanager
def _quiet_nan_warnings() -> Iterator[None]:
    """nanquantile and nanstd warn on keys whose replicates are all NaN; those are reported."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
