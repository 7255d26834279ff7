"""The history's scale per series (``mase``, ``rmsse``): a partial keyed by series that
merges exactly however the history is cut.

Per series and season m it keeps the sums of |Δ_m y| and (Δ_m y)² over its lagged
differences y_t − y_{t−m} (m observations earlier in time order; gaps are not filled, as
utilsforecast does), their count, and the series' first and last m values with their
times. Two partials of one series, the second later in time, merge into the partial of
their rows together: the differences across their boundary pair the first one's last m
values with the second one's first m (:meth:`ScalePartial.then`), so a file read in
chunks, shards or partitions gives the whole series' sums. Everything is vectorised over
series: no Python per row or per series.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import InputError
from ..records import datarecord

SeriesNamer = Callable[[int], str]  # which series an id is, for messages


@datarecord(frozen=True)
class ScalePartial:
    """The scale sums of some series (``ids``, sorted, distinct) at season ``season``.

    ``head``/``tail`` (series × m) hold each series' first m values left-aligned and last
    m values right-aligned (fewer where it has fewer: ``min(count, m)`` of them are valid),
    ``head_t``/``tail_t`` their times (int64 ns)."""

    season: int
    ids: np.ndarray  # int64, sorted
    count: np.ndarray  # int64: values
    diffs: np.ndarray  # int64: lagged differences
    abs_sum: np.ndarray  # float64: Σ|Δ_m y|
    sq_sum: np.ndarray  # float64: Σ(Δ_m y)²
    head: np.ndarray
    head_t: np.ndarray
    tail: np.ndarray
    tail_t: np.ndarray

    @classmethod
    def empty(cls, season: int) -> ScalePartial:
        ints, floats = np.zeros(0, dtype=np.int64), np.zeros(0)
        block, times = np.zeros((0, season)), np.zeros((0, season), dtype=np.int64)
        return cls(season, ints, ints, ints, floats, floats, block, times, block, times)

    @classmethod
    def of_sorted(
        cls, season: int, ids: np.ndarray, times: np.ndarray, y: np.ndarray
    ) -> ScalePartial:
        """The partial of rows sorted by series then time (each series' rows together)."""
        m = season
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return cls.empty(m)
        start = np.r_[True, ids[1:] != ids[:-1]]
        first = np.flatnonzero(start)
        run = np.cumsum(start) - 1
        count = np.diff(np.r_[first, len(ids)])
        place = np.arange(len(ids)) - first[run]
        lagged = place >= m
        d = y[m:] - y[:-m] if len(y) > m else np.zeros(0)
        d = d[lagged[m:]]
        at = run[lagged]
        k = len(first)
        abs_sum = np.bincount(at, np.abs(d), minlength=k)
        sq_sum = np.bincount(at, d * d, minlength=k)
        head, head_t = np.full((k, m), np.nan), np.zeros((k, m), dtype=np.int64)
        front = place < m
        head[run[front], place[front]] = y[front]
        head_t[run[front], place[front]] = times[front]
        tail, tail_t = np.full((k, m), np.nan), np.zeros((k, m), dtype=np.int64)
        from_end = count[run] - place  # 1 for a series' last value
        back = from_end <= m
        tail[run[back], m - from_end[back]] = y[back]
        tail_t[run[back], m - from_end[back]] = times[back]
        diffs = np.maximum(count - m, 0)
        return cls(m, ids[first], count, diffs, abs_sum, sq_sum, head, head_t, tail, tail_t)

    def then(self, later: ScalePartial, name: SeriesNamer) -> ScalePartial:
        """This partial followed by ``later`` (whose values of a series both hold all come
        after this one's): the union of their series, each's sums plus the differences
        across their boundary. An equal or earlier time is an input error naming the series."""
        m = self.season
        ids = np.union1d(self.ids, later.ids)
        mine, theirs = np.searchsorted(ids, self.ids), np.searchsorted(ids, later.ids)
        both_mine = np.isin(self.ids, later.ids, assume_unique=True)
        both_theirs = np.isin(later.ids, self.ids, assume_unique=True)
        a, b = _Rows(self, both_mine), _Rows(later, both_theirs)
        _check_order(a, b, ids[mine[both_mine]], name)
        cols = np.arange(m)
        across = (cols < b.shown[:, None]) & (cols >= m - a.shown[:, None])
        d = np.where(across, b.head - a.tail, 0.0)
        out = _Sums.zeros(len(ids), m)
        out.add(self, mine)
        out.add(later, theirs)
        joined = mine[both_mine]
        out.diffs[joined] += across.sum(axis=1)
        out.abs_sum[joined] += np.abs(d).sum(axis=1)
        out.sq_sum[joined] += (d * d).sum(axis=1)
        out.head[joined], out.head_t[joined] = _first(a.head, a.head_t, b.head, b.head_t, a, b)
        out.tail[joined], out.tail_t[joined] = _last(a.tail, a.tail_t, b.tail, b.tail_t, a, b)
        return out.partial(m, ids)

    def scales(self) -> tuple[np.ndarray, np.ndarray]:
        """Per series: mean |Δ_m y| (MASE's scale) and mean (Δ_m y)² (RMSSE's), NaN where
        the history has no lagged difference (fewer than m + 1 values)."""
        with np.errstate(all="ignore"):
            diffs = np.where(self.diffs > 0, self.diffs, np.nan)
            return self.abs_sum / diffs, self.sq_sum / diffs


@datarecord
class _Sums:
    count: np.ndarray
    diffs: np.ndarray
    abs_sum: np.ndarray
    sq_sum: np.ndarray
    head: np.ndarray
    head_t: np.ndarray
    tail: np.ndarray
    tail_t: np.ndarray

    @classmethod
    def zeros(cls, k: int, m: int) -> _Sums:
        ints, floats = np.zeros(k, dtype=np.int64), np.zeros(k)
        block, times = np.full((k, m), np.nan), np.zeros((k, m), dtype=np.int64)
        return cls(
            ints, ints.copy(), floats, floats.copy(), block, times, block.copy(), times.copy()
        )

    def add(self, part: ScalePartial, at: np.ndarray) -> None:
        """A partial's series placed at ``at`` (their heads and tails as they are: series
        in both partials get theirs afterwards)."""
        self.count[at] += part.count
        self.diffs[at] += part.diffs
        self.abs_sum[at] += part.abs_sum
        self.sq_sum[at] += part.sq_sum
        fresh = np.isnan(self.head[at, 0]) if len(at) else np.zeros(0, dtype=bool)
        self.head[at[fresh]], self.head_t[at[fresh]] = part.head[fresh], part.head_t[fresh]
        self.tail[at[fresh]], self.tail_t[at[fresh]] = part.tail[fresh], part.tail_t[fresh]

    def partial(self, m: int, ids: np.ndarray) -> ScalePartial:
        return ScalePartial(
            m,
            ids,
            self.count,
            self.diffs,
            self.abs_sum,
            self.sq_sum,
            self.head,
            self.head_t,
            self.tail,
            self.tail_t,
        )


class _Rows:
    """The series of a partial that the other one holds too, in id order."""

    def __init__(self, part: ScalePartial, rows: np.ndarray) -> None:
        self.shown = np.minimum(part.count[rows], part.season)
        self.head, self.head_t = part.head[rows], part.head_t[rows]
        self.tail, self.tail_t = part.tail[rows], part.tail_t[rows]


def _check_order(a: _Rows, b: _Rows, ids: np.ndarray, name: SeriesNamer) -> None:
    """The later partial's first time of each shared series after the earlier's last."""
    last, first = a.tail_t[:, -1], b.head_t[:, 0]
    wrong = np.flatnonzero(first <= last)
    if len(wrong):
        i = int(wrong[0])
        raise_order(name(int(ids[i])), int(last[i]), int(first[i]))


def raise_order(series: str, before: int, after: int) -> None:
    """An input error: two history rows of ``series`` at one time, or out of order."""
    from .history_times import shown_time

    if before == after:
        raise InputError(
            f"--history: series {series} has two values at {shown_time(after)}; a series "
            "has one value per time: remove the duplicate rows"
        )
    raise InputError(
        f"--history: series {series} has a value at {shown_time(after)} after one at "
        f"{shown_time(before)}: the history's rows must reach each series in time order"
    )


def _first(
    ah: np.ndarray, aht: np.ndarray, bh: np.ndarray, bht: np.ndarray, a: _Rows, b: _Rows
) -> tuple[np.ndarray, np.ndarray]:
    """Each shared series' first m values of the two heads one after the other."""
    m = ah.shape[1]
    cols = np.arange(m)
    valid = np.concatenate([cols < a.shown[:, None], cols < b.shown[:, None]], axis=1)
    order = np.argsort(~valid, axis=1, kind="stable")[:, :m]
    values = np.take_along_axis(np.concatenate([ah, bh], axis=1), order, axis=1)
    times = np.take_along_axis(np.concatenate([aht, bht], axis=1), order, axis=1)
    return values, times


def _last(
    at: np.ndarray, att: np.ndarray, bt: np.ndarray, btt: np.ndarray, a: _Rows, b: _Rows
) -> tuple[np.ndarray, np.ndarray]:
    """Each shared series' last m values of the two tails one after the other."""
    m = at.shape[1]
    cols = np.arange(m)
    valid = np.concatenate([cols >= m - a.shown[:, None], cols >= m - b.shown[:, None]], axis=1)
    order = np.argsort(valid, axis=1, kind="stable")[:, m:]
    values = np.take_along_axis(np.concatenate([at, bt], axis=1), order, axis=1)
    times = np.take_along_axis(np.concatenate([att, btt], axis=1), order, axis=1)
    return values, times
