"""A group column of a result: its keys as the typed array they were keyed by.

A million groups' integer keys stay one int64 array and a mask of the rows without a key,
which the CSV and JSON writers format whole (:func:`losscli.render.columns.key_texts`):
no Python int is made per group (BENCHMARKS.md run 20a). Python values are made only for
the rows someone asks for (``column[i]``, :meth:`KeyColumn.objects`).

Integers, floats and booleans are kept typed; text, dates, timestamps, decimals, and a
column whose rows hold keys of several types (results of several files, a result made of
rows) are kept as the Python values a result shows, in an object array. A key is shown as
:mod:`losscli.engine.order` says: a non-finite float key as its text (JSON has no NaN).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..records import datarecord

TYPED_KINDS = "iubf"  # int64, uint64, bool, float64 (numpy's kinds)


@datarecord(frozen=True, eq=False)
class KeyColumn:
    """One group column across a result's rows: ``values`` (typed, or an object array of
    shown values) and ``missing``, True where a row has no key (overall rows, a missing
    key), where ``values`` holds a filler (zero, or None in an object array).

    To a reader of ``frame.keys`` it is the object array of the keys' Python values it
    always was: ``column[i]``, a slice or an index array, ``==``, ``!=`` and
    ``np.asarray`` read :meth:`objects` (so ``values[column == "east"]`` selects the east
    rows); the writers read the typed array."""

    values: np.ndarray
    missing: np.ndarray  # bool

    @classmethod
    def of(cls, objects: Sequence[Any] | np.ndarray) -> KeyColumn:
        """A column of Python values as a result shows them (None: no key)."""
        values = np.empty(len(objects), dtype=object)
        values[:] = list(objects)
        return cls(values, values == None)  # noqa: E711 (elementwise)

    @classmethod
    def none(cls, size: int) -> KeyColumn:
        """``size`` rows without a key."""
        return cls(np.full(size, None, dtype=object), np.ones(size, dtype=bool))

    @property
    def typed(self) -> bool:
        """Whether the keys are a typed array (int64, uint64, float64 or bool)."""
        return self.values.dtype.kind in TYPED_KINDS

    def __len__(self) -> int:
        return len(self.values)

    def take(self, index: np.ndarray | slice) -> KeyColumn:
        """The rows ``index`` selects (an integer or boolean array, or a slice)."""
        return KeyColumn(self.values[index], self.missing[index])

    def objects(self) -> np.ndarray:
        """Each row's key as a Python value (an object array; None: no key)."""
        if not self.typed:
            return self.values
        out = np.empty(len(self), dtype=object)
        out[:] = self.values.tolist()
        if self.values.dtype.kind == "f":
            for i in np.flatnonzero(~np.isfinite(self.values) & ~self.missing):
                out[i] = str(out[i])  # JSON has no NaN or infinity
        out[self.missing] = None
        return out

    def tolist(self) -> list[Any]:
        """The keys as Python values (None: no key)."""
        return list(self.objects().tolist())

    def __getitem__(self, i: Any) -> Any:
        """Row ``i``'s key as a Python value (None: no key), as :meth:`objects` has it
        (``frame.keys["region"][i]``); a slice or an index array: those rows' values (an
        object array; a :class:`KeyColumn` of them: :meth:`take`)."""
        if isinstance(i, slice | np.ndarray | list):
            return self.objects()[i]
        i = operator.index(i)
        if self.missing[i]:
            return None
        if not self.typed:
            return self.values[i]
        value = self.values[i].item()
        return str(value) if isinstance(value, float) and not math.isfinite(value) else value

    def __eq__(self, other: object) -> Any:
        """Row by row, as the object array's ``==`` (a boolean array)."""
        return self.objects() == other

    def __ne__(self, other: object) -> Any:
        return self.objects() != other

    __hash__ = None  # type: ignore[assignment]

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(column)``: the keys' Python values (an object array)."""
        objects = self.objects()
        return objects if dtype is None else objects.astype(dtype)

    @classmethod
    def concat(cls, columns: Sequence[KeyColumn]) -> KeyColumn:
        """The rows of ``columns`` one after another: typed where every column with a key
        has that type, Python values otherwise."""
        keyed = [c for c in columns if not c.missing.all()] or list(columns[:1])
        dtypes = {c.values.dtype for c in keyed}
        missing = np.concatenate([c.missing for c in columns])
        if len(dtypes) == 1 and keyed[0].typed:
            dtype = dtypes.pop()
            filled = [
                c.values if c.values.dtype == dtype else np.zeros(len(c), dtype) for c in columns
            ]
            return cls(np.concatenate(filled), missing)
        return cls(np.concatenate([c.objects() for c in columns]), missing)


FlatColumn = np.ndarray | KeyColumn  # a column of a result's flat rows (a group column: its keys)


def with_objects(columns: dict[str, FlatColumn]) -> dict[str, np.ndarray]:
    """Flat columns with each group column's keys as Python values (an object array), for
    what takes NumPy arrays: pandas, the Parquet writer's type inference."""
    return {
        name: values.objects() if isinstance(values, KeyColumn) else values
        for name, values in columns.items()
    }
