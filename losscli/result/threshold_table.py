"""``--thresholds`` as a table of its own and in the API: one row per result row and
threshold (``--table thresholds``: CSV, TSV, Parquet, JSON), and ``result.thresholds``.

The columns: file, pred, scope, the group columns (and ``period_start``, ``period_end`` with
``--period``, as the rows' table writes them),
``threshold``, the measures of :data:`.thresholds.MEASURES`, the objective's value where it
is not F1 (``youden``, ``cost``), and ``chosen`` (true on the threshold the objective
picks, one per result row).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import UsageError
from ..records import datarecord
from .keys import PeriodColumns, refuse_clashing_groups, row_key_columns
from .thresholds import MEASURES, ThresholdColumns

if TYPE_CHECKING:
    from .evaluation import EvaluationResult

Columns = tuple[list[str], dict[str, np.ndarray]]


def threshold_columns(result: EvaluationResult) -> Columns:
    """``--table thresholds``: the shown rows' thresholds, one row each (CSV's header and
    arrays)."""
    frame = result.frame if result.shown is None else result.frame.take(result.shown)
    found = frame.thresholds
    if found is None:
        raise UsageError("--table thresholds needs --thresholds (a list of thresholds, or auto)")
    measures = found.measures()
    extra = [] if found.objective.kind == "f1" else [found.objective.kind]
    fields = ["threshold", *MEASURES, *extra, "chosen"]
    keys = ["period_start", "period_end"] if frame.period is not None else []
    own = ("file", "pred", "scope", *keys, *fields)
    refuse_clashing_groups("thresholds", result.group_by, own, carried="thresholds")
    counts = _counts(found)
    row = np.repeat(np.arange(len(frame)), counts)
    at = np.concatenate([np.arange(c) for c in counts]) if len(counts) else np.zeros(0, int)
    at = at.astype(np.int64)
    chosen = found.chosen(measures)
    columns = row_key_columns(frame, row, result.group_by)
    columns["threshold"] = found.at[row, at]
    for name in [*MEASURES, *extra]:
        columns[name] = measures[name][row, at]
    columns["chosen"] = chosen[row] == at
    names = ["file", "pred", "scope", *result.group_by, *keys, *fields]
    return names, columns


def _counts(found: ThresholdColumns) -> np.ndarray:
    """Each row's number of thresholds in the table (0: the row has none)."""
    return np.where(found.present, found.counts(), 0)


def threshold_periods(result: EvaluationResult) -> PeriodColumns | None:
    """The periods of ``--table thresholds``' rows (None: the rows have no periods)."""
    frame = result.frame if result.shown is None else result.frame.take(result.shown)
    if frame.period is None or frame.thresholds is None:
        return None
    return frame.period.take(np.repeat(np.arange(len(frame)), _counts(frame.thresholds)))


@datarecord(frozen=True)
class RowThresholds:
    """One result row's thresholds: its key, each threshold's measures (None where
    undefined), and the one the objective chose (None: no threshold has a value)."""

    file: str
    pred: str
    group: dict[str, Any] | None
    objective: str
    thresholds: list[dict[str, Any]]
    chosen: dict[str, Any] | None
    binned: bool  # the scores were binned (see :mod:`..engine.thresholds`)
    period: int | None = None  # --period: the start (ns since the epoch, UTC) of its period


@datarecord(frozen=True)
class ResultThresholds:
    """``result.thresholds``: the shown rows' threshold tables (:attr:`rows`), and all of
    them as one long table (:meth:`to_pandas`, as ``--table thresholds`` writes it)."""

    result: EvaluationResult

    @property
    def columns(self) -> ThresholdColumns:
        found = self.result.frame.thresholds
        assert found is not None, "a result with thresholds"
        return found

    @property
    def rows(self) -> list[RowThresholds]:
        frame, found = self.result.frame, self.columns
        out = []
        for i in self.result.shown_rows().tolist():
            if not found.present[i]:
                continue
            records = found.records(i)
            chosen = next((r for r in records if r["chosen"]), None)
            out.append(
                RowThresholds(
                    frame.file[i],
                    frame.pred[i],
                    frame.group(i),
                    found.objective.text(),
                    records,
                    chosen,
                    bool(found.bits[i] > 0),
                    None
                    if frame.period is None or not frame.period.present[i]
                    else int(frame.period.start[i]),
                )
            )
        return out

    def to_pandas(self) -> Any:
        import pandas as pd

        names, columns = threshold_columns(self.result)
        return pd.DataFrame(columns, columns=names)
