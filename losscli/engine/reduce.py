"""Reduction: sums of per-row statistics per key, added chunk by chunk.

Keys are group ids (0 … n_keys − 1); without groups every row has key 0. Plain
statistics are added; a :class:`~losscli.losses.Spread` is kept as weighted count,
mean and M2 per key and merged with Chan et al.'s parallel formula, so that a
total sum of squares never cancels. Adding a chunk, merging shards and pooling
groups into an overall row are all the same operation.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..losses import Spread
from ..losses.batch import Ones

Moments = tuple[np.ndarray, np.ndarray, np.ndarray]  # weight, mean, M2 per key


def key_sum(codes: np.ndarray | None, n_keys: int, column: np.ndarray | Ones) -> np.ndarray:
    """Σ column per key: one vectorised pass (pairwise np.sum when there is one key).

    A column of :class:`Ones`, or of booleans, is counted.
    """
    if codes is None:
        if isinstance(column, Ones):
            return np.array([float(column.n)])
        if column.dtype == bool:
            return np.array([float(np.count_nonzero(column))])
        return np.array([np.sum(column)], dtype=float)
    if isinstance(column, Ones):
        return np.bincount(codes, minlength=n_keys).astype(float)
    if column.dtype == bool:
        return np.bincount(codes[column], minlength=n_keys).astype(float)
    return np.bincount(codes, weights=column, minlength=n_keys).astype(float, copy=False)


def merge_moments(a: Moments, b: Moments) -> Moments:
    """Combine (weight, mean, M2) of two disjoint row sets, element-wise over keys (Chan)."""
    wa, ma, m2a = a
    wb, mb, m2b = b
    w = wa + wb
    share_b = np.divide(wb, w, out=np.zeros_like(w), where=w != 0)
    delta = mb - ma
    mean = ma + delta * share_b
    m2 = m2a + m2b + delta**2 * wa * share_b
    return w, mean, m2


def chunk_moments(
    codes: np.ndarray | None, n_keys: int, values: np.ndarray, weights: np.ndarray
) -> Moments:
    """Weighted count, mean and M2 per key of one chunk, in two passes (centred on the mean)."""
    w = key_sum(codes, n_keys, weights)
    mean = np.divide(
        key_sum(codes, n_keys, weights * values), w, out=np.zeros_like(w), where=w != 0
    )
    centred = values - (mean[0] if codes is None else mean[codes])
    m2 = key_sum(codes, n_keys, weights * centred**2)
    return w, mean, m2


class Accumulator:
    """Per-key sums of named statistics (``n``, the row count, is one of them).

    A spread is kept per key as (weight, mean, M2) of ``value − shift``, the shift
    being the key's first value: the means Chan's merge combines then stay small,
    so labels near 1e9 with a spread near 1 lose nothing to rounding.
    """

    def __init__(self) -> None:
        self.n_keys = 0
        self.sums: dict[str, np.ndarray] = {}
        self.moments: dict[str, Moments] = {}
        self.shifts: dict[str, np.ndarray] = {}

    def add(
        self,
        stats: Mapping[str, np.ndarray | Ones | Spread],
        codes: np.ndarray | None = None,
        n_keys: int = 1,
    ) -> None:
        """Add one chunk's statistics; ``codes`` gives each row's key (None: all key 0)."""
        self._grow(n_keys)
        summed: dict[object, np.ndarray] = {}  # a column under several names is summed once
        for name, column in stats.items():
            if isinstance(column, Spread):
                self._add_spread(name, column, codes)
                continue
            same = Ones if isinstance(column, Ones) else id(column)
            if same not in summed:
                summed[same] = key_sum(codes, n_keys, column)
            self.sums.setdefault(name, np.zeros(n_keys))
            self.sums[name] += summed[same]

    def _add_spread(self, name: str, spread: Spread, codes: np.ndarray | None) -> None:
        shift = self.shifts.setdefault(name, np.full(self.n_keys, np.nan))
        if len(spread.values):
            keys, first = (
                (np.array([0]), np.array([0]))
                if codes is None
                else np.unique(codes, return_index=True)
            )
            unset = np.isnan(shift[keys])
            shift[keys[unset]] = spread.values[first[unset]]
        offsets = spread.values - (shift[0] if codes is None else shift[codes])
        part = chunk_moments(codes, self.n_keys, offsets, spread.weights)
        self.moments[name] = merge_moments(self.moments.get(name, _zeros3(self.n_keys)), part)

    def _grow(self, n_keys: int) -> None:
        if n_keys < self.n_keys:
            raise ValueError("the number of keys never shrinks")
        if n_keys == self.n_keys:
            return
        pad = n_keys - self.n_keys
        self.sums = {k: np.concatenate([v, np.zeros(pad)]) for k, v in self.sums.items()}
        self.moments = {k: _pad3(v, pad) for k, v in self.moments.items()}
        self.shifts = {k: np.concatenate([v, np.full(pad, np.nan)]) for k, v in self.shifts.items()}
        self.n_keys = n_keys

    def merge(self, other: Accumulator) -> Accumulator:
        """This accumulator plus ``other`` (same key ids): shards, or chunks. Neither changes."""
        out = Accumulator()
        for part in (self, other):
            out._absorb(part)
        return out

    def _absorb(self, part: Accumulator) -> None:
        """Add another accumulator's sums; its spreads are re-based onto this one's shifts."""
        self._grow(max(self.n_keys, part.n_keys))
        n, pad = self.n_keys, self.n_keys - part.n_keys
        for name, sums in part.sums.items():
            self.sums.setdefault(name, np.zeros(n))
            self.sums[name] += np.concatenate([sums, np.zeros(pad)])
        for name, moments in part.moments.items():
            w, mean, m2 = _pad3(moments, pad)
            theirs = np.concatenate([part.shifts[name], np.full(pad, np.nan)])
            mine = self.shifts.setdefault(name, np.full(n, np.nan))
            unset = np.isnan(mine)
            mine[unset] = theirs[unset]
            rebased = np.where(np.isnan(theirs), 0.0, theirs - mine) + mean
            self.moments[name] = merge_moments(self.moments.get(name, _zeros3(n)), (w, rebased, m2))

    def table(self, order: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Flat per-key sums for ``Loss.finalize``: spreads appear as ``name.w/.mean/.m2``."""
        flat = dict(self.sums)
        for name, (w, mean, m2) in self.moments.items():
            absolute = np.nan_to_num(self.shifts[name]) + mean
            flat.update({f"{name}.w": w, f"{name}.mean": absolute, f"{name}.m2": m2})
        if order is not None:
            flat = {k: v[order] for k, v in flat.items()}
        return flat

    def pooled(self) -> dict[str, np.ndarray]:
        """All keys pooled into one (the overall row), from the per-key sums alone."""
        flat = {k: np.array([np.sum(v)]) for k, v in self.sums.items()}
        for name, (w, mean, m2) in self.moments.items():
            shift = self.shifts[name]
            seen = ~np.isnan(shift)
            base = shift[seen][0] if seen.any() else 0.0
            offsets = np.where(seen, shift - base, 0.0) + mean  # means relative to one shift
            total = np.sum(w)
            grand = np.sum(w * offsets) / total if total else 0.0
            spread = np.sum(m2) + np.sum(w * (offsets - grand) ** 2)
            flat.update(
                {
                    f"{name}.w": np.array([total]),
                    f"{name}.mean": np.array([base + grand]),
                    f"{name}.m2": np.array([spread]),
                }
            )
        return flat


def _pad3(moments: Moments, pad: int) -> Moments:
    w, mean, m2 = (np.concatenate([part, np.zeros(pad)]) for part in moments)
    return w, mean, m2


def _zeros3(n: int) -> Moments:
    return np.zeros(n), np.zeros(n), np.zeros(n)
