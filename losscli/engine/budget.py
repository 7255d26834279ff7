"""The memory budget (``--max-memory``): one account that losscli's large allocations charge.

What grows with the data, not with the chunk size, is counted: the bootstrap's replicate
sums (keys × resamples per sum, in a chunk and in the fold), the cells waiting for
their weights and their products, ROC-AUC's rank tables (and the curves' copies), and
the diagrams' bins (keys × bins, :meth:`~.statistics.Kind.key_bytes`). Each is charged
*before* it is made, and refused there if it would take the bytes held past the limit:
the run stops with what it has learnt (the groups seen so far, the resamples, the
bytes) and the options that lower them, before the memory is taken. Nothing is
refused on an extrapolation: a run whose groups would outgrow the budget later is
stopped when they do.

The limit is on what losscli counts, not on the process's resident size (the reading,
Arrow's buffers and the interpreter come on top, a few hundred MB at most). With
several threads, the chunks in flight are counted as they are made, so near the limit a
run may stop at another point, never hold more.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from ..errors import EnvironmentFailure

DEFAULT_LIMIT = 2 << 30
LOWER_REPLICATES = "Lower --resamples or group by fewer columns"  # what makes them fewer
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)


class OverBudget(EnvironmentFailure):
    """A counted allocation would pass ``--max-memory`` (exit 4: the input is fine and the
    command line too; the run needs more memory than it was allowed, as a disk is full).
    ``reason`` is what was refused, without the advice."""

    def __init__(self, reason: str, lower: str) -> None:
        super().__init__(f"{reason}. {lower}, or raise --max-memory if the machine has the memory")
        self.reason = reason


def parse_size(text: str) -> int:
    """Bytes in ``512M``, ``2G``, ``2GiB``, ``1.5g``, ``2GB`` (binary units: K = 1024) or a
    plain number of bytes of at least 1 MiB (``512`` is surely 512M with its unit
    forgotten: no run fits in 512 bytes); ValueError otherwise."""
    found = _SIZE.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not a size: write 512M, 2G or 2GiB")
    size = int(float(found.group(1)) * _UNITS[found.group(2).lower()])
    if size <= 0:
        raise ValueError(f"{text!r}: the limit must be more than 0 bytes")
    if size < _UNITS["m"] and not text.strip()[-1:].isalpha():
        raise ValueError(
            f"{text!r} is {size:,} bytes, less than 1 MiB: give the unit, e.g. "
            f"{found.group(1)}M or 2G"
        )
    return size


def shown(size: float) -> str:
    """Bytes as the message shows them: 1.4 GiB, 310 MiB, 12 KiB."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{int(size)} bytes"


class MemoryBudget:
    """The bytes losscli's counted allocations hold, against a limit; thread-safe."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.held = 0
        self.refused: dict[str, str] = {}  # optional allocations left out for the run: why
        self._lock = threading.Lock()

    def try_charge(self, size: int) -> bool:
        """Count ``size`` bytes about to be allocated if they fit, in one step (another
        thread cannot charge between the test and the count); False, and nothing
        counted, if they do not. An optional allocation calls this and does without."""
        with self._lock:
            if self.held + size > self.limit:
                return False
            self.held += size
            return True

    def charge(self, size: int, what: Callable[[], str], lower: str) -> None:
        """Count ``size`` bytes about to be allocated, or refuse them: ``what`` says what
        they are for (the real quantities), ``lower`` the options that make them fewer."""
        if not self.try_charge(size):
            raise OverBudget(self.refusal(size, what()), lower)

    def refusal(self, size: int, what: str) -> str:
        """Why ``size`` bytes for ``what`` do not fit."""
        return (
            f"{what} need {shown(size)}, with {shown(self.held)} held already: beyond "
            f"--max-memory {shown(self.limit)}"
        )

    def release(self, size: int) -> None:
        """Give back ``size`` bytes once their arrays are dropped."""
        with self._lock:
            self.held = max(0, self.held - size)

    def __getstate__(self) -> dict[str, int]:  # a lock does not pickle
        return {"limit": self.limit}

    def __setstate__(self, state: dict[str, int]) -> None:
        self.__init__(state["limit"])  # type: ignore[misc]
