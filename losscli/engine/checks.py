"""Row checks while reading: count every bad row, name the first, never coerce silently."""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from ..losses.softmax import row_extreme, row_sum
from ..reading import VALUE, ColumnPlan
from ..records import datarecord

PROBABILITY_SUM_TOLERANCE = 1e-4
# Σw of an input may not pass this: float64 ends at 1.8e308, and the sums made of the
# weights (Σw·term, the bootstrap's Σv·w with draws v up to 30) need room above Σw.
WEIGHT_SUM_LIMIT = 1e300
WEIGHT_ADVICE = (
    "Divide every weight by one constant (1e300, say): the losses are the same for "
    "weights scaled alike."
)
Rows = np.ndarray | range | None  # each row's position in the chunk, where not its index


@datarecord(frozen=True)
class Kind:
    one: str
    many: str
    advice: str
    counts: bool = True  # the message says how many rows (else only where the first is)

    def counted(self, count: int) -> str:
        if not self.counts:
            return self.one
        return f"{count:,} {self.one if count == 1 else self.many}"


NON_FINITE = Kind(
    "missing or non-finite value",
    "missing or non-finite values",
    "Fix or remove those rows, or pass --drop-na to leave them out.",
)
NEGATIVE_WEIGHT = Kind("negative weight", "negative weights", "Weights must be 0 or more.")
WEIGHT_SUM = Kind(
    f"weights whose sum passes {WEIGHT_SUM_LIMIT:g}",
    "",
    f"Sums of weighted terms would overflow float64 (largest 1.8e+308). {WEIGHT_ADVICE}",
    counts=False,
)
ZERO_LABEL = Kind(
    "zero label",
    "zero labels",
    "MAPE cannot score a label of 0; without --mape-zero error such rows are "
    "left out of MAPE only.",
)
OUTSIDE_UNIT = Kind(
    "row with a probability outside [0, 1]",
    "rows with a probability outside [0, 1]",
    "If the columns hold logits (scores), name them with --logits (or pass --from-logits).",
)
BAD_SUM = Kind(
    "row whose probabilities do not sum to 1",
    "rows whose probabilities do not sum to 1",
    f"Rows must sum to 1 within {PROBABILITY_SUM_TOLERANCE:g}. If the columns hold "
    "logits, name them with --logits (or pass --from-logits); to divide each row by its "
    "sum, pass --renormalize.",
)
LABEL_OUTSIDE_UNIT = Kind(
    "row with a label outside [0, 1]",
    "rows with a label outside [0, 1]",
    "One-hot (or soft) labels lie in [0, 1].",
)
LABEL_BAD_SUM = Kind(
    "row whose labels do not sum to 1",
    "rows whose labels do not sum to 1",
    f"One-hot (or soft) label rows must sum to 1 within {PROBABILITY_SUM_TOLERANCE:g}; "
    "check that every class has its label column, in the order of the class columns.",
)
ZERO_SUM = Kind(
    "row whose probabilities sum to 0",
    "rows whose probabilities sum to 0",
    "--renormalize cannot divide by 0; fix or remove those rows.",
)


@datarecord
class _Found:
    count: int
    first_row: int
    first_value: float


class RowProblems:
    """Bad rows of one source, per column and kind, with the first row (1-based) and value."""

    def __init__(
        self, source: str, drop_na: bool, count_zero_labels: bool = False, first_row: int = 0
    ) -> None:
        self.source, self.drop_na, self.count_zero_labels = source, drop_na, count_zero_labels
        self.offset = first_row  # rows before the current chunk
        self.rows_seen = first_row
        self.dropped = 0
        self.dropped_by: dict[str, int] = {}  # --drop-na: rows with a value missing, per column
        self.models = 1  # prediction columns: a row dropped is dropped for each of them
        self.total_weight = 0.0
        self._found: dict[tuple[str, Kind], _Found] = {}
        self._zero_labels: dict[tuple[str, Kind], _Found] = {}  # an error only if MAPE is shown

    @property
    def failed(self) -> bool:
        return bool(self._found)

    @property
    def clean(self) -> bool:
        """Nothing found, dropped or noted (not even zero labels): rows whose checks leave
        only their count and weight (:func:`~.gather.clean_problems`)."""
        return not (self._found or self._zero_labels or self.dropped or self.dropped_by)

    def check(
        self,
        values: dict[str, np.ndarray],
        plan: ColumnPlan,
        n: int,
        missing_label: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """Record a new chunk's bad rows; with --drop-na return the mask of rows to keep.

        ``missing_label`` marks rows without a class label: missing values too.
        """
        self.offset, self.rows_seen = self.rows_seen, self.rows_seen + n
        self.models = max(self.models, len(plan.models))
        keep = self._missing_values(values, plan, n, missing_label)
        if plan.weight:
            self._weights(plan.weight, values[plan.weight], keep)
        if self.count_zero_labels and plan.label_kind == VALUE:
            # --mape-zero error: an error only where MAPE is shown, known once the task is
            self._record(
                self._zero_labels,
                plan.label,
                ZERO_LABEL,
                values[plan.label] == 0,
                values[plan.label],
                None,
            )
        return keep

    def _missing_values(
        self,
        values: dict[str, np.ndarray],
        plan: ColumnPlan,
        n: int,
        missing_label: np.ndarray | None,
    ) -> np.ndarray | None:
        """Note missing or non-finite values; with --drop-na, the mask of rows to keep."""
        columns = values
        if missing_label is not None:
            columns = {**values, plan.label: np.where(missing_label, np.nan, 0.0)}
        with np.errstate(all="ignore"):  # a sum of one pass, nothing made: finite only if
            finite = [math.isfinite(np.add.reduce(c)) for c in columns.values()]  # all are
        if all(finite):  # the usual chunk: nothing more to look at (run 12: per-chunk cost)
            return None
        nonfinite = np.zeros(n, dtype=bool)
        for (name, column), known in zip(columns.items(), finite, strict=True):
            if known:
                continue
            bad = ~np.isfinite(column)
            if bad.any():
                nonfinite |= bad
                if not self.drop_na:
                    self.note(name, NON_FINITE, bad, column)
                else:
                    self.dropped_by[name] = self.dropped_by.get(name, 0) + int(bad.sum())
        if not (self.drop_na and nonfinite.any()):
            return None
        self.dropped += int(nonfinite.sum())
        return ~nonfinite

    def _weights(self, name: str, weights: np.ndarray, keep: np.ndarray | None) -> None:
        """Note negative weights, and add up the weight of the rows kept; note the row where
        that sum passes :data:`WEIGHT_SUM_LIMIT` (the chunk is then not computed)."""
        self.note(name, NEGATIVE_WEIGHT, weights < 0, weights)
        kept = weights if keep is None else np.where(keep, weights, 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            total = self.total_weight + float(np.sum(kept))
        if not total <= WEIGHT_SUM_LIMIT and not np.isnan(total):
            with np.errstate(over="ignore", invalid="ignore"):
                running = self.total_weight + np.cumsum(np.maximum(kept, 0.0))
            crossing = np.zeros(len(weights), dtype=bool)
            crossing[int(np.argmax(~(running <= WEIGHT_SUM_LIMIT)))] = True
            self.note(name, WEIGHT_SUM, crossing, weights)
        self.total_weight = total

    def check_probabilities(
        self, probs: np.ndarray, spec: str, renormalize: bool, rows: Rows = None
    ) -> np.ndarray | None:
        """Class probabilities, checked (and with --renormalize divided by their row sums)."""
        subject = f"columns {spec!r}"
        low, high = row_extreme(probs, np.minimum), row_extreme(probs, np.maximum)
        self.note(subject, OUTSIDE_UNIT, (low < 0) | (high > 1), np.where(low < 0, low, high), rows)
        sums = row_sum(probs)
        if renormalize:
            self.note(subject, ZERO_SUM, sums == 0, sums, rows)
            probs = probs / np.where(sums == 0, 1.0, sums)[:, None]
        else:
            self.note(subject, BAD_SUM, np.abs(sums - 1) > PROBABILITY_SUM_TOLERANCE, sums, rows)
        return None if self.failed else probs

    def check_label_rows(self, labels: np.ndarray, spec: str, rows: Rows) -> None:
        """One-hot (or soft) label rows, like probability rows: in [0, 1], summing to 1."""
        subject = f"columns {spec!r}"
        low, high = row_extreme(labels, np.minimum), row_extreme(labels, np.maximum)
        outside = (low < 0) | (high > 1)
        self.note(subject, LABEL_OUTSIDE_UNIT, outside, np.where(low < 0, low, high), rows)
        sums = row_sum(labels)
        bad_sum = np.abs(sums - 1) > PROBABILITY_SUM_TOLERANCE
        self.note(subject, LABEL_BAD_SUM, bad_sum, sums, rows)

    def note(
        self,
        subject: str,
        kind: Kind,
        bad: np.ndarray,
        shown: np.ndarray,
        rows: Rows = None,
    ) -> None:
        """Count the current chunk's rows flagged in ``bad``; ``shown`` is each row's value,
        ``rows`` each row's position in the chunk when some rows were dropped."""
        if not subject.startswith("column"):
            subject = f"column {subject!r}"
        self._record(self._found, subject, kind, bad, shown, rows)

    def _record(
        self,
        found: dict[tuple[str, Kind], _Found],
        subject: str,
        kind: Kind,
        bad: np.ndarray,
        shown: np.ndarray,
        rows: Rows,
    ) -> None:
        count = int(np.count_nonzero(bad))
        if not count:
            return
        if (subject, kind) in found:
            found[(subject, kind)].count += count
            return
        first = int(np.argmax(bad))
        found[(subject, kind)] = _Found(count, self.data_row(first, rows), float(shown[first]))

    def data_row(self, index: int, rows: Rows = None) -> int:
        """The data row (1-based, in the file, the header not counted) of the current
        chunk's row ``index``; ``rows`` is each row's position in the chunk when some
        were dropped."""
        return self.offset + (index if rows is None else int(rows[index])) + 1

    def merged(self, other: RowProblems) -> RowProblems:
        """The problems of both row sets (chunks or partitions of one source): counts add,
        and the first bad row is the earlier one."""
        out = RowProblems(self.source, self.drop_na, self.count_zero_labels)
        out.rows_seen = max(self.rows_seen, other.rows_seen)
        out.dropped = self.dropped + other.dropped
        out.models = max(self.models, other.models)
        for name, count in [*self.dropped_by.items(), *other.dropped_by.items()]:
            out.dropped_by[name] = out.dropped_by.get(name, 0) + count
        out.total_weight = self.total_weight + other.total_weight
        for mine, theirs, merged in (
            (self._found, other._found, out._found),
            (self._zero_labels, other._zero_labels, out._zero_labels),
        ):
            for key in {**mine, **theirs}:
                found = [f for f in (mine.get(key), theirs.get(key)) if f is not None]
                first = min(found, key=lambda f: f.first_row)
                merged[key] = _Found(
                    sum(f.count for f in found), first.first_row, first.first_value
                )
        return out

    def raise_zero_labels(self) -> None:
        """--mape-zero error: labels of 0 are an input error (where MAPE is shown)."""
        self._found.update(
            ((f"column {subject!r}", kind), found)
            for (subject, kind), found in self._zero_labels.items()
        )
        self._raise()

    def raise_if_failed(self) -> None:
        self._raise()

    def _raise(self) -> None:
        if not self._found:
            return
        lines = [
            f"{self.source}: {subject} {'have' if subject.startswith('columns') else 'has'} "
            f"{kind.counted(found.count)} "
            f"(first at data row {found.first_row}: {_shown(found.first_value)}). {kind.advice}"
            for (subject, kind), found in self._found.items()
        ]
        raise InputError("\n".join(lines))

    def notices(self) -> list[str]:
        """--drop-na: how many rows were dropped, for a value missing in which columns."""
        if not self.dropped:
            return []
        counts = [(f"{name!r}", count) for name, count in self.dropped_by.items()]
        if len(counts) == 1:
            columns = f"column {counts[0][0]}"
        else:
            columns = "columns " + ", ".join(f"{name} ({_rows(count)})" for name, count in counts)
        every = (
            "; a row is dropped for every model, so that all are scored on the same rows"
            if self.models > 1
            else ""
        )
        return [
            f"{self.source}: {self.dropped:,} of {_rows(self.rows_seen)} dropped for missing "
            f"or non-finite values in {columns} (--drop-na){every}"
        ]


def _rows(count: int) -> str:
    return f"{count:,} row{'' if count == 1 else 's'}"


def _shown(value: float) -> str:
    if math.isnan(value):
        return "empty or NaN"
    return repr(value)


def binary_rows(y: np.ndarray, p: np.ndarray | None) -> np.ndarray:
    """Per row, whether it looks binary: its label 0 or 1, its prediction a probability
    (None: a logit, any value)."""
    labels = (y == 0) | (y == 1)
    return labels if p is None else labels & (p >= 0) & (p <= 1)


def binary_row(y: float, p: float | None) -> bool:
    """:func:`binary_rows` of one row, in Python floats: a row's test costs no NumPy call
    (the kernel's first look at each chunk's evidence, run 19a)."""
    return (y == 0 or y == 1) and (p is None or 0 <= p <= 1)
