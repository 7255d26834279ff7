"""The result of an evaluation: tidy rows (file × prediction column × group) of loss values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1  # of the JSON document (to_dict); raise it when its layout changes


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

    def record(self, row: ResultRow) -> dict[str, Any]:
        """The outcome as the JSON ``checks`` list carries it."""
        return {
            "check": self.check,
            "file": row.file,
            "pred": row.pred,
            "group": row.group,
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
    p_value: float | None
    verdict: str  # "better", "worse" or "same" at the run's level, after adjustment across groups

    def record(self) -> dict[str, Any]:
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
        }


@dataclass(frozen=True)
class ComparisonSummary:
    """One model against the reference on one loss: how its groups came out, and overall."""

    overall: Comparison
    better: int
    worse: int
    same: int
    adjust: str

    @property
    def groups(self) -> int:
        return self.better + self.worse + self.same


@dataclass(frozen=True)
class CiSettings:
    level: float
    method: str  # "normal" or "bootstrap"
    resamples: int | None = None
    seed: int | None = None
    block_rows: int | None = None
    adjust: str = "holm"

    def record(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "method": self.method,
            "resamples": self.resamples,
            "seed": self.seed,
            "block_rows": self.block_rows,
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


@dataclass(frozen=True)
class EvaluationResult:
    rows: list[ResultRow]
    losses: list[str]
    group_by: list[str]
    notices: list[str] = field(default_factory=list)  # about reading, e.g. rows dropped
    checks: list[Outcome] = field(default_factory=list)  # when checks were asked for
    baseline: str | None = None  # the baseline file compared with
    ci: CiSettings | None = None  # intervals were asked for
    comparisons: list[Comparison] = field(default_factory=list)  # with --compare
    adjust: str = "holm"  # how the comparisons' verdicts were adjusted across groups

    @property
    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.checks if not outcome.passed]

    @property
    def warnings(self) -> list[str]:
        """Reading notices, then one line per note on a loss value (as the table's footnotes)."""
        return self.notices + self.note_warnings()

    def note_warnings(self) -> list[str]:
        """Notes of overall rows, and of groups whose overall row has no note for that loss."""
        overall = {(r.file, r.pred): r.notes for r in self.rows if r.is_overall}
        out: list[str] = []
        for row in self.rows:
            for loss, note in row.notes.items():
                if not row.is_overall and loss in overall.get((row.file, row.pred), {}):
                    continue
                keys = (f"{k}={v}" for k, v in (row.group or {}).items())
                out.append(f"{', '.join([row.file, row.pred, *keys])}: {loss}: {note}")
        return out

    def comparison_summaries(self) -> list[ComparisonSummary]:
        """Per file, model and loss: verdict counts over the group rows, and the overall."""
        adjust = self.adjust
        out = []
        for c in self.comparisons:
            if c.group is not None:
                continue
            groups = [
                g.verdict
                for g in self.comparisons
                if g.group is not None and (g.file, g.pred, g.loss) == (c.file, c.pred, c.loss)
            ]
            out.append(
                ComparisonSummary(
                    c, groups.count("better"), groups.count("worse"), groups.count("same"), adjust
                )
            )
        return out

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(row.file for row in self.rows))

    @property
    def preds(self) -> list[str]:
        return list(dict.fromkeys(row.pred for row in self.rows))

    @property
    def loss_columns(self) -> list[str]:
        """The value columns of flat rows: each loss, with ``_low``/``_high`` after it (--ci)
        and ``_base``/``_change`` (--baseline)."""
        suffixes = [""]
        suffixes += ["_low", "_high"] if self.ci is not None else []
        suffixes += ["_base", "_change"] if self.baseline is not None else []
        return [loss + suffix for loss in self.losses for suffix in suffixes]

    def records(self) -> list[dict[str, Any]]:
        """Flat rows, keyed by :meth:`columns`: file, pred, scope (``group`` or ``overall``),
        one entry per group column (None on overall rows), n, then each loss's fields."""
        out = []
        for row in self.rows:
            scope = "overall" if row.is_overall else "group"
            record: dict[str, Any] = {"file": row.file, "pred": row.pred, "scope": scope}
            record.update({g: (row.group or {}).get(g) for g in self.group_by})
            record["n"] = row.n
            for loss in self.losses:
                record.update(self._loss_fields(row, loss))
            out.append(record)
        return out

    def _loss_fields(self, row: ResultRow, loss: str) -> dict[str, Any]:
        """A loss's value; its interval (--ci); its baseline and this run minus it (--baseline)."""
        fields = {loss: row.metrics.get(loss)}
        if self.ci is not None:
            interval = row.intervals.get(loss)
            fields[f"{loss}_low"] = None if interval is None else interval.low
            fields[f"{loss}_high"] = None if interval is None else interval.high
        if self.baseline is not None:
            change = row.change(loss)
            fields[f"{loss}_base"] = (row.baseline or {}).get(loss)
            fields[f"{loss}_change"] = None if change is None else change[0]
        return fields

    def columns(self) -> list[str]:
        """The names of the flat rows' fields, in order (CSV's header)."""
        return ["file", "pred", "scope", *self.group_by, "n", *self.loss_columns]

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: ``{"schema_version": 1, "rows": [...], "warnings": [...]}``,
        and ``"checks"`` if any.

        With a baseline, rows also carry ``"baseline"`` values and ``"change"``
        (``{"absolute": …, "percent": …}`` per loss, null where a side is missing).
        """
        rows = []
        for r in self.rows:
            row: dict[str, Any] = {
                "file": r.file,
                "pred": r.pred,
                "group": r.group,
                "n": r.n,
                "metrics": r.metrics,
            }
            if self.ci is not None:
                row["intervals"] = {
                    loss: r.intervals[loss].record(self.ci.method) for loss in r.intervals
                }
            if self.baseline is not None:
                row["baseline"] = r.baseline
                row["change"] = {loss: _change_record(r.change(loss)) for loss in self.losses}
            rows.append(row)
        document: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        if self.ci is not None:
            document["ci"] = self.ci.record()
        document.update(rows=rows, warnings=list(self.warnings))
        if self.comparisons:
            document["comparisons"] = [c.record() for c in self.comparisons]
        if self.checks:
            document["checks"] = [o.record(self.rows[o.row]) for o in self.checks]
        return document

    def to_pandas(self) -> Any:
        """The flat rows as a pandas DataFrame; ``scope`` tells overall rows from groups."""
        import pandas as pd

        return pd.DataFrame.from_records(self.records(), columns=self.columns())


def _change_record(change: tuple[float, float | None] | None) -> dict[str, float | None] | None:
    return None if change is None else {"absolute": change[0], "percent": change[1]}


def describe(file: str, pred: str, group: dict[str, Any] | None) -> str:
    """A row as a message names it: ``preds.csv, y_pred, region=north`` (or ``, overall``)."""
    keys = [f"{k}={v}" for k, v in group.items()] if group else ["overall"]
    return ", ".join([file, pred, *keys])
