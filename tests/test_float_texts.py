"""Floats written as ``repr`` writes them (``render/columns.py``), around every change of
notation: Python's (1e-4, 1e16) and Arrow's (1e-6, 1e10), whose texts between are plain
decimals that are not searched for an exponent."""

from __future__ import annotations

import math

import numpy as np

from losscli.render.columns import PLAIN, float_texts


def _around_powers_of_ten() -> np.ndarray:
    rng = np.random.default_rng(0)
    values = []
    for exponent in range(-12, 23):
        power = 10.0**exponent
        values += [power, np.nextafter(power, 0), np.nextafter(power, np.inf)]
        values += [*(power * rng.random(20)), power * 9.999999999999999, power * 1.5]
        values += [round(power * 7) if power >= 1 else power * 7]  # whole from 1 on
    values += [PLAIN[0], np.nextafter(PLAIN[0], 0), PLAIN[1], np.nextafter(PLAIN[1], 0)]
    values += [0.0, -0.0, 100.0, 1e9 - 1, 123456789.0, math.inf, -math.inf, math.nan]
    both = np.array(values, dtype=np.float64)
    return np.concatenate([both, -both])


def test_floats_around_every_change_of_notation_are_written_as_repr_writes_them() -> None:
    values = _around_powers_of_ten()
    texts = float_texts(values, "").to_pylist()
    assert texts == ["" if math.isnan(v) else repr(float(v)) for v in values]


def test_plain_magnitudes_alone_are_written_as_repr_writes_them() -> None:
    """A slice of plain magnitudes only (the usual losses) takes the short path."""
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.random(1000) * 1000, np.arange(1.0, 50.0), [1e-4, 999999999.5]])
    texts = float_texts(values, "").to_pylist()
    assert texts == [repr(float(v)) for v in values]
