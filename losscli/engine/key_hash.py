"""A fold-long memo of integer keys spread too far for a dense table: an open-addressing
hash table held in a NumPy array (each slot a key and its id, side by side, so that a
probe touches one cache line), looked up and filled a whole chunk's keys at a time.

Each key's home slot is a multiplicative hash of it; a key sits in the first free slot
from its home on (linear probing). A lookup gathers every key's slot at once, then
moves the keys not settled yet (another key sits there) one slot on, round after round;
with the table at most half full few keys need more than two rounds. Keys added are
kept aside until the next lookup, so a memo that is never looked up again (a chunk's
own) never builds its table.
"""

from __future__ import annotations

import numpy as np

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # 2⁶⁴ / golden ratio: Fibonacci hashing
_EMPTY = -1  # the id of a free slot


class HashedMemo:
    """Integer keys and their ids (both int64)."""

    def __init__(self, values: np.ndarray | None = None, ids: np.ndarray | None = None) -> None:
        self._bits = 4
        self._slots = _free_slots(self._bits)  # (key, id) per slot
        self._count = 0  # keys in the table
        self._waiting: list[tuple[np.ndarray, np.ndarray]] = []  # added, not in the table yet
        if values is not None and ids is not None:
            self.add(values, ids)

    def __getstate__(self) -> dict[str, object]:
        """The table with every key in it (a lookup would put the waiting ones there)."""
        self._settle()
        return dict(vars(self))

    def __len__(self) -> int:
        return self._count + sum(len(v) for v, _ in self._waiting)

    def lookup(self, values: np.ndarray) -> np.ndarray:
        """The id of each value, −1 where it is new."""
        self._settle()
        slots = self._home(values)
        held = np.take(self._slots, slots, axis=0)
        hit = held[:, 0] == values
        found = np.where(hit, held[:, 1], _EMPTY)  # a free slot's id is −1
        on = np.flatnonzero(~hit & (held[:, 1] != _EMPTY))
        while len(on):  # another key's slot: look further
            slots[on] = (slots[on] + 1) & self._mask
            held = np.take(self._slots, slots[on], axis=0)
            hit = held[:, 0] == values[on]
            found[on[hit]] = held[hit, 1]
            on = on[(held[:, 1] != _EMPTY) & ~hit]
        return found

    def add(self, values: np.ndarray, ids: np.ndarray) -> None:
        """Add new keys (distinct, none of them known yet) with their ids."""
        if len(values):
            self._waiting.append((values, ids))

    @property
    def _mask(self) -> int:
        return (1 << self._bits) - 1

    def _home(self, values: np.ndarray) -> np.ndarray:
        hashed = values.view(np.uint64) * _MULTIPLIER
        hashed >>= np.uint64(64 - self._bits)
        return hashed.view(np.int64)  # below 2⁶³ once shifted: the same numbers, no copy

    def _settle(self) -> None:
        """Put the keys waiting into the table, first doubling it to stay at most half full."""
        if not self._waiting:
            return
        values = np.concatenate([v for v, _ in self._waiting])
        ids = np.concatenate([i for _, i in self._waiting])
        self._waiting = []
        needed = 2 * (self._count + len(values))
        if needed > len(self._slots):
            held = self._slots[self._slots[:, 1] != _EMPTY]
            values = np.concatenate([held[:, 0], values])
            ids = np.concatenate([held[:, 1], ids])
            self._bits = max(needed - 1, 1).bit_length()
            self._slots = _free_slots(self._bits)
            self._count = 0
        self._insert(values, ids)

    def _insert(self, values: np.ndarray, ids: np.ndarray) -> None:
        """Each key into the first free slot from its home on: of the keys that reach the
        same free slot in a round, one takes it (the last written) and the others go on."""
        self._count += len(values)
        flat = self._slots.reshape(-1)  # key at 2·slot, id at 2·slot + 1
        at = 2 * self._home(values) + 1
        while len(values):
            free = flat[at] == _EMPTY
            flat[at[free]] = ids[free]
            placed = free & (flat[at] == ids)
            flat[at[placed] - 1] = values[placed]
            on = ~placed
            values, ids, at = values[on], ids[on], (at[on] + 2) & (2 * self._mask + 1)


def _free_slots(bits: int) -> np.ndarray:
    slots = np.zeros((1 << bits, 2), dtype=np.int64)
    slots[:, 1] = _EMPTY
    return slots
