"""Gates that know noise from regression: judgements on intervals instead of point values.

- ``--max-regression LOSS=TOL`` with ``--ci``, against a baseline written with ``--ci``:
  the change Δ = value − baseline has the unpaired interval Δ ± z·√(se² + se_base²); the
  gate fails only when the whole interval lies beyond the tolerance, i.e. when the
  worsening beyond the tolerance is significant at the run's level.
- ``--check 'delta:LOSS OP N'`` with ``--compare``: each model's paired difference from
  the reference fails only when its interval lies entirely on the wrong side of N.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

from ..errors import UsageError
from ..result import Comparison, EvaluationResult, Outcome, ResultRow


def change_half_width(row: ResultRow, loss: str, level: float) -> float | None:
    """z·√(se² + se_base²) of a row's change from its baseline, or None without both SEs."""
    interval = row.intervals.get(loss)
    se_now = None if interval is None else interval.se
    se_before = (row.baseline_se or {}).get(loss)
    if se_now is None or se_before is None:
        return None
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return z * math.hypot(se_now, se_before)


def delta_outcomes(
    text: str, loss: str, op: str, limit: float, overall_only: bool, result: EvaluationResult
) -> list[Outcome]:
    """A ``delta:`` check judged on every comparison of ``loss`` (group and overall rows)."""
    if not result.comparisons and len(result.preds) < 2:
        raise UsageError(
            f"the check {text!r} is on the difference between models: it needs "
            "two models and --compare"
        )
    index = {(r.file, r.pred, _key(r.group)): i for i, r in enumerate(result.rows)}
    level = result.ci.level if result.ci is not None else 0.95
    if not any(c.loss == loss for c in result.comparisons):
        why = (
            f"{loss} has no paired comparison (only means and ratios of sums have one), "
            "so the check cannot pass"
        )
        return [
            Outcome(text, i, loss, None, limit, False, why)
            for i, row in enumerate(result.rows)
            if row.is_overall
        ]
    return [
        _judge(text, c, op, limit, level, index[(c.file, c.pred, _key(c.group))])
        for c in result.comparisons
        if c.loss == loss and not (overall_only and c.group is not None)
    ]


def _judge(text: str, c: Comparison, op: str, limit: float, level: float, row: int) -> Outcome:
    where = f"{c.loss} of {c.pred} − {c.reference}"
    if c.delta is None or c.low is None or c.high is None:
        return Outcome(text, row, c.loss, None, limit, False, f"{where} has no difference")
    # fails only when the whole interval is on the wrong side of the limit
    upper_bound = op in ("<", "<=")
    passed = (
        (c.low <= limit if op == "<=" else c.low < limit)
        if upper_bound
        else (c.high >= limit if op == ">=" else c.high > limit)
    )
    verdict = "within" if passed else "significantly beyond"
    reason = (
        f"{where} = {c.delta:+.6g} [{c.low:.6g}, {c.high:.6g}] ({100 * level:g}%): "
        f"{verdict} {op} {limit:g}"
    )
    return Outcome(text, row, c.loss, c.delta, limit, passed, reason)


def _key(group: dict[str, object] | None) -> tuple[tuple[str, str], ...] | None:
    return None if group is None else tuple((k, repr(v)) for k, v in group.items())


def check_delta_usage(checks: Sequence[object], compare: bool) -> None:
    """Before reading: a ``delta:`` check needs --compare."""
    for check in checks:
        if getattr(check, "delta", False) and not compare:
            raise UsageError(
                f"the check {getattr(check, 'text', '')!r} is on the difference "
                "between models: add --compare (and at least two models)"
            )
