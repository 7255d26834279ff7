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

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(row.file for row in self.rows))

    @property
    def preds(self) -> list[str]:
        return list(dict.fromkeys(row.pred for row in self.rows))

    def records(self) -> list[dict[str, Any]]:
        """Flat rows, keyed by :meth:`columns`: file, pred, scope (``group`` or ``overall``),
        one entry per group column (None on overall rows), n, then each loss, followed by
        ``<loss>_base`` and ``<loss>_change`` (this run minus the baseline) with a baseline.
        """
        out = []
        for row in self.rows:
            scope = "overall" if row.is_overall else "group"
            record: dict[str, Any] = {"file": row.file, "pred": row.pred, "scope": scope}
            record.update({g: (row.group or {}).get(g) for g in self.group_by})
            record["n"] = row.n
            for loss in self.losses:
                record[loss] = row.metrics.get(loss)
                if self.baseline is not None:
                    change = row.change(loss)
                    record[f"{loss}_base"] = (row.baseline or {}).get(loss)
                    record[f"{loss}_change"] = None if change is None else change[0]
            out.append(record)
        return out

    def columns(self) -> list[str]:
        """The names of the flat rows' fields, in order (CSV's header)."""
        per_loss = ("", "_base", "_change") if self.baseline is not None else ("",)
        losses = [loss + suffix for loss in self.losses for suffix in per_loss]
        return ["file", "pred", "scope", *self.group_by, "n", *losses]

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
            if self.baseline is not None:
                row["baseline"] = r.baseline
                row["change"] = {loss: _change_record(r.change(loss)) for loss in self.losses}
            rows.append(row)
        document: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "rows": rows,
            "warnings": list(self.warnings),
        }
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
