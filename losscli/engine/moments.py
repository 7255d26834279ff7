"""Shifted moments: a weighted variable's moments per key around a per-key shift, the one
value type for R²'s Σw(y − ȳ)² wherever it is kept, merged, re-based and pooled.

Each key's values are taken less a shift c, the first value the key had (NaN: no rows
yet), so that no sum cancels more than the values' spread from it. The shift kept is the
first one set: a merge moves the other side onto it (:meth:`ShiftedMoments.merged`), and
the overall row moves every key onto one (:meth:`ShiftedMoments.pooled`). Moving by
d = c_theirs − c_mine is the one re-basing there is (:meth:`ShiftedMoments.rebased`),
written per form:

- :class:`Centred` (Σw, the mean of y − c, M2 = Σw(y − ȳ)²): a partial's state, made
  of a block's rows and merged by Chan's formula (:mod:`.comoments`);
- :class:`PowerSums` (Σw, Σw(y − c), Σw(y − c)²): the bootstrap's replicate parts,
  one column per resample, which are sums of per-row terms times the resample weights
  and so must stay linear; shown as centred moments once resampled.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

import numpy as np

from ..records import datarecord
from .comoments import merged as chan_merged
from .comoments import one_variable
from .comoments import pooled as chan_pooled
from .reduce import chunk_moments

Self = TypeVar("Self", bound="ShiftedMoments")


def first_values(codes: np.ndarray | None, n_keys: int, values: np.ndarray) -> np.ndarray:
    """Each key's first value among ``values`` (NaN for a key without rows)."""
    shift = np.full(n_keys, np.nan)
    if len(values):
        keys, first = (
            (np.array([0]), np.array([0])) if codes is None else np.unique(codes, return_index=True)
        )
        shift[keys] = values[first]
    return shift


def kept(shift: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The shift kept when ``other``'s rows join ``shift``'s: the first set, per key."""
    return np.where(np.isnan(shift), other, shift)


@datarecord(frozen=True)
class ShiftedMoments:
    """Per key (the first axis; a second, if any, is the resamples) Σw and two moments of
    y − ``shift``; the forms say which two."""

    shift: np.ndarray  # per key; NaN: no rows yet

    def moved(self: Self, d: np.ndarray, to: np.ndarray) -> Self:
        """The same rows' moments around ``to`` = shift − d (d per key)."""
        raise NotImplementedError

    def joined(self: Self, other: Self) -> Self:
        """Both row sets' moments, key by key, around this one's shift (``other``'s is it)."""
        raise NotImplementedError

    def summed(self: Self) -> Self:
        """One key: every key's rows together, all of them around one shift already."""
        raise NotImplementedError

    def taken(self: Self, index: np.ndarray | slice) -> Self:
        """The moments of the keys ``index`` picks."""
        raise NotImplementedError

    def rebased(self: Self, to: np.ndarray) -> Self:
        """The same rows' moments around ``to`` (per key; a key without rows stays empty)."""
        d = np.where(np.isnan(self.shift), 0.0, self.shift - to)
        return self.moved(d, to)

    def merged(self: Self, other: Self) -> Self:
        """Both row sets, key by key (rows aligned), around the shift kept (:func:`kept`)."""
        to = kept(self.shift, other.shift)
        return replace(self, shift=to).joined(other.rebased(to))  # (unset: no rows here)

    def pooled(self: Self) -> Self:
        """One key, every key's rows together, around the first shift set (0: none)."""
        seen = ~np.isnan(self.shift)
        base = self.shift[seen][0] if seen.any() else 0.0
        return self.rebased(np.full(len(self.shift), base)).summed()


@datarecord(frozen=True)
class Centred(ShiftedMoments):
    """Σw, the weighted mean of y − shift and M2 = Σw(y − ȳ)² per key: exact to merge."""

    w: np.ndarray
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def of_rows(
        cls, codes: np.ndarray | None, n_keys: int, values: np.ndarray, weights: np.ndarray
    ) -> Centred:
        """One block's rows (``codes``: their keys; None: one key), around each key's first."""
        shift = first_values(codes, n_keys, values)
        offsets = values - (shift[0] if codes is None else shift[codes])
        return cls(shift, *chunk_moments(codes, n_keys, offsets, weights))

    @classmethod
    def empty(cls, size: int) -> Centred:
        return cls(np.full(size, np.nan), np.zeros(size), np.zeros(size), np.zeros(size))

    def moved(self, d: np.ndarray, to: np.ndarray) -> Centred:
        return Centred(to, self.w, self.mean + d, self.m2)

    def joined(self, other: Centred) -> Centred:
        table = chan_merged(self._table(), other._table())
        return Centred(self.shift, table[:, 0], table[:, 2], table[:, 3])

    def summed(self) -> Centred:
        total, _, grand, m2 = chan_pooled(self._table())[0]
        return Centred(self.shift[:1], np.array([total]), np.array([grand]), np.array([m2]))

    def taken(self, index: np.ndarray | slice) -> Centred:
        return Centred(self.shift[index], self.w[index], self.mean[index], self.m2[index])

    def shown(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Σw, the mean of y, M2) per key (mean 0 without rows)."""
        return self.w, np.nan_to_num(self.shift) + self.mean, self.m2

    def _table(self) -> np.ndarray:
        return one_variable(self.w, self.mean, self.m2)


@datarecord(frozen=True)
class PowerSums(ShiftedMoments):
    """Σw, Σw·y' and Σw·y'² of y' = y − shift per key (and resample): linear in the rows'
    weights, so a product of per-row terms with resample weights makes them."""

    w: np.ndarray
    s1: np.ndarray
    s2: np.ndarray

    @staticmethod
    def terms(values: np.ndarray, weights: np.ndarray, shift: np.ndarray) -> list[np.ndarray]:
        """The per-row terms (w, w·y', w·y'²) whose sums these are (``shift``: per row)."""
        offsets = values - shift
        weighed = weights * offsets
        return [weights, weighed, weighed * offsets]

    def moved(self, d: np.ndarray, to: np.ndarray) -> PowerSums:
        """Σw(y − a) = Σw(y − b) + (b − a)Σw, and likewise for the squares."""
        d = d[:, None] if self.w.ndim == 2 else d
        s0, s1, s2 = self.w, self.s1, self.s2
        return PowerSums(to, s0, s1 + d * s0, s2 + 2 * d * s1 + d**2 * s0)

    def joined(self, other: PowerSums) -> PowerSums:
        return PowerSums(self.shift, self.w + other.w, self.s1 + other.s1, self.s2 + other.s2)

    def summed(self) -> PowerSums:
        w, s1, s2 = (np.sum(x, axis=0)[None] for x in (self.w, self.s1, self.s2))
        return PowerSums(self.shift[:1], w, s1, s2)

    def taken(self, index: np.ndarray | slice) -> PowerSums:
        return PowerSums(self.shift[index], self.w[index], self.s1[index], self.s2[index])

    def parts(self) -> list[np.ndarray]:
        return [self.w, self.s1, self.s2]

    def then(self, other: PowerSums) -> PowerSums:
        """These keys, then ``other``'s (the ordered keys, then the overall row)."""
        return PowerSums(
            *(np.concatenate([a, b]) for a, b in zip(self._fields(), other._fields(), strict=True))
        )

    def shown(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Σw, the mean of y, M2) per key and resample, as :meth:`Centred.shown`."""
        w, t1, t2 = self.w, self.s1, self.s2
        with np.errstate(all="ignore"):
            mean = np.divide(t1, w, out=np.full(t1.shape, np.nan), where=w != 0)
            shift = np.nan_to_num(self.shift)
            shift = shift[:, None] if w.ndim == 2 else shift
            return w, shift + mean, np.maximum(t2 - t1 * mean, 0.0)

    def _fields(self) -> tuple[np.ndarray, ...]:
        return self.shift, self.w, self.s1, self.s2
