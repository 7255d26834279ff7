"""Log-softmax of a multi-class model's logits, row by row, with NumPy's values to the bit.

Rows are reduced column by column (NumPy's reductions along a short row cost ~4x more),
and sums follow the order of NumPy's pairwise sum of a row, so that the values are those
of ``np.sum(axis=1)`` and ``np.max(axis=1)`` exactly. Cross-entropy from class labels needs
only each row's log p of its own class: :func:`label_log_softmax` takes it from the logit
columns as read, without the (rows × classes) matrices of logits, log p and p.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax along classes, shifted by the row maximum.

    Row maxima and row sums are taken column by column (NumPy's reductions along a short
    row cost ~4x more), the sums in the order of NumPy's pairwise sum of a row, so that
    the values are those of ``np.sum(axis=1)`` to the bit.
    """
    shifted = z - row_extreme(z, np.maximum)[:, None]
    return shifted - np.log(row_sum(np.exp(shifted)))[:, None]


def row_extreme(matrix: np.ndarray, pick: np.ufunc) -> np.ndarray:
    """The row maxima (``np.maximum``) or minima (``np.minimum``), column by column."""
    return row_extreme_of([matrix[:, k] for k in range(matrix.shape[1])], pick)


def row_sum(matrix: np.ndarray) -> np.ndarray:
    """Σ per row, equal to the bit to ``matrix.sum(axis=1)`` of a C-ordered matrix, column
    by column (NumPy's reduction along a short row costs ~2x more here)."""
    return _pairwise([matrix[:, k] for k in range(matrix.shape[1])])


def _pairwise(columns: list[np.ndarray]) -> np.ndarray:
    """Σ of the columns, added in the order NumPy's pairwise summation adds a contiguous
    row of that length (8 running sums per 128 values, halves above that)."""
    n = len(columns)
    if n < 8:
        total = columns[0].copy()
        for column in columns[1:]:
            total += column
        return total
    if n > 128:
        half = n // 2
        half -= half % 8
        return _pairwise(columns[:half]) + _pairwise(columns[half:])
    sums = [columns[j].copy() for j in range(8)]
    whole = n - n % 8
    for i in range(8, whole, 8):
        for j in range(8):
            sums[j] += columns[i + j]
    total = ((sums[0] + sums[1]) + (sums[2] + sums[3])) + (
        (sums[4] + sums[5]) + (sums[6] + sums[7])
    )
    for column in columns[whole:]:
        total += column
    return total


def label_log_softmax(columns: Sequence[np.ndarray], classes: np.ndarray) -> np.ndarray:
    """log softmax(z)_c of each row's class c (``classes``: the class positions; −1 is the
    last, as in one-hot rows made of them), from the logits' class columns: the bits of
    ``log_softmax(np.column_stack(columns))[i, c_i]``, in a pass per column and no matrix
    but the columns' copy for the pick."""
    top = row_extreme_of(columns, np.maximum)
    exps = []
    for column in columns:
        shifted = np.subtract(column, top)
        exps.append(np.exp(shifted, out=shifted))
    log_total = _pairwise(exps)
    np.log(log_total, out=log_total)
    n = len(top)
    picked = np.stack(columns).ravel().take((classes % len(columns)) * n + np.arange(n))
    picked -= top  # the class's shifted logit, as log_softmax shifts it
    picked -= log_total
    return picked


def row_extreme_of(columns: Sequence[np.ndarray], pick: np.ufunc) -> np.ndarray:
    """The row maxima (``np.maximum``) or minima (``np.minimum``) of the columns."""
    extreme = columns[0].copy()
    for column in columns[1:]:
        pick(extreme, column, out=extreme)
    return extreme
