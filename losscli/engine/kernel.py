"""The kernel: one batch of rows in, one :class:`Partial` out. The only reduction there is.

For every model and loss the kernel sums what the loss's shape needs per key: for a
ratio (or mean) Σw·a and Σw·b; with normal intervals also the weighted co-moments of a
and b, centred and scaled per key (``engine/shifted.py``, merged by Chan's formula in
``engine/comoments.py``), and with a paired comparison those between each model and
the reference; with the bootstrap the same sums under every resample's weights; for a
rank statistic (ROC-AUC) the positive and negative weight at each distinct score, per
key and class. A local run folds the partials of its chunks; a distributed run would
merge those of its partitions.

What a loss keeps is what its shape declares (:mod:`.statistics`): the kernel asks the
shape for each declared statistic's per-row column and reduces it by the statistic's
kind. A chunk is computed in blocks of rows small enough that its columns and every
temporary stay in a core's cache (and come from memory already mapped); each block's
states are added to the chunk's in order, so the values do not depend on the block size
beyond rounding, nor on threads at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa

from ..columns import Ones
from ..errors import InputError, PluginFailure
from ..losses import Batch, Loss
from ..losses.shapes import SPREAD, Found
from ..reading import ColumnPlan, to_float
from .batches import BatchBuilder
from .blocks import BLOCK_ROWS, BlockSums, Column, TermCache, block_rows
from .bootstrap.cells import PendingCells
from .bootstrap.replicates import Replicates, UnitSpan
from .bootstrap.resample import ChunkResampler
from .bootstrap.weights import Resampling
from .budget import MemoryBudget
from .checks import RowProblems
from .keys import KeySet
from .partial import Partial
from .shifted import ChunkMoments
from .statistics import Key, first_values, flag


@dataclass(frozen=True)
class KernelSpec:
    """What every chunk of one input is turned into."""

    plan: ColumnPlan
    losses: tuple[Loss, ...]
    drop_na: bool = False
    count_zero_labels: bool = False
    moments: bool = False  # the second moments normal intervals need
    resampling: Resampling | None = None  # bootstrap replicate sums, of custom-shaped losses
    replicate_ratios: bool = False  # ... and of ratios and means too (--ci-method bootstrap)
    reference: str | None = None  # the model others are compared with (cross sums)
    empty_is_missing: bool = False
    block_rows: int = BLOCK_ROWS  # rows computed at once, while in cache (see block_rows)
    budget: MemoryBudget = field(default_factory=MemoryBudget)  # --max-memory


def evaluate_chunk(
    batch: pa.RecordBatch,
    *,
    spec: KernelSpec,
    builder: BatchBuilder,
    part: str,
    first_row: int,
    position: int,
) -> Partial:
    """The partial of one batch: ``first_row`` rows of ``part`` came before it, and
    ``position`` rows of its input (the resampling position of its first row).

    The rows are checked once, then computed block by block (:func:`block_rows`), each
    block's terms and states made while its columns are in cache and added to the chunk's
    in order: the values never depend on thread timing.
    """
    plan = spec.plan
    values = {c: to_float(batch.column(c), c, part, first_row) for c in plan.numeric}
    labels = builder.labels(batch, values, first_row)
    problems = RowProblems(part, spec.drop_na, spec.count_zero_labels, first_row)
    keep = problems.check(values, plan, batch.num_rows, builder.missing(labels))
    keys = KeySet(plan.group_by, spec.empty_is_missing)
    if problems.failed:  # reading goes on only to count every bad row for the message
        return Partial(keys, np.zeros(keys.size), problems={part: problems})
    codes = _group_codes(keys, batch, plan.group_by, part)
    rows: np.ndarray | range = range(batch.num_rows)
    if keep is not None:
        values = {c: v[keep] for c, v in values.items()}
        labels = {m: v[keep] for m, v in labels.items()}
        codes = None if codes is None else codes[keep]
        rows = np.flatnonzero(keep)
    chunk = _Chunk(spec, builder, problems, keys.size, position)
    step = block_rows(spec.block_rows // _widest(plan), keys.size)
    for start in range(0, max(len(rows), 1), step):  # an empty chunk is one empty block
        chunk.block(
            {c: v[start : start + step] for c, v in values.items()},
            {m: v[start : start + step] for m, v in labels.items()},
            None if codes is None else codes[start : start + step].astype(np.intp, copy=False),
            rows[start : start + step],
        )
    return chunk.partial(keys, part)


class _Chunk:
    """What the blocks of one chunk share: the checks, the states summed so far, the
    resampler (whose weights are made once per chunk) and the shifts of the custom losses'
    replicate power sums."""

    def __init__(
        self,
        spec: KernelSpec,
        builder: BatchBuilder,
        problems: RowProblems,
        n_keys: int,
        position: int,
    ) -> None:
        self.spec, self.builder, self.problems = spec, builder, problems
        self.n_keys, self.position = n_keys, position
        self.resampler = None
        if spec.resampling is not None:
            optional = not spec.replicate_ratios  # the hidden bootstrap (R², F1, …): --ci normal
            self.resampler = ChunkResampler(spec.resampling, n_keys, spec.budget, optional=optional)
        self.n: np.ndarray | None = None
        self.states: dict[Key, Any] = {}
        self.shifts: dict[Key, np.ndarray] = {}
        self.binary: dict[str, bool] = {}
        self.moments = ChunkMoments(n_keys)  # the co-moments, summed block by block

    def block(
        self,
        values: dict[str, np.ndarray],
        labels: dict[str, np.ndarray],
        codes: np.ndarray | None,
        rows: np.ndarray | range,
    ) -> None:
        """Add the states of one block: ``rows`` are its rows' chunk positions."""
        spec, n = self.spec, len(rows)
        sums = BlockSums(codes, self.n_keys, n)
        if self.resampler is not None:
            weights = values.get(spec.plan.weight) if spec.plan.weight else None
            counted = None if weights is None else weights > 0
            self.resampler.block(self.position + _positions(rows), codes, counted)
        counts = sums(Ones(n))
        self.n = counts if self.n is None else self.n + counts
        self.moments.block(codes, counts)
        ratios: dict[str, dict[str, tuple[Column, Column]]] = {}
        for model in spec.plan.models:
            with np.errstate(all="ignore"):  # infinities and NaNs are reported per loss
                model_batch = self.builder.batch(
                    model, labels[model.name], values, self.problems, rows
                )
                if model_batch is None:
                    continue
                if spec.plan.extra:
                    extra = {c: values[c] for c in spec.plan.extra}
                    model_batch = replace(model_batch, extra=extra)
                try:
                    ratios[model.name] = self._model(model.name, model_batch, sums)
                except PluginFailure as failure:
                    if failure.row is None:
                        raise
                    raise self.located(failure, model.name, rows) from failure
            if not model.multiclass and self.binary.get(model.name, True):
                self.binary[model.name] = _looks_binary(model_batch)
        if spec.moments and spec.reference in ratios:
            _add_cross_sums(self.moments, ratios, spec.reference)

    def _model(self, model: str, batch: Batch, sums: BlockSums) -> dict[str, tuple[Column, Column]]:
        """Each loss's states for one model; returns the (w·a, w·b) columns of its ratios."""
        spec, terms = self.spec, TermCache(batch)
        columns: dict[str, tuple[Column, Column]] = {}
        for loss in spec.losses:
            if not loss.applies_to(batch.multiclass):
                continue
            found = loss.shape.found(batch, terms)
            for stat, column in found.columns.items():
                self._add((model, loss.name, stat), sums.state(stat.kind, column))
            for rule in loss.rules:
                if rule.stat in found.flags:
                    self._add((model, loss.name, flag(rule.stat)), sums(found.flags[rule.stat]))
            if found.ratio is not None:
                columns[loss.name] = a, b = found.ratio
                if spec.moments:  # Σ|a| and Σ|b| are the sums where the terms are ≥ 0
                    known = [sums(a), sums(b)] if loss.shape.nonnegative else [None, None]  # type: ignore[union-attr]
                    self.moments.add((model, loss.name, SPREAD), [a, b], known)
            if self.resampler is not None and loss.shape.resampled(spec.replicate_ratios):
                self._resample(model, loss.name, found, sums)
        return columns

    def _add(self, key: Key, state: Any) -> None:
        """A block's state of ``key`` combined with the chunk's so far."""
        known = self.states.get(key)
        self.states[key] = state if known is None else key[2].kind.combined(known, state)

    def _resample(self, model: str, loss: str, found: Found, sums: BlockSums) -> None:
        """Ask for the replicate sums of a loss's resampled columns, each as its kind splits
        it; a shifted kind's around each key's first value in the chunk."""
        assert self.resampler is not None
        for stat, column in found.resampled.items():
            kind, shift = stat.kind, None
            if kind.shifted:
                first = self.shift((model, loss, stat), sums, kind.shift_source(column))
                shift = first[0] if sums.codes is None else first[sums.codes]
            for part, values in enumerate(kind.replicated(column, shift)):
                self.resampler.request((model, loss, stat, part), values)

    def located(self, failure: PluginFailure, model: str, rows: np.ndarray | range) -> Exception:
        """A plugin's failure at a row of the batch, naming the file, model and data row
        (counted as the input checks count them)."""
        assert failure.row is not None
        data_row = self.problems.data_row(failure.row, rows)
        return PluginFailure(
            f"{failure} at data row {data_row} of {self.problems.source}, model {model!r}"
        )

    def partial(self, keys: KeySet, part: str) -> Partial:
        """The chunk's partial: its states, problems, task evidence and bootstrap."""
        n = np.zeros(keys.size) if self.n is None else self.n
        states = {**self.states, **self.moments.tables()}
        out = Partial(keys, n, states, {part: self.problems}, dict(self.binary))
        if self.resampler is not None:
            out.bootstrap = self._bootstrap()
            if self.shifts:  # shifted power sums re-base on merge: theirs must be settled
                out.settle()
        return out

    def _bootstrap(self) -> Replicates:
        assert self.resampler is not None
        resampler = self.resampler
        replicated, blocks = resampler.results()
        found = Replicates(charged=resampler.charged, skipped=resampler.skipped)
        if resampler.skipped:
            return found
        found.sums, found.shifts = replicated, dict(self.shifts)
        found.span = UnitSpan(*resampler.unit_span())
        if blocks:
            found.cells = PendingCells(resampler.spec, blocks)
        return found

    def shift(self, name: Key, sums: BlockSums, values: np.ndarray) -> np.ndarray:
        """Each key's first value in the chunk so far (NaN for a key not seen yet)."""
        shift = self.shifts.setdefault(name, np.full(self.n_keys, np.nan))
        first = first_values(sums.codes, sums.n_keys, values)
        unset = np.isnan(shift)
        shift[unset] = first[unset]
        return shift


def _add_cross_sums(
    moments: ChunkMoments,
    ratios: dict[str, dict[str, tuple[Column, Column]]],
    reference: str,
) -> None:
    """The co-moments of each model m's (w·a, w·b) with the reference r's: the model's
    table grows to four columns (its two, then the reference's)."""
    for model, columns in ratios.items():
        if model == reference:
            continue
        for loss, (a, b) in columns.items():
            if loss in ratios[reference]:
                ra, rb = ratios[reference][loss]
                moments.add((model, loss, SPREAD), [a, b, ra, rb], [None] * 4)


def _group_codes(
    keys: KeySet, batch: Any, columns: Sequence[str], source: str
) -> np.ndarray | None:
    if not columns:
        return None
    try:
        return keys.codes([batch.column(g) for g in columns])
    except pa.ArrowException as exc:  # e.g. shards whose key columns differ in type
        raise InputError(
            f"{source}: cannot group by {', '.join(map(repr, columns))}: "
            f"{str(exc).splitlines()[0]}; group columns must hold text, numbers, "
            "dates or booleans of one type"
        ) from exc


def _widest(plan: ColumnPlan) -> int:
    """The most columns a model's rows span (class columns): a block's matrices stay small."""
    return max((len(model.columns) for model in plan.models), default=1)


def _positions(rows: np.ndarray | range) -> np.ndarray:
    return np.arange(rows.start, rows.stop) if isinstance(rows, range) else rows


def _looks_binary(batch: Batch) -> bool:
    """Every label 0 or 1, every prediction a probability (or a logit)."""
    if not ((batch.y == 0) | (batch.y == 1)).all():
        return False
    return batch.logits is not None or bool(((batch.p >= 0) & (batch.p <= 1)).all())
