"""Row checks while reading: count every bad row, name the first, never coerce silently."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .reading import ColumnPlan

NON_FINITE = "missing or non-finite"
NEGATIVE_WEIGHT = "negative weight"
ZERO_LABEL = "zero label"

_ADVICE = {
    NON_FINITE: "Fix or remove those rows, or pass --drop-na to leave them out.",
    NEGATIVE_WEIGHT: "Weights must be 0 or more.",
    ZERO_LABEL: "MAPE cannot score a label of 0; without --mape-zero error such rows are "
                "left out of MAPE only.",
}


@dataclass
class _Found:
    count: int
    first_row: int
    first_value: float


class RowProblems:
    """Bad rows of one source, per column and kind, with the first row (1-based) and value."""

    def __init__(self, source: str, drop_na: bool) -> None:
        self.source, self.drop_na = source, drop_na
        self.rows_seen = 0
        self.dropped = 0
        self._found: dict[tuple[str, str], _Found] = {}

    @property
    def failed(self) -> bool:
        return bool(self._found)

    def check(
        self, values: dict[str, np.ndarray], plan: ColumnPlan, zero_labels: bool
    ) -> np.ndarray | None:
        """Record the chunk's bad rows; with --drop-na return the mask of rows to keep."""
        n = len(values[plan.label])
        nonfinite = np.zeros(n, dtype=bool)
        for name, column in values.items():
            bad = ~np.isfinite(column)
            if bad.any():
                nonfinite |= bad
                if not self.drop_na:
                    self._note(name, NON_FINITE, bad, column)
        if plan.weight:
            self._note(plan.weight, NEGATIVE_WEIGHT, values[plan.weight] < 0, values[plan.weight])
        if zero_labels:
            self._note(plan.label, ZERO_LABEL, values[plan.label] == 0, values[plan.label])
        self.rows_seen += n
        if self.drop_na and nonfinite.any():
            self.dropped += int(nonfinite.sum())
            return ~nonfinite
        return None

    def _note(self, column: str, kind: str, bad: np.ndarray, values: np.ndarray) -> None:
        count = int(np.count_nonzero(bad))
        if not count:
            return
        found = self._found.get((column, kind))
        if found is None:
            first = int(np.argmax(bad))
            self._found[(column, kind)] = _Found(count, self.rows_seen + first + 1,
                                                 float(values[first]))
        else:
            found.count += count

    def raise_if_failed(self) -> None:
        if not self._found:
            return
        lines = [
            f"{self.source}: column {column!r} has {found.count} "
            f"{_plural(kind, found.count)} (first at row {found.first_row}: "
            f"{_shown(found.first_value)}). {_ADVICE[kind]}"
            for (column, kind), found in self._found.items()
        ]
        raise InputError("\n".join(lines))

    def notices(self) -> list[str]:
        if not self.dropped:
            return []
        return [f"{self.source}: {self.dropped} of {self.rows_seen} rows dropped for missing "
                "or non-finite values (--drop-na)"]


def _plural(kind: str, count: int) -> str:
    return kind + ("s" if count != 1 and not kind.endswith("finite") else "") + (
        " values" if kind == NON_FINITE else "")


def _shown(value: float) -> str:
    if math.isnan(value):
        return "empty or NaN"
    return repr(value)
