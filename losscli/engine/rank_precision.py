"""Average precision from the rank tables (:mod:`.ranks`): per key and class, the sums
scikit-learn's ``average_precision_score`` follows from, and where scores are binned, the
bounds of the exact value.

Over distinct scores s (descending), AP = Σ_s (R(s) − R(s⁺))·Prec(s) = Σ_s P(s)·TP(≥s) /
(TP(≥s) + FP(≥s)) / P: the step-wise sum, without interpolation, rows tied at a score
entering together (as scikit-learn's thresholds do). ``ap`` is that sum before the
division by P. A binned table (``bits`` > 0) gives the same sum over its bins, with every
bin's rows tied; the exact value of the rows inside a bin depends on their order there:

- best: the bin's positives above its negatives, all tied: P_b·(a + P_b)/(b + P_b);
- worst: the bin's negatives above its positives, the positives one by one with weights
  as fine as can be: ∫₀^P_b (a + x)/(b + N_b + x) dx = P_b − (b + N_b − a)·ln(1 + P_b/(b +
  N_b)), a lower bound of every ordering (each positive's precision is at least the
  integrand at the positive weight above it, which increases with it);

where a and b are the positive and all weight above the bin. The rows in other bins keep
their precision (a threshold outside a bin holds all of it or none), so the sums of the
bins' bounds (``ap_low``, ``ap_high``) bound the exact sum. ``micro_*``: the same of all
classes' entries pooled (one-vs-rest micro average, scikit-learn's ``average="micro"``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..records import datarecord
from .ranks import SHOWN, RankKind, RankTable, _collapsed, _running_sums, key_class_sums, merged
from .ranks import pooled as pooled_keys
from .statistics import State

PER_CLASS = ("ap", "ap_low", "ap_high")  # keys × classes
MICRO = ("micro_pos", "micro_ap", "micro_low", "micro_high")  # per key: classes pooled
NEGATIVE = "negative_ap"  # binary: the negative class's ``ap`` (its scores 1 − p), keys × 1
PRECISION_SHOWN = (*SHOWN, *PER_CLASS, *MICRO, NEGATIVE)


def precision_sums(t: RankTable, n_keys: int) -> dict[str, np.ndarray]:
    """Per key and class (keys × classes): ``ap`` = Σ_s P(s)·TP(≥s)/(TP(≥s) + FP(≥s)),
    and ``ap_low``/``ap_high``, its bounds over the orderings inside each score bin (equal
    to ``ap`` for exact scores). ``t`` must be collapsed (sorted, one entry per cell and
    score), as :func:`.ranks.key_class_sums` reads it."""
    cells = n_keys * t.classes
    cell = t.cell
    new = np.ones(len(cell), dtype=bool)
    new[1:] = cell[1:] != cell[:-1]
    first = np.flatnonzero(new)[np.cumsum(new) - 1]
    pos_total = np.bincount(cell, weights=t.pos, minlength=cells)
    neg_total = np.bincount(cell, weights=t.neg, minlength=cells)
    # the positive and all weight strictly above each entry's score
    pos_above = pos_total[cell] - _running_sums(t.pos, first)
    all_above = pos_above + neg_total[cell] - _running_sums(t.neg, first)
    at = pos_above + t.pos
    share = _divided(at, all_above + t.pos + t.neg)
    shape = (n_keys, t.classes)

    def summed(values: np.ndarray) -> np.ndarray:
        return np.bincount(cell, weights=values, minlength=cells).reshape(shape)

    ap = summed(t.pos * share)
    if t.bits == 0:
        return {"ap": ap, "ap_low": ap, "ap_high": ap}
    best = t.pos * _divided(at, all_above + t.pos)
    below = all_above + t.neg  # everything a bin's positives may have above them
    with np.errstate(divide="ignore", invalid="ignore"):
        lost = (below - pos_above) * np.log1p(t.pos / below)
    worst = t.pos - np.where(below > 0, lost, 0.0)
    low, high = np.minimum(worst, t.pos * share), np.maximum(best, t.pos * share)
    return {"ap": ap, "ap_low": summed(low), "ap_high": summed(high)}


def curve_average_precision(
    score: np.ndarray, pos: np.ndarray, neg: np.ndarray, *, bits: int = 0
) -> float:
    """One class's average precision from its positive and negative weight at each
    distinct score (ascending): :func:`precision_sums` of a table of one cell, divided by
    P (NaN without positive weight). The curves' (``--curves``) and the loss's are this."""
    t = RankTable(np.zeros(len(score), dtype=np.int64), score, pos, neg, bits=bits)
    sums = precision_sums(t, 1)
    total = float(np.sum(pos))
    return float(sums["ap"][0, 0]) / total if total > 0 else float("nan")


def _divided(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0 (there num is 0 too: no positive weight to count)."""
    return np.divide(num, den, out=np.zeros_like(num, dtype=float), where=den != 0)


def micro_sums(t: RankTable, n_keys: int) -> dict[str, np.ndarray]:
    """Per key (keys × 1): every class's entries pooled, as one binary problem (scikit-
    learn's micro average ravels the one-vs-rest labels and scores), and its sums."""
    one = t if t.classes == 1 else _collapsed(replace(t, cell=t.cell // t.classes, classes=1))
    sums = precision_sums(one, n_keys)
    return {
        "micro_pos": np.bincount(one.cell, weights=one.pos, minlength=n_keys).reshape(-1, 1),
        "micro_ap": sums["ap"],
        "micro_low": sums["ap_low"],
        "micro_high": sums["ap_high"],
    }


def table_sums(t: RankTable, n_keys: int) -> dict[str, np.ndarray]:
    """What average precision reads of a collapsed table: the ROC sums (P, N, bits, …),
    then :func:`precision_sums`, :func:`micro_sums` and :func:`negative_sums`."""
    return {
        **key_class_sums(t, n_keys),
        **precision_sums(t, n_keys),
        **micro_sums(t, n_keys),
        NEGATIVE: negative_sums(t, n_keys),
    }


def negative_sums(t: RankTable, n_keys: int) -> np.ndarray:
    """A binary table's ``ap`` of its negative class (keys × 1; NaN for a multi-class
    table, whose classes each have their own): the same table read from the other end,
    its scores negated (ascending again once reversed) and positive and negative weight
    swapped, as scikit-learn scores "the label is 0" by 1 − p."""
    if t.classes != 1:
        return np.full((n_keys, 1), np.nan)
    flipped = RankTable(t.cell[::-1], -t.score[::-1], t.neg[::-1], t.pos[::-1], bits=t.bits)
    return precision_sums(flipped, n_keys)["ap"]


@datarecord(frozen=True)
class PrecisionKind(RankKind):
    """A rank table read as average precision's sums (:func:`table_sums`): kept, merged
    and budgeted as ROC-AUC's (:class:`.ranks.RankKind`)."""

    def names(self, name: str) -> tuple[str, ...]:
        return PRECISION_SHOWN

    def rows(self, name: str, state: State, order: np.ndarray, *, size: int) -> dict[str, Any]:
        tables = state.tables()
        table = tables[0] if len(tables) == 1 else merged(tables)
        keyed, overall = table_sums(table, size), table_sums(pooled_keys(table), 1)
        return {k: np.concatenate([keyed[k][order], overall[k]]) for k in keyed}


PRECISION_RANKS = PrecisionKind()
