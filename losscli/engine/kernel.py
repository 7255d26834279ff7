"""The kernel: one record batch (a chunk of rows) in, one :class:`Partial` out: the only
reduction there is.

For every model and loss the kernel sums what the loss's shape needs per key: for a
ratio (or mean) Σw·a and Σw·b; with normal intervals also the weighted co-moments of a
and b, centred and scaled per key (``engine/shifted.py``, merged by Chan's formula in
``engine/comoments.py``), and with a paired comparison those between each model and
the reference; with the bootstrap the same sums under every resample's weights; for a
rank statistic (ROC-AUC) the positive and negative weight at each distinct score, per
key and class. A local run folds the partials of its chunks; the Dask engine merges
those of its partitions.

What a loss keeps is what its shape declares (:mod:`.statistics`): the kernel asks the
shape for each declared statistic's per-row column and reduces it by the statistic's
kind. A chunk is computed in blocks of rows small enough that its columns and every
temporary stay in a core's cache; each block's states are added to the chunk's in order,
so the values do not depend on the block size beyond rounding, nor on threads at all.
Where every statistic is a sum, the terms of a span of a few blocks are made at once and
summed block by block (:func:`~.blocks.rows_per_span`): the same bits, less Python.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pyarrow as pa

from ..columns import Ones
from ..errors import InputError, PluginFailure
from ..losses import Batch
from ..losses.shapes import CROSS, SPREAD, Found
from ..reading import to_float
from .batches import BatchBuilder
from .blocks import (
    BlockSums,
    Column,
    TermCache,
    rows_per_block,
    rows_per_span,
    sum_table,
)
from .checks import RowProblems, binary_row, binary_rows
from .kernel_spec import KernelSpec, Step
from .keys import ChunkKeys, KeySet
from .partial import Partial
from .shifted import ChunkMoments
from .statistics import Key


def evaluate_chunk(
    records: pa.RecordBatch,
    *,
    spec: KernelSpec,
    builder: BatchBuilder,
    part: str,
    first_row: int,
    position: int,
    keys: ChunkKeys | None = None,
    evidence: dict[str, bool] | None = None,
) -> Partial:
    """The partial of one record batch (a chunk): ``first_row`` rows of ``part`` came before it, and
    ``position`` rows of its input (the resampling position of its first row). ``keys``: its
    rows coded against a fold's keys (:func:`group_ids`), on the folding thread, its derived
    key columns already added (``evidence``: what they leave in the partial); None: against
    keys of its own, its derived key columns added here.

    The rows are checked once, then computed block by block (:func:`~.blocks.rows_per_block`), each
    block's terms and states made while its columns are in cache and added to the chunk's
    in order: the values never depend on thread timing. Where every statistic is a sum of a
    built-in loss (:attr:`~.kernel_spec.KernelSpec.sums_only`), a span of a few blocks'
    terms is made at once (:func:`~.blocks.rows_per_span`) and still summed block by block.
    """
    plan = spec.plan
    if keys is None:  # --period's key column (else added where the keys were coded)
        records, evidence = builder.keyed(records, part, first_row)
    values = {c: to_float(records.column(c), c, part, first_row) for c in plan.numeric}
    labels = builder.labels(records, values, first_row)
    problems = RowProblems(part, spec.drop_na, spec.count_zero_labels, first_row)
    times = builder.missing_times(records)  # --drop-na: rows without a --period time
    keep = problems.check({**values, **times}, plan, records.num_rows, builder.missing(labels))
    if problems.failed:  # reading goes on only to count every bad row for the message
        nothing = KeySet(plan.group_by, spec.empty_is_missing)
        return Partial(nothing, np.zeros(nothing.size), problems={part: problems})
    if keys is None:
        own = KeySet(plan.group_by, spec.empty_is_missing)
        keys = own.chunk(group_ids(own, records, plan.group_by, part))
    codes = keys.codes
    rows: np.ndarray | range = range(records.num_rows)
    if keep is not None:
        values = {c: v[keep] for c, v in values.items()}
        labels = {m: v[keep] for m, v in labels.items()}
        codes = None if codes is None else codes[keep]
        rows = np.flatnonzero(keep)
    chunk = _Chunk(spec, builder, problems, keys.size, position)
    chunk.binary.update({**(evidence or {}), **builder.written(records)})
    block = rows_per_block(spec.cache_rows // spec.widest, keys.size)
    step = rows_per_span(block, widest=spec.widest, sums_only=spec.sums_only)
    if codes is not None:
        codes = codes.astype(np.intp, copy=False)
    with np.errstate(all="ignore"):  # infinities and NaNs are reported per loss
        for span in _spans(values, labels, codes, rows, step):
            chunk.span(*span, block)
    return chunk.partial(keys, part)


Span = tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray | None, np.ndarray | range]


def _spans(
    values: dict[str, np.ndarray],
    labels: dict[str, np.ndarray],
    codes: np.ndarray | None,
    rows: np.ndarray | range,
    step: int,
) -> Iterator[Span]:
    """A chunk's columns, label columns, codes and rows, ``step`` rows at a time. A chunk
    of one span (a CSV chunk) is given as it is, nothing sliced (run 19a: its Python is
    per chunk); an empty chunk is one empty span."""
    if len(rows) <= step:
        yield values, labels, codes, rows
        return
    for start in range(0, len(rows), step):
        stop = start + step
        yield (
            {c: v[start:stop] for c, v in values.items()},
            {m: v[start:stop] for m, v in labels.items()},
            None if codes is None else codes[start:stop],
            rows[start:stop],
        )


class _Chunk:
    """What the blocks of one chunk share: the checks, the states summed so far and the
    chunk's bootstrap (whose weights are made once per chunk)."""

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
            from .bootstrap import ChunkBootstrap

            optional = not spec.replicate_ratios  # the hidden bootstrap (R², F1, …): --ci normal
            self.resampler = ChunkBootstrap(spec.resampling, n_keys, spec.budget, optional=optional)
        self.n: np.ndarray | None = None
        self.sums = sum_table(len(spec.sum_keys), n_keys)  # the declared sums, a row per slot
        self.touched = [False] * len(spec.sum_keys)  # the slots some block filed a column in
        self.states: dict[Key, list[Any]] = {}  # [state, made by this chunk: added to in place]
        self.binary: dict[str, bool] = {}
        # the co-moments (normal intervals), summed block by block
        self.moments = ChunkMoments(n_keys) if spec.moments else None
        self.ranked: dict[str, dict[str, Any]] = {}  # a block's rank columns with placements

    def span(
        self,
        values: dict[str, np.ndarray],
        labels: dict[str, np.ndarray],
        codes: np.ndarray | None,
        rows: np.ndarray | range,
        block: int,
    ) -> None:
        """Add the states of one span of rows (a block, or whole blocks of ``block`` rows
        where every statistic is a sum): ``rows`` are its rows' chunk positions."""
        spec, n = self.spec, len(rows)
        sums = BlockSums(codes, self.n_keys, n, block)
        if self.resampler is not None:
            weights = values.get(spec.plan.weight) if spec.plan.weight else None
            counted = None if weights is None else weights > 0
            self.resampler.block(self.position + _positions(rows), codes, counted)
        counts = sums(Ones(n))
        self.n = counts if self.n is None else self.n + counts
        if self.moments is not None:
            self.moments.block(codes, counts)
        ratios: dict[str, dict[str, tuple[Column, Column]]] = {}
        self.ranked = {}
        for model in spec.plan.models:
            model_batch = self.builder.batch(model, labels[model.name], values, self.problems, rows)
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
            if not (model.multiclass or model.levels) and self.binary.get(model.name, True):
                self.binary[model.name] = _looks_binary(model_batch)
        if self.moments is not None and spec.reference in ratios:
            _add_cross_sums(self.moments, ratios, spec.reference)
        if spec.pair_tables and spec.reference in self.ranked:
            self._add_pairs(sums, spec.reference)
        sums.settle(self.sums, self.touched)

    def _model(self, model: str, batch: Batch, sums: BlockSums) -> dict[str, tuple[Column, Column]]:
        """Each loss's states for one model; returns the (w·a, w·b) columns of its ratios."""
        terms, columns = TermCache(batch), {}
        slots, filed = sums.slots, sums.columns
        for step in self.spec.steps[model]:
            found = step.shape.found(batch, terms)
            if step.declared and tuple(found.columns) == step.declared:  # identical: no hashing
                for (slot, key), column in zip(step.bound, found.columns.values(), strict=True):
                    if slot < 0:
                        self._add(key, sums.state(key[2].kind, column))
                    else:
                        slots.append(slot)
                        filed.append(column)
            else:
                for stat, column in found.columns.items():
                    self._add(step.key(stat), sums.state(stat.kind, column))
            for name, slot in step.flags:
                flagged = found.flags.get(name)
                if flagged is not None:
                    slots.append(slot)
                    filed.append(flagged)
            if found.ratio is not None:
                columns[step.loss] = a, b = found.ratio
                if self.moments is not None:  # Σ|a|, Σ|b|: the sums where the terms are ≥ 0
                    known = [sums(a), sums(b)] if step.nonnegative else [None, None]
                    self.moments.add(step.key(SPREAD), [a, b], known)
            if found.ranked is not None and step.loss in self.spec.placements:
                from .delong import PLACEMENTS  # a run with ROC-AUC's intervals: start-up, #18

                self._add(step.key(PLACEMENTS), sums.state(PLACEMENTS.kind, found.ranked))
                self.ranked.setdefault(model, {})[step.loss] = found.ranked
            if step.resampled:
                self._resample(step, found)
        return columns

    def _add_pairs(self, sums: BlockSums, reference: str) -> None:
        """Each binary model's pair table with the reference (DeLong's paired test)."""
        from .delong_pairs import PAIRS

        theirs = self.ranked[reference]
        for model, losses in self.ranked.items():
            for loss, (ranks, weights) in losses.items():
                other = theirs.get(loss)
                if model == reference or other is None or ranks.scores.ndim > 1:
                    continue
                column = (ranks, other[0], weights)
                self._add((model, loss, PAIRS), sums.state(PAIRS.kind, column))

    def _add(self, key: Key, state: Any) -> None:
        """A block's state of ``key`` combined with the chunk's so far: in place once the
        chunk owns it (a block's state may be shared by two keys, as MSE's and RMSE's)."""
        slot = self.states.get(key)
        if slot is None:
            self.states[key] = [state, False]
        elif slot[1]:
            slot[0] = key[2].kind.added(slot[0], state)
        else:
            slot[0], slot[1] = key[2].kind.combined(slot[0], state), True

    def _resample(self, step: Step, found: Found) -> None:
        """Ask for the replicate sums of a loss's resampled columns."""
        assert self.resampler is not None
        for stat, column in found.resampled.items():
            self.resampler.request(step.key(stat), column)

    def located(self, failure: PluginFailure, model: str, rows: np.ndarray | range) -> Exception:
        """A plugin's failure at a row of the batch, naming the file, model and data row
        (counted as the input checks count them)."""
        assert failure.row is not None
        data_row = self.problems.data_row(failure.row, rows)
        return PluginFailure(
            f"{failure} at data row {data_row} of {self.problems.source}, model {model!r}"
        )

    def partial(self, keys: ChunkKeys, part: str) -> Partial:
        """The chunk's partial: its states, problems, task evidence and bootstrap."""
        n = np.zeros(keys.size) if self.n is None else self.n
        states = {k: self.sums[i] for i, k in enumerate(self.spec.sum_keys) if self.touched[i]}
        states.update((key, slot[0]) for key, slot in self.states.items())
        if self.moments is not None:
            states.update(self.moments.tables())
        out = Partial(keys.keys, n, states, {part: self.problems}, dict(self.binary), at=keys.at)
        if self.resampler is not None:
            out.bootstrap = self.resampler.replicates()
        return out


def _add_cross_sums(
    moments: ChunkMoments,
    ratios: dict[str, dict[str, tuple[Column, Column]]],
    reference: str,
) -> None:
    """The co-moments of each model m's (w·a, w·b) with the reference r's, filed as the
    model's :data:`~losscli.losses.shapes.CROSS` (its two columns, then the reference's);
    its own co-moments are taken from them rather than summed twice."""
    for model, columns in ratios.items():
        if model == reference:
            continue
        for loss, (a, b) in columns.items():
            if loss in ratios[reference]:
                ra, rb = ratios[reference][loss]
                joint = [a, b, ra, rb]
                moments.add_joint((model, loss, SPREAD), within=(model, loss, CROSS), columns=joint)


def group_ids(keys: KeySet, records: Any, columns: Sequence[str], source: str) -> np.ndarray | None:
    """The id in ``keys`` of each row's values in the group ``columns`` (keys not seen
    before added); None without group columns."""
    if not columns:
        return None
    try:
        return keys.codes([records.column(g) for g in columns])
    except pa.ArrowException as exc:  # e.g. shards whose key columns differ in type
        raise InputError(
            f"{source}: cannot group by {', '.join(map(repr, columns))}: "
            f"{str(exc).splitlines()[0]}; group columns must hold text, numbers, "
            "dates or booleans of one type"
        ) from exc


def _positions(rows: np.ndarray | range) -> np.ndarray:
    return np.arange(rows.start, rows.stop) if isinstance(rows, range) else rows


def _looks_binary(batch: Batch) -> bool:
    """Every label 0 or 1, every prediction a probability (or a logit). The first row is
    looked at alone first, as Python floats: a regression block fails there, so its answer
    costs no pass over the block's rows (five of them, once per chunk: run 18c) and no
    NumPy call (~7 µs a chunk: run 19a)."""
    p = None if batch.logits is not None else batch.p
    y = batch.y
    if len(y) and not binary_row(float(y[0]), None if p is None else float(p[0])):
        return False
    return bool(binary_rows(y, p).all())
