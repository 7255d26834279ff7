"""Group keys: the distinct key values of a partial, and how two sets of them merge.

A :class:`KeySet` holds distinct group values (one tuple per key); ids are positions
in it. Each group column's values get ids from its :class:`~.key_index.ColumnIndex`,
a memo of the values seen so far, so rows are never looped over in Python. Several group
columns combine their per-column ids into one key id: the ids so far and the next
column's, packed in one int64, get ids from one more ColumnIndex, so combinations cost no
Python work either. Two key sets merge by value: :meth:`KeySet.absorb`
says where each of the other set's keys lands, so partials made anywhere combine.

A fold codes each chunk's rows against its own key set (:meth:`KeySet.chunk`), so a
chunk's keys are the fold's ids from the start: absorbing it adds its sums by index,
with no key set to unite. Where the fold knows more keys than the chunk has rows (a
million groups), the chunk's keys are its distinct ids (:class:`ChunkKeys`), so that its
sums stay as small as the chunk.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from .. import _arrow
from ..records import datarecord
from .key_index import ColumnIndex

PACKED_BITS = 31  # a column's id in a packed combination: fewer than 2^31 keys
PACKED_MASK = (1 << PACKED_BITS) - 1


@datarecord(frozen=True)
class ChunkKeys:
    """A chunk's rows coded against a key set: each row's code (``codes``; None without group
    columns) among the chunk's ``size`` keys, which are the key set's ids ``at`` (None: the
    one key of a key set without group columns)."""

    keys: KeySet
    codes: np.ndarray | None
    size: int
    at: np.ndarray | None = None


class KeySet:
    """Distinct group keys with ids 0 … size − 1; without group columns, one key ``()``.

    Keys keep the type they were read with: CSV keys stay text (so adding a store
    "A" never retypes stores "1" and "2"), where an empty cell is a missing key.
    """

    def __init__(self, columns: Sequence[str], empty_is_missing: bool = False) -> None:
        self.columns = list(columns)
        self.empty_is_missing = empty_is_missing
        self._per_column = [ColumnIndex() for _ in self.columns]
        # several columns: stage j gives ids to (the ids of columns 0 … j, column j + 1's
        # id) packed in one int64, so combinations are found by the columns' own memo
        self._stages = [ColumnIndex() for _ in self.columns[1:]]
        # a row per key: compact()'s workspace (int32: a chunk has fewer than 2³¹ rows)
        self._scratch = np.zeros(0, dtype=np.int32)

    def __getstate__(self) -> dict[str, object]:
        state = dict(vars(self))
        state["_scratch"] = np.zeros(0, dtype=np.int32)  # a workspace, not the keys
        return state

    @property
    def size(self) -> int:
        if not self.columns:
            return 1
        if len(self.columns) == 1:
            return self._per_column[0].known
        return self._stages[-1].known

    def codes(self, arrays: Sequence[pa.Array]) -> np.ndarray:
        """The global group id of each row of one chunk."""
        ids = [index.ids(array) for index, array in zip(self._per_column, arrays, strict=True)]
        if len(ids) == 1:
            return ids[0]
        return self._combined(ids)

    def _combined(self, ids: Sequence[np.ndarray]) -> np.ndarray:
        """The key id of each row's per-column ids (new combinations added), stage by stage:
        no Python work per row or per combination."""
        out = np.asarray(ids[0], dtype=np.int64)
        for stage, column in zip(self._stages, ids[1:], strict=True):
            packed = (out << PACKED_BITS) | np.asarray(column, dtype=np.int64)
            out = np.asarray(stage.ids(_arrow.from_numpy(packed)), dtype=np.int64)
        return out

    def _column_ids(self, at: np.ndarray | None = None) -> np.ndarray:
        """keys × columns: the per-column ids of keys ``at`` (None: every key, in id order),
        unpacked stage by stage from the last (several columns)."""
        key = np.arange(self.size) if at is None else np.asarray(at, dtype=np.int64)
        ids: list[np.ndarray] = []
        for stage in reversed(self._stages):
            values = stage.values
            known = np.zeros(0, np.int64) if values is None else _arrow.values(values)
            packed = np.asarray(known, dtype=np.int64)[key]
            ids.insert(0, packed & PACKED_MASK)
            key = packed >> PACKED_BITS
        return np.stack([key, *ids], axis=1)

    def chunk(self, ids: np.ndarray | None) -> ChunkKeys:
        """A chunk whose rows hold the keys ``ids`` here (:meth:`codes`; None without group
        columns), as its sums are kept: by these ids where they are at most as many as its
        rows, else by its distinct ids, so that its sums never outgrow its rows."""
        if ids is None:
            return ChunkKeys(self, None, 1)
        if self.size <= max(len(ids), 1):  # the keys known so far (more may come before
            return ChunkKeys(self, ids, self.size, np.arange(self.size))  # it is absorbed)
        codes, at = self._compact(ids)
        return ChunkKeys(self, codes, len(at), at)

    def _compact(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``ids`` renumbered 0 … k − 1, and the id each new number stands for: in passes over
        the rows, without sorting. A workspace of a row per key holds one row of each id
        (whichever a repeated id's writes leave: any will do, as each id then has one), and
        that row gives the id its new number."""
        if len(self._scratch) < self.size:
            self._scratch = np.zeros(max(self.size, 2 * len(self._scratch)), dtype=np.int32)
        rows = np.arange(len(ids), dtype=np.int32)  # half the cache lines of int64 (run 19b)
        scratch = self._scratch
        scratch[ids] = rows
        lead = scratch[ids]  # each row's id's row
        leads = lead == rows
        renumbered = np.cumsum(leads) - 1  # at an id's row: its new number
        return renumbered[lead], ids[leads]

    def absorb(self, other: KeySet) -> np.ndarray:
        """Add ``other``'s keys (those not here yet): the id here of each of its keys."""
        if not self.columns:
            return np.zeros(1, dtype=np.int64)
        maps = [
            mine.positions(theirs.values) if theirs.values is not None else np.zeros(0, np.int64)
            for mine, theirs in zip(self._per_column, other._per_column, strict=True)
        ]
        if len(maps) == 1:
            return maps[0]
        theirs = other._column_ids()
        return self._combined([m[theirs[:, c]] for c, m in enumerate(maps)])

    def copy(self) -> KeySet:
        out = KeySet(self.columns, self.empty_is_missing)
        for mine, theirs in zip(out._per_column, self._per_column, strict=True):
            mine.values = theirs.values
        for mine, theirs in zip(out._stages, self._stages, strict=True):
            mine.values = theirs.values
        return out

    def key(self, group_id: int) -> tuple[Any, ...]:
        """The key values of one group, as JSON-safe Python values (None for a missing value)."""
        if not self.columns:
            return ()
        if len(self.columns) == 1:
            values: tuple[Any, ...] = (self._per_column[0].value(group_id),)
        else:
            combo = self._column_ids(np.array([group_id]))[0].tolist()
            values = tuple(index.value(i) for index, i in zip(self._per_column, combo, strict=True))
        return tuple(self._shown(v) for v in values)

    def _shown(self, value: Any) -> Any:
        if value == "" and self.empty_is_missing:
            return None
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)  # JSON has no NaN or infinity
        return value

    def keys(self) -> list[tuple[Any, ...]]:
        """Every key's values, in id order."""
        return [self.key(i) for i in range(self.size)]

    def arrays(self) -> list[pa.Array]:
        """Per group column, the Arrow array of every key's value, in id order."""
        columns = [index.values for index in self._per_column if index.values is not None]
        if len(columns) < len(self.columns):  # no key yet
            return [pa.nulls(0) for _ in self.columns]
        if len(columns) == 1:
            return columns
        if not columns:
            return []
        ids = self._column_ids()
        return [values.take(_arrow.from_numpy(ids[:, c])) for c, values in enumerate(columns)]
