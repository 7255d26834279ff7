"""Bootstrap cell sums that wait for their units' weights.

With units of several rows spread over the keys (``--block-rows``), a chunk's replicate
sums are the product of its (key × unit) cell sums with the units' (unit × resample) Poisson
weights. A chunk holds a few dozen units, so multiplying there would make a (keys ×
resamples) array per chunk, each as large as the whole result, and the fold would add
them all: more memory traffic than arithmetic. Instead a partial keeps its chunks' cell
sums (:class:`PendingCells`), merges them by concatenation (re-keyed by value like every
other sum), and multiplies them out once they hold about as many units as there are
resamples: one large product per ~``resamples`` units, the cells never taking more
memory than the product they stand for.

The value is the same as multiplying each chunk at once, up to float rounding: the
weights depend only on (seed, unit, resample), and a product is a sum.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from ...records import datarecord
from ..budget import LOWER_REPLICATES, MemoryBudget
from ..reduce import slice_of
from ..statistics import Statistic
from .blas import one_blas_thread
from .weights import WEIGHTS_PER_SLICE, Resampling, poisson_weights

# what a column of cells is filed under: (model, loss, statistic, which of its resampled
# columns, see Kind.replicated); each loss owns its own
Part = tuple[str, str, Statistic, int]
Names = tuple[Part, ...]  # the sums one column of cells is filed under
Product = tuple[Names, np.ndarray, np.ndarray]  # names, key ids, (keys × resamples) sums
DUE_BYTES = 64 << 20  # cells held before they are multiplied out, whatever the units
SPARSE_UNION = 2  # cell groups share one product while their union is at most 2× their cells


@datarecord(frozen=True)
class CellGroup:
    """One chunk's cell sums: ``sums[c, k, u]`` is Σ over the rows of key ``keys[k]`` in
    unit ``units[u]`` of column ``c``, which is filed under each name in ``names[c]``."""

    names: tuple[Names, ...]
    counts: tuple[bool, ...]  # per column: does it count rows (integers ≥ 0)?
    keys: np.ndarray  # the owning partial's key ids
    units: np.ndarray  # the units' indices in the input
    sums: np.ndarray  # (columns × keys × units)

    @property
    def cells(self) -> int:
        return len(self.keys) * len(self.units)

    def rekeyed(self, at: np.ndarray) -> CellGroup:
        """The same cells, their keys given ids by ``at`` (ids here → ids there)."""
        return CellGroup(self.names, self.counts, at[self.keys], self.units, self.sums)


@datarecord
class PendingCells:
    """A partial's cell groups not yet multiplied by their weights."""

    spec: Resampling
    groups: list[CellGroup]

    @property
    def units(self) -> int:
        return sum(len(group.units) for group in self.groups)

    @property
    def nbytes(self) -> int:
        return sum(group.sums.nbytes for group in self.groups)

    @property
    def due(self) -> bool:
        """Worth multiplying out: as many units as resamples (the product then costs no
        more memory than the cells), or many bytes of cells."""
        return self.units >= self.spec.resamples or self.nbytes >= DUE_BYTES

    def product_bytes(self) -> int:
        """At most the bytes of the products: (keys × resamples) per name."""
        keys = len(np.unique(np.concatenate([group.keys for group in self.groups])))
        columns = sum(len(group.names) for group in self.groups)
        return min(columns, len(self.names())) * keys * self.spec.resamples * 8

    def names(self) -> set[Part]:
        return {name for group in self.groups for names in group.names for name in names}

    def rekeyed(self, at: np.ndarray) -> PendingCells:
        return PendingCells(self.spec, [group.rekeyed(at) for group in self.groups])

    def joined(self, other: PendingCells) -> PendingCells:
        return PendingCells(self.spec, [*self.groups, *other.groups])

    def products(self) -> list[Product]:
        """(names, key ids, keys × resamples replicate sums) for every column of cells:
        the groups are stacked into as few products as their keys allow (one BLAS call
        each, on one BLAS thread: the kernel's pool gives the parallelism)."""
        return [found for stack in _stacks(self.groups) for found in _product(stack, self.spec)]


class ReplicateSums:
    """Replicate sums made of settled cells, per name: (keys × resamples), added to in
    the order the products come; rows for keys grow as keys do, charged to ``budget``."""

    def __init__(self, budget: MemoryBudget | None = None) -> None:
        self.arrays: dict[Part, np.ndarray] = {}
        self.budget = budget

    def add(self, products: list[Product]) -> None:
        for names, keys, values in products:
            if not len(keys):
                continue
            where = slice_of(keys)
            for name in names:
                self._room(name, int(keys[-1]) + 1, values.shape[1])[where] += values

    def _room(self, name: Part, size: int, resamples: int) -> np.ndarray:
        found = self.arrays.get(name)
        if found is None or len(found) < size:
            rows = max(size, 0 if found is None else 2 * len(found))
            if self.budget is not None:
                self.budget.charge(
                    rows * resamples * 8,
                    lambda: (
                        f"the bootstrap's replicate sums for {size:,} groups × "
                        f"{resamples:,} resamples (one of {len(self.arrays) or 1} sums)"
                    ),
                    LOWER_REPLICATES,
                )
            grown = np.zeros((rows, resamples))
            if found is not None:
                grown[: len(found)] = found
                if self.budget is not None:
                    self.budget.release(found.nbytes)
            self.arrays[name] = found = grown
        return found


def _stacks(groups: list[CellGroup]) -> Iterator[list[CellGroup]]:
    """Consecutive chunks' cells stacked while the union of their keys, times their units, stays
    within :data:`SPARSE_UNION` times their cells (a chunk of sorted keys shares few)."""
    stack: list[CellGroup] = []
    keys: np.ndarray = np.empty(0, dtype=np.intp)
    cells = units = 0
    for group in groups:
        union = np.union1d(keys, group.keys)
        if stack and len(union) * (units + len(group.units)) > SPARSE_UNION * (cells + group.cells):
            yield stack
            stack, union, cells, units = [], group.keys, 0, 0
        stack.append(group)
        keys, cells, units = union, cells + group.cells, units + len(group.units)
    if stack:
        yield stack


def _product(stack: list[CellGroup], spec: Resampling) -> Iterator[Product]:
    """The products of a stack of chunks' cells: their cells side by side (a column per distinct
    column of names; a name absent from a group adds nothing there) times the weights,
    made a slice of units at a time (the weights held at once stay small) and added in
    order. Counts of rows are multiplied in single precision where that is exact (every
    sum an integer below 2²⁴), at twice the speed; every other column in double."""
    keys = np.unique(np.concatenate([group.keys for group in stack]))
    units = np.concatenate([group.units for group in stack])
    columns = _shared_columns(stack)
    halves = [[c for c in columns if c.counts == counts] for counts in (False, True)]
    stacked = [_stacked(stack, half, keys, len(units)).reshape(-1, len(units)) for half in halves]
    products: list[np.ndarray | None] = [None, None]
    step = max(1, WEIGHTS_PER_SLICE // spec.resamples)
    for start in range(0, len(units), step):
        span = slice(start, start + step)
        weights = poisson_weights(spec.seed, units[span], spec.resamples)
        for counts, cells in enumerate(stacked):
            if not len(cells):
                continue
            part, w = cells[:, span], weights
            if counts and _exact_in_single(part, weights):
                part, w = part.astype(np.float32), weights.astype(np.float32)
            with one_blas_thread(), np.errstate(over="ignore", invalid="ignore"):
                found = (part @ w).astype(np.float64, copy=False)  # overflow: noted per key
                before = products[counts]
                products[counts] = found if before is None else np.add(before, found, out=before)
    for half, product in zip(halves, products, strict=True):
        if product is None:
            continue
        shaped = product.reshape(len(half), len(keys), spec.resamples)
        for column, values in zip(half, shaped, strict=True):
            yield column.names, keys, values


class _Column(NamedTuple):
    names: Names
    sources: list[int | None]  # its column in each group of the stack (None: not there)
    counts: bool  # row counts (integers) in every group


def _stacked(
    stack: list[CellGroup], columns: list[_Column], keys: np.ndarray, units: int
) -> np.ndarray:
    """(columns × keys × units): the stack's groups side by side, for these ``columns``."""
    stacked = np.zeros((len(columns), len(keys), units))
    start = 0
    for b, group in enumerate(stack):
        at = slice_of(np.searchsorted(keys, group.keys))
        span = slice(start, start + len(group.units))
        for c, column in enumerate(columns):
            source = column.sources[b]
            if source is not None:
                stacked[c, at, span] = group.sums[source]
        start += len(group.units)
    return stacked


def _exact_in_single(counts: np.ndarray, weights: np.ndarray) -> bool:
    """Single precision adds these (cells × units) counts times these weights without
    rounding: every partial sum is an integer no larger than a cell row's total × the
    largest weight."""
    if not counts.size or not weights.size:
        return True
    return float(counts.sum(axis=-1).max()) * float(weights.max()) < 2.0**24


def _shared_columns(stack: list[CellGroup]) -> list[_Column]:
    """The stack's distinct columns: names share one where they share it in every group."""
    where: dict[Part, list[int | None]] = {}
    counts: dict[Part, bool] = {}
    for b, group in enumerate(stack):
        for c, names in enumerate(group.names):
            for name in names:
                where.setdefault(name, [None] * len(stack))[b] = c
                counts[name] = counts.get(name, True) and group.counts[c]
    shared: dict[tuple[tuple[int | None, ...], bool], list[Part]] = {}
    for name, sources in where.items():
        shared.setdefault((tuple(sources), counts[name]), []).append(name)
    return [
        _Column(tuple(names), list(sources), count) for (sources, count), names in shared.items()
    ]
