"""The result of an evaluation: tidy rows (file × prediction column × group) of loss values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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

    @property
    def is_overall(self) -> bool:
        return self.group is None


@dataclass(frozen=True)
class EvaluationResult:
    rows: list[ResultRow]
    losses: list[str]
    group_by: list[str]
    notices: list[str] = field(default_factory=list)  # about reading, e.g. rows dropped

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
        """Flat rows: file, pred, one entry per group column (None on overall rows), n, losses."""
        out = []
        for row in self.rows:
            record: dict[str, Any] = {"file": row.file, "pred": row.pred}
            record.update({g: (row.group or {}).get(g) for g in self.group_by})
            record["n"] = row.n
            record.update(row.metrics)
            out.append(record)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: ``{"rows": [...], "warnings": [...]}``."""
        rows = [
            {"file": r.file, "pred": r.pred, "group": r.group, "n": r.n, "metrics": r.metrics}
            for r in self.rows
        ]
        return {"rows": rows, "warnings": list(self.warnings)}

    def to_pandas(self) -> Any:
        """The flat rows as a pandas DataFrame (overall rows have missing group values)."""
        import pandas as pd

        columns = ["file", "pred", *self.group_by, "n", *self.losses]
        return pd.DataFrame.from_records(self.records(), columns=columns)
