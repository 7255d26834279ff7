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

from ..budget import LOWER_REPLICATES, MemoryBudget, OverBudget
from .cells import PendingCells, Product, ReplicateSums


class Settler:
    def __init__(
        self, pool: ThreadPoolExecutor | None, in_flight: int, budget: MemoryBudget
    ) -> None:
        self.pool, self.in_flight, self.budget = pool, max(1, in_flight), budget
        self.sums = ReplicateSums(budget)
        self._running: deque[tuple[Future[list[Product]], int]] = deque()

    def take(self, cells: PendingCells) -> None:
        """Multiply ``cells`` out, on the pool if there is one; at most ``in_flight``
        products wait at once (each holds its cells and its result). The products are
        charged to the budget before they are made (the cells are already), and both
        released once added. The cells are the settler's from the call: a refusal
        (:class:`~.budget.OverBudget`, here or as the sums grow) gives their bytes back."""
        size = cells.product_bytes() + cells.nbytes  # and the cells stacked for the product
        try:
            self.budget.charge(
                size,
                lambda: (
                    f"the bootstrap's products of {cells.units:,} resampling units "
                    f"× {cells.spec.resamples:,} resamples"
                ),
                LOWER_REPLICATES,
            )
        except OverBudget:  # the cells are the settler's now: refused, they are dropped
            self.budget.release(cells.nbytes)
            raise
        size += cells.nbytes
        if self.pool is None:
            self._add(cells.products(), size)
            return
        self._running.append((self.pool.submit(cells.products), size))
        while len(self._running) > self.in_flight:
            self._add_next()

    def _add(self, products: list[Product], size: int) -> None:
        try:
            self.sums.add(products)  # charges the sums' growth
        finally:
            self.budget.release(size)

    def _add_next(self) -> None:
        future, size = self._running.popleft()
        self._add(future.result(), size)

    def finish(self) -> ReplicateSums:
        """Every product taken, added in the order taken."""
        while self._running:
            self._add_next()
        return self.sums

    def drop(self) -> None:
        """Leave the bootstrap out (an optional one, over the budget): the products not
        started are cancelled, those running awaited, and every byte they and the sums
        held given back."""
        while self._running:
            future, size = self._running.popleft()
            if not future.cancel():
                future.exception()  # wait for it: its cells and product are held till then
            self.budget.release(size)
        self.budget.release(sum(values.nbytes for values in self.sums.arrays.values()))
        self.sums = ReplicateSums(self.budget)
