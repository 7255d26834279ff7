"""ROC-AUC's normal interval: DeLong's variance, from placement tables merged like the
rank tables (:mod:`.ranks`).

DeLong, DeLong and Clarke-Pearson (1988): each positive row i has the placement
V10(i) = (negative weight below its score + ½·negative weight at it) / N, each negative
row j has V01(j) = (positive weight above its score + ½·positive weight at it) / P, and
AUC = Σw·V10 / P = Σu·V01 / N (w, u: the positive and negative rows' weights, P = Σw,
N = Σu). A placement depends only on the row's score, so its sums are per distinct
score: a placement table is a rank table whose positive and negative columns each hold
two sums per (key, class, score), Σw and Σw², merged, binned and pooled exactly as the
rank tables are.

The weighted form: weights are not frequencies, so each side's placements are a
weighted mean with the effective rows losscli's other intervals use,
n_eff = (Σw)² / Σw², and the same small-sample factor::

    Var(AUC) = n₁/(n₁ − 1) · Σw²(V10 − A)² / P²  +  n₀/(n₀ − 1) · Σu²(V01 − A)² / N²

with n₁ = P²/Σw², n₀ = N²/Σu². Unweighted this is the textbook S10/m + S01/n (S10, S01
with divisor m − 1, n − 1); a weight of 2 is not two rows (n_eff counts it once). The
interval is AUC ± z·√Var (normal quantile z, as DeLong's test and pROC use), clipped to
[0, 1]; none where a side has one effective row. From score bins (more distinct scores
than the rank tables' budget) it is the binned scores' interval widened on each side by
the value's stated error bound. Multi-class (the one-vs-rest mean over classes) has none:
its variance needs the covariance of the classes' placements, row by row, which the
per-class tables do not keep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..records import datarecord
from ..result import CiSettings
from .ranks import RankKind, RankStore, RankTable, kept_rows, merged, pooled
from .ranks import _running_sums as running_sums
from .statistics import Role, State, Statistic

if TYPE_CHECKING:
    from ..losses.shapes import Ranked, Ranks
    from .intervals import Interval

SHOWN = tuple(f"delong.{name}" for name in ("pos", "neg", "pos_w2", "neg_w2", "pos_ss", "neg_ss"))
MULTICLASS = (
    "no interval: the one-vs-rest mean over classes needs the covariance of the classes' "
    "placements row by row, which the per-class rank tables do not keep"
)
NOT_KEPT = "no interval: its placement tables were not kept"
UNDER_BOOTSTRAP = "DeLong's normal interval: no replicate rank tables were kept"


def placement_table(
    codes: np.ndarray | None, ranks: Ranks, weights: np.ndarray | None
) -> RankTable:
    """The placement table of one block: a rank table whose positive and negative columns
    are (entries × 2): Σw and Σw² at each (key, class, score)."""
    w, keys, scores, positive = kept_rows(codes, ranks, weights)
    classes = scores.shape[1]
    each = np.repeat(np.stack([w, w * w], axis=1), classes, axis=0)
    hit = positive.reshape(-1)[:, None]
    table = RankTable(
        (keys[:, None] * classes + np.arange(classes, dtype=np.int64)).reshape(-1),
        scores.reshape(-1).astype(float),
        np.where(hit, each, 0.0),
        np.where(hit, 0.0, each),
        classes,
        ranks.logits,
    )
    return merged([table])  # sorted, equal scores summed, binned beyond the budget


def placement_sums(t: RankTable, n_keys: int) -> dict[str, np.ndarray]:
    """Per key and class (keys × classes): P, N, Σw², Σu² and the placements' weighted
    sums of squares around the AUC, Σw²(V10 − A)² and Σu²(V01 − A)²; ``t`` collapsed."""
    cells, cell = n_keys * t.classes, t.cell
    pos, neg, pos2, neg2 = t.pos[:, 0], t.neg[:, 0], t.pos[:, 1], t.neg[:, 1]
    p_total = np.bincount(cell, weights=pos, minlength=cells)
    n_total = np.bincount(cell, weights=neg, minlength=cells)
    new = np.ones(len(cell), dtype=bool)
    new[1:] = cell[1:] != cell[:-1]
    first = np.flatnonzero(new)[np.cumsum(new) - 1]
    with np.errstate(all="ignore"):
        v10 = (running_sums(neg, first) - 0.5 * neg) / n_total[cell]
        v01 = (p_total[cell] - running_sums(pos, first) + 0.5 * pos) / p_total[cell]
        auc = np.bincount(cell, weights=pos * v10, minlength=cells) / p_total
        pos_ss = np.bincount(cell, weights=pos2 * (v10 - auc[cell]) ** 2, minlength=cells)
        neg_ss = np.bincount(cell, weights=neg2 * (v01 - auc[cell]) ** 2, minlength=cells)
    found = (
        p_total,
        n_total,
        np.bincount(cell, weights=pos2, minlength=cells),
        np.bincount(cell, weights=neg2, minlength=cells),
        pos_ss,
        neg_ss,
    )
    shape = (n_keys, t.classes)
    return {name: x.reshape(shape) for name, x in zip(SHOWN, found, strict=True)}


@datarecord(frozen=True)
class PlacementKind(RankKind):
    """ROC-AUC's placement tables (:func:`placement_table`): merged as rank tables; read
    as the sums of :func:`placement_sums`, per key and pooled."""

    def of_rows(self, codes: np.ndarray | None, n_keys: int, column: Any) -> State:
        ranks, weights = column
        return RankStore(placement_table(codes, ranks, weights))

    def names(self, name: str) -> tuple[str, ...]:
        return SHOWN

    def rows(self, name: str, state: State, order: np.ndarray, *, size: int) -> dict[str, Any]:
        tables = state.tables()
        table = tables[0] if len(tables) == 1 else merged(tables)
        keyed, overall = placement_sums(table, size), placement_sums(pooled(table), 1)
        return {k: np.concatenate([keyed[k][order], overall[k]]) for k in keyed}


PLACEMENTS = Statistic("placements", PlacementKind(), Role.SPREAD)


def side_variance(total: np.ndarray, squares: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """One side's share of Var(AUC): n/(n − 1) · spread / total², n = total²/squares;
    NaN where the side has one effective row or none."""
    from .intervals import ONE_ROW  # here: a run without intervals loads none of them

    with np.errstate(all="ignore"):
        n_eff = total * (total / squares)
        factor = np.where(n_eff > ONE_ROW, n_eff / (n_eff - 1), np.nan)
        return factor * (spread / total) / total


def variance(sums: dict[str, np.ndarray]) -> np.ndarray:
    """DeLong's Var(AUC) per key and class (keys × classes), in its weighted form."""
    pos = side_variance(sums["delong.pos"], sums["delong.pos_w2"], sums["delong.pos_ss"])
    neg = side_variance(sums["delong.neg"], sums["delong.neg_w2"], sums["delong.neg_ss"])
    return pos + neg


def z_quantile(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


def row_interval(
    shape: Ranked, sums: dict[str, np.ndarray], ci: CiSettings, *, multiclass: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str, str]:
    """ROC-AUC's interval per key (low, high, se), its method and its note ("": none)."""
    keys = len(sums["n"])
    nothing = np.full(keys, np.nan)
    method = "delong" if ci.method == "bootstrap" else ci.method
    if multiclass:
        return nothing, nothing, nothing, ci.method, MULTICLASS
    if "delong.pos" not in sums:
        why = NOT_KEPT if "area" in sums else ""  # no rows reached the loss: no value either
        return nothing, nothing, nothing, ci.method, why
    value = shape.finalize(sums)
    with np.errstate(all="ignore"):
        se = np.sqrt(np.maximum(variance(sums)[:, 0], 0.0))
        half = z_quantile(ci.level) * se + shape.error_bound(sums)  # widened where binned
        low, high = np.clip(value - half, 0.0, 1.0), np.clip(value + half, 0.0, 1.0)
    return low, high, se, method, UNDER_BOOTSTRAP if ci.method == "bootstrap" else ""


def interval_of(shape: Ranked, sums: dict[str, np.ndarray], level: float) -> Interval:
    """The binary ROC-AUC interval at ``level`` (see :func:`row_interval`)."""
    low, high, se, _, _ = row_interval(shape, sums, CiSettings(level, "normal"), multiclass=False)
    return low, high, se
