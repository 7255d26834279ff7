"""Student's t quantiles per key, without importing scipy where it is not needed.

Normal intervals take a t quantile per group, its degrees of freedom following the
group's effective size. Importing scipy.special costs 0.2–0.4 s, more than the moments
themselves on 10M rows, so groups with 1,000 degrees of freedom or more (the usual
case on big data) use the Cornish–Fisher expansion of the quantile in 1/ν, whose error
is O(ν⁻⁵): within 1e-13 of scipy's there (tested). Only smaller groups import scipy.
"""

from __future__ import annotations

import numpy as np

LARGE_DF = 1000.0  # from here the expansion agrees with scipy to double precision


def t_quantile(p: float, df: np.ndarray) -> np.ndarray:
    """The ``p`` quantile (0.5 < p < 1) of Student's t with ``df`` degrees of freedom
    (NaN where df ≤ 0)."""
    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    large = df >= LARGE_DF
    out[large] = _cornish_fisher(_normal_quantile(p), df[large])
    small = (df > 0) & ~large
    if small.any():
        from scipy import special  # scipy.stats would cost a second of imports

        out[small] = special.stdtrit(df[small], p)
    return out


def _normal_quantile(p: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def _cornish_fisher(z: float, df: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 26.7.5: the t quantile as z plus terms in 1/ν."""
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    v = 1 / df
    return z + v * (g1 + v * (g2 + v * (g3 + v * g4)))
