"""Uncertainty from the per-key sums: each row's interval, and each model's paired
difference from the reference with its interval, p-value and verdict (see
:mod:`.intervals` for the formulas). The rows are the ordered keys and the pooled
overall key, as in :mod:`.finalize`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..losses import Direction, Loss
from ..losses.shapes import Custom, Ratio, Sums
from ..reading import Model
from ..result import CiSettings, Comparison, LossColumn
from ..result.adjust import adjusted
from . import intervals
from .bootstrap.weights import FALLBACK_BOOTSTRAP

NO_INTERVAL = {
    "Extreme": "no interval: a maximum has no sound streamed interval",
    "Custom": "no interval for this loss",
    "Ranked": "no interval: no streamed interval for a rank statistic",
}


def with_intervals(
    columns: dict[str, LossColumn],
    tables: dict[str, Sums],
    losses: Sequence[Loss],
    ci: CiSettings | None,
    multiclass: bool,
    no_bootstrap: str = "",
) -> dict[str, LossColumn]:
    """Each loss's column with its interval bounds and standard errors (NaN: none);
    ``no_bootstrap`` says why the hidden bootstrap (R², F1, …) was left out (over the
    memory budget)."""
    assert ci is not None
    out = {}
    for loss in losses:
        column = columns[loss.name]
        if loss.applies_to(multiclass):
            low, high, se, method, why = _loss_interval(loss, tables[loss.name], ci)
            if no_bootstrap and isinstance(loss.shape, Custom):
                why = _without_bootstrap(no_bootstrap)
        else:
            low = high = se = np.full(len(column.values), np.nan)
            method, why = ci.method, ""
        low, high, se = (np.where(np.isfinite(x), x, np.nan) for x in (low, high, se))
        out[loss.name] = replace(column, low=low, high=high, se=se, method=method, why=why)
    return out


def _loss_interval(
    loss: Loss, sums: Sums, ci: CiSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str, str]:
    shape = loss.shape
    nothing = np.full(len(sums["n"]), np.nan)
    if isinstance(shape, Custom) and "rep:n" in sums:
        values = shape.compute(_replicate_table(sums))
        return (*_bootstrap(values, sums, ci.level), "bootstrap", "")
    if not isinstance(shape, Ratio):
        return nothing, nothing, nothing, ci.method, NO_INTERVAL[type(shape).__name__]
    if ci.method == "bootstrap":
        values = shape.finalize({"num": sums["rep_num"], "den": sums["rep_den"]})
        return (*_bootstrap(values, sums, ci.level), ci.method, "")
    return (*intervals.normal_interval(shape, sums, ci.level), ci.method, "")


def _without_bootstrap(why: str) -> str:
    """The note of a loss whose bootstrap under the normal method was over the budget."""
    return (
        f"no interval: its bootstrap ({FALLBACK_BOOTSTRAP.resamples:,} resamples) was left out, "
        f"as {why}; "
        "--ci-method bootstrap gives one, its memory growing with groups × --resamples "
        "(lower them, or raise --max-memory)"
    )


def _bootstrap(replicates: np.ndarray, sums: Sums, level: float) -> intervals.Interval:
    """The percentile interval, none for a row whose rows lie in one resampling unit."""
    low, high, se = intervals.percentile_interval(replicates, level)
    none = _one_unit(sums)
    return np.where(none, np.nan, low), np.where(none, np.nan, high), np.where(none, np.nan, se)


def _one_unit(sums: Sums) -> np.ndarray:
    """Rows whose rows all lie in one resampling unit (one row; one block of
    ``--block-rows``): every resample gives them one weight, so each replicate is their
    value (or nothing), an interval of width 0 that would claim a certainty it does not
    have; the normal method has none for one row either. Rows of identical terms (every
    prediction right; two identical models) spread over units keep theirs, of width 0."""
    return np.asarray(sums.get("one unit", sums["n"] < 2), dtype=bool) | (sums["n"] < 2)


def _replicate_table(sums: Sums) -> dict[str, np.ndarray]:
    """A custom loss's sums as each resample saw them: ``rep:x`` read as ``x``."""
    table = {k[4:]: v for k, v in sums.items() if k.startswith("rep:")}
    return {k: v for k, v in table.items() if not k.endswith((".s0", ".s1", ".s2"))}


def compare(
    file: str,
    sums: dict[str, dict[str, Sums]],
    models: Sequence[Model],
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
            if not isinstance(shape, Ratio) or not loss.applies_to(model.multiclass):
                continue
            mine, ref = sums[model.name][loss.name], sums[reference][loss.name]
            if "num" not in mine or "num" not in ref:
                continue
            paired = _paired(shape, mine, ref, ci)
            out += _comparisons(file, model.name, reference, loss, labels, paired, ci)
    return out


def _paired(shape: Ratio, mine: Sums, ref: Sums, ci: CiSettings) -> intervals.Paired:
    if ci.method == "bootstrap":
        reps_m = shape.finalize({"num": mine["rep_num"], "den": mine["rep_den"]})
        reps_r = shape.finalize({"num": ref["rep_num"], "den": ref["rep_den"]})
        with np.errstate(invalid="ignore"):  # ∞ − ∞: an overflowing value, reported as such
            delta = shape.finalize(mine) - shape.finalize(ref)
            replicates = reps_m - reps_r
        replicates[_one_unit(mine)] = np.nan  # no interval (see _bootstrap)
        return intervals.paired_bootstrap(delta, replicates, ci.level)
    return intervals.paired_normal(shape, mine, ref, ci.level)


def _comparisons(
    file: str,
    model: str,
    reference: str,
    loss: Loss,
    labels: list[dict[str, Any] | None],
    paired: intervals.Paired,
    ci: CiSettings,
) -> list[Comparison]:
    """One comparison per key; verdicts after adjusting the group rows' p-values (those of
    :attr:`~.intervals.Paired.across_groups_p`)."""
    p = paired.p_value  # the overall row's verdict is its own test's, like its interval
    after = np.append(adjusted(paired.across_groups_p[:-1], ci.adjust), p[-1])
    sign = 1.0 if loss.direction is Direction.LOWER else -1.0
    out = []
    for k, group in enumerate(labels):
        significant = bool(after[k] < 1 - ci.level)
        verdict = "same"
        if significant:
            verdict = "worse" if sign * paired.delta[k] > 0 else "better"
        out.append(
            Comparison(
                file,
                model,
                reference,
                group,
                loss.name,
                _finite(paired.delta[k]),
                _finite(paired.low[k]),
                _finite(paired.high[k]),
                _finite(p[k]),
                verdict,
                _finite(paired.se[k]),
                None if paired.df is None else _finite(paired.df[k]),
            )
        )
    return out


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
