"""The ids of one group column's values: a memo that lives as long as a fold.

A chunk's distinct values are looked up in the memo, so a million keys cost their
number once, not once per chunk: compact integers in a dense table over their range,
integers spread too far for one in a hash table (:mod:`.key_hash`), many texts in a
dict, other types (and a few texts) by Arrow's ``index_in`` against the values seen.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from .. import _arrow
from .key_hash import HashedMemo


class ColumnIndex:
    """Global ids of the distinct values of one group column (null is a value too).

    A chunk's distinct values are looked up in a memo that lives as long as the index,
    so a million keys cost their number once, not once per chunk: integers in a dense
    table over their range (while it stays within a few times their number; a chunk of
    integers without nulls then needs no hashing at all), text in a dict; other types
    by Arrow's ``index_in`` against all values seen.
    """

    DENSE_SLACK = 8  # a dense table may span this many times the keys it holds,
    DENSE_ALWAYS = 1 << 20  # or this many values (8 MB) whatever it holds
    MANY_KEYS = 1 << 16  # past this many, hashing every row beats a chunk's dictionary

    def __init__(self) -> None:
        self._pieces: list[pa.Array] = []  # the values seen, in id order, joined when read
        self.known = 0  # how many
        self._dense: tuple[int, np.ndarray] | None = None  # (lowest value, id per value − lo)
        self._text: dict[str, int] | None = None
        self._spread: HashedMemo | None = None  # integers spread too far for a table
        self._null_id = -1
        self._per_row = False  # look every row of integer keys up, not a chunk's dictionary
        # the last dictionary looked up and its ids: the batches of one Parquet row group
        # share their dictionary, and an id, once given, never changes
        self._last: tuple[pa.Array, np.ndarray] | None = None

    def __getstate__(self) -> dict[str, object]:
        """The memo as it means, not as it was last read: its values joined (reading them
        joins pieces), so a partial pickles the same before and after merges read it."""
        state = dict(vars(self))
        state["_last"] = None  # a shortcut, not the memo
        values = self.values
        state["_pieces"] = [] if values is None else [values]
        return state

    @property
    def values(self) -> pa.Array | None:
        """Every value seen, in id order (None before the first chunk)."""
        if len(self._pieces) > 1:
            self._pieces = [pa.concat_arrays(self._pieces)]
        return self._pieces[0] if self._pieces else None

    @values.setter
    def values(self, values: pa.Array | None) -> None:
        self._pieces = [] if values is None else [values]
        self.known = 0 if values is None else len(values)

    @property
    def _type(self) -> pa.DataType | None:
        return self._pieces[0].type if self._pieces else None

    def ids(self, column: pa.Array) -> np.ndarray:
        """Each row's id: integer keys through the memo directly (no hashing); otherwise the
        dictionary indices themselves (no copy) where the chunk's dictionary lists the
        values in the order known, as the row groups of one Parquet file usually do, else
        int32 ids while they fit."""
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if not self._pieces and _spread_distinct_integers(column):
            self.values = column.slice(0, 0)  # a first chunk of many integer keys: hash them
            self._spread = HashedMemo()
            self._per_row = True
        plain = column.type == self._type
        if plain and not column.null_count and (self._dense or self._spread) is not None:
            values = _arrow.values(column).astype(np.int64, copy=False)
            if self._dense is not None and (not len(values) or self._dense_cover(values)):
                return self._dense_ids(values, column.type)
            if self._spread is not None and (self._per_row or len(self._spread) > self.MANY_KEYS):
                return self._hashed_ids(values, column.type)
        encoded = _arrow.dictionary_encoded(column)
        mapping = self.positions(encoded.dictionary)
        indices = _arrow.values(encoded.indices)
        if bool((mapping == np.arange(len(mapping))).all()):
            return indices
        compact = np.int32 if len(mapping) and mapping.max() < 2**31 else np.int64
        return mapping.astype(compact)[indices]

    def _hashed_ids(self, values: np.ndarray, kind: pa.DataType) -> np.ndarray:
        """Integer keys spread too far for a dense table, many of them: every row looked up
        in the hash table (cheaper than sorting the chunk to look up its distinct values:
        at a million keys a chunk's rows are nearly all distinct), the new values added
        with ids in sorted order."""
        assert self._spread is not None
        ids = self._spread.lookup(values)
        new = ids < 0
        if new.any():
            fresh, inverse = np.unique(values[new], return_inverse=True)
            added = np.full(len(fresh), -1, dtype=np.int64)  # all new: not looked up again
            self._add_new(_arrow.from_numpy(fresh).cast(kind), added)
            ids[new] = added[inverse.reshape(-1)]
        return ids

    def _dense_ids(self, values: np.ndarray, kind: pa.DataType) -> np.ndarray:
        """Integer keys straight through the dense table, without hashing: new values get
        ids in the order they first appear, as a dictionary would give them."""
        assert self._dense is not None
        lo, table = self._dense
        ids = table[values - lo]
        new = ids < 0
        if new.any():
            fresh, first = np.unique(values[new], return_index=True)
            self.positions(_arrow.from_numpy(fresh[np.argsort(first)]).cast(kind))
            ids = self._dense[1][values - self._dense[0]]
        return ids

    def positions(self, dictionary: pa.Array) -> np.ndarray:
        """The id of each of ``dictionary``'s values, adding the values not seen before."""
        if not self._pieces:
            self.values = dictionary.slice(0, 0)
            if pa.types.is_integer(dictionary.type) and dictionary.type != pa.uint64():
                self._dense = (0, np.zeros(0, dtype=np.int64))
        if self._type != dictionary.type:
            dictionary = dictionary.cast(self._type)
        last = self._last
        if last is not None and len(last[0]) == len(dictionary) and last[0].equals(dictionary):
            return last[1].copy()  # the same values as the last dictionary: the same ids
        mapping = self._positions(dictionary)
        self._last = (dictionary, mapping.copy())
        return mapping

    def _positions(self, dictionary: pa.Array) -> np.ndarray:
        if self._dense is not None:
            self._dense_cover(_present(dictionary))
        self._start_text_memo(dictionary)
        if not self.known:
            mapping = np.full(len(dictionary), -1, dtype=np.int64)  # all new
        elif self._dense is not None:
            mapping = self._dense_lookup(dictionary)
        elif self._spread is not None:
            mapping = self._hashed_lookup(dictionary)
        elif self._text is not None:
            mapping = self._text_lookup(dictionary)
        else:
            mapping = self._arrow_lookup(dictionary)
        self._add_new(dictionary, mapping)
        return mapping

    def _add_new(self, dictionary: pa.Array, mapping: np.ndarray) -> None:
        """Ids for the values of ``dictionary`` not seen before (−1 in ``mapping``, which
        gets their ids), in the dictionary's order, remembered."""
        new = mapping < 0
        if new.any():
            added = int(new.sum())
            mapping[new] = np.arange(self.known, self.known + added)
            self._remember(dictionary, mapping, new)
            fresh = dictionary if added == len(new) else dictionary.filter(_arrow.from_numpy(new))
            self._pieces.append(fresh)
            self.known += added

    def _start_text_memo(self, dictionary: pa.Array) -> None:
        """Text keys go through a dict once there are many (Arrow's ``index_in`` re-hashes
        every key known for every chunk, which is cheap only while they are few)."""
        if self._text is not None or not self._pieces:
            return
        text = pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)
        if text and self.known + len(dictionary) > self.MANY_KEYS:
            values = self.values
            assert values is not None
            self._text = {v: i for i, v in enumerate(values.to_pylist()) if v is not None}

    def _dense_cover(self, present: np.ndarray) -> bool:
        """Grow the dense table to cover ``present``; where it would grow too large for
        the keys it holds, give it up (False) and look values up otherwise from now on."""
        assert self._dense is not None
        if not len(present):
            return True
        lo, table = self._dense
        low, high = int(present.min()), int(present.max())
        if len(table):
            low, high = min(lo, low), max(lo + len(table) - 1, high)
        keys = self.known + len(present)  # at most, once these are added
        if high - low >= max(self.DENSE_SLACK * keys, self.DENSE_ALWAYS):
            known = np.flatnonzero(table >= 0)
            self._spread = HashedMemo(known + lo, table[known])
            self._dense = None
            return False
        if not len(table) or low < lo or high >= lo + len(table):
            grown = np.full(high - low + 1, -1, dtype=np.int64)
            grown[lo - low : lo - low + len(table)] = table
            self._dense = (low, grown)
        return True

    def _dense_lookup(self, dictionary: pa.Array) -> np.ndarray:
        assert self._dense is not None
        lo, table = self._dense
        if not dictionary.null_count:  # no mask to make, nor to apply
            return table[_present(dictionary) - lo]
        mapping = np.full(len(dictionary), -1, dtype=np.int64)
        valid = _valid(dictionary)
        mapping[valid] = table[_present(dictionary) - lo]
        mapping[~valid] = self._null_id
        return mapping

    def _hashed_lookup(self, dictionary: pa.Array) -> np.ndarray:
        """Integers spread too far for a dense table: looked up in a hash table."""
        assert self._spread is not None
        if not dictionary.null_count:
            return self._spread.lookup(_present(dictionary))
        mapping = np.full(len(dictionary), -1, dtype=np.int64)
        valid = _valid(dictionary)
        mapping[valid] = self._spread.lookup(_present(dictionary))
        mapping[~valid] = self._null_id
        return mapping

    def _arrow_lookup(self, dictionary: pa.Array) -> np.ndarray:
        import pyarrow.compute as pc

        assert self.values is not None
        found = pc.index_in(dictionary, value_set=self.values, skip_nulls=False)
        mapping = _arrow.values(found).astype(np.int64)
        missing = _arrow.null_mask(found)
        if missing is not None:
            mapping[missing] = -1
        return mapping

    def _text_lookup(self, dictionary: pa.Array) -> np.ndarray:
        assert self._text is not None
        known = self._text
        values = dictionary.to_pylist()
        mapping = np.fromiter((known.get(v, -1) for v in values), np.int64, len(values))
        mapping[[i for i, v in enumerate(values) if v is None]] = self._null_id
        return mapping

    def _remember(self, dictionary: pa.Array, mapping: np.ndarray, new: np.ndarray) -> None:
        """Put the new values' ids in the memo."""
        if dictionary.null_count:
            valid = _valid(dictionary)
            if (~valid & new).any():
                self._null_id = int(mapping[~valid][0])
            fresh, chosen = new[valid], new & valid  # among the non-null values; among all
            ids = mapping[valid][fresh]
        else:  # no mask to make, nor to apply
            fresh, chosen, ids = new, new, mapping[new]
        if self._dense is not None:
            lo, table = self._dense
            table[_present(dictionary)[fresh] - lo] = ids
        elif self._spread is not None:
            self._spread.add(_present(dictionary)[fresh], ids)
        elif self._text is not None:
            names = dictionary.filter(_arrow.from_numpy(chosen)).to_pylist()
            self._text.update(zip(names, mapping[chosen].tolist(), strict=True))

    def value(self, i: int) -> Any:
        assert self.values is not None
        return self.values[i].as_py()


SAMPLE = 4096


def _spread_distinct_integers(column: pa.Array) -> bool:
    """Whether a chunk of integer keys looks like about one key per row (a sample of it is
    90% distinct) spread too far for a dense table: then looking every row up in a hash
    table beats hashing the chunk into a dictionary first."""
    if not pa.types.is_integer(column.type) or column.type == pa.uint64() or column.null_count:
        return False
    if len(column) < 4 * SAMPLE:
        return False
    sample = _arrow.values(column)[:: len(column) // SAMPLE].astype(np.int64)
    dense = max(ColumnIndex.DENSE_SLACK * len(column), ColumnIndex.DENSE_ALWAYS)
    if int(sample.max()) - int(sample.min()) < dense:
        return False
    return len(np.unique(sample)) > 0.9 * len(sample)


def _valid(dictionary: pa.Array) -> np.ndarray:
    missing = _arrow.null_mask(dictionary)
    return np.ones(len(dictionary), dtype=bool) if missing is None else ~missing


def _present(dictionary: pa.Array) -> np.ndarray:
    """The non-null values of an integer dictionary, as int64 (without nulls, int64 values
    are the Arrow buffer itself, read-only: no copy)."""
    values = _arrow.values(dictionary).astype(np.int64, copy=False)
    if not dictionary.null_count:
        return values
    return values[_valid(dictionary)]
