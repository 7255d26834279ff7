"""The typed records of a result: a row, an interval, a comparison, a judged check."""

from __future__ import annotations

from dataclasses import field
from typing import Any, Literal

from ..records import datarecord


@datarecord(frozen=True)
class Outcome:
    """One check judged on one row (``row`` indexes the result's rows)."""

    check: str
    row: int
    loss: str
    value: float | None
    limit: float | None
    passed: bool
    reason: str
    beyond: bool = False  # the value itself is beyond the limit: a pass is a pass within noise
    # (file, pred, group) the outcome is about where that is no row of this run (a
    # baseline's row missing from it); ``row`` is then the run's row it is reported with
    about: tuple[str, str, dict[str, Any] | None] | None = None
    kind: Literal["check", "tolerance", "require-baseline", "drift"] = "check"  # what asked for it

    def where(self, row: ResultRow) -> str:
        """The row the outcome is about, as a message names it (``row``: the one it is on)."""
        return row.where if self.about is None else describe(*self.about)

    def record(self, row: ResultRow) -> dict[str, Any]:
        """The outcome as the JSON ``checks`` list carries it."""
        file, pred, group = self.about or (row.file, row.pred, row.group)
        return {
            "check": self.check,
            "file": file,
            "pred": pred,
            "group": group,
            **({} if self.about else row.parts()),  # its period and class, where it has them
            "loss": self.loss,
            "value": self.value,
            "limit": self.limit,
            "passed": self.passed,
            "reason": self.reason,
        }


@datarecord(frozen=True)
class Interval:
    """A loss value's interval: ``low``/``high`` at the run's level, ``se`` its standard error
    (for the bootstrap, the replicates' standard deviation); None where there is none, and
    ``why`` then says so."""

    low: float | None
    high: float | None
    se: float | None
    method: str
    why: str = ""

    def record(self, default_method: str) -> dict[str, Any]:
        out: dict[str, Any] = {"low": self.low, "high": self.high, "se": self.se}
        if self.method != default_method:
            out["method"] = self.method
        if (self.low is None or self.high is None) and self.why:
            out["why"] = self.why  # as the table's note says it
        return out


@datarecord(frozen=True)
class Comparison:
    """A model against the reference on the same rows: Δ = loss(pred) − loss(reference)."""

    file: str
    pred: str
    reference: str
    group: dict[str, Any] | None
    loss: str
    delta: float | None
    low: float | None
    high: float | None
    p_value: float | None  # the bootstrap's group rows: the normal approximation from its SD
    # "better", "worse" or "indistinguishable" at the run's level, after adjustment across
    # groups: the word JSON, CSV and every rendering show
    verdict: str
    se: float | None = None  # of Δ (the replicates' standard deviation for the bootstrap)
    df: float | None = None  # degrees of freedom of its t interval (None: normal or bootstrap)
    # the p-value the verdict is read from: a group row's p_value adjusted across the groups
    # of its file, model and loss (--adjust; never below p_value); with --period, a period's
    # row over all groups adjusted across the periods; the row over all periods its own
    p_adjusted: float | None = None
    method: str = ""  # how Δ was tested where the run's method says too little ("delong paired")
    period: int | None = None  # --period: the start (ns since the epoch, UTC) of its period

    def record(self) -> dict[str, Any]:
        """As JSON's ``comparisons`` list carries it (``method`` only where it is set)."""
        return {
            "file": self.file,
            "group": self.group,
            "loss": self.loss,
            "pred": self.pred,
            "reference": self.reference,
            "delta": self.delta,
            "low": self.low,
            "high": self.high,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "verdict": self.verdict,
            **({"method": self.method} if self.method else {}),
        }


@datarecord(frozen=True)
class ComparisonSummary:
    """One model against the reference on one loss: how its groups came out, and overall."""

    overall: Comparison
    better: int
    worse: int
    indistinguishable: int
    adjust: str
    untested: int = 0  # of the indistinguishable: groups without a p-value (too few rows)

    @property
    def groups(self) -> int:
        return self.better + self.worse + self.indistinguishable


@datarecord(frozen=True)
class ResultRow:
    """One file, prediction column and group; ``group`` is None for a file's overall row.

    ``metrics`` maps canonical loss names to values, None where the loss does not
    apply; ``notes`` says why, or what was left out, per loss.
    """

    file: str
    pred: str
    group: dict[str, Any] | None
    n: int
    metrics: dict[str, float | None]
    notes: dict[str, str] = field(default_factory=dict)
    baseline: dict[str, float | None] | None = None  # the matching baseline row's values
    baseline_se: dict[str, float | None] | None = None  # their standard errors (--ci baseline)
    intervals: dict[str, Interval] = field(default_factory=dict)  # with --ci
    period: Period | None = None  # the row's period (--period); None: over all periods
    class_name: str | None = None  # the class (or average) of a class row (--per-class)
    average: bool = False  # an average row (class_name names the average)

    @property
    def scope(self) -> str:
        """``group``, ``overall``, ``class`` or ``average`` (:mod:`.keys`)."""
        if self.class_name is not None:
            return "average" if self.average else "class"
        return "overall" if self.group is None else "group"

    @property
    def is_overall(self) -> bool:
        return self.group is None

    @property
    def where(self) -> str:
        period = None if self.period is None else self.period.label
        return describe(self.file, self.pred, self.group, period, self.class_name)

    def parts(self) -> dict[str, Any]:
        """The row key's period and class as JSON writes them, where the row has them."""
        out: dict[str, Any] = {}
        if self.period is not None:
            out["period"] = {"start": self.period.start, "end": self.period.end}
        if self.class_name is not None:
            out["class"] = self.class_name
        return out

    def change(self, loss: str) -> tuple[float, float | None] | None:
        """(value − baseline, the same in percent of |baseline|), where both exist."""
        value, before = self.metrics.get(loss), (self.baseline or {}).get(loss)
        if value is None or before is None:
            return None
        percent = None if before == 0 else 100 * (value - before) / abs(before)
        return value - before, percent


def describe(
    file: str,
    pred: str,
    group: dict[str, Any] | None,
    period: str | None = None,
    class_name: str | None = None,
) -> str:
    """A row as a message names it: ``preds.csv, y_pred, region=north`` (or ``, overall``),
    then its period and class where it has them (``, period 2026-W14, class cat``)."""
    keys = [f"{k}={v}" for k, v in group.items()] if group else ["overall"]
    keys += [] if period is None else [f"period {period}"]
    keys += [] if class_name is None else [f"class {class_name}"]
    return ", ".join([file, pred, *keys])


@datarecord(frozen=True)
class Period:
    """A row's period: ``start`` and ``end`` as ISO 8601 text (``keys.period_texts``) and
    its ``label`` as the table shows it."""

    start: str
    end: str
    label: str
