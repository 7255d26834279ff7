"""Run 19a: the kernel's Python per chunk made smaller with the same bits: the binary
evidence's first row tested in Python floats, and MAPE's term made in two passes."""

from __future__ import annotations

import itertools

import numpy as np

from losscli.engine.checks import binary_row, binary_rows
from losscli.losses import Batch
from losscli.losses.regression import _rel_err

EDGES = [0.0, -0.0, 1.0, 0.5, -1e-300, 1.0 + 1e-16, 2.0, np.nan, np.inf, -np.inf]


def test_one_row_is_binary_as_its_rows_are() -> None:
    for y, p in itertools.product(EDGES, repeat=2):
        want = bool(binary_rows(np.array([y]), np.array([p]))[0])
        assert binary_row(y, p) is want, (y, p)
        assert binary_row(y, None) is bool(binary_rows(np.array([y]), None)[0]), y


def test_mape_terms_are_the_quotient_of_magnitudes_bit_for_bit() -> None:
    """|e/y| is |e|/|y| on every row (signs, zero labels, overflowing errors)."""
    rng = np.random.default_rng(19)
    y = rng.normal(0.0, 1.0, 10_000) * 10.0 ** rng.integers(-300, 300, 10_000)
    p = rng.normal(0.0, 1.0, 10_000) * 10.0 ** rng.integers(-300, 300, 10_000)
    y[::97], p[5] = 0.0, -y[5]
    p[6], y[6] = -1e308, 1e308  # e overflows to inf
    for rows in (slice(None), y != 0):  # with zero labels, and without
        zero = y[rows] == 0
        with np.errstate(all="ignore"):  # as the kernel calls it
            made = _rel_err(Batch(y[rows], p[rows]))
            e = y[rows] - p[rows]
            want = np.where(zero, 0.0, np.abs(e) / np.abs(y[rows]))
        assert np.array_equal(made.num.view(np.int64), want.view(np.int64))
        assert np.array_equal(made.flags["zero_label"], zero)
