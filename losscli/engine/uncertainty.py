"""Uncertainty from the per-key sums: each row's interval, and each model's paired
difference from the reference with its interval, p-value and verdict (see
:mod:`.intervals` for the formulas). The rows are the ordered keys and the pooled
overall key, as in :mod:`.finalize`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..losses import Direction, Loss
from ..losses.shapes import CROSS, NUM, Ranked, Shape, is_delong
from ..reading import Model
from ..records import datarecord
from ..result import CiSettings, LossColumn
from ..result.adjust import adjusted

if TYPE_CHECKING:  # the intervals' formulas: imported where a run has intervals (start-up, #18)
    from ..result import Comparison
    from . import intervals


@datarecord
class LossRows:
    """One loss's per-key rows (the ordered keys, then the overall row): the statistics its
    finalize reads (and its intervals' co-moments) with ``n``, the counts of rows its rules
    flag, its statistics as each resample saw them (None: not resampled), whether each
    row's rows lie in one resampling unit (None: no bootstrap), the row count, and one of
    its statistics whose kind the bootstrap does not resample ("": none)."""

    sums: dict[str, np.ndarray]
    flags: dict[str, np.ndarray]
    replicates: dict[str, np.ndarray] | None = None
    one_unit: np.ndarray | None = None
    n: np.ndarray = field(default_factory=lambda: np.zeros(0))
    unresampled: str = ""


def with_intervals(
    columns: dict[str, LossColumn],
    tables: dict[str, LossRows],
    losses: Sequence[Loss],
    *,
    ci: CiSettings,
    multiclass: bool,
    no_bootstrap: str = "",
    levels: tuple[float, ...] = (),
) -> dict[str, LossColumn]:
    """Each loss's column with its interval bounds and standard errors (NaN: none);
    ``no_bootstrap`` says why the hidden bootstrap (R², F1, …) was left out (over the
    memory budget)."""
    from . import rank_intervals  # the rank losses' bootstrap: loaded where a run has intervals

    out = {}
    for loss in losses:
        column = columns[loss.name]
        if isinstance(loss.shape, Ranked) and loss.applies_to(multiclass, levels):
            rows = tables[loss.name]
            low, high, se, method, why = rank_intervals.interval(
                loss.shape, rows, ci, multiclass=multiclass, one_unit=_one_unit(rows)
            )
        elif loss.applies_to(multiclass, levels):
            low, high, se, method, why = _loss_interval(loss, tables[loss.name], ci)
            if no_bootstrap and loss.shape.hidden_bootstrap:
                why = _without_bootstrap(no_bootstrap)
        else:
            low = high = se = np.full(len(column.values), np.nan)
            method, why = ci.method, ""
        low, high, se = (np.where(np.isfinite(x), x, np.nan) for x in (low, high, se))
        out[loss.name] = replace(column, low=low, high=high, se=se, method=method, why=why)
    return out


def _loss_interval(
    loss: Loss, rows: LossRows, ci: CiSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str, str]:
    """The bootstrap's interval where the loss was resampled and either the method is the
    bootstrap or the shape has no normal interval; else the shape's normal one, or none
    and why (as the shape says)."""
    shape = loss.shape
    replicates = rows.replicates
    nothing = np.full(len(rows.n), np.nan)
    if rows.unresampled and shape.resampled(True):  # its kind can't be: nor can its value
        why = f"no interval: {rows.unresampled} has no bootstrap"
        return nothing, nothing, nothing, ci.method, why
    if replicates is not None and (ci.method == "bootstrap" or shape.no_interval):
        return (*_bootstrap(shape.finalize(replicates), rows, ci.level), "bootstrap", "")
    if shape.no_interval:
        return nothing, nothing, nothing, ci.method, shape.no_interval
    return (*shape.normal_interval(rows.sums, ci.level), ci.method, "")


def _without_bootstrap(why: str) -> str:
    """The note of a loss whose bootstrap under the normal method was over the budget."""
    from .bootstrap import FALLBACK_BOOTSTRAP

    return (
        f"no interval: its bootstrap ({FALLBACK_BOOTSTRAP.resamples:,} resamples) was left out, "
        f"as {why}; "
        "--ci-method bootstrap gives one, its memory growing with groups × --resamples "
        "(lower them, or raise --max-memory)"
    )


def _bootstrap(replicates: np.ndarray, rows: LossRows, level: float) -> intervals.Interval:
    """The percentile interval, none for a row whose rows lie in one resampling unit."""
    from . import intervals

    low, high, se = intervals.percentile_interval(replicates, level)
    none = _one_unit(rows)
    return np.where(none, np.nan, low), np.where(none, np.nan, high), np.where(none, np.nan, se)


def _one_unit(rows: LossRows) -> np.ndarray:
    """Rows whose rows all lie in one resampling unit (one row; one unit of
    ``--block-rows`` rows): every resample gives them one weight, so each replicate is their
    value (or nothing), an interval of width 0 that would claim a certainty it does not
    have; the normal method has none for one row either. Rows of identical terms (every
    prediction right; two identical models) spread over units keep theirs, of width 0."""
    few = rows.n < 2
    return few if rows.one_unit is None else np.asarray(rows.one_unit, dtype=bool) | few


def compare(
    file: str,
    sums: dict[str, dict[str, LossRows]],
    models: Sequence[Model],
    *,
    losses: Sequence[Loss],
    reference: str,
    ci: CiSettings,
    labels: list[dict[str, Any] | None],
) -> list[Comparison]:
    """Every model against the reference, per key and ratio-shaped loss."""
    out: list[Comparison] = []
    for model in models:
        if model.name == reference:
            continue
        for loss in losses:
            shape = loss.shape
            ranked = isinstance(shape, Ranked) and loss.direction is not Direction.NONE
            if not (loss.compared or ranked) or not loss.applies_to(model.multiclass, model.levels):
                continue
            mine, ref = sums[model.name][loss.name], sums[reference][loss.name]
            if ranked:
                assert isinstance(shape, Ranked)
                found = _ranked(shape, mine, ref, ci, multiclass=model.multiclass)
                if found is not None:
                    out += _comparisons(
                        file,
                        model.name,
                        reference,
                        loss=loss,
                        labels=labels,
                        paired=found[0],
                        ci=ci,
                        method=found[1],
                    )
                continue
            if NUM.name not in mine.sums or NUM.name not in ref.sums:
                continue
            if ci.method != "bootstrap" and CROSS.name not in mine.sums:
                continue  # no rows of the reference's beside this model's
            paired = _paired(shape, mine, ref, ci)
            out += _comparisons(
                file, model.name, reference, loss=loss, labels=labels, paired=paired, ci=ci
            )
    return out


def _ranked(
    shape: Ranked, mine: LossRows, ref: LossRows, ci: CiSettings, *, multiclass: bool
) -> tuple[intervals.Paired, str] | None:
    """A rank loss's comparison and its method ("": the run's): the bootstrap's from both
    models' replicate rank tables where both were kept, else DeLong's (ROC-AUC), else none."""
    from . import rank_intervals

    found = rank_intervals.paired(shape, mine, ref, ci, one_unit=_one_unit(mine))
    if found is not None:
        return found, ""
    return _delong(shape, mine, ref, ci, multiclass=multiclass) if is_delong(shape) else None


def _delong(
    shape: Ranked, mine: LossRows, ref: LossRows, ci: CiSettings, *, multiclass: bool
) -> tuple[intervals.Paired, str] | None:
    """DeLong's paired test of a binary AUC from the pair tables; the two models'
    independent variances where those were dropped (over the memory budget); None for
    multi-class models, or where no placement tables were kept."""
    if multiclass or "delong.pos" not in mine.sums or "delong.pos" not in ref.sums:
        return None
    from . import delong_pairs

    pairs: Any = mine.sums.get("pairs")  # the pair tables' store (delong_pairs.PairKind.rows)
    found = None if pairs is None else delong_pairs.paired(pairs, ci.level)
    if found is not None:
        return found
    delta = shape.finalize(mine.sums) - shape.finalize(ref.sums)
    return delong_pairs.unpaired(delta, mine.sums, ref.sums, ci.level), delong_pairs.UNPAIRED


def _paired(shape: Shape, mine: LossRows, ref: LossRows, ci: CiSettings) -> intervals.Paired:
    from . import intervals

    if ci.method == "bootstrap":
        assert mine.replicates is not None and ref.replicates is not None
        reps_m, reps_r = shape.finalize(mine.replicates), shape.finalize(ref.replicates)
        with np.errstate(invalid="ignore"):  # ∞ − ∞: an overflowing value, reported as such
            delta = shape.finalize(mine.sums) - shape.finalize(ref.sums)
            replicates = reps_m - reps_r
        replicates[_one_unit(mine)] = np.nan  # no interval (see _bootstrap)
        return intervals.paired_bootstrap(delta, replicates, ci.level)
    return shape.paired_normal(mine.sums, ref.sums, ci.level)


def _comparisons(
    file: str,
    model: str,
    reference: str,
    *,
    loss: Loss,
    labels: list[dict[str, Any] | None],
    paired: intervals.Paired,
    ci: CiSettings,
    method: str = "",
) -> list[Comparison]:
    """One comparison per key; verdicts after adjusting the group rows' p-values (those
    reported, :attr:`~.intervals.Paired.reported_p`), so a group row's adjusted p-value is
    never below its own; the overall row's verdict is its own test's, like its interval."""
    from ..result import Comparison

    p = paired.reported_p
    after = np.append(adjusted(p[:-1], ci.adjust), p[-1])
    sign = 1.0 if loss.direction is Direction.LOWER else -1.0
    out = []
    for k, group in enumerate(labels):
        significant = bool(after[k] < 1 - ci.level)
        verdict = "indistinguishable"
        if significant:
            verdict = "worse" if sign * paired.delta[k] > 0 else "better"
        out.append(
            Comparison(
                file,
                model,
                reference,
                group,
                loss.name,
                finite(paired.delta[k]),
                finite(paired.low[k]),
                finite(paired.high[k]),
                finite(p[k]),
                verdict,
                finite(paired.se[k]),
                None if paired.df is None else finite(paired.df[k]),
                p_adjusted=finite(after[k]),
                method=method,
            )
        )
    return out


def finite(value: float) -> float | None:
    """``value`` as a float, None where it is not finite (JSON's null)."""
    return float(value) if np.isfinite(value) else None
