"""Group keys: each chunk's key values mapped to stable global ids, vectorised.

Every group column is dictionary-encoded per chunk (CSV and Parquet readers hand
over dictionary arrays already); a chunk's dictionary is matched against the
values seen so far with one ``index_in``, so rows are never looped over in Python.
Several group columns combine their per-column ids into one key id; only the
distinct combinations of a chunk go through a dict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from .. import _arrow


class _ColumnIndex:
    """Global ids of the distinct values of one group column (null is a value too)."""

    def __init__(self) -> None:
        self.values: pa.Array | None = None

    def ids(self, column: pa.Array) -> np.ndarray:
        import pyarrow.compute as pc

        encoded = _arrow.dictionary_encoded(column)
        dictionary = encoded.dictionary
        if self.values is None:
            self.values = dictionary.slice(0, 0)
        if self.values.type != dictionary.type:
            dictionary = dictionary.cast(self.values.type)
        found = pc.index_in(dictionary, value_set=self.values, skip_nulls=False)
        mapping = _arrow.values(found).astype(np.int64)
        new = _arrow.null_mask(found)  # values not seen before
        if new is not None:
            fresh = dictionary.filter(found.is_null())
            mapping[new] = np.arange(len(self.values), len(self.values) + len(fresh))
            self.values = pa.concat_arrays([self.values, fresh])
        return mapping[_arrow.values(encoded.indices)]

    def value(self, i: int) -> Any:
        assert self.values is not None
        return self.values[i].as_py()


class GroupIndex:
    """Maps rows of successive chunks to global group ids 0 … size − 1.

    Keys keep the type they were read with: CSV keys stay text (so adding a store
    "A" never retypes stores "1" and "2"), where an empty cell is a missing key.
    """

    def __init__(self, columns: Sequence[str], empty_is_missing: bool = False) -> None:
        self.columns = list(columns)
        self.empty_is_missing = empty_is_missing
        self._per_column = [_ColumnIndex() for _ in self.columns]
        self._combos: dict[tuple[int, ...], int] = {}
        self._combo_list: list[tuple[int, ...]] = []

    @property
    def size(self) -> int:
        if len(self.columns) == 1:
            values = self._per_column[0].values
            return 0 if values is None else len(values)
        return len(self._combo_list)

    def codes(self, arrays: Sequence[pa.Array]) -> np.ndarray:
        """The global group id of each row of one chunk."""
        ids = [index.ids(array) for index, array in zip(self._per_column, arrays, strict=True)]
        if len(ids) == 1:
            return ids[0]
        combos, inverse = np.unique(np.stack(ids, axis=1), axis=0, return_inverse=True)
        local_to_global = np.array(
            [self._combo_id(tuple(c)) for c in combos.tolist()], dtype=np.int64
        )
        return local_to_global[inverse.reshape(-1)]

    def _combo_id(self, combo: tuple[int, ...]) -> int:
        if combo not in self._combos:
            self._combos[combo] = len(self._combo_list)
            self._combo_list.append(combo)
        return self._combos[combo]

    def key(self, group_id: int) -> tuple[Any, ...]:
        """The key values of one group, as JSON-safe Python values (None for a missing value)."""
        if len(self.columns) == 1:
            values: tuple[Any, ...] = (self._per_column[0].value(group_id),)
        else:
            combo = self._combo_list[group_id]
            values = tuple(index.value(i) for index, i in zip(self._per_column, combo, strict=True))
        return tuple(self._shown(v) for v in values)

    def _shown(self, value: Any) -> Any:
        if value == "" and self.empty_is_missing:
            return None
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)  # JSON has no NaN or infinity
        return value


def sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """Numbers (and text that reads as a number) in numeric order, then other text, then
    NaN and infinities, then missing keys."""
    return tuple(_order(v) for v in key)


def _order(value: Any) -> tuple[int, float, str]:
    if value is None:
        return (3, 0.0, "")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return (1, 0.0, str(value))
    try:
        number = float(value)
    except ValueError:
        return (1, 0.0, str(value))
    return (0, number, str(value)) if math.isfinite(number) else (2, 0.0, str(value))
