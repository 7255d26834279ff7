"""Adjusting p-values across the groups of a run: Holm's step-down (family-wise error)
or Benjamini–Hochberg's (false discovery rate)."""

from __future__ import annotations

import numpy as np

ADJUSTMENTS = ("holm", "bh")
ADJUSTMENT_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg"}


def adjusted(p_values: np.ndarray, method: str) -> np.ndarray:
    """Holm's step-down or Benjamini–Hochberg's adjusted p-values (NaN stays NaN), each at
    least its own p-value and at most 1."""
    out = np.full(len(p_values), np.nan)
    ok = np.flatnonzero(np.isfinite(p_values))
    m = len(ok)
    if not m:
        return out
    order = ok[np.argsort(p_values[ok], kind="stable")]
    p = p_values[order]
    if method == "holm":
        stepped = np.maximum.accumulate(p * (m - np.arange(m)))
    else:  # "bh"
        stepped = np.minimum.accumulate((p * m / np.arange(1, m + 1))[::-1])[::-1]
    out[order] = np.minimum(np.maximum(stepped, p), 1.0)  # never below p (p·m/m rounds)
    return out
