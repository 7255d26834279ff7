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

from .losses import Spread


def key_sum(codes: np.ndarray | None, n_keys: int, column: np.ndarray) -> np.ndarray:
    """Σ column per key: one vectorised pass (pairwise np.sum when there is one key)."""
    if codes is None:
        return np.array([np.sum(column)], dtype=float)
    return np.bincount(codes, weights=column, minlength=n_keys).astype(float, copy=False)


def merge_moments(
    a: tuple[np.ndarray, np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Combine (weight, mean, M2) of two disjoint row sets, element-wise over keys."""
    wa, ma, m2a = a
    wb, mb, m2b = b
    w = wa + wb
    share_b = np.divide(wb, w, out=np.zeros_like(w), where=w != 0)
    delta = mb - ma
    mean = ma + delta * share_b
    m2 = m2a + m2b + delta**2 * wa * share_b
    return w, mean, m2


def chunk_moments(
    codes: np.ndarray | None, n_keys: int, spread: Spread
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted count, mean and M2 per key of one chunk, in two passes (shifted by the mean)."""
    w = key_sum(codes, n_keys, spread.weights)
    mean = np.divide(
        key_sum(codes, n_keys, spread.weights * spread.values), w,
        out=np.zeros_like(w), where=w != 0,
    )
    centred = spread.values - (mean[0] if codes is None else mean[codes])
    m2 = key_sum(codes, n_keys, spread.weights * centred**2)
    return w, mean, m2


class Accumulator:
    """Per-key sums of named statistics (``n``, the row count, is one of them)."""

    def __init__(self) -> None:
        self.n_keys = 0
        self.sums: dict[str, np.ndarray] = {}
        self.moments: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def add(
        self,
        stats: Mapping[str, np.ndarray | Spread],
        codes: np.ndarray | None = None,
        n_keys: int = 1,
    ) -> None:
        """Add one chunk's statistics; ``codes`` gives each row's key (None: all key 0)."""
        self._grow(n_keys)
        for name, column in stats.items():
            if isinstance(column, Spread):
                part = chunk_moments(codes, n_keys, column)
                self.moments[name] = merge_moments(self.moments.get(name, _zeros3(n_keys)), part)
            else:
                self.sums.setdefault(name, np.zeros(n_keys))
                self.sums[name] += key_sum(codes, n_keys, column)

    def _grow(self, n_keys: int) -> None:
        if n_keys < self.n_keys:
            raise ValueError("the number of keys never shrinks")
        if n_keys == self.n_keys:
            return
        pad = n_keys - self.n_keys
        self.sums = {k: np.concatenate([v, np.zeros(pad)]) for k, v in self.sums.items()}
        self.moments = {
            k: tuple(np.concatenate([part, np.zeros(pad)]) for part in v)  # type: ignore[misc]
            for k, v in self.moments.items()
        }
        self.n_keys = n_keys

    def merge(self, other: Accumulator) -> Accumulator:
        """This accumulator plus ``other`` (same key ids): shards, or chunks."""
        n = max(self.n_keys, other.n_keys)
        self._grow(n)
        other._grow(n)
        out = Accumulator()
        out.n_keys = n
        names = set(self.sums) | set(other.sums)
        out.sums = {k: self.sums.get(k, 0) + other.sums.get(k, np.zeros(n)) for k in names}
        for k in set(self.moments) | set(other.moments):
            out.moments[k] = merge_moments(
                self.moments.get(k, _zeros3(n)), other.moments.get(k, _zeros3(n))
            )
        return out

    def table(self, order: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Flat per-key sums for ``Loss.finalize``: spreads appear as ``name.w/.mean/.m2``."""
        flat = dict(self.sums)
        for name, (w, mean, m2) in self.moments.items():
            flat.update({f"{name}.w": w, f"{name}.mean": mean, f"{name}.m2": m2})
        if order is not None:
            flat = {k: v[order] for k, v in flat.items()}
        return flat

    def pooled(self) -> dict[str, np.ndarray]:
        """All keys pooled into one (the overall row), from the per-key sums alone."""
        flat = {k: np.array([np.sum(v)]) for k, v in self.sums.items()}
        for name, (w, mean, m2) in self.moments.items():
            total = np.sum(w)
            grand = np.sum(w * mean) / total if total else 0.0
            spread = np.sum(m2) + np.sum(w * (mean - grand) ** 2)
            flat.update({f"{name}.w": np.array([total]), f"{name}.mean": np.array([grand]),
                         f"{name}.m2": np.array([spread])})
        return flat


def _zeros3(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(n), np.zeros(n), np.zeros(n)
