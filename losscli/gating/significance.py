"""Gates that know noise from regression: judgements on intervals instead of point values.

- ``--max-regression LOSS=TOL`` with ``--ci``, against a baseline written with ``--ci``:
  the change Δ = value − baseline has the unpaired interval Δ ± q·√(se² + se_base²)
  (q from t with the smaller side's rows − 1 degrees of freedom, or normal for the
  bootstrap); the gate fails only when the whole interval lies beyond the tolerance,
  i.e. when the worsening beyond the tolerance is significant at the run's level.
- ``--check 'delta:LOSS OP N'`` with ``--compare``: each model's paired difference from
  the reference fails only when its interval lies entirely on the wrong side of N
  (ROC-AUC's is DeLong's test, and the reason says whether it was paired or unpaired).

With groups, one check judges many rows, and at a 95% level one group row in forty
would fail by noise alone: a gate over 200 groups would fail nearly every build. So the
group rows of one file and model that a check judges on intervals are judged together
(:func:`across_groups`): each has the one-sided p-value of lying beyond the limit (on
the t tail of its interval, from its standard error), the p-values are adjusted across
those rows as ``--adjust`` says (Holm by default, which bounds the chance that noise
fails a check through the group rows of a file and model at (1 − level)/2, the
one-sided share of an interval's miss), and a group row fails only if it is beyond the
limit on its own interval *and* after the adjustment. With ``--period`` the group ×
period rows, the groups' rows over all periods and the periods' rows over all groups are
three such families, as the comparisons' own verdicts are adjusted. A group or period row
without an interval is not judged; the grand row is judged on its own, as before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from statistics import NormalDist

import numpy as np

from ..errors import UsageError
from ..records import datarecord
from ..result import Comparison, EvaluationResult, Outcome, ResultRow
from ..result.adjust import ADJUSTMENT_NAMES, adjusted

NOT_JUDGED = ": not judged"  # a group row without an interval: it passes, saying so


@datarecord(frozen=True)
class Judged:
    """An outcome and, where it was judged on an interval, the one-sided p-value that its
    value lies beyond the limit; ``grouped`` for a group row (adjusted with the others)."""

    outcome: Outcome
    p_beyond: float | None = None
    grouped: bool = False


def across_groups(
    judged: Sequence[Judged], rows: Sequence[ResultRow], adjust: str, level: float
) -> list[Outcome]:
    """The outcomes, the group rows' failures kept only where they stand after adjusting
    their p-values across the group rows of the same file, model and kind (the families the
    table's better/worse counts use; see the module's text)."""
    outcomes = [j.outcome for j in judged]
    families: dict[tuple[object, ...], list[int]] = {}
    for i, j in enumerate(judged):
        if j.grouped and j.p_beyond is not None:
            row = rows[j.outcome.row]  # group × period rows, groups, periods: apart
            kind = (row.group is None, row.period is None)
            families.setdefault((row.file, row.pred, *kind), []).append(i)
    for family in families.values():
        if len(family) > 1:
            _adjust(outcomes, family, [judged[i].p_beyond for i in family], adjust, level)
    return outcomes


def _adjust(
    outcomes: list[Outcome], family: list[int], p: list[float | None], adjust: str, level: float
) -> None:
    after = adjusted(np.array(p, dtype=float), adjust)
    name, bound = ADJUSTMENT_NAMES[adjust], (1 - level) / 2
    for i, value in zip(family, after.tolist(), strict=True):
        outcome = outcomes[i]
        if outcome.passed:
            continue
        where = f"{name}-adjusted over {len(family):,} group rows: p {p_text(value)}"
        if value < bound:
            outcomes[i] = replace(outcome, reason=f"{outcome.reason}; {where}")
        else:
            reason = f"{outcome.reason}; but not after adjusting ({where} ≥ {bound:g}): passed"
            outcomes[i] = replace(outcome, passed=True, reason=reason)


def p_text(p: float) -> str:
    """``= 0.0123``, or ``< 1e-16`` where the tail is beyond double precision."""
    return "< 1e-16" if p < 1e-16 else f"= {p:.3g}"


def p_beyond(
    excess: float, se: float | None, df: float | None = None, strict: bool = False
) -> float | None:
    """How likely a value this far (``excess``) past the limit is if the truth were at the
    limit: the t tail with ``df`` degrees of freedom (the normal tail without them); None
    without a usable SE. Without spread the value either is beyond (0) or is not (1); at
    the limit itself it is beyond a strict limit (``<``, ``>``) only."""
    if se is None or not math.isfinite(se) or not math.isfinite(excess):
        return None
    if se == 0:
        return 0.0 if excess > 0 or (strict and excess == 0) else 1.0
    if df is None or not math.isfinite(df) or df <= 0:
        return NormalDist().cdf(-excess / se)
    from scipy import special

    return float(special.stdtr(df, -excess / se))


def quantile(level: float, df: float | None) -> float:
    """The two-sided ``level`` quantile of t with ``df`` degrees of freedom (normal without)."""
    if df is None or not math.isfinite(df) or df <= 0:
        return NormalDist().inv_cdf(0.5 + level / 2)
    from scipy import special

    return float(special.stdtrit(df, 0.5 + level / 2))


def change_se(row: ResultRow, loss: str) -> float | None:
    """√(se² + se_base²): the standard error of a row's change from its baseline."""
    interval = row.intervals.get(loss)
    se_now = None if interval is None else interval.se
    se_before = (row.baseline_se or {}).get(loss)
    if se_now is None or se_before is None:
        return None
    return math.hypot(se_now, se_before)


def delta_outcomes(
    text: str,
    loss: str,
    op: str,
    limit: float,
    overall_only: bool,
    result: EvaluationResult,
    *,
    relative: bool = False,
) -> list[Outcome]:
    """A ``delta:`` check judged on every comparison of ``loss`` (group and overall rows),
    the group rows together (:func:`across_groups`). A ``relative`` limit is a percentage
    of the reference model's value in the same row (``delta:mae<=1%``)."""
    if not result.comparisons and len(result.preds) < 2:
        raise UsageError(
            f"the check {text!r} is on the difference between models: it needs "
            "two models and --compare"
        )
    index = _row_index(result)
    level = result.ci.level if result.ci is not None else 0.95
    if not any(c.loss == loss for c in result.comparisons):
        why = (
            f"{loss} has no paired comparison (only means, ratios of sums and a binary "
            "roc_auc have one), so the check cannot pass"
        )
        return [
            Outcome(text, i, loss, None, limit, False, why)
            for i, row in enumerate(result.rows)
            if row.is_overall
        ]
    judged = []
    for c in result.comparisons:
        if c.loss != loss or (overall_only and c.group is not None):
            continue
        i = index[(c.file, c.pred, _key(c.group), c.period)]
        if not relative:
            judged.append(_judge(text, c, op, limit, level, i, result.rows[i]))
            continue
        base = result.rows[index[(c.file, c.reference, _key(c.group), c.period)]].metrics.get(loss)
        if base is None:
            why = f"{c.reference} has no {loss} here, so {limit:g}% of it is no limit"
            judged.append(Judged(Outcome(text, i, loss, c.delta, None, False, why)))
            continue
        of = f" ({limit:g}% of {c.reference}'s {base:.6g})"
        bound = limit * abs(base) / 100
        judged.append(_judge(text, c, op, bound, level, i, result.rows[i], of=of))
    return across_groups(judged, result.rows, result.adjust, level)


def _judge(
    text: str,
    c: Comparison,
    op: str,
    limit: float,
    level: float,
    i: int,
    row: ResultRow,
    *,
    of: str = "",
) -> Judged:
    """One comparison against the limit (``of``: what a relative limit is a share of): it
    fails only when its whole interval is on the wrong side. A group row too small for an
    interval is not judged (it passes, saying so), and so is a period's; a loss without a
    value, or the grand row without an interval, fails."""
    where = f"{c.loss} of {c.pred} − {c.reference}"
    grouped = c.group is not None or c.period is not None  # a part of the grand row
    if row.metrics.get(c.loss) is None:
        why = row.notes.get(c.loss) or "no value"
        return Judged(
            Outcome(text, i, c.loss, None, limit, False, f"{c.loss}: {why}"), None, grouped
        )
    if c.delta is None:
        outcome = Outcome(text, i, c.loss, None, limit, False, f"{where} has no difference")
        return Judged(outcome, grouped=grouped)
    if c.low is None or c.high is None:
        reason = f"{where} = {c.delta:+.6g} has no interval (too few rows)"
        passed = grouped
        reason += NOT_JUDGED if grouped else f", so it cannot be shown {op} {limit:g}{of}"
        return Judged(Outcome(text, i, c.loss, c.delta, limit, passed, reason), None, grouped)
    upper_bound = op in ("<", "<=")
    passed = (
        (c.low <= limit if op == "<=" else c.low < limit)
        if upper_bound
        else (c.high >= limit if op == ">=" else c.high > limit)
    )
    verdict = "not significantly beyond" if passed else "significantly beyond"
    test = f", {c.method}" if c.method else ""  # ROC-AUC's: DeLong's, paired or unpaired
    reason = (
        f"{where} = {c.delta:+.6g} [{c.low:.6g}, {c.high:.6g}] ({100 * level:g}%{test}): "
        f"{verdict} {op} {limit:g}{of}"
    )
    excess = c.delta - limit if upper_bound else limit - c.delta
    outcome = Outcome(text, i, c.loss, c.delta, limit, passed, reason)
    return Judged(outcome, p_beyond(excess, c.se, c.df, strict=op in ("<", ">")), grouped)


def _row_index(result: EvaluationResult) -> dict[tuple[object, ...], int]:
    """Each row without a class part by the key a comparison names it with: file, model,
    group and period start (None over all periods), so that a comparison of a period (or
    of a row with class rows under it) is judged on its own row."""
    from ..result.keys import NO_PERIOD

    period = result.frame.period
    starts = [None] * len(result.rows) if period is None else period.start.tolist()
    return {
        (r.file, r.pred, _key(r.group), None if start == NO_PERIOD else start): i
        for i, (r, start) in enumerate(zip(result.rows, starts, strict=True))
        if r.class_name is None
    }


def _key(group: dict[str, object] | None) -> tuple[tuple[str, str], ...] | None:
    return None if group is None else tuple((k, repr(v)) for k, v in group.items())


def check_delta_usage(checks: Sequence[object], compare: bool, *, bootstrap: bool = False) -> None:
    """Before reading: a ``delta:`` check needs --compare, and a loss that has a paired
    difference (a mean or a ratio of sums; its shape says so before any row is read; under
    the ``bootstrap`` method, a rank loss: from its replicate rank tables)."""
    from ..losses import get_loss
    from ..losses.bias import refuse_undirected
    from ..losses.shapes import Ranked

    for check in checks:
        if not getattr(check, "delta", False):
            continue
        text = getattr(check, "text", "")
        if not compare:
            raise UsageError(
                f"the check {text!r} is on the difference between models: add --compare "
                "(and at least two models)"
            )
        loss = get_loss(getattr(check, "loss", ""))
        refuse_undirected(loss.name, f"the check {text!r}")  # bias: Δ has no verdict
        if not loss.shape.paired and not (bootstrap and isinstance(loss.shape, Ranked)):
            raise UsageError(
                f"the check {text!r} is on the paired difference of {loss.name}, which has "
                "none: only means and ratios of sums (mse, mae, mape, cross_entropy, …) "
                "and roc_auc (DeLong's test) have one, and average_precision under "
                f"--ci-method bootstrap; check each model's {loss.name} instead (without "
                "'delta:')"
            )
