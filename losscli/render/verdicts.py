"""The lines below a grid: the intervals' settings, the comparisons against the reference,
checks passed within noise, the verdict and each failed check."""

from __future__ import annotations

from ..result import EvaluationResult
from ..result.adjust import ADJUSTMENT_NAMES
from ..result.comparing import comparison_periods
from ..result.keys import NO_PERIOD
from .marks import UNICODE, Glyphs
from .numbers import format_number, format_signed


def ci_line(result: EvaluationResult) -> str:
    ci = result.ci
    assert ci is not None
    level = f"{100 * ci.level:g}%"
    if ci.method == "normal":
        delong = ", DeLong" if "roc_auc" in result.losses else ""  # ROC-AUC's (engine/delong.py)
        return f"[low, high]: {level} intervals (normal: t, delta method, Wilson{delong})"
    units = f", units of {ci.unit_rows:,} rows" if (ci.unit_rows or 1) > 1 else ""
    return (
        f"[low, high]: {level} bootstrap intervals ({ci.resamples:,} resamples, "
        f"seed {ci.seed}{units})"
    )


def comparison_lines(result: EvaluationResult, digits: int, glyphs: Glyphs = UNICODE) -> list[str]:
    """Per model and loss against the reference (and per file, named when there are
    several; per period, named, with ``--period``): groups better, worse, indistinguishable
    (adjusted across groups), and the overall difference with its interval and p-value."""
    lines = []
    several_files = len(result.files) > 1
    periods = comparison_periods(result)
    label_of = {} if periods is None else dict(zip(periods.start, periods.label, strict=True))
    for summary in result.comparison_summaries():
        overall = summary.overall
        start = NO_PERIOD if overall.period is None else overall.period
        delta = glyphs.missing if overall.delta is None else format_signed(overall.delta, digits)
        interval = (
            ""
            if overall.low is None or overall.high is None
            else (f" [{format_number(overall.low, digits)}, {format_number(overall.high, digits)}]")
        )
        p = "" if overall.p_value is None else f", {p_text(overall.p_value, result)}"
        raw, adjusted_p = overall.p_value, overall.p_adjusted
        if raw is not None and adjusted_p is not None and adjusted_p > raw:
            # a period's row: its verdict is read across the periods (--adjust); NaN: not shown
            adjusted = p_text(adjusted_p, result, counted=False)
            p += f", {ADJUSTMENT_NAMES[summary.adjust]}-adjusted {adjusted}"
        line = (
            (f"{overall.file}: " if several_files else "")
            + f"{overall.pred} vs {overall.reference}, {overall.loss}"
            + ("" if periods is None else f", {label_of.get(start) or 'all periods'}")
            + ":"
            f"{glyphs.change} {delta}{interval}{p}"
        )
        line += f" ({overall.verdict}{TESTS.get(overall.method, '')})"
        if summary.groups:
            line += (
                f"; in {summary.groups:,} groups better {summary.better:,}, worse "
                f"{summary.worse:,}, indistinguishable {summary.indistinguishable:,} "
                f"({ADJUSTMENT_NAMES[summary.adjust]}-adjusted"
                + (
                    f"; {summary.untested:,} of them untested: too few rows for a p-value)"
                    if summary.untested
                    else ")"
                )
            )
        lines.append(line)
    return lines


# what a comparison's own method says beside its verdict (ROC-AUC's: engine/delong_pairs.py)
TESTS = {
    "delong paired": "; DeLong's paired test",
    "delong unpaired": "; DeLong's test unpaired: the pair tables were over --max-memory, "
    "so the models' variances are added as if independent (conservative)",
}
SMALLEST_P = 1e-16  # below it a normal p-value is float noise


def p_text(p: float, result: EvaluationResult, *, counted: bool = True) -> str:
    """``p = 0.031``; a bootstrap p-value at its floor, 2 / (resamples + 1), is a bound:
    ``p ≤ 0.002``, and so is a normal one too small to tell from 0. ``counted``: ``p`` is
    the bootstrap's count of replicates (an overall row's; a group row's is the normal
    approximation from the replicates' SD, which has no floor)."""
    ci = result.ci
    if counted and ci is not None and ci.method == "bootstrap" and ci.resamples:
        floor = 2 / (ci.resamples + 1)
        if p <= floor * (1 + 1e-9):
            return f"p <= {floor:.2g}"
    if p < SMALLEST_P:
        return f"p < {SMALLEST_P:g}"
    return f"p = {p:.2g}"


def verdict(result: EvaluationResult, glyphs: Glyphs = UNICODE) -> str | None:
    """One line on the checks, or None when none were asked for."""
    total = len(result.checks)
    if not total:
        return None
    failed = len(result.failures)
    if not failed:
        passed = "the check passed" if total == 1 else f"all {total:,} checks passed"
        return f"{glyphs.passed_verdict} {passed}"
    return (
        f"{glyphs.failed_verdict} {failed:,} of {total:,} check{'s' if total != 1 else ''} failed"
    )


def failure_lines(result: EvaluationResult, glyphs: Glyphs = UNICODE) -> list[str]:
    """Each failed check on one row: which check, which row, the value and the limit."""
    return [
        f"{o.check} {glyphs.dash} {o.where(result.row(o.row))}: {o.reason}" for o in result.failures
    ]


WITHIN_NOISE = (
    "such a change passes while its interval reaches within the tolerance (the runs are "
    "compared as independent samples); where both runs' predictions are on the same rows, "
    "put them in one file and use --compare: its paired test is far more sensitive"
)


def within_noise_lines(result: EvaluationResult, glyphs: Glyphs = UNICODE) -> list[str]:
    """Each check that passed though its value is beyond the limit (an interval gate: the
    change is within noise), as a failure is shown, and what to do about it."""
    passed = [o for o in result.checks if o.passed and o.beyond]
    lines = [
        f"{o.check} {glyphs.dash} {result.row(o.row).where}: beyond the tolerance but within "
        f"noise: {o.reason}"
        for o in passed
    ]
    return [*lines, WITHIN_NOISE] if lines else []


def summary_lines(result: EvaluationResult, glyphs: Glyphs) -> list[str]:
    """The verdict, then each failed check; nothing when no check was asked for."""
    summary = verdict(result, glyphs)
    return [summary, *failure_lines(result, glyphs)] if summary else []
