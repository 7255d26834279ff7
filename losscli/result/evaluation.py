"""The result of an evaluation: rows (file × prediction column × group) of loss values,
held as columns (:class:`~.frame.Frame`), with typed rows as a view."""

from __future__ import annotations

from dataclasses import field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ..records import datarecord
from .frame import Frame
from .key_column import FlatColumn, with_objects
from .keys import AFTER_N, part_arrays, part_columns, part_records, period_timestamps

if TYPE_CHECKING:
    from .ci_settings import CiSettings
    from .rows import Comparison, ComparisonSummary, Outcome, ResultRow

SCHEMA_VERSION = 1  # of the JSON document (to_dict); raise it when its layout changes


@datarecord(frozen=True)
class EvaluationResult:
    frame: Frame
    losses: list[str]
    group_by: list[str]
    notices: list[str] = field(default_factory=list)  # about reading, e.g. rows dropped
    checks: list[Outcome] = field(default_factory=list)  # when checks were asked for
    baseline: str | None = None  # the baseline file compared with
    ci: CiSettings | None = None  # intervals were asked for
    comparisons: list[Comparison] = field(default_factory=list)  # with --compare
    adjust: str = "holm"  # how the comparisons' verdicts were adjusted across groups
    shown: np.ndarray | None = None  # the rows to show, in order (--sort-by, --top); None: all
    ordering: str = ""  # how the shown rows were chosen, for a footnote ("" : all, by key)

    @cached_property
    def rows(self) -> list[ResultRow]:
        """Every row, typed (a view of the columns; costs Python work per row)."""
        return [self.frame.row(i) for i in range(len(self.frame))]

    def row(self, i: int) -> ResultRow:
        return self.frame.row(i)

    def shown_rows(self) -> np.ndarray:
        """The indices of the rows to show, in order."""
        return np.arange(len(self.frame)) if self.shown is None else self.shown

    def showing(self, shown: np.ndarray | None, ordering: str = "") -> EvaluationResult:
        return replace(self, shown=shown, ordering=ordering)

    def ranked(self, sort_by: str | None = None, top: int | None = None) -> EvaluationResult:
        """Showing group rows ordered by a loss, worst first; the ``top`` worst (negative:
        best) only (see ``ordering``)."""
        from .ordering import ranked

        return ranked(self, sort_by, top)

    @property
    def confusion(self) -> list[Any]:
        """The shown rows' confusion matrices (``--confusion``), in order: a
        :class:`~.confusion.ConfusionMatrix` per row of a classifier; [] without them."""
        from .confusion import confusion_matrices

        return confusion_matrices(self.frame, self.shown_rows().tolist())

    @property
    def thresholds(self) -> Any:
        """``--thresholds``: the rows' threshold tables (a :class:`~.threshold_table.
        ResultThresholds`); None where none were asked for."""
        if self.frame.thresholds is None:
            return None
        from .threshold_table import ResultThresholds

        return ResultThresholds(self)

    @property
    def drift(self) -> list[Any]:
        """``--drift``: a :class:`~.drift.DriftVerdict` per file, model, group and loss
        judged (its onset, or None), in the rows' order; [] without ``--drift``."""
        from .drift import drift_verdicts

        return drift_verdicts(self)

    @property
    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.checks if not outcome.passed]

    @property
    def warnings(self) -> list[str]:
        """Reading notices, then one line per note on a loss value (as the table's footnotes)."""
        return self.notices + self.note_warnings()

    def note_warnings(self) -> list[str]:
        """Notes of overall rows, and of groups whose overall row has no note for that loss;
        the groups sharing a note summed up in one line (see :func:`.notes.note_lines`)."""
        from .notes import class_note_lines, note_lines

        frame = self.frame
        grand = frame.grand
        block = frame.block_of()
        grand_at = np.flatnonzero(grand)
        noted: list[tuple[int, str, str]] = []
        for loss, column in frame.losses.items():
            has_note = column.notes != None  # noqa: E711 (elementwise)
            covered = has_note[grand_at][block] & ~grand
            noted += [(int(i), loss, column.notes[i]) for i in np.flatnonzero(has_note & ~covered)]
        hits = sorted(noted, key=lambda hit: hit[0])
        parts = frame.classes.present if frame.classes is not None else np.zeros(len(frame), bool)
        return note_lines(
            (frame.file[i], frame.pred[i], frame.group(i), loss, note)
            for i, loss, note in hits
            if not parts[i]
        ) + class_note_lines(
            (frame.file[i], frame.pred[i], loss, note) for i, loss, note in hits if parts[i]
        )

    def comparison_summaries(self) -> list[ComparisonSummary]:
        """Per file, model and loss: verdict counts over the group rows, and the overall."""
        from .rows import ComparisonSummary

        counts: dict[tuple[str, str, str, int | None], dict[str, int]] = {}
        for c in self.comparisons:  # a period's groups for its line (--period)
            if c.group is not None:
                tally = counts.setdefault((c.file, c.pred, c.loss, c.period), {})
                tally[c.verdict] = tally.get(c.verdict, 0) + 1
                tally["untested"] = tally.get("untested", 0) + (c.p_value is None)
        out = []
        for c in self.comparisons:
            if c.group is None:
                tally = counts.get((c.file, c.pred, c.loss, c.period), {})
                out.append(
                    ComparisonSummary(
                        c,
                        tally.get("better", 0),
                        tally.get("worse", 0),
                        tally.get("indistinguishable", 0),
                        self.adjust,
                        tally.get("untested", 0),
                    )
                )
        return out

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(self.frame.file[self.frame.grand].tolist()))

    @property
    def preds(self) -> list[str]:
        return list(dict.fromkeys(self.frame.pred[self.frame.grand].tolist()))

    @property
    def loss_columns(self) -> list[str]:
        """The value columns of flat rows: each loss, with ``_low``/``_high`` after it (--ci)
        and ``_base``/``_change`` (--baseline)."""
        suffixes = [""]
        suffixes += ["_low", "_high"] if self.ci is not None else []
        suffixes += ["_base", "_change"] if self.baseline is not None else []
        return [loss + suffix for loss in self.losses for suffix in suffixes]

    def columns(self) -> list[str]:
        """The names of the flat rows' fields, in order (CSV's header)."""
        before, after = part_columns(self.frame, self.group_by)
        return ["file", "pred", "scope", *self.group_by, *before, "n", *after, *self.loss_columns]

    def flat(self) -> dict[str, FlatColumn]:
        """The shown rows' flat fields as arrays, keyed by :meth:`columns`: file, pred, scope
        (``group``, ``overall``, ``class`` or ``average``: :mod:`.keys`), the group columns
        (as the frame holds them, typed: written whole; no key on overall rows), the
        period's bounds and the class where the rows have them,
        n, the support where they have one, then each loss's value, interval bounds and
        baseline fields (NaN where missing)."""
        part_columns(self.frame, self.group_by)  # a group column named like a part's: refused
        frame = self.frame.take(self.shown) if self.shown is not None else self.frame
        out: dict[str, FlatColumn] = {
            "file": frame.file,
            "pred": frame.pred,
            "scope": frame.scopes(),
        }
        out.update(frame.keys)
        parts = part_arrays(frame)
        out.update({name: values for name, values in parts.items() if name not in AFTER_N})
        out["n"] = frame.n
        out.update({name: parts[name] for name in AFTER_N if name in parts})
        missing = np.full(len(frame), np.nan)
        for loss in self.losses:
            column = frame.losses[loss]
            out[loss] = column.values
            if self.ci is not None:
                out[f"{loss}_low"] = column.bound("low")
                out[f"{loss}_high"] = column.bound("high")
            if self.baseline is not None:
                before = missing if column.baseline is None else column.baseline
                out[f"{loss}_base"] = before
                out[f"{loss}_change"] = column.values - before
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: ``{"schema_version": 1, "rows": [...], "warnings": [...]}``,
        and ``"checks"`` if any. Where the rows have period or class parts, each row also
        has ``"scope"``, ``"period"`` (``{"start", "end"}`` or null), ``"class"`` (or null)
        and ``"support"`` (:func:`.keys.part_records`).

        With a baseline, rows also carry ``"baseline"`` values and ``"change"``
        (``{"absolute": …, "percent": …}`` per loss, null where a side is missing).
        """
        shown = self.shown_rows()
        parts = part_records(self.frame, shown)
        rows = [self._row_record(self.row(int(i)), parts[k], int(i)) for k, i in enumerate(shown)]
        if self.frame.confusion is not None:  # --confusion: each row's matrix
            from .confusion import with_confusion

            rows = with_confusion(rows, self.frame, shown.tolist())
        return self.document(rows)

    def document(self, rows: Any) -> dict[str, Any]:
        """The JSON document with ``rows`` as its rows (a writer may put a placeholder)."""
        document: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        if self.ci is not None:
            document["ci"] = self.ci.record()
        document.update(rows=rows, warnings=list(self.warnings))
        if self.comparisons:
            from .comparing import comparison_period_records

            records = [c.record() for c in self.comparisons]
            periods = comparison_period_records(self)
            if periods is not None:  # after the group, as on the rows
                records = [
                    {"file": r["file"], "group": r["group"], "period": p} | r
                    for r, p in zip(records, periods, strict=True)
                ]
            document["comparisons"] = records
        if self.frame.drift is not None:  # --drift: a verdict per file, model, group and loss
            from .drift import drift_records

            document["drift"] = drift_records(self)
        if self.checks:
            document["checks"] = [o.record(self.row(o.row)) for o in self.checks]
        if self.frame.diagrams is not None:  # --calibration, --residuals
            from .diagrams import diagram_records

            document["diagrams"] = diagram_records(self.frame, self.shown_rows().tolist())
        if self.frame.curves is not None:  # --curves
            from .curves import curve_records

            document["curves"] = curve_records(self.frame, self.shown_rows().tolist())
        return document

    def _row_record(self, r: ResultRow, parts: dict[str, Any], index: int) -> dict[str, Any]:
        """A row of the JSON document; ``parts``: its row key's fields past the group
        (:func:`.keys.part_records`), put after the group and ``support`` after n."""
        row: dict[str, Any] = {"file": r.file, "pred": r.pred, "group": r.group}
        row.update((name, value) for name, value in parts.items() if name not in AFTER_N)
        row["n"] = r.n
        row.update((name, parts[name]) for name in AFTER_N if name in parts)
        row["metrics"] = r.metrics
        if self.ci is not None:
            row["intervals"] = {
                loss: r.intervals[loss].record(self.ci.method) for loss in r.intervals
            }
        if self.baseline is not None:
            row["baseline"] = r.baseline
            row["change"] = {loss: _change_record(r.change(loss)) for loss in self.losses}
        if self.frame.thresholds is not None:  # --thresholds
            row["thresholds"] = self.frame.thresholds.records(index)
        return row

    @property
    def per_class(self) -> Any:
        """The class and average rows (``per_class=True``) as a pandas DataFrame (see
        :func:`.per_class.per_class_table`); empty without them."""
        from .per_class import per_class_table

        return per_class_table(self.frame, self.losses, self.group_by)

    def to_pandas(self) -> Any:
        """The flat rows as a pandas DataFrame; ``scope`` tells overall rows from groups
        (and class and average rows from their parents). ``period_start``/``period_end`` are
        timestamps in the periods' zone (NaT over all periods), or, where the time column
        held dates, datetime64 dates at midnight without a zone."""
        import pandas as pd

        flat: dict[str, Any] = with_objects(self.flat())
        if self.frame.period is not None:
            shown = self.frame.period if self.shown is None else self.frame.period.take(self.shown)
            for bound in ("start", "end"):
                flat[f"period_{bound}"] = period_timestamps(shown, bound)
        return pd.DataFrame(flat, columns=self.columns())


def _change_record(change: tuple[float, float | None] | None) -> dict[str, float | None] | None:
    return None if change is None else {"absolute": change[0], "percent": change[1]}
