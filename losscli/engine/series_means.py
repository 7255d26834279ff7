"""A row's scaled loss: the mean over its series of their values (weighted by
``--series-weight``), its note counting the series left out, and a t interval over the
series' values.

The interval treats the row's k series as a sample: mean ± t_{k−1} · se with
se = √(Σ wᵢ²(xᵢ − x̄)²) / Σ wᵢ · √(k / (k − 1)) (with equal weights, the sample standard
deviation over √k). It says how much the mean would move with other series like these,
not how uncertain each series' own value is.
"""

from __future__ import annotations

import numpy as np

from ..records import datarecord
from .student import t_quantile

TOO_FEW_SERIES = "fewer than 2 series: no interval"


@datarecord(frozen=True)
class SeriesInterval:
    low: np.ndarray
    high: np.ndarray
    se: np.ndarray
    why: np.ndarray  # object: per row, why it has no interval (None: it has one)


@datarecord(frozen=True)
class SeriesMeans:
    """Per row: the weighted mean of its series' values, how many series it averages
    (``series``), and the sums its interval needs; ``notes``: the series left out."""

    value: np.ndarray
    series: np.ndarray  # int64
    notes: np.ndarray  # object
    spread: np.ndarray  # Σ wᵢ²(xᵢ − x̄)²
    weight: np.ndarray  # Σ wᵢ

    def interval(self, level: float, floor: float | None = 0.0) -> SeriesInterval:
        """The t interval over the series (``floor``: its least low end; None: none)."""
        k = self.series.astype(float)
        with np.errstate(all="ignore"):
            se = np.sqrt(self.spread) / self.weight * np.sqrt(k / (k - 1))
            half = t_quantile((1 + level) / 2, k - 1) * se
        ok = (self.series >= 2) & np.isfinite(half)
        low = self.value - half if floor is None else np.maximum(self.value - half, floor)
        low = np.where(ok, low, np.nan)
        high = np.where(ok, self.value + half, np.nan)
        why = np.full(len(k), None, dtype=object)
        why[~ok & ~np.isnan(self.value)] = TOO_FEW_SERIES
        return SeriesInterval(low, high, np.where(ok, se, np.nan), why)


@datarecord(frozen=True)
class SeriesValues:
    """A model's scaled values per (row, series) pair: ``row`` each pair's row in the
    frame, ``series`` its series (an id among the input's series), ``value`` its scaled
    value (NaN where the history is too short or constant), ``weight`` its series'
    weight; ``scored``: the pair has rows of positive weight; ``missing``: its series has
    no history (left out, --drop-na); ``shown``: the model's rows in the frame."""

    row: np.ndarray
    series: np.ndarray
    value: np.ndarray
    weight: np.ndarray
    scored: np.ndarray
    missing: np.ndarray
    shown: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        """The pairs whose value counts in their row's mean."""
        finite = np.isfinite(self.value) & (self.weight > 0)
        return self.scored & ~self.missing & finite

    @property
    def size(self) -> int:
        return len(self.shown) and int(self.shown.max()) + 1


def series_means(values: SeriesValues) -> SeriesMeans:
    """Per row of the frame, the weighted mean of the values of its series."""
    row, size, ok, missing = values.row, values.size, values.ok, values.missing
    scored = values.scored
    short = scored & ~missing & ~np.isfinite(values.value)
    w = np.where(ok, values.weight, 0.0)
    x = np.where(ok, values.value, 0.0)
    total = np.bincount(row, w, minlength=size)
    with np.errstate(all="ignore"):
        mean = np.bincount(row, w * x, minlength=size) / total
        deviation = np.where(ok, x - mean[row], 0.0)
    spread = np.bincount(row, (w * deviation) ** 2, minlength=size)
    count = np.bincount(row, ok, minlength=size).astype(np.int64)
    mean = np.where(total > 0, mean, np.nan)
    notes = _notes(
        np.bincount(row, short, minlength=size), np.bincount(row, scored & missing, minlength=size)
    )
    return SeriesMeans(mean, count, notes, spread, total)


def _notes(short: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Per row, the series it leaves out (None: none)."""
    notes = np.full(len(short), None, dtype=object)
    for i in np.flatnonzero((short > 0) | (missing > 0)).tolist():
        parts = []
        if short[i]:
            parts.append(
                f"{int(short[i]):,} series left out: a history of fewer than m + 1 values, "
                "or constant (zero scale)"
            )
        if missing[i]:
            parts.append(f"{int(missing[i]):,} series without a history left out (--drop-na)")
        notes[i] = "; ".join(parts)
    return notes
