"""Finalizing a run with ``mase``/``rmsse``: per-series values, and their means on the rows.

The kernel's keys are (group[, period], series): the series columns are hidden key parts
(:mod:`.series_plan`). Here the partial is re-keyed without them (:func:`.period_merge.rekeyed`,
merged by each statistic's kind), so every row and every other loss is finalized from the
same sums as in a run without the series level; then, per model and scaled loss, each
series' mean error within each row is taken from the fine keys' sums, divided by the
series' history scale, and the row reports the mean over its series (weighted by
``--series-weight``), with a t interval over the series under ``--ci``.

A series whose history has fewer than m + 1 values, or a zero scale, is left out and
counted in the row's note; one without a history is an input error naming it, or counted
and left out under ``--drop-na``. Everything is vectorised over keys and series; Python
runs once per distinct group × period (to find its row), never per key or series.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .. import _arrow
from ..errors import InputError
from ..losses import Loss
from ..losses.scaled import squared_scale
from ..reading import Model
from ..reading.columns import PERIOD_KEY
from ..result import Comparison, Frame, LossColumn
from ..result.keys import NO_PERIOD
from .keys import KeySet
from .order import key_column
from .partial import Partial
from .period_merge import rekeyed
from .series_means import SeriesMeans, SeriesValues, series_means

if TYPE_CHECKING:
    from .finalize import Finishing
    from .series_plan import SeriesRun

Finalizer = Callable[[str, Partial, Sequence[Model], "Finishing"], tuple[Frame, list[Comparison]]]


def series_frame(
    file: str, partial: Partial, models: Sequence[Model], spec: Finishing, inner: Finalizer
) -> tuple[Frame, list[Comparison]]:
    """The input's rows (``inner`` finalizes them from the partial without the series
    parts), the scaled losses' columns then filled from the series (module docstring)."""
    run = spec.series
    assert run is not None
    partial = partial.settle().trimmed()
    if not np.sum(partial.n):
        raise InputError(f"{file}: no data rows to evaluate")
    hidden = run.hidden()
    arrays = partial.keys.arrays()
    visible = [i for i, c in enumerate(partial.keys.columns) if c not in hidden]
    coarse = rekeyed(partial, visible, arrays) if hidden else partial
    frame, comparisons = inner(file, coarse, models, replace(spec, series=None))
    scaled = [loss for loss in spec.losses if loss.history]
    if not scaled:
        return frame, comparisons
    fine = _FineKeys(partial, arrays, run, [partial.keys.columns[i] for i in visible])
    columns = dict(frame.losses)
    level = None if spec.ci is None else spec.ci.level
    found: dict[tuple[str, str], SeriesValues] = {}
    counted = np.zeros(len(frame), dtype=np.int64)  # the series each row averages over
    for model in models:
        rows = fine.rows(frame, model.name)
        for loss in scaled:
            if loss.applies_to(model.multiclass, model.levels):
                values = found[(model.name, loss.name)] = fine.values(
                    partial, model.name, loss, rows, run
                )
                columns[loss.name] = _filled(
                    columns[loss.name], series_means(values), rows.shown, level, loss.undefined
                )
                scored = np.bincount(values.row, values.scored & ~values.missing, len(frame))
                counted[rows.shown] = scored[rows.shown]
    kept = [c for c in comparisons if c.loss not in {loss.name for loss in scaled}]
    frame = replace(frame, losses=columns, n_series=counted)
    if spec.reference:
        from .series_compare import series_comparisons

        kept += series_comparisons(
            file, frame, found, scaled, reference=spec.reference, ci=spec.compare_ci
        )
    return frame, kept


class _Rows:
    """A model's rows in the frame (``shown``), and the (fine key, row) pairs saying which
    rows each fine key counts in (``key``, ``row``)."""

    def __init__(self, shown: np.ndarray, key: np.ndarray, row: np.ndarray) -> None:
        self.shown, self.key, self.row = shown, key, row


class _FineKeys:
    """The partial's keys that have rows: each's series (``series``, an id among the fine
    keys' distinct series), its group code and period, and the series' history id and
    weight."""

    def __init__(
        self, partial: Partial, arrays: list[pa.Array], run: SeriesRun, visible: list[str]
    ) -> None:
        columns = partial.keys.columns
        self.seen = np.flatnonzero(partial.n > 0)
        taken = {c: a.take(self.seen) for c, a in zip(columns, arrays, strict=True)}
        self.groups = [c for c in visible if c != PERIOD_KEY]
        self.period = (
            _arrow.values(taken[PERIOD_KEY].cast(pa.int64())).astype(np.int64)
            if PERIOD_KEY in taken
            else None
        )
        self.group_code, self.group_tuples = _codes(taken, self.groups, partial)
        self.series, first = _series_codes(taken, run.series, len(self.seen))
        self.history = run.scales.ids([taken[c].take(first) for c in run.series], len(first))
        self.first = first
        self.taken = taken
        self.weight = _series_weight(taken, run, self.series, first)

    def rows(self, frame: Frame, model: str) -> _Rows:
        """The model's rows without a class part, and which of them each fine key counts in."""
        mine = frame.pred == model
        if frame.classes is not None:
            mine &= ~frame.classes.present
        shown = np.flatnonzero(mine)
        starts = frame.period.start if frame.period is not None else None
        row_of: dict[tuple[object, int], int] = {}
        values = [frame.keys[c].tolist() for c in self.groups]
        for i in shown.tolist():
            group = None if frame.overall[i] else tuple(column[i] for column in values)
            row_of[(group, NO_PERIOD if starts is None else int(starts[i]))] = i
        keys, found = [], []
        n = len(self.seen)
        period = self.period if self.period is not None else np.full(n, NO_PERIOD)
        for overall in [False, True] if self.groups else [True]:
            for own_period in [True, False] if self.period is not None else [False]:
                g = np.full(n, -1) if overall else self.group_code
                p = period if own_period else np.full(n, NO_PERIOD)
                pairs, inverse = np.unique(np.stack([g, p]), axis=1, return_inverse=True)
                at = np.array(
                    [
                        row_of.get((None if gi < 0 else self.group_tuples[gi], int(pi)), -1)
                        for gi, pi in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True)
                    ],
                    dtype=np.int64,
                )[inverse.reshape(-1)]
                keys.append(np.flatnonzero(at >= 0))
                found.append(at[at >= 0])
        return _Rows(shown, np.concatenate(keys), np.concatenate(found))

    def values(
        self, partial: Partial, model: str, loss: Loss, rows: _Rows, run: SeriesRun
    ) -> SeriesValues:
        """Per row of the frame and series in it, the series' scaled value."""
        num, den = self._sums(partial, model, loss)
        season = int(loss.arguments.get("season", 1) or 1)
        squared = squared_scale(loss)
        scale = run.scales.scale(season, squared)
        series_scale = np.where(self.history >= 0, scale[np.maximum(self.history, 0)], np.nan)
        without = self.history < 0
        if without.any() and not run.drop_na:
            raise self._no_history(int(np.flatnonzero(without)[0]), run)
        count = len(self.first)
        pair, inverse = np.unique(rows.row * count + self.series[rows.key], return_inverse=True)
        inverse = inverse.reshape(-1)
        sum_num = np.bincount(inverse, num[rows.key], minlength=len(pair))
        sum_den = np.bincount(inverse, den[rows.key], minlength=len(pair))
        series = pair % count
        with np.errstate(all="ignore"):
            error = sum_num / sum_den
            value = (
                np.sqrt(error / series_scale[series]) if squared else error / series_scale[series]
            )
        return SeriesValues(
            row=pair // count,
            series=series,
            value=value,
            weight=self.weight[series],
            scored=sum_den > 0,
            missing=without[series],
            shown=rows.shown,
        )

    def _sums(self, partial: Partial, model: str, loss: Loss) -> tuple[np.ndarray, np.ndarray]:
        """The loss's Σw·term and Σw per fine key."""
        found: dict[str, np.ndarray] = {}
        for (owner, name, stat), state in partial.states.items():
            if owner == model and name == loss.name and stat.name in ("num", "den"):
                found[stat.name] = np.asarray(state)[self.seen]
        return found["num"], found["den"]

    def _no_history(self, series: int, run: SeriesRun) -> InputError:
        missing = int(np.sum(self.history < 0))
        name = _series_name(self.taken, run.series, int(self.first[series]))
        more = f" (and {missing - 1:,} more series)" if missing > 1 else ""
        return InputError(
            f"the series {name}{more} has no values in --history, so its errors have no scale: "
            "add its history, or give --drop-na to leave such series out (they are counted)"
        )


def _codes(
    taken: dict[str, pa.Array], columns: list[str], partial: Partial
) -> tuple[np.ndarray, list[tuple[object, ...]]]:
    """Each fine key's code among the distinct values of ``columns``, and each code's values
    as the frame shows them."""
    n = len(next(iter(taken.values()))) if taken else 0
    if not columns:
        return np.zeros(n, dtype=np.int64), [()]
    keys = KeySet(columns, partial.keys.empty_is_missing)
    codes = keys.codes([taken[c] for c in columns]).astype(np.int64)
    shown = [key_column(a, partial.keys.empty_is_missing).tolist() for a in keys.arrays()]
    return codes, list(zip(*shown, strict=True))


def _series_codes(
    taken: dict[str, pa.Array], series: tuple[str, ...], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each fine key's series (an id among the distinct series), and each series' first key."""
    if not series:
        return np.zeros(n, dtype=np.int64), np.zeros(1 if n else 0, dtype=np.int64)
    keys = KeySet(list(series))
    codes = keys.codes([taken[c] for c in series]).astype(np.int64)
    first = np.full(keys.size, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(n)[::-1]
    return codes, first


def _series_name(taken: dict[str, pa.Array], series: tuple[str, ...], key: int) -> str:
    if not series:
        return "(the whole input)"
    return ", ".join(f"{c}={taken[c][key].as_py()!r}" for c in series)


def _series_weight(
    taken: dict[str, pa.Array], run: SeriesRun, series: np.ndarray, first: np.ndarray
) -> np.ndarray:
    """Each series' --series-weight (1 without one), checked constant within the series."""
    if run.weight is None:
        return np.ones(len(first))
    column = taken[run.weight]
    if pa.types.is_dictionary(column.type):  # a CSV's text
        column = column.dictionary_decode()
    try:
        values = _arrow.values(column.cast(pa.float64()).fill_null(np.nan)).astype(np.float64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise InputError(
            f"--series-weight {run.weight!r}: the column holds {column.type}, not numbers"
        ) from None
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"--series-weight {run.weight!r}: {float(values[i]):g} for the series "
            f"{_series_name(taken, run.series, i)}; a series weight is a number ≥ 0 on every row"
        )
    weight = values[first]
    differs = np.flatnonzero(values != weight[series])
    if len(differs):
        i = int(differs[0])
        raise InputError(
            f"--series-weight {run.weight!r} is not constant within the series "
            f"{_series_name(taken, run.series, i)}: {float(weight[series[i]]):g} and "
            f"{float(values[i]):g}; "
            "give one weight per series"
        )
    return weight


def _filled(
    column: LossColumn, means: SeriesMeans, shown: np.ndarray, level: float | None, undefined: str
) -> LossColumn:
    """The loss column with the model's rows (``shown``) holding the series means (a row
    without a series to average says so: ``undefined``)."""
    values, notes = column.values.copy(), column.notes.copy()
    values[shown] = means.value[shown]
    notes[shown] = means.notes[shown]
    quiet = shown[np.isnan(values[shown]) & (notes[shown] == None)]  # noqa: E711
    notes[quiet] = undefined
    if level is None:
        return replace(column, values=values, notes=notes)
    low, high, se = (
        np.full(len(values), np.nan) if a is None else a.copy()
        for a in (column.low, column.high, column.se)
    )
    whys = np.full(len(values), None, dtype=object) if column.whys is None else column.whys.copy()
    interval = means.interval(level)
    low[shown], high[shown], se[shown] = (
        interval.low[shown],
        interval.high[shown],
        interval.se[shown],
    )
    whys[shown] = interval.why[shown]
    return replace(column, values=values, notes=notes, low=low, high=high, se=se, whys=whys)
