"""The kernel: one batch of rows in, one :class:`Partial` out. The only reduction there is.

For every model and loss the kernel sums what the loss's shape needs per key: for a
ratio (or mean) Σw·a and Σw·b; with normal intervals also the weighted co-moments of a
and b, centred and scaled per key (``engine/shifted.py``, merged by Chan's formula in
``engine/comoments.py``), and with a paired comparison those between each model and
the reference; with the bootstrap the same sums under every resample's weights; for a
rank statistic (ROC-AUC) the positive and negative weight at each distinct score, per
key and class. A local run folds the partials of its chunks; a distributed run would
merge those of its partitions.

A chunk is computed in blocks of rows small enough that its columns and every
temporary stay in a core's cache (and come from memory already mapped); the blocks'
partials are folded in order, so the values do not depend on the block size beyond
rounding, nor on threads at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import InputError, PluginFailure
from ..losses import Batch, Loss
from ..losses.batch import Ones, Spread
from ..losses.shapes import Custom, Extreme, Ranked, Ratio
from ..reading import ColumnPlan, to_float
from .batches import BatchBuilder
from .blocks import BLOCK_ROWS, BlockSums, Column, TermCache, block_rows
from .bootstrap.cells import FIRST_UNIT, LAST_UNIT, PendingCells
from .bootstrap.resample import ChunkResampler
from .bootstrap.weights import Resampling
from .budget import MemoryBudget
from .checks import RowProblems
from .keys import KeySet
from .partial import Partial, Spread4, StatKey
from .ranks import RankStore, table_of_rows
from .reduce import chunk_moments, key_max
from .shifted import ChunkMoments


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
    block's terms and sums made while its columns are in cache, and the blocks' partials
    folded in order: the values never depend on thread timing.
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
    blocks = (
        chunk.block(
            Partial(keys, np.zeros(keys.size)),
            {c: v[start : start + step] for c, v in values.items()},
            {m: v[start : start + step] for m, v in labels.items()},
            None if codes is None else codes[start : start + step].astype(np.intp, copy=False),
            rows[start : start + step],
        )
        for start in range(0, max(len(rows), 1), step)  # an empty chunk is one empty block
    )
    out = next(blocks)
    for block in blocks:
        out.absorb(block)
    out.problems[part] = problems
    chunk.finish(out)
    return out


class _Chunk:
    """What the blocks of one chunk share: the checks, the resampler (whose weights are
    made once per chunk) and the shifts of the custom losses' replicate power sums."""

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
        self.shifts: dict[StatKey, np.ndarray] = {}
        self.binary: dict[str, bool] = {}
        self.moments = ChunkMoments(n_keys)  # the co-moments, summed block by block

    def block(
        self,
        out: Partial,
        values: dict[str, np.ndarray],
        labels: dict[str, np.ndarray],
        codes: np.ndarray | None,
        rows: np.ndarray | range,
    ) -> Partial:
        """``out``, given the sums of one block: ``rows`` are its rows' chunk positions."""
        spec, n = self.spec, len(rows)
        sums = BlockSums(codes, self.n_keys, n)
        if self.resampler is not None:
            weights = values.get(spec.plan.weight) if spec.plan.weight else None
            counted = None if weights is None else weights > 0
            self.resampler.block(self.position + _positions(rows), codes, counted)
        out.n = sums(Ones(n))
        self.moments.block(codes, out.n)
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
                    ratios[model.name] = _add_model(out, model.name, model_batch, self, sums)
                except PluginFailure as failure:
                    if failure.row is None:
                        raise
                    raise self.located(failure, model.name, rows) from failure
            if not model.multiclass and self.binary.get(model.name, True):
                self.binary[model.name] = _looks_binary(model_batch)
        if spec.moments and spec.reference in ratios:
            _add_cross_sums(self.moments, ratios, spec.reference)
        return out

    def located(self, failure: PluginFailure, model: str, rows: np.ndarray | range) -> Exception:
        """A plugin's failure at a row of the batch, naming the file, model and data row
        (counted as the input checks count them)."""
        assert failure.row is not None
        data_row = self.problems.data_row(failure.row, rows)
        return PluginFailure(
            f"{failure} at data row {data_row} of {self.problems.source}, model {model!r}"
        )

    def finish(self, out: Partial) -> None:
        """The chunk-wide results: task evidence, co-moments, replicate sums and shifts."""
        out.binary.update(self.binary)
        out.comoments.update(self.moments.tables())
        if self.resampler is not None:
            replicated, blocks = self.resampler.results()
            out.charged, out.skipped_bootstrap = self.resampler.charged, self.resampler.skipped
            if self.resampler.skipped:
                return
            out.added.update(replicated)
            out.largest[LAST_UNIT], out.largest[FIRST_UNIT] = self.resampler.unit_span()
            out.shifts.update(self.shifts)
            if blocks:
                out.cells = PendingCells(self.resampler.spec, blocks)
            if self.shifts:  # shifted power sums re-base on merge: theirs must be settled
                out.settle()

    def shift(self, name: StatKey, sums: BlockSums, values: np.ndarray) -> np.ndarray:
        """Each key's first value in the chunk so far (NaN for a key not seen yet)."""
        shift = self.shifts.setdefault(name, np.full(self.n_keys, np.nan))
        first = _first_values(sums, values)
        unset = np.isnan(shift)
        shift[unset] = first[unset]
        return shift


def _add_model(
    out: Partial, model: str, batch: Batch, chunk: _Chunk, sums: BlockSums
) -> dict[str, tuple[Column, Column]]:
    """Each loss's sums for one model; returns the (w·a, w·b) columns of its ratio losses."""
    spec, resampler = chunk.spec, chunk.resampler
    terms = TermCache(batch)
    columns: dict[str, tuple[Column, Column]] = {}
    for loss in spec.losses:
        if not loss.applies_to(batch.multiclass):
            continue
        stat = _namer(model, loss.name)
        shape = loss.shape
        if isinstance(shape, Ratio):
            found = terms(shape.terms)
            a, b = terms.weighed(found.num), terms.weighed(found.den)
            columns[loss.name] = (a, b)
            replicated = resampler if spec.replicate_ratios else None
            _add_ratio(out, stat, a, b, sums, replicated)
            if spec.moments:  # Σ|a| and Σ|b| are the sums where the terms are ≥ 0 (copied:
                # the first block's partial is the chunk's, and absorbs the next in place)
                sums_ab = [out.added[stat("num")].copy(), out.added[stat("den")].copy()]
                known = sums_ab if shape.nonnegative else [None, None]
                chunk.moments.add(stat("moments"), [a, b], known)
            _add_flags(out, stat, loss, found.flags, sums)
        elif isinstance(shape, Extreme):
            found = terms(shape.term)
            _add_extreme(out, stat, found.num, shape.largest, batch, sums)
            _add_flags(out, stat, loss, found.flags, sums)
        elif isinstance(shape, Custom):
            columns_of = shape.statistics(batch)
            _add_custom(out, stat, columns_of, sums)
            _add_flags(out, stat, loss, shape.flags(batch), sums)
            if resampler is not None:
                _request_custom(chunk, stat, columns_of, sums, resampler)
        elif isinstance(shape, Ranked):
            ranks = shape.ranks(batch)
            table = table_of_rows(sums.codes, ranks, batch.w)
            out.ranked[stat("ranks")] = RankStore(table)
            _add_flags(out, stat, loss, ranks.flags, sums)
    return columns


def _add_ratio(
    out: Partial,
    stat: Callable[[str], StatKey],
    a: Column,
    b: Column,
    sums: BlockSums,
    resampler: ChunkResampler | None,
) -> None:
    out.added[stat("num")], out.added[stat("den")] = sums(a), sums(b)
    if resampler is not None:
        resampler.request(stat("rep_num"), a)
        resampler.request(stat("rep_den"), b)


def _add_extreme(
    out: Partial,
    stat: Callable[[str], StatKey],
    term: np.ndarray,
    largest: bool,
    batch: Batch,
    sums: BlockSums,
) -> None:
    rows = np.ones(len(term), dtype=bool) if batch.w is None else batch.w > 0
    signed = term if largest else -term
    out.added[stat("rows")] = sums(rows)
    out.largest[stat("extreme")] = key_max(sums.codes, sums.n_keys, np.where(rows, signed, -np.inf))


def _add_custom(
    out: Partial,
    stat: Callable[[str], StatKey],
    columns: Mapping[str, Column | Spread],
    sums: BlockSums,
) -> None:
    for name, column in columns.items():
        if isinstance(column, Spread):
            out.spreads[stat(name)] = _spread(sums, column)
        else:
            out.added[stat(name)] = sums(column)


def _request_custom(
    chunk: _Chunk,
    stat: Callable[[str], StatKey],
    columns: Mapping[str, Column | Spread],
    sums: BlockSums,
    resampler: ChunkResampler,
) -> None:
    """Replicate sums of a custom loss: its plain sums, the row count, and for a spread the
    power sums Σv·w, Σv·w·y', Σv·w·y'² of y' = y − shift (each key's first value here)."""
    resampler.request(stat("rep:n"), Ones(sums.rows))
    for name, column in columns.items():
        if not isinstance(column, Spread):
            resampler.request(stat(f"rep:{name}"), column)
            continue
        shift = chunk.shift(stat(name), sums, column.values)
        offsets = column.values - (shift[0] if sums.codes is None else shift[sums.codes])
        weighed = column.weights * offsets
        resampler.request(stat(f"rep:{name}.s0"), column.weights)
        resampler.request(stat(f"rep:{name}.s1"), weighed)
        resampler.request(stat(f"rep:{name}.s2"), weighed * offsets)


def _first_values(sums: BlockSums, values: np.ndarray) -> np.ndarray:
    """Each key's first value in this chunk (NaN for a key without rows)."""
    shift = np.full(sums.n_keys, np.nan)
    if len(values):
        codes = sums.codes
        keys, first = (
            (np.array([0]), np.array([0])) if codes is None else np.unique(codes, return_index=True)
        )
        shift[keys] = values[first]
    return shift


def _add_flags(
    out: Partial,
    stat: Callable[[str], StatKey],
    loss: Loss,
    flags: Mapping[str, np.ndarray],
    sums: BlockSums,
) -> None:
    for rule in loss.rules:
        if rule.stat in flags:
            out.added[stat(f"flag:{rule.stat}")] = sums(flags[rule.stat])


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
                moments.add((model, loss, "moments"), [a, b, ra, rb], [None] * 4)


def _spread(sums: BlockSums, spread: Spread) -> Spread4:
    """(weight, mean, M2, shift) per key, shifted by each key's first value."""
    shift = _first_values(sums, spread.values)
    offsets = spread.values - (shift[0] if sums.codes is None else shift[sums.codes])
    w, mean, m2 = chunk_moments(sums.codes, sums.n_keys, offsets, spread.weights)
    return w, mean, m2, shift


def _namer(model: str, loss: str) -> Callable[[str], StatKey]:
    return lambda name: (model, loss, name)


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
