"""The streamed Poisson bootstrap of one chunk: its replicate sums, or the cells they come from.

Every resampling unit (a row, or ``unit_rows`` consecutive rows, ``--block-rows``) has one
Poisson(1) weight per resample (:mod:`.weights`). A chunk's rows are first summed per
(unit, key) cell; the replicate sums are those cells times the units' weights. Where
most cells hold rows (units of several rows spread over the keys) the dense cells are handed
on, to be multiplied out with other chunks' in one large product (:mod:`.cells`); where
nearly every row is its own cell (per-row resampling) the chunk's sparse product is
made here. Units of several rows thus cost what their number costs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...columns import Ones
from ..budget import LOWER_REPLICATES, MemoryBudget
from ..reduce import key_max
from .cells import CellGroup, PendingCells
from .weights import WEIGHTS_PER_SLICE, Resampling, poisson_weights

DENSE_CELLS_PER_ROW = 8  # dense cells where they are at most this many times the rows


class ChunkResampler:
    """Replicate sums per key of one chunk's columns. The kernel hands them over block by
    block; they are summed per (unit, key) cell and multiplied by the units' weights once
    per chunk, slice by slice of units, so that the weights held at once stay small."""

    def __init__(
        self, spec: Resampling, n_keys: int, budget: MemoryBudget, *, optional: bool = False
    ) -> None:
        self.spec, self.n_keys, self.budget, self.optional = spec, n_keys, budget, optional
        self.charged = 0  # bytes of the results, charged to the budget
        self.skipped = ""  # optional, and over the budget: why there are no replicate sums
        self._positions: list[np.ndarray] = []
        self._codes: list[np.ndarray] = []
        self._counted: list[np.ndarray | None] = []  # per block: its rows of positive weight
        self._columns: dict[Any, list[np.ndarray]] = {}  # per name, its blocks' values
        self._requests: dict[object, tuple[np.ndarray | Ones, list[Any]]] = {}
        self._counts: dict[Any, bool] = {}  # per name: a count of rows in every block

    def unit_span(self) -> tuple[np.ndarray, np.ndarray]:
        """Per key, the last unit holding its rows of positive weight and minus the first
        (−inf without such rows): both merge by maximum, and a key's rows lie in one unit
        iff they are opposites. A row of weight 0 is no resampling unit: it adds nothing to
        any replicate, so a key with one weighed row among many of weight 0 is one unit."""
        positions = np.concatenate(self._positions) if self._positions else np.empty(0, int)
        units = (positions // self.spec.unit_rows).astype(float)
        codes = np.concatenate(self._codes) if self._codes else None
        if any(counted is not None for counted in self._counted):
            parts = zip(self._positions, self._counted, strict=True)
            counted = np.concatenate([np.ones(len(p), bool) if c is None else c for p, c in parts])
            last, first = np.where(counted, units, -np.inf), np.where(counted, -units, -np.inf)
            return key_max(codes, self.n_keys, last), key_max(codes, self.n_keys, first)
        return key_max(codes, self.n_keys, units), key_max(codes, self.n_keys, -units)

    def block(
        self, positions: np.ndarray, codes: np.ndarray | None, counted: np.ndarray | None = None
    ) -> None:
        """The next block's rows: their positions in the input, their keys, and which of
        them have positive weight (None: all)."""
        self._flush()
        self._positions.append(positions)
        self._counted.append(counted)
        if codes is not None:
            self._codes.append(codes)

    def request(self, name: Any, column: np.ndarray | Ones) -> None:
        """Ask for Σ over each key's rows of v_unit,b · column, filed under ``name``."""
        tag: object = "ones" if isinstance(column, Ones) else id(column)
        self._requests.setdefault(tag, (column, []))[1].append(name)

    def _flush(self) -> None:
        """File the current block's requested columns (each distinct column once)."""
        rows = len(self._positions[-1]) if self._positions else 0
        for column, names in self._requests.values():
            counts = isinstance(column, Ones) or column.dtype == bool
            values = np.ones(rows) if isinstance(column, Ones) else column.astype(float)
            for name in names:
                self._columns.setdefault(name, []).append(values)
                self._counts[name] = self._counts.get(name, True) and counts
        self._requests = {}

    def _distinct(self) -> dict[tuple[Any, ...], np.ndarray]:
        """The chunk's distinct columns, each with the names it was requested under (two
        names share a column when they shared it in every block)."""
        names: dict[tuple[int, ...], list[Any]] = {}
        for name, parts in self._columns.items():
            names.setdefault(tuple(map(id, parts)), []).append(name)
        return {tuple(group): np.concatenate(self._columns[group[0]]) for group in names.values()}

    def results(self) -> tuple[dict[Any, np.ndarray], list[CellGroup]]:
        """Every requested (keys × resamples) array, or the cells it is made of.

        Sparse cells (a row per cell, as with per-row resampling) are multiplied out
        here. Dense ones (units of several rows spread over the keys) are handed on while the
        chunk holds fewer units than resamples, its product being larger than its cells:
        they are multiplied out later with other chunks' (:mod:`.cells`).
        """
        self._flush()
        distinct = self._distinct()
        columns = list(distinct.values())
        rows = sum(map(len, self._positions))
        if not columns or not self._charge(len(columns), rows):  # none: nothing resampled
            return {}, []
        names = tuple(distinct)
        counts = tuple(all(self._counts[name] for name in group) for group in names)
        shape = (len(columns), self.n_keys, self.spec.resamples)
        totals: np.ndarray | None = None  # made when first added to
        groups: list[CellGroup] = []
        units = np.concatenate(self._positions) // self.spec.unit_rows
        codes = np.concatenate(self._codes) if self._codes else None
        first, last = (int(units[0]), int(units[-1])) if len(units) else (0, -1)
        step = max(1, WEIGHTS_PER_SLICE // self.spec.resamples)
        for start in range(first, last + 1, step):
            stop = min(start + step, last + 1)
            lo, hi = np.searchsorted(units, [start, stop])
            cells = _Cells(units[lo:hi] - start, stop - start, codes, lo, hi, self.n_keys)
            sliced = [values[lo:hi] for values in columns]
            if cells.dense:
                keys, span = np.arange(self.n_keys), np.arange(start, stop)
                groups.append(CellGroup(names, counts, keys, span, cells.sums(sliced)))
                continue
            weights = poisson_weights(self.spec.seed, np.arange(start, stop), self.spec.resamples)
            totals = np.zeros(shape) if totals is None else totals
            present, product = cells.product(sliced, weights)
            totals[:, present] += product
        if groups and last - first + 1 >= self.spec.resamples:  # no gain in waiting
            row = {name: i for i, group in enumerate(names) for name in group}
            totals = np.zeros(shape) if totals is None else totals
            for found, _, values in PendingCells(self.spec, groups).products():
                totals[row[found[0]]] += values
            groups = []
        if groups and totals is None:  # all of it waits (an empty chunk waits for nothing)
            return {}, groups
        totals = np.zeros(shape) if totals is None else totals
        return {
            name: total for group, total in zip(names, totals, strict=True) for name in group
        }, groups

    def _charge(self, columns: int, rows: int) -> bool:
        """Charge the results before they are made: (columns × keys × resamples) sums, or
        at most as many bytes of cells. An optional bootstrap (the hidden one of R², F1, …
        under the normal method) over the budget is skipped instead (False), and the fold
        drops it everywhere."""
        size = columns * self.n_keys * self.spec.resamples * 8

        def what() -> str:
            return (
                f"the bootstrap's replicate sums of a chunk of {rows:,} rows in "
                f"{self.n_keys:,} groups × {self.spec.resamples:,} resamples × {columns} sums"
            )

        if self.optional:  # one atomic step: a chunk on another thread cannot slip in
            if not self.budget.try_charge(size):
                self.skipped = self.budget.refusal(size, what())
                return False
        else:
            self.budget.charge(size, what, LOWER_REPLICATES)
        self.charged = size
        return True


class _Cells:
    """The (key, unit) cells of a slice's rows, and the product of their sums with the
    units' weights: dense (one BLAS product) where most cells hold rows, as with units of
    several rows spread over the keys, else sparse (a row per cell, as with per-row resampling)."""

    def __init__(
        self,
        local: np.ndarray,
        units: int,
        codes: np.ndarray | None,
        lo: int,
        hi: int,
        n_keys: int,
    ) -> None:
        self.units, self.n_keys = units, n_keys
        keys = np.zeros(hi - lo, dtype=np.intp) if codes is None else codes[lo:hi]
        self.dense = units * n_keys <= DENSE_CELLS_PER_ROW * len(local)
        if self.dense:  # key-major: the sums come out as the (keys × units) matrix
            self.pairs = keys * units + local
        else:  # unit-major: rows arrive in unit order, so the pairs are nearly sorted
            self.cells, where = np.unique(local * n_keys + keys, return_inverse=True)
            self.pairs = where.reshape(-1)

    def sums(self, columns: list[np.ndarray]) -> np.ndarray:
        """Dense cells: per column, Σ value per (key, unit) cell, as (columns × keys × units)."""
        cells = self.n_keys * self.units
        sums = np.stack([np.bincount(self.pairs, v, minlength=cells) for v in columns])
        return sums.reshape(len(columns), self.n_keys, self.units)

    def product(
        self, columns: list[np.ndarray], weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sparse cells: the keys the slice's rows have, and per column Σ over each such
        key's rows of weight(unit, b) · value (columns × those keys × resamples), from one
        sparse product with the weights. Only those keys: a slice of a thousand rows
        among a hundred thousand keys makes a thousand rows of sums, not all of them."""
        from scipy import sparse

        sums = np.stack([np.bincount(self.pairs, v, minlength=len(self.cells)) for v in columns])
        units, keys = np.divmod(self.cells, self.n_keys)
        present, local = np.unique(keys, return_inverse=True)
        rows = (np.arange(len(columns))[:, None] * len(present) + local.reshape(-1)).reshape(-1)
        shape = (len(columns) * len(present), self.units)
        entries = (sums.reshape(-1), (rows, np.tile(units, len(columns))))
        matrix = sparse.csr_matrix(entries, shape=shape)
        return present, (matrix @ weights).reshape(len(columns), len(present), -1)
