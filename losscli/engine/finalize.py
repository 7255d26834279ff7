"""From a folded partial to result rows: every loss finalized per key, with its rules
applied, its interval, and the paired comparison with a reference model.

The group rows and the overall row are finalized together: the overall row's sums
are pooled from the group sums (never averaged from group values) and appended as
one more key, so every step below is vectorised over keys.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import InputError
from ..losses import Direction, Loss, Task
from ..losses.shapes import Custom, Ranked, Ratio, Sums, ratio
from ..reading import Model
from ..result import CiSettings, Comparison, Interval, ResultRow
from . import intervals
from .keys import sort_key
from .partial import Partial
from .ranks import RankTable, key_class_sums, pooled

NOT_APPLICABLE = "not applicable"
NOT_APPLICABLE_MULTICLASS = f"{NOT_APPLICABLE} to multi-class predictions"
NOT_APPLICABLE_ONE_COLUMN = f"{NOT_APPLICABLE} to one prediction column (it needs class columns)"
NO_INTERVAL = {
    "Extreme": "no interval: a maximum has no sound streamed interval",
    "Custom": "no interval for this loss",
    "Ranked": "no interval: no streamed interval for a rank statistic",
}
Metrics = list[dict[str, float | None]]
Notes = list[dict[str, str]]


@dataclass(frozen=True)
class Finishing:
    """What finalizing needs besides the sums."""

    losses: tuple[Loss, ...]
    ci: CiSettings | None = None
    reference: str | None = None  # compare every other model with this one
    compare_ci: CiSettings | None = None  # level and method of the comparison


def result_rows(
    file: str, partial: Partial, models: Sequence[Model], spec: Finishing
) -> tuple[list[ResultRow], list[Comparison]]:
    """Per model: group rows sorted by key, then the overall row pooled from the same sums."""
    partial = partial.trimmed()
    if not np.sum(partial.n):
        raise InputError(f"{file}: no data rows to evaluate")
    keys = partial.keys.keys()
    order = _sorted_keys(partial, keys)
    groups = [dict(zip(partial.keys.columns, keys[i], strict=True)) for i in order]
    labels: list[dict[str, Any] | None] = [*groups, None]
    rows: list[ResultRow] = []
    sums: dict[str, dict[str, Sums]] = {
        m.name: _model_sums(partial, m.name, spec.losses, order) for m in models
    }
    n = np.append(partial.n[order], np.sum(partial.n))
    for model in models:
        metrics, notes = finalize(sums[model.name], spec.losses, model.multiclass)
        bounds = _intervals(sums[model.name], spec, model.multiclass, metrics)
        rows += [
            ResultRow(file, model.name, group, int(n[k]), metrics[k], notes[k], intervals=bounds[k])
            for k, group in enumerate(labels)
        ]
    comparisons = _compare(file, sums, models, spec, labels) if spec.reference else []
    return rows, comparisons


def _sorted_keys(partial: Partial, keys: list[tuple[Any, ...]]) -> np.ndarray:
    """Group ids in key order; none without group columns (the overall row is all)."""
    if not partial.keys.columns:
        return np.zeros(0, dtype=int)
    seen = partial.n > 0  # a category no row has (pandas categoricals) is no group
    ids = sorted((i for i in range(len(keys)) if seen[i]), key=lambda i: sort_key(keys[i]))
    return np.array(ids, dtype=int)


def _model_sums(
    partial: Partial, model: str, losses: Sequence[Loss], order: np.ndarray
) -> dict[str, Sums]:
    """Each loss's own sums for the ordered group keys plus the pooled overall key."""
    out: dict[str, dict[str, np.ndarray]] = {loss.name: {} for loss in losses}
    n = np.append(partial.n[order], np.sum(partial.n))
    for (owner, loss, stat), values in partial.added.items():
        if owner == model and loss in out:
            out[loss][stat] = np.concatenate([values[order], values.sum(axis=0)[None]])
    for (owner, loss, stat), values in partial.largest.items():
        if owner == model and loss in out:
            out[loss][stat] = np.append(values[order], np.max(values, initial=-np.inf))
    for (owner, loss, stat), spread in partial.spreads.items():
        if owner == model and loss in out:
            out[loss].update(_spread_columns(stat, spread, order))
    for (owner, loss, stat), shift in partial.shifts.items():
        if owner == model and loss in out:
            raw = [partial.added[(model, loss, f"rep:{stat}.s{i}")] for i in range(3)]
            out[loss].update(_replicate_spread(stat, shift, raw, order))
    for (owner, loss, _), store in partial.ranked.items():
        if owner == model and loss in out:
            out[loss].update(_rank_columns(store.settled(), partial.size, order))
    for table in out.values():
        table["n"] = n
    return dict(out)


def _rank_columns(table: RankTable, n_keys: int, order: np.ndarray) -> dict[str, np.ndarray]:
    """A rank table's per-class sums for the ordered keys, then for all keys pooled."""
    keyed = key_class_sums(table, n_keys)
    overall = key_class_sums(pooled(table), 1)
    return {name: np.concatenate([keyed[name][order], overall[name]]) for name in keyed}


def _spread_columns(
    name: str, spread: tuple[np.ndarray, ...], order: np.ndarray
) -> dict[str, np.ndarray]:
    """``name.w/.mean/.m2`` per key, then pooled over all keys with Chan's formula."""
    w, mean, m2, shift = spread
    seen = ~np.isnan(shift)
    base = shift[seen][0] if seen.any() else 0.0
    offsets = np.where(seen, shift - base, 0.0) + mean  # means relative to one shift
    total = np.sum(w)
    grand = np.sum(w * offsets) / total if total else 0.0
    pooled_m2 = np.sum(m2) + np.sum(w * (offsets - grand) ** 2)
    absolute = np.nan_to_num(shift) + mean
    return {
        f"{name}.w": np.append(w[order], total),
        f"{name}.mean": np.append(absolute[order], base + grand),
        f"{name}.m2": np.append(m2[order], pooled_m2),
    }


def _replicate_spread(
    name: str, shift: np.ndarray, power_sums: list[np.ndarray], order: np.ndarray
) -> dict[str, np.ndarray]:
    """Replicate ``name.w/.mean/.m2`` from shifted power sums (keys × resamples); the pooled
    row re-bases every key onto one shift first (the plain pooled sums would mix shifts)."""
    s0, s1, s2 = power_sums
    seen = ~np.isnan(shift)
    base = shift[seen][0] if seen.any() else 0.0
    d = np.where(seen, shift - base, 0.0)[:, None]
    pooled = [np.sum(x, axis=0)[None] for x in (s0, s1 + d * s0, s2 + 2 * d * s1 + d**2 * s0)]
    shifts = np.append(np.nan_to_num(shift)[order], base)[:, None]
    w, t1, t2 = (np.concatenate([x[order], p]) for x, p in zip((s0, s1, s2), pooled, strict=True))
    with np.errstate(all="ignore"):
        mean = ratio(t1, w)
        return {
            f"rep:{name}.w": w,
            f"rep:{name}.mean": shifts + mean,
            f"rep:{name}.m2": np.maximum(t2 - t1 * mean, 0.0),
        }


def finalize(
    tables: dict[str, Sums], losses: Sequence[Loss], multiclass: bool = False
) -> tuple[Metrics, Notes]:
    """Each loss's value per key (None where it does not apply) and a note saying why."""
    n_keys = len(next(iter(tables.values()))["n"]) if tables else 0
    metrics: Metrics = [{} for _ in range(n_keys)]
    notes: Notes = [{} for _ in range(n_keys)]
    for loss in losses:
        if not loss.applies_to(multiclass):
            for k in range(n_keys):
                metrics[k][loss.name] = None
                notes[k][loss.name] = (
                    NOT_APPLICABLE_MULTICLASS if multiclass else NOT_APPLICABLE_ONE_COLUMN
                )
            continue
        table = tables[loss.name]
        with np.errstate(all="ignore"):
            values = loss.finalize(table)
        blocked = np.zeros(n_keys, dtype=bool)
        why = [""] * n_keys
        for rule in loss.rules:
            counts = table.get(f"flag:{rule.stat}")
            if counts is None:
                continue  # the loss flagged no such rows (multi-class data is checked on reading)
            for hit in np.flatnonzero(counts > 0):
                why[hit] = "; ".join(filter(None, [why[hit], rule.note(int(counts[hit]))]))
            if not rule.skip:
                blocked |= counts > 0
        ok = np.isfinite(values) & ~blocked
        caveats = _caveats(loss, table)
        for k in range(n_keys):  # building the rows; the math above is vectorised
            metrics[k][loss.name] = float(values[k]) if ok[k] else None
            note = why[k] or (caveats[k] if ok[k] else _why_missing(loss, values[k]))
            if note:
                notes[k][loss.name] = note
    return metrics, notes


def _caveats(loss: Loss, table: Sums) -> list[str]:
    """Per key, what the value is not exactly ("": exact): a rank statistic from score bins."""
    shape = loss.shape
    if not isinstance(shape, Ranked) or "bits" not in table:
        return [""] * len(table["n"])
    bound = shape.error_bound(table)
    return [
        f"from 2^{int(bits)} score bins (more distinct scores than the memory budget): "
        f"within {_rounded_up(bound[k])} of the exact value"
        if bits > 0
        else ""
        for k, bits in enumerate(table["bits"])
    ]


def _rounded_up(bound: float) -> str:
    """``bound`` to two significant digits, rounded up: a stated bound never understates."""
    if not bound > 0:
        return "0"
    step = 10.0 ** (np.floor(np.log10(bound)) - 1)
    return f"{np.ceil(bound / step) * step:.2g}"


def _why_missing(loss: Loss, value: float) -> str:
    if np.isinf(value):
        return "overflows float64 (infinite): check for values near 0 or very large"
    return loss.undefined


def _intervals(
    tables: dict[str, Sums], spec: Finishing, multiclass: bool, metrics: Metrics
) -> list[dict[str, Interval]]:
    """Each key's interval per loss (empty without --ci)."""
    n_keys = len(metrics)
    out: list[dict[str, Interval]] = [{} for _ in range(n_keys)]
    if spec.ci is None:
        return out
    for loss in spec.losses:
        if not loss.applies_to(multiclass):
            continue
        low, high, se, method, why = _loss_interval(loss, tables[loss.name], spec.ci)
        for k in range(n_keys):
            if metrics[k].get(loss.name) is None:
                out[k][loss.name] = Interval(None, None, None, method, "the value is missing")
                continue
            low_k, high_k, se_k = (_finite(x[k]) for x in (low, high, se))
            reason = why or ("" if low_k is not None else "too few rows for an interval")
            out[k][loss.name] = Interval(low_k, high_k, se_k, method, reason)
    return out


def _loss_interval(
    loss: Loss, sums: Sums, ci: CiSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str, str]:
    shape = loss.shape
    nothing = np.full(len(sums["n"]), np.nan)
    if isinstance(shape, Custom) and "rep:n" in sums:
        values = shape.compute(_replicate_table(sums))
        return (*intervals.percentile_interval(values, ci.level), "bootstrap", "")
    if not isinstance(shape, Ratio):
        return nothing, nothing, nothing, ci.method, NO_INTERVAL[type(shape).__name__]
    if ci.method == "bootstrap":
        values = shape.finalize({"num": sums["rep_num"], "den": sums["rep_den"]})
        return (*intervals.percentile_interval(values, ci.level), ci.method, "")
    return (*intervals.normal_interval(shape, sums, ci.level), ci.method, "")


def _replicate_table(sums: Sums) -> dict[str, np.ndarray]:
    """A custom loss's sums as each resample saw them: ``rep:x`` read as ``x``."""
    table = {k[4:]: v for k, v in sums.items() if k.startswith("rep:")}
    return {k: v for k, v in table.items() if not k.endswith((".s0", ".s1", ".s2"))}


def _compare(
    file: str,
    sums: dict[str, dict[str, Sums]],
    models: Sequence[Model],
    spec: Finishing,
    labels: list[dict[str, Any] | None],
) -> list[Comparison]:
    """Every model against the reference, per key and ratio-shaped loss."""
    assert spec.reference is not None
    ci = spec.compare_ci or CiSettings(0.95, "normal")
    reference = sums[spec.reference]
    out: list[Comparison] = []
    for model in models:
        if model.name == spec.reference:
            continue
        for loss in spec.losses:
            shape = loss.shape
            if not isinstance(shape, Ratio) or not loss.applies_to(model.multiclass):
                continue
            mine, ref = sums[model.name][loss.name], reference[loss.name]
            if "num" not in mine or "num" not in ref:
                continue
            paired = _paired(shape, mine, ref, ci)
            out += _comparisons(file, model.name, spec.reference, loss, labels, paired, ci)
    return out


def _paired(shape: Ratio, mine: Sums, ref: Sums, ci: CiSettings) -> intervals.Paired:
    if ci.method == "bootstrap":
        reps_m = shape.finalize({"num": mine["rep_num"], "den": mine["rep_den"]})
        reps_r = shape.finalize({"num": ref["rep_num"], "den": ref["rep_den"]})
        delta = shape.finalize(mine) - shape.finalize(ref)
        return intervals.paired_bootstrap(delta, reps_m - reps_r, ci.level)
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
    """One comparison per key; verdicts after adjusting the group rows' p-values."""
    p = paired.p_value
    adjusted = np.append(intervals.adjusted(p[:-1], ci.adjust), p[-1])
    sign = 1.0 if loss.direction is Direction.LOWER else -1.0
    out = []
    for k, group in enumerate(labels):
        significant = bool(adjusted[k] < 1 - ci.level)
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
            )
        )
    return out


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def drop_inapplicable(
    rows: list[ResultRow], losses: list[Loss], tasks: set[Task], always: Collection[str] = ()
) -> tuple[list[ResultRow], list[Loss]]:
    """Leave out losses made for none of the data's tasks, or applicable to no row.

    For the losses the user did not name (the defaults, or 'all'): MAPE has no place
    beside binary labels, nor cross-entropy beside regression values.
    """

    def nowhere(loss: Loss) -> bool:
        if loss.name in always:
            return False
        return not tasks & set(loss.tasks) or all(
            row.metrics.get(loss.name) is None
            and row.notes.get(loss.name, "").startswith(NOT_APPLICABLE)
            for row in rows
        )

    gone = {loss.name for loss in losses if nowhere(loss)}
    if not gone:
        return rows, losses
    kept = [loss for loss in losses if loss.name not in gone]
    slim = [
        replace(
            row,
            metrics={k: v for k, v in row.metrics.items() if k not in gone},
            notes={k: v for k, v in row.notes.items() if k not in gone},
            intervals={k: v for k, v in row.intervals.items() if k not in gone},
        )
        for row in rows
    ]
    return slim, kept
