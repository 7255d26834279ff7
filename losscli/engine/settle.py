"""A fold's bootstrap cells multiplied out on the kernel's pool, while reading goes on.

The fold hands its waiting cells over (:meth:`Settler.take`) once there are enough of
them (:attr:`~.cells.PendingCells.due`); their product, the bulk of a block bootstrap's
arithmetic, runs on a pool thread beside the chunks, and is added into replicate sums
of its own in the order the cells were taken, so the values do not depend on the
thread count. Without a pool the product is made at once, in the same order.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

from .cells import PendingCells, Product, ReplicateSums


class Settler:
    def __init__(self, pool: ThreadPoolExecutor | None, in_flight: int) -> None:
        self.pool, self.in_flight = pool, max(1, in_flight)
        self.sums = ReplicateSums()
        self._running: deque[Future[list[Product]]] = deque()

    def take(self, cells: PendingCells) -> None:
        """Multiply ``cells`` out, on the pool if there is one; at most ``in_flight``
        products wait at once (each holds its cells and its result)."""
        if self.pool is None:
            self.sums.add(cells.products())
            return
        self._running.append(self.pool.submit(cells.products))
        while len(self._running) > self.in_flight:
            self.sums.add(self._running.popleft().result())

    def finish(self) -> ReplicateSums:
        """Every product taken, added in the order taken."""
        while self._running:
            self.sums.add(self._running.popleft().result())
        return self.sums
