"""What the kernel computes for one input, decided once per input, not per block.

A :class:`KernelSpec` holds the run's choices for an input (its columns, losses, interval
and comparison options); its :attr:`~KernelSpec.steps` bind, per model, each loss's
declared statistics and its rules' flags to a slot of a chunk's table of sums or to a key
(:class:`Step`), so that a block only looks the bindings up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from functools import cached_property
from typing import TYPE_CHECKING

from ..losses import Loss
from ..losses.shapes import Shape, is_delong
from ..reading import ColumnPlan
from ..records import datarecord
from .blocks import CACHE_ROWS
from .budget import MemoryBudget
from .declarations import same_kind
from .statistics import Key, Statistic, Sum, flag

if TYPE_CHECKING:  # the bootstrap: imported where a run resamples (start-up, #18)
    from .bootstrap import Resampling


@datarecord(frozen=True)
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
    placements: frozenset[str] = frozenset()  # rank losses given DeLong's tables (engine/delong.py)
    pair_tables: bool = False  # ... and paired with the reference's (off over the budget)
    empty_is_missing: bool = False
    cache_rows: int = CACHE_ROWS  # rows computed at once, while in cache (rows_per_block)
    budget: MemoryBudget = field(default_factory=MemoryBudget)  # --max-memory

    @cached_property
    def steps(self) -> dict[str, tuple[Step, ...]]:
        """Per model, what every block computes for it: decided once per spec, each sum a
        loss declares (and each flag its rules count) bound to a slot of the chunk's table
        of sums (:attr:`sum_keys`)."""
        steps: dict[str, tuple[Step, ...]] = {}
        slots = 0
        for model in self.plan.models:
            made = []
            for loss in self.losses:
                if loss.applies_to(model.multiclass, model.levels):
                    made.append(step := Step.of(model.name, loss, self, first_slot=slots))
                    slots += len(step.sum_keys)
            steps[model.name] = tuple(made)
        return steps

    @cached_property
    def sums_only(self) -> bool:
        """Whether every statistic a block makes is a sum filed in a slot: no co-moments,
        resampling, rank tables, nor a state of another kind. A chunk's terms may then be
        made for several blocks at once (:func:`~.blocks.rows_per_span`).

        Built-in losses only: a plugin's code sees the blocks it always saw, so that its
        first failure is the earliest row's, whichever model it is in (a span would run
        one model over all its blocks before the next)."""
        extra = self.moments or self.resampling is not None or self.placements or self.pair_tables
        extra = extra or not all(loss.built_in for loss in self.losses)
        steps = [step for steps in self.steps.values() for step in steps]
        return not extra and all(
            step.declared and all(slot >= 0 for slot, _ in step.bound) for step in steps
        )

    @cached_property
    def widest(self) -> int:
        """The most columns a model's rows span (class columns): a block's matrices stay
        small (:func:`~.blocks.rows_per_block`)."""
        return max((len(model.columns) for model in self.plan.models), default=1)

    @cached_property
    def sum_keys(self) -> tuple[Key, ...]:
        """The key of each slot of a chunk's table of sums, in slot order."""
        return tuple(key for steps in self.steps.values() for s in steps for key in s.sum_keys)


@datarecord(frozen=True)
class Step:
    """One loss of one model as the kernel computes it per block: its shape, the keys its
    statistics and flags are filed under, and whether the bootstrap resamples it.

    The statistics its shape declares (:attr:`~..losses.shapes.Ratio.declared`) and the
    counts of its flags are bound once, here: a sum to its slot in the chunk's table of
    sums, any other kind to its key. A custom shape's, known only from its batches, are
    looked up by statistic in every block."""

    model: str
    loss: str
    shape: Shape
    flags: tuple[tuple[str, int], ...]  # (a rule's flag, the slot its count is summed in)
    resampled: bool
    nonnegative: bool  # a ratio of terms ≥ 0: the co-moments' shifts come from its sums
    declared: tuple[Statistic, ...]  # as the shape's ``found`` gives them, in its order
    bound: tuple[tuple[int, Key], ...]  # per declared statistic: its slot (−1: not a sum), key
    sum_keys: tuple[Key, ...]  # the keys of its slots, from its first on
    keys: dict[Statistic, Key] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, model: str, loss: Loss, spec: KernelSpec, *, first_slot: int) -> Step:
        shape = loss.shape
        sums: list[Key] = []

        def slot(key: Key) -> int:
            sums.append(key)
            return first_slot + len(sums) - 1

        bound = tuple(
            (slot(key) if type(stat.kind) is Sum else -1, key)
            for stat in shape.declared
            for key in [(model, loss.name, stat)]
        )
        flags = tuple((rule.stat, slot((model, loss.name, flag(rule.stat)))) for rule in loss.rules)
        return cls(
            model,
            loss.name,
            shape,
            flags,
            spec.resampling is not None and shape.resampled(spec.replicate_ratios),
            shape.nonnegative,
            shape.declared,
            bound,
            tuple(sums),
        )

    def key(self, stat: Statistic) -> Key:
        """The key of one of its statistics (a custom loss's are known from its first block)."""
        found = self.keys.get(stat)
        if found is None:
            found = self.keys[stat] = (self.model, self.loss, stat)
        elif found[2].kind is not stat.kind:  # a kind built anew per batch: it must be equal
            same_kind(self.loss, found[2], stat)
        return found


def placement_losses(losses: Sequence[Loss], *, intervals: bool) -> frozenset[str]:
    """The rank losses whose placement tables (:mod:`.delong`) a run keeps: all, where it
    has intervals or comparisons (``intervals``); none otherwise."""
    if not intervals:
        return frozenset()
    return frozenset(loss.name for loss in losses if is_delong(loss.shape))
