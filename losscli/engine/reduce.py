"""Per-key reductions of one chunk's columns: sums, maxima, and (weight, mean, M2).

Keys are group ids (0 … n_keys − 1); without groups every row has key 0. These are
the only loops over rows; :mod:`.partial` merges their results.
"""

from __future__ import annotations

import numpy as np

from ..columns import Ones

Moments = tuple[np.ndarray, np.ndarray, np.ndarray]  # weight, mean, M2 per key


class Runs(np.ndarray):
    """Codes of rows sorted by key, each key's rows one run from ``starts`` on (small files
    computed as one chunk, a key per file: :mod:`.file_runs`). A run's sum is its own
    ``np.add.reduce``, bit for bit what the run's rows give as a chunk without keys."""

    starts: np.ndarray | None

    @classmethod
    def of(cls, lengths: np.ndarray) -> Runs:
        """The codes of runs of ``lengths`` rows, run i coded i."""
        codes = np.repeat(np.arange(len(lengths), dtype=np.intp), lengths).view(cls)
        codes.starts = np.cumsum(lengths) - lengths
        return codes

    def __array_finalize__(self, obj: object) -> None:
        """A view of all the rows as they are (``codes[0:n]``) keeps the runs; any other
        array made from these codes (reordered, a part, a result) has none."""
        starts = getattr(obj, "starts", None)
        same = (
            isinstance(obj, np.ndarray)
            and self.shape == obj.shape
            and self.strides == obj.strides
            and self.__array_interface__["data"][0] == obj.__array_interface__["data"][0]
        )
        self.starts = starts if same else None

    def sums(self, column: np.ndarray) -> np.ndarray | None:
        """Σ column per run, each run's own ``np.add.reduce`` (what its rows give as a
        chunk without keys: the same bits by construction; a run per file, so this loop is
        per file, not per row). None for a column not of these rows."""
        starts = self.starts
        if starts is None or len(column) != len(self) or column.ndim != 1:
            return None
        ends = [*starts[1:].tolist(), len(column)]
        sums = [
            np.add.reduce(column[start:end])
            for start, end in zip(starts.tolist(), ends, strict=True)
        ]
        return np.array(sums, dtype=float)


def key_sum(codes: np.ndarray | None, n_keys: int, column: np.ndarray | Ones) -> np.ndarray:
    """Σ column per key: one vectorised pass (pairwise np.sum when there is one key).

    A column of :class:`Ones`, or of booleans, is counted.
    """
    if codes is None:
        if isinstance(column, Ones):
            return np.array([float(column.n)])
        if column.dtype == bool:
            return np.array([float(np.count_nonzero(column))])
        return np.add.reduce(column, keepdims=True).astype(float, copy=False)  # np.sum's
    if isinstance(column, Ones):
        return np.bincount(codes, minlength=n_keys).astype(float)
    if isinstance(codes, Runs) and column.dtype != bool:
        found = codes.sums(column)
        if found is not None:
            return found
    if column.dtype == bool:
        return np.bincount(codes[column], minlength=n_keys).astype(float)
    return np.bincount(codes, weights=column, minlength=n_keys).astype(float, copy=False)


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


def key_max(codes: np.ndarray | None, n_keys: int, column: np.ndarray) -> np.ndarray:
    """max column per key (−inf for a key without rows)."""
    if codes is None:
        return np.array([np.max(column, initial=-np.inf)])
    out = np.full(n_keys, -np.inf)
    np.maximum.at(out, codes, column)
    return out


def slice_of(at: np.ndarray) -> np.ndarray | slice:
    """``at`` as a slice where it is one (keys in the order known): the sums then add in
    place, without gathering and scattering (keys × resamples) arrays."""
    if len(at) == 1:  # one key (no groups, or a small file's one group): no pass needed
        first = int(at[0])
        return slice(first, first + 1)
    if len(at) and at[-1] - at[0] == len(at) - 1 and bool((np.diff(at) == 1).all()):
        return slice(int(at[0]), int(at[0]) + len(at))
    return at


def add_at(total: np.ndarray, values: np.ndarray, where: np.ndarray | slice) -> None:
    """``values`` added to ``total``'s rows ``where`` (:func:`slice_of`), in place: a slice
    at once, ids in one scattered pass (a gather, an add and a scatter take three). Ids are
    distinct (a chunk's keys), so each row gets one addition either way."""
    if isinstance(where, slice):
        total[where] += values
    else:
        np.add.at(total, where, values)
