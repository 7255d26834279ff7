"""The bootstrap's intervals and paired comparisons of the rank losses (ROC-AUC, average
precision) from their replicate rank tables (:mod:`.bootstrap.rank_tables`), and what
they fall back to where those were left out (over ``--max-memory``): ROC-AUC to DeLong's
normal interval and test (:mod:`.delong`, :mod:`.delong_pairs`), average precision to
none, each with a note saying why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..losses.shapes import Ranked, is_delong
from ..result import CiSettings
from . import delong, intervals
from .bootstrap import RANK_REPLICATES, RankReplicates, replicate_values

if TYPE_CHECKING:
    from .uncertainty import LossRows

Found = tuple[np.ndarray, np.ndarray, np.ndarray, str, str]  # low, high, se, method, note
ADVICE = "raise --max-memory or lower --resamples"
VALUES = "rank_values"  # a loss's replicate values, once read


def replicates(shape: Ranked, rows: LossRows) -> np.ndarray | str | None:
    """Each row's replicate values of a rank loss ((keys + 1) × resamples); why they are
    missing (their tables were left out); None without replicate tables."""
    found = None if rows.replicates is None else rows.replicates.get(RANK_REPLICATES)
    if not isinstance(found, RankReplicates):
        return None
    if found.store.dropped:
        return found.store.dropped
    assert rows.replicates is not None
    known = rows.replicates.get(VALUES)  # read once for the interval and the comparisons
    if known is None:
        precision = not is_delong(shape)
        known = rows.replicates[VALUES] = replicate_values(
            found, shape.finalize, precision=precision
        )
    return known


def interval(
    shape: Ranked, rows: LossRows, ci: CiSettings, *, multiclass: bool, one_unit: np.ndarray
) -> Found:
    """A rank loss's interval per row: the bootstrap's percentile interval from its
    replicate tables (``one_unit``: rows whose rows lie in one unit have none), else
    DeLong's (ROC-AUC) or none (average precision), and why."""
    values = replicates(shape, rows) if ci.method == "bootstrap" else None
    if isinstance(values, np.ndarray):
        low, high, se = (
            np.where(one_unit, np.nan, x) for x in intervals.percentile_interval(values, ci.level)
        )
        return low, high, se, "bootstrap", ""
    left_out = "" if values is None else f"its replicate rank tables were left out ({values})"
    if is_delong(shape):
        low, high, se, method, why = delong.row_interval(
            shape, rows.sums, ci, multiclass=multiclass
        )
        if left_out and why == delong.UNDER_BOOTSTRAP:
            why = f"DeLong's normal interval: {left_out}; {ADVICE} for the bootstrap's"
        elif left_out:
            why = f"{why}; {left_out}"
        return low, high, se, method, why
    nothing = np.full(len(rows.n), np.nan)
    why = f"no interval: {left_out}; {ADVICE}" if left_out else shape.no_interval
    return nothing, nothing, nothing, ci.method, why


def paired(
    shape: Ranked, mine: LossRows, ref: LossRows, ci: CiSettings, *, one_unit: np.ndarray
) -> intervals.Paired | None:
    """Δ of a rank loss with its bootstrap interval and p-value, from both models'
    replicate tables (the same resamples: paired); None where either was not kept."""
    if ci.method != "bootstrap":
        return None
    mine_b, ref_b = replicates(shape, mine), replicates(shape, ref)
    if not isinstance(mine_b, np.ndarray) or not isinstance(ref_b, np.ndarray):
        return None
    with np.errstate(invalid="ignore"):
        delta = shape.finalize(mine.sums) - shape.finalize(ref.sums)
        differences = mine_b - ref_b
    differences[one_unit] = np.nan
    return intervals.paired_bootstrap(delta, differences, ci.level)
