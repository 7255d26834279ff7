"""Metric gates for CI: thresholds (``--check``) and tolerated regression against a baseline.

Every check is judged on every row it applies to and every outcome is kept, so a
failing build lists all that failed, not the first.

Gates look past float noise: the same rows read in another format, chunking or order
may sum to values a few ulps apart, so a difference within ``NOISE`` (1e-12) of the
larger magnitude counts as none at all, between a value and its baseline as between
a value and a check's limit.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..errors import UsageError
from ..losses import Direction, get_loss
from ..result import EvaluationResult, Outcome, ResultRow
from .baseline import Baseline, RowKey, pair_files, row_key
from .parse import Check, Tolerance
from .scopes import judged_rows
from .significance import (
    NOT_JUDGED,
    Judged,
    across_groups,
    change_se,
    delta_outcomes,
    p_beyond,
    quantile,
)

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
NOISE = 1e-12  # relative differences this small are summation noise, not a change


def gate(
    result: EvaluationResult,
    checks: Sequence[Check] = (),
    baseline: Baseline | None = None,
    tolerances: Sequence[Tolerance] = (),
    require_baseline: bool = False,
) -> EvaluationResult:
    """The result with every check judged, and baseline values attached to matching rows.

    Rows on one side only are warnings; with ``require_baseline`` they fail.
    """
    if tolerances and baseline is None:
        raise UsageError("--max-regression needs --baseline FILE to compare with")
    if not checks and baseline is None:
        return result  # nothing to judge: no row is visited
    notices = list(result.notices)
    outcomes: list[Outcome] = []
    if baseline is not None:
        result, missing, unmatched = _attach(result, baseline)
        notices += missing
        if require_baseline:
            outcomes += unmatched
    rows = result.rows
    base_rows = _base_rows(result, baseline)
    for check in checks:
        if check.delta:
            outcomes += delta_outcomes(
                check.text,
                check.loss,
                check.op,
                check.limit,
                check.overall_only,
                result,
                relative=check.relative,
            )
        else:
            chosen, warned = judged_rows(check, result)
            notices += warned
            outcomes += _judge(check, rows, chosen.tolist())
    level = None if result.ci is None else result.ci.level
    for tolerance in tolerances:
        method = None if result.ci is None else result.ci.method
        judged = [
            j
            for i, row in enumerate(rows)
            if (j := _regression(tolerance, i, row, level, method, base_rows[i]))
        ]
        if level is not None:
            outcomes += across_groups(judged, rows, result.adjust, level)
        else:
            outcomes += [j.outcome for j in judged]
        if not judged:
            outcomes += _nothing_to_compare(tolerance, rows, baseline)
    return replace(result, notices=notices, checks=outcomes)


def _judge(check: Check, rows: Sequence[ResultRow], chosen: list[int]) -> list[Outcome]:
    """The check judged on the rows ``chosen`` (``scopes.judged_rows``)."""
    out = []
    for i in chosen:
        row = rows[i]
        value = row.metrics.get(check.loss)
        if value is None:
            why = row.notes.get(check.loss, "not computed")
            out.append(
                Outcome(
                    check.text,
                    i,
                    check.loss,
                    None,
                    check.limit,
                    False,
                    f"{check.loss} has no value: {why}",
                )
            )
            continue
        compared = check.limit if equal_within_noise(value, check.limit) else value
        passed = OPS[check.op](compared, check.limit)
        verb = "" if passed else "not "
        out.append(
            Outcome(
                check.text,
                i,
                check.loss,
                value,
                check.limit,
                passed,
                f"{check.loss} = {value:.6g} is {verb}{check.op} {check.limit:g}",
            )
        )
    return out


def _base_rows(result: EvaluationResult, baseline: Baseline | None) -> list[int | None]:
    """Each row's count of rows in the baseline (None: no baseline row, or no count)."""
    if baseline is None:
        return [None] * len(result.rows)
    pairing = pair_files(result, baseline)
    keys = [row_key(pairing, row) for row in result.rows]
    return [None if key is None else baseline.counts.get(key) for key in keys]


def _regression(
    tolerance: Tolerance,
    index: int,
    row: ResultRow,
    level: float | None = None,
    method: str | None = None,
    base_rows: int | None = None,
) -> Judged | None:
    """How much worse than its baseline a row's loss got, against the tolerance; with an
    interval level, whether it got significantly worse than that (see ``significance``)."""
    loss = get_loss(tolerance.loss)
    before = (row.baseline or {}).get(loss.name)
    if before is None:
        return None  # no baseline value: reported with the baseline's missing rows and losses
    value = row.metrics.get(loss.name)
    text = f"max-regression {tolerance.text}"
    if value is None:
        why = row.notes.get(loss.name, "not computed")
        reason = f"{loss.name} has no value in this run ({why}); the baseline has {before:.6g}"
        return Judged(
            Outcome(text, index, loss.name, None, before, False, reason, kind="tolerance")
        )
    sign = 1.0 if loss.direction is Direction.LOWER else -1.0
    difference = 0.0 if equal_within_noise(value, before) else value - before
    worse = sign * difference
    allowed = tolerance.amount * abs(before) / 100 if tolerance.relative else tolerance.amount
    limit = before + sign * allowed
    passed = worse <= allowed
    reason = (
        f"{loss.name} changed by {difference:+.6g} from the baseline {before:.6g}"
        f"{_percent(difference, before)}; tolerated: {_tolerated(tolerance, loss.direction)}"
    )
    if tolerance.relative and before == 0:
        reason += " (the baseline is 0, so a relative tolerance allows no worsening)"
    se, df = None, None
    if level is not None:
        se, df = change_se(row, loss.name), _change_df(row, loss.name, method, base_rows)
        if se is None and not row.is_overall and _no_interval(row, loss.name):
            reason += f"; this run's {loss.name} has no interval (too few rows){NOT_JUDGED}"
            outcome = Outcome(text, index, loss.name, value, limit, True, reason, kind="tolerance")
            return Judged(outcome, None, True)
        reason += _unjudged(row, loss.name) if se is None else ""
    if level is not None and se is not None:
        half = quantile(level, df) * se
        passed = worse - half <= allowed  # fails only if even the best case is too worse
        reason += (
            f"; the change's {100 * level:g}% interval is "
            f"[{difference - half:+.6g}, {difference + half:+.6g}]: "
            f"{'not ' if passed else ''}significantly beyond the tolerance"
        )
    beyond = worse > allowed
    outcome = Outcome(
        text, index, loss.name, value, limit, passed, reason, beyond=beyond, kind="tolerance"
    )
    return Judged(outcome, p_beyond(worse - allowed, se, df), not row.is_overall)


def _change_df(
    row: ResultRow, loss: str, method: str | None, base_rows: int | None
) -> float | None:
    """Degrees of freedom for a change from the baseline under the normal method: the
    smaller side's rows − 1 (at most Welch–Satterthwaite's, so it errs on the side of
    passing); none (the normal tail) for a bootstrap interval."""
    interval = row.intervals.get(loss)
    made_by = (interval.method if interval is not None else None) or method
    rows = row.n if base_rows is None else min(row.n, base_rows)
    return float(rows - 1) if made_by == "normal" and rows > 1 else None


def _no_interval(row: ResultRow, loss: str) -> bool:
    interval = row.intervals.get(loss)
    return interval is None or interval.se is None


def _unjudged(row: ResultRow, loss: str) -> str:
    """Why a change is judged on the values though the run has intervals."""
    if _no_interval(row, loss):
        interval = row.intervals.get(loss)
        why = interval.why if interval is not None and interval.why else "no interval"
        return f" (judged on the values: this run's {loss} has {why})"
    if row.baseline_se is not None and any(v is not None for v in row.baseline_se.values()):
        return f" (judged on the values: the baseline's row has no standard error of {loss})"
    return " (judged on the values: the baseline has no standard error; write it with --ci)"


def _nothing_to_compare(
    tolerance: Tolerance, rows: Sequence[ResultRow], baseline: Baseline | None
) -> list[Outcome]:
    """A tolerance on a loss the baseline has no value of fails: the gate would guard nothing.

    Rows merely missing from one side are warnings (see ``_attach``), not this.
    """
    if baseline is None or any(
        values.get(tolerance.loss) is not None for values in baseline.rows.values()
    ):
        return []
    return [
        Outcome(
            f"max-regression {tolerance.text}",
            i,
            tolerance.loss,
            row.metrics.get(tolerance.loss),
            None,
            False,
            f"the baseline {baseline.path} has no value of {tolerance.loss}, "
            "so its regression cannot be checked",
            kind="tolerance",
        )
        for i, row in enumerate(rows)
        if row.is_overall
    ]


def equal_within_noise(value: float, other: float) -> bool:
    """Whether two values differ by no more than ``NOISE`` of the larger magnitude."""
    return abs(value - other) <= NOISE * max(abs(value), abs(other))


def _percent(difference: float, before: float) -> str:
    return "" if before == 0 else f" ({100 * difference / abs(before):+.3g}%)"


def _tolerated(tolerance: Tolerance, direction: Direction) -> str:
    worse = "higher" if direction is Direction.LOWER else "lower"
    amount = f"{tolerance.amount:g}%" if tolerance.relative else f"{tolerance.amount:g}"
    return f"{amount} {worse}"


def _attach(
    result: EvaluationResult, baseline: Baseline
) -> tuple[EvaluationResult, list[str], list[Outcome]]:
    """The result with its baseline values; warnings for files, rows and losses on one side
    only; the failures ``--require-baseline`` makes of the rows among them."""
    pairing = pair_files(result, baseline)
    keys = [row_key(pairing, row) for row in result.rows]
    size = len(keys)
    values = {loss: np.full(size, np.nan) for loss in result.losses}
    errors = {loss: np.full(size, np.nan) for loss in result.losses}
    notices, unmatched = list(pairing.notes), []
    for i, key in enumerate(keys):
        before = None if key is None else baseline.rows.get(key)
        if before is None:
            if key is not None:  # a row of an unpaired file has its file's warning
                where = result.rows[i].where
                notices.append(f"baseline {baseline.path} has no row for {where} (new in this run)")
            unmatched.append(_unmatched(i, f"the baseline {baseline.path} has no row for it"))
            continue
        se = baseline.errors.get(key) or {} if key is not None else {}
        for loss in result.losses:
            values[loss][i] = _or_nan(before.get(loss))
            errors[loss][i] = _or_nan(se.get(loss))
    frame = result.frame
    columns = {
        name: replace(column, baseline=values[name], baseline_se=errors[name])
        for name, column in frame.losses.items()
    }
    attached = replace(result, frame=replace(frame, losses=columns), baseline=baseline.path)
    missing, vanished = _baseline_only(baseline, keys, set(pairing.files.values()))
    return attached, notices + missing + _one_sided_losses(result, baseline), unmatched + vanished


def _or_nan(value: float | None) -> float:
    return np.nan if value is None else value


def _baseline_only(
    baseline: Baseline, keys: list[RowKey | None], paired_files: set[str]
) -> tuple[list[str], list[Outcome]]:
    """Warnings for baseline rows missing from this run (those of paired files; an unpaired
    file has its own warning), and a failure for each, on the overall row of its model."""
    matched = set(keys)
    overall_rows = {  # each model's grand row (over all groups and periods, no class)
        (key[0], key[1]): i for i, key in enumerate(keys) if key is not None and not any(key[2:])
    }
    notices, failures = [], []
    for key, label in baseline.labels.items():
        if key in matched:
            continue
        if key[0] in paired_files:
            notices.append(f"baseline {baseline.path} has a row for {label}, missing from this run")
        anchor = overall_rows.get((key[0], key[1]), len(keys) - 1)
        reason = f"a row of the baseline {baseline.path}, missing from this run"
        about = (key[0], key[1], json.loads(key[2]) if key[2] else None)
        failures.append(_unmatched(anchor, reason, about=about))
    return notices, failures


def _unmatched(
    index: int, reason: str, about: tuple[str, str, dict[str, Any] | None] | None = None
) -> Outcome:
    return Outcome(
        "require-baseline",
        index,
        "",
        None,
        None,
        False,
        reason,
        about=about,
        kind="require-baseline",
    )


def _one_sided_losses(result: EvaluationResult, baseline: Baseline) -> list[str]:
    before_losses = {name for values in baseline.rows.values() for name in values}
    notices = [
        f"baseline {baseline.path} has no values of {name}"
        for name in result.losses
        if name not in before_losses
    ]
    return notices + [
        f"baseline {baseline.path} has {name}, which this run did not compute"
        for name in sorted(before_losses - set(result.losses))
    ]
