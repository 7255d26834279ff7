"""The typed records of a result: a row, an interval, a comparison, a judged check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
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
    kind: Literal["check", "tolerance", "require-baseline"] = "check"  # what asked for it

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
            "loss": self.loss,
            "value": self.value,
            "limit": self.limit,
            "passed": self.passed,
            "reason": self.reason,
        }


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
    # of its file, model and loss (--adjust; never below p_value), an overall row's its own
    p_adjusted: float | None = None
    period: int | None = None  # --period: the start (ns since the epoch, UTC) of its period

    def record(self) -> dict[str, Any]:
        """As JSON's ``comparisons`` list carries it."""
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
        }


@dataclass(frozen=True)
class ComparisonSummary:
    """One model against the reference on one loss: how its groups came out, and overall."""

    overall: Comparison
    better: int
    worse: int
    indistinguishable: int
    adjust: str

    @property
    def groups(self) -> int:
        return self.better + self.worse + self.indistinguishable


@dataclass(frozen=True)
class CiSettings:
    """An interval's level and method (the bootstrap's: with its resamples, seed and rows
    per resampling unit); ``adjust`` is how the comparisons made at these settings adjust
    their p-values across groups. A run's are resolved once, in
    :class:`~losscli.engine.settings.Uncertainty`."""

    level: float
    method: str  # "normal" or "bootstrap"
    resamples: int | None = None
    seed: int | None = None
    unit_rows: int | None = None  # rows per resampling unit (``--block-rows``)
    adjust: str = "holm"

    def record(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "method": self.method,
            "resamples": self.resamples,
            "seed": self.seed,
            "block_rows": self.unit_rows,  # the option's name, as users know it
        }


@dataclass(frozen=True)
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

    @property
    def is_overall(self) -> bool:
        return self.group is None

    @property
    def where(self) -> str:
        return describe(self.file, self.pred, self.group)

    def change(self, loss: str) -> tuple[float, float | None] | None:
        """(value − baseline, the same in percent of |baseline|), where both exist."""
        value, before = self.metrics.get(loss), (self.baseline or {}).get(loss)
        if value is None or before is None:
            return None
        percent = None if before == 0 else 100 * (value - before) / abs(before)
        return value - before, percent


def describe(file: str, pred: str, group: dict[str, Any] | None) -> str:
    """A row as a message names it: ``preds.csv, y_pred, region=north`` (or ``, overall``)."""
    keys = [f"{k}={v}" for k, v in group.items()] if group else ["overall"]
    return ", ".join([file, pred, *keys])
