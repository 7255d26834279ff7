"""Small chunks gathered into one: a dataset of many small shards computed in a few chunks.

The kernel's cost per chunk is mostly fixed Python (checks, blocks, the partial, absorbing
it: ~170 µs), so a dataset of 500 shards of 2,000 rows spent most of its time there
(BENCHMARKS.md runs 12 and 12b). Consecutive small batches of one input, of any of its
parts, are gathered (their rows already coded against the fold's keys, in reading order)
into one chunk of up to a normal chunk's rows (a Parquet batch's,
:func:`~..reading.parquet_source.batch_rows`) and computed at once.

Every check still names the part and the row the one-by-one path names: a gathered chunk
whose checks find anything at all (a bad value, a dropped row, a zero label, a weight sum
near the limit) is not used, and its batches are computed one by one instead, as before;
a clean one gets, per part, the clean checks that part's own chunk would have left
(:func:`clean_problems`). Only the summation order changes (blocks span shards): values
agree to rounding (1e-16 relative), as for any other chunk size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field

import numpy as np
import pyarrow as pa

from ..reading import CLASS
from ..records import datarecord
from .checks import WEIGHT_SUM_LIMIT, RowProblems

SMALL_ROWS = 1 << 14  # a batch of fewer rows is gathered


@datarecord(frozen=True)
class Piece:
    """One small batch waiting: its part, its first row there and in the input, its rows'
    key ids in the fold's key set (None: no group columns)."""

    part: str
    first_row: int
    position: int
    records: pa.RecordBatch
    ids: np.ndarray | None


@datarecord
class Gathered:
    """The small batches waiting to be computed as one chunk, in reading order."""

    skip: tuple[str, ...]  # columns the kernel does not read once keys are coded (group columns)
    numeric: int  # numeric columns: a gathered chunk has a Parquet batch's rows at most
    pieces: list[Piece] = field(default_factory=list)
    rows: int = 0
    parts: set[str] = field(default_factory=set)  # the parts of the pieces waiting

    def fits(self, records: pa.RecordBatch) -> bool:
        """Whether ``records`` can join (its kept columns typed as the first piece's)."""
        if not self.pieces:
            return True
        schema = self.pieces[0].records.schema
        return records.schema.equals(schema) or _kept(records.schema, self.skip) == _kept(
            schema, self.skip
        )

    def add(self, piece: Piece) -> None:
        self.pieces.append(piece)
        self.parts.add(piece.part)
        self.rows += piece.records.num_rows

    def waits(self, part: str) -> bool:
        """Whether rows of ``part`` wait here."""
        return part in self.parts

    @property
    def full(self) -> bool:
        from ..reading.parquet_source import batch_rows  # only Parquet shards are gathered

        return self.rows >= batch_rows(self.numeric)

    def take(self) -> list[Piece]:
        """The pieces waiting (none wait after)."""
        pieces, self.pieces, self.rows, self.parts = self.pieces, [], 0, set()
        return pieces

    def records(self, pieces: list[Piece]) -> pa.RecordBatch:
        """The pieces' rows as one batch of the columns the kernel reads."""
        fields = _kept(pieces[0].records.schema, self.skip)
        return one_batch([p.records for p in pieces], fields)


def one_batch(batches: Sequence[pa.RecordBatch], fields: Sequence[pa.Field]) -> pa.RecordBatch:
    """The ``fields`` of batches (of one schema) as one batch, their rows in order."""
    arrays = [pa.concat_arrays([b.column(f.name) for b in batches]) for f in fields]
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


def gathers(plan_label_kind: str, has_period: bool) -> bool:
    """Whether an input's small batches may be gathered: not where a batch's derived key
    columns or its class labels' matcher name the part and row outside the row checks."""
    return plan_label_kind != CLASS and not has_period


def ids_of(pieces: list[Piece]) -> np.ndarray | None:
    """The gathered rows' key ids, in order."""
    if pieces[0].ids is None:
        return None
    return np.concatenate([p.ids for p in pieces if p.ids is not None])


def clean_problems(
    found: RowProblems, pieces: list[Piece], weights: np.ndarray | None, before: float
) -> dict[str, RowProblems] | None:
    """Per part, the checks its own chunks would have left, from a gathered chunk's
    ``found`` (``weights``: its weight column; ``before``: Σw of the input so far), or
    None where the checks found anything (the pieces are then computed one by one)."""
    if not found.clean:
        return None
    out: dict[str, RowProblems] = {}
    start = 0
    for piece in pieces:
        n = piece.records.num_rows
        mine = RowProblems(piece.part, found.drop_na, found.count_zero_labels, piece.first_row)
        mine.rows_seen = piece.first_row + n
        mine.models = found.models
        if weights is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                mine.total_weight = 0.0 + float(np.sum(weights[start : start + n]))
        start += n
        known = out.get(piece.part)
        out[piece.part] = mine if known is None else known.merged(mine)
    if weights is not None:
        total = before + sum(p.total_weight for p in out.values())
        if not total <= WEIGHT_SUM_LIMIT:  # the one-by-one path names the part and row
            return None
    return out


def _kept(schema: pa.Schema, skip: tuple[str, ...]) -> list[pa.Field]:
    return [f for f in schema if f.name not in skip]
