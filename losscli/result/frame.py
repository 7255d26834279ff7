"""The result's columns: one array per field and per loss, across every row.

A result may hold a million group rows, so no step that visits every row runs in
Python: finalizing fills these arrays whole, sorting and selecting take from them
(:meth:`Frame.take`), and the CSV and JSON writers format whole columns. A typed
:class:`~.rows.ResultRow` is built only for a row someone asks for (:meth:`Frame.row`).

Rows come in blocks, one per file and prediction column: its group rows, then its
overall row; a row's key and the order of rows with a period or class part are defined in
:mod:`.keys`. A missing value is NaN in a float array (finalizing never keeps a
non-finite loss value: it becomes a missing one with a note) and None in an object
array; a group column (:class:`.key_column.KeyColumn`, typed where its keys are numbers or
booleans) has no key on overall rows and where a key is missing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..records import datarecord
from .key_column import KeyColumn
from .keys import ClassColumns, PeriodColumns, period_texts

if TYPE_CHECKING:  # the features' columns: imported where a run has them (start-up, #18)
    from .confusion import ConfusionColumns
    from .curves import CurveColumns
    from .diagrams import DiagramColumns
    from .drift import DriftColumns
    from .rows import Interval, Period, ResultRow
    from .thresholds import ThresholdColumns

Index = np.ndarray | slice
TOO_FEW_ROWS = "too few rows for an interval"
VALUE_MISSING = "the value is missing"


@datarecord(frozen=True)
class LossColumn:
    """One loss across the rows: values, notes, and the interval and baseline when asked for."""

    values: np.ndarray  # float64; NaN where the loss has no value
    notes: np.ndarray  # object: why a value is missing, or what it leaves out; None: nothing
    low: np.ndarray | None = None  # the interval (--ci); NaN where a row has none
    high: np.ndarray | None = None
    se: np.ndarray | None = None  # the value's standard error (the bootstrap's: the replicates' sd)
    method: str = ""  # the interval's method (R² is bootstrapped under the normal method too)
    why: str = ""  # why no row has an interval (a maximum has no sound streamed one)
    baseline: np.ndarray | None = None  # the matching baseline row's value; NaN: none
    baseline_se: np.ndarray | None = None
    whys: np.ndarray | None = None  # object: per row, why it has no interval (None: as ``why``)

    @classmethod
    def of(cls, values: np.ndarray, notes: np.ndarray | None = None) -> LossColumn:
        if notes is None:
            notes = np.full(len(values), None, dtype=object)
        return cls(np.asarray(values, dtype=np.float64), notes)

    def arrays(self) -> dict[str, np.ndarray]:
        """The per-row arrays this column holds (those not None)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                out[f.name] = value
        return out

    def take(self, index: Index) -> LossColumn:
        taken: dict[str, Any] = {name: array[index] for name, array in self.arrays().items()}
        return replace(self, **taken)

    def bound(self, name: str) -> np.ndarray:
        """The interval's ``low``, ``high`` or ``se`` per row: NaN where there is none or
        the value itself is missing."""
        values = getattr(self, name)
        if values is None:
            return np.full(len(self.values), np.nan)
        return np.where(np.isnan(self.values), np.nan, values)

    def value(self, i: int) -> float | None:
        return _float(self.values[i])

    def interval(self, i: int) -> Interval | None:
        """Row ``i``'s interval; None where intervals were not asked for."""
        if self.low is None or self.high is None or self.se is None:
            return None
        from .rows import Interval

        if math.isnan(self.values[i]):
            return Interval(None, None, None, self.method, VALUE_MISSING)
        low, high, se = _float(self.low[i]), _float(self.high[i]), _float(self.se[i])
        reason = self.why or ("" if low is not None and high is not None else TOO_FEW_ROWS)
        if self.whys is not None and self.whys[i] is not None and (low is None or high is None):
            reason = self.whys[i]
        return Interval(low, high, se, self.method, reason)

    def interval_why(self) -> np.ndarray:
        """Per row, why it has no interval ("" where it has one), as :meth:`interval` says."""
        if self.low is None or self.high is None:
            return repeated("", len(self.values))
        missing = np.isnan(self.bound("low")) | np.isnan(self.bound("high"))
        reasons = np.where(np.isnan(self.values), VALUE_MISSING, self.why or TOO_FEW_ROWS)
        if self.whys is not None:
            own = self.whys != None  # noqa: E711 (elementwise)
            reasons = np.where(own & ~np.isnan(self.values), self.whys, reasons)
        return np.where(missing, reasons, "").astype(object)


@datarecord(frozen=True)
class Frame:
    """Every row of a result as columns (see the module's docstring)."""

    file: np.ndarray  # object
    pred: np.ndarray  # object
    keys: dict[str, KeyColumn]  # group column → its keys
    overall: np.ndarray  # bool: a row over all groups (the block's grand row among them)
    n: np.ndarray  # int64: rows evaluated
    losses: dict[str, LossColumn]
    diagrams: DiagramColumns | None = None  # --calibration, --residuals: the bin sums per row
    curves: CurveColumns | None = None  # --curves: each row's place in its model's rank table
    period: PeriodColumns | None = None  # --period: each row's period (None: no row has one)
    classes: ClassColumns | None = None  # --per-class: each row's class part (None: no row has one)
    support: np.ndarray | None = None  # --per-class: float64, the weight of the row's true labels
    n_series: np.ndarray | None = None  # mase, rmsse: int64, the series each row averages over
    confusion: ConfusionColumns | None = None  # --confusion: rows' matrices
    thresholds: ThresholdColumns | None = None  # --thresholds: per row, its threshold table
    drift: DriftColumns | None = None  # --drift: per period row, against its reference

    def __len__(self) -> int:
        return len(self.n)

    def take(self, index: Index) -> Frame:
        """The rows ``index`` selects (an integer array or a slice), in its order."""
        return Frame(
            file=self.file[index],
            pred=self.pred[index],
            keys={name: column.take(index) for name, column in self.keys.items()},
            overall=self.overall[index],
            n=self.n[index],
            losses={name: column.take(index) for name, column in self.losses.items()},
            diagrams=None if self.diagrams is None else self.diagrams.take(index),
            curves=None if self.curves is None else self.curves.take(index),
            period=None if self.period is None else self.period.take(index),
            classes=None if self.classes is None else self.classes.take(index),
            support=None if self.support is None else self.support[index],
            n_series=None if self.n_series is None else self.n_series[index],
            confusion=None if self.confusion is None else self.confusion.take(index),
            thresholds=None if self.thresholds is None else self.thresholds.take(index),
            drift=None if self.drift is None else self.drift.take(index),
        )

    @property
    def grand(self) -> np.ndarray:
        """True on each block's grand row: over all groups and periods, without a class part."""
        grand = self.overall.copy()
        if self.period is not None:
            grand &= ~self.period.present
        if self.classes is not None:
            grand &= ~self.classes.present
        return grand

    def scopes(self) -> np.ndarray:
        """Each row's scope (``group``, ``overall``, ``class`` or ``average``; see :mod:`.keys`)."""
        scope = repeated("group", len(self))
        scope[self.overall] = "overall"
        if self.classes is not None:
            scope[self.classes.present] = "class"
            scope[self.classes.average] = "average"
        return scope

    def with_losses(self, names: Sequence[str]) -> Frame:
        """Only the losses ``names``, in that order."""
        return replace(self, losses={name: self.losses[name] for name in names})

    def blocks(self) -> list[tuple[int, int]]:
        """(start, stop) of each file and model's rows, ending with its grand row (and the
        grand row's class rows, which follow it)."""
        ends = np.flatnonzero(self.grand) + 1
        if self.classes is not None:  # past the grand row's classes: to the next plain row
            plain = np.append(np.flatnonzero(~self.classes.present), len(self))
            ends = plain[np.searchsorted(plain, ends)]
        starts = np.concatenate([[0], ends[:-1]])
        return list(zip(starts.tolist(), ends.tolist(), strict=True))

    def block_of(self) -> np.ndarray:
        """Each row's block (its place in :meth:`blocks`)."""
        sizes = [stop - start for start, stop in self.blocks()]
        return np.repeat(np.arange(len(sizes)), sizes)

    def group(self, i: int) -> dict[str, Any] | None:
        if self.overall[i]:
            return None
        return {name: column[i] for name, column in self.keys.items()}

    def row(self, i: int) -> ResultRow:
        """Row ``i`` as a typed record."""
        from .rows import ResultRow

        metrics = {name: column.value(i) for name, column in self.losses.items()}
        notes = {name: c.notes[i] for name, c in self.losses.items() if c.notes[i] is not None}
        intervals = {}
        for name, column in self.losses.items():
            interval = column.interval(i)
            if interval is not None:
                intervals[name] = interval
        baseline = {
            name: _float(c.baseline[i]) for name, c in self.losses.items() if c.baseline is not None
        }
        errors = {
            name: _float(c.baseline_se[i])
            for name, c in self.losses.items()
            if c.baseline_se is not None
        }
        return ResultRow(
            file=self.file[i],
            pred=self.pred[i],
            group=self.group(i),
            n=int(self.n[i]),
            metrics=metrics,
            notes=notes,
            baseline=_unless_empty(baseline),
            baseline_se=_unless_empty(errors),
            intervals=intervals,
            period=self._period(i),
            class_name=None if self.classes is None else self.classes.name[i],
            average=self.classes is not None and bool(self.classes.average[i]),
        )

    def _period(self, i: int) -> Period | None:
        """Row ``i``'s period (None: over all periods, or no row has one)."""
        if self.period is None or not self.period.present[i]:
            return None
        from .rows import Period

        one = self.period.take(slice(i, i + 1))
        start, end = (str(period_texts(one, bound)[0]) for bound in ("start", "end"))
        return Period(start, end, str(one.label[0]))

    @classmethod
    def concat(cls, frames: Sequence[Frame]) -> Frame:
        """The rows of ``frames`` one after another (all with the same group columns)."""
        if len(frames) == 1:
            return frames[0]
        names = list(dict.fromkeys(name for f in frames for name in f.losses))
        return cls(
            file=np.concatenate([f.file for f in frames]),
            pred=np.concatenate([f.pred for f in frames]),
            keys={k: KeyColumn.concat([f.keys[k] for f in frames]) for k in frames[0].keys},
            overall=np.concatenate([f.overall for f in frames]),
            n=np.concatenate([f.n for f in frames]),
            losses={name: _concat_columns([_column(f, name) for f in frames]) for name in names},
            diagrams=_concat_diagrams(frames),
            curves=_concat_curves(frames),
            period=_concat_parts(PeriodColumns, [f.period for f in frames], frames),
            classes=_concat_parts(ClassColumns, [f.classes for f in frames], frames),
            support=_concat_support(frames),
            n_series=_concat_series(frames),
            confusion=_concat_confusion(frames),
            thresholds=_concat_thresholds(frames),
            drift=_concat_drift(frames),
        )


def _concat_thresholds(frames: Sequence[Frame]) -> ThresholdColumns | None:
    if all(f.thresholds is None for f in frames):
        return None
    from .thresholds import ThresholdColumns

    return ThresholdColumns.concat([f.thresholds for f in frames], [len(f) for f in frames])


def _concat_support(frames: Sequence[Frame]) -> np.ndarray | None:
    if all(f.support is None for f in frames):
        return None
    return np.concatenate(
        [f.support if f.support is not None else np.full(len(f), np.nan) for f in frames]
    )


def _concat_series(frames: Sequence[Frame]) -> np.ndarray | None:
    if all(f.n_series is None for f in frames):
        return None
    parts = [f.n_series if f.n_series is not None else np.zeros(len(f), np.int64) for f in frames]
    return np.concatenate(parts)


def _concat_parts(kind: Any, parts: list[Any], frames: Sequence[Frame]) -> Any:
    """Several frames' period or class parts one after another (None: no frame has any)."""
    if all(p is None for p in parts):
        return None
    return kind.concat(parts, [len(f) for f in frames])


def _concat_confusion(frames: Sequence[Frame]) -> ConfusionColumns | None:
    if all(f.confusion is None for f in frames):
        return None
    from .confusion import ConfusionColumns

    return _concat_parts(ConfusionColumns, [f.confusion for f in frames], frames)


def _concat_drift(frames: Sequence[Frame]) -> DriftColumns | None:
    if all(f.drift is None for f in frames):
        return None
    from .drift import DriftColumns

    return _concat_parts(DriftColumns, [f.drift for f in frames], frames)


def _concat_diagrams(frames: Sequence[Frame]) -> DiagramColumns | None:
    if all(f.diagrams is None for f in frames):
        return None
    from .diagrams import DiagramColumns

    return DiagramColumns.concat([f.diagrams for f in frames], [len(f) for f in frames])


def _concat_curves(frames: Sequence[Frame]) -> CurveColumns | None:
    if all(f.curves is None for f in frames):
        return None
    from .curves import CurveColumns

    return CurveColumns.concat([f.curves for f in frames], [len(f) for f in frames])


def _column(frame: Frame, name: str) -> LossColumn:
    """``frame``'s column of loss ``name``, or an all-missing one where it has none."""
    column = frame.losses.get(name)
    if column is not None:
        return column
    return LossColumn.of(np.full(len(frame), np.nan))


def _concat_columns(columns: Sequence[LossColumn]) -> LossColumn:
    """One column of several, an array missing from some filled with NaN there."""
    first = columns[0]
    names = list(dict.fromkeys(name for c in columns for name in c.arrays()))
    joined: dict[str, Any] = {}
    for name in names:
        parts = [c.arrays().get(name) for c in columns]
        empty = None if name == "whys" else np.nan
        filler = [
            np.full(len(c.values), empty, dtype=object if empty is None else float) for c in columns
        ]
        joined[name] = np.concatenate(
            [p if p is not None else f for p, f in zip(parts, filler, strict=True)]
        )
    method = next((c.method for c in columns if c.method), first.method)
    return replace(first, method=method, **joined)


def repeated(value: Any, n: int) -> np.ndarray:
    """An object array of ``n`` references to one ``value`` (``np.full`` would make a
    Python object per row of a text: 100 MB for a path over a million rows)."""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def _unless_empty(values: dict[str, float | None]) -> dict[str, float | None] | None:
    """None for a row with no baseline value (no matching baseline row)."""
    return values if any(v is not None for v in values.values()) else None


def _float(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
