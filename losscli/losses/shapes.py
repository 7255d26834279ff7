"""The shapes a loss can take. A shape says which per-key sums the loss needs and how its
value follows from them; the engine derives intervals and paired differences from it.

- :class:`Ratio`: value = T(Σw·a / Σw·b), a ratio of two weighted sums of per-row terms
  (WAPE, MAPE without its zero labels) with an optional monotone transform T (×100, √).
- :class:`Mean`: a ratio whose denominator term is 1, i.e. the weighted mean of a
  per-row term (MSE, MAE, cross-entropy; accuracy as a proportion).
- :class:`Extreme`: the largest (or smallest) per-row term (max error).
- :class:`Custom`: any finalize over named sums the loss declares (R²).
- :class:`Ranked`: a rank statistic (ROC-AUC) from the positive and negative weight at
  each distinct score, per key and class. (What a loss is per class: :mod:`.by_class`.)

Every shape declares its statistics, whose kinds say how they merge (:mod:`losscli.engine.
statistics`). Statistic names are local to their loss: no loss can change another's value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field, replace
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeGuard

import numpy as np

from ..engine.statistics import COMOMENTS, LARGEST, ROWS, SUM, Role, Statistic, Valued, declared
from ..records import datarecord
from .batch import Ones
from .params import bound_function
from .transforms import IDENTITY, Transform

if TYPE_CHECKING:
    from ..engine.intervals import Interval, Paired
    from .batch import Batch, Spread

Sums = Mapping[str, np.ndarray]

# The statistics the built-in shapes declare (a custom loss declares its own by type).
NUM, DEN = Statistic("num", SUM), Statistic("den", SUM)  # Σw·a and Σw·b
SPREAD = Statistic("moments", COMOMENTS, Role.SPREAD)  # co-moments of w·a, w·b (intervals)
# with a paired comparison, a model's co-moments of its w·a, w·b and the reference's (in
# that order: four variables), filed apart from its own
CROSS = Statistic("cross", COMOMENTS, Role.SPREAD)
WEIGHED_ROWS, EXTREME = Statistic("rows", SUM), Statistic("extreme", LARGEST)


@cache
def rank_table() -> Statistic:
    """ROC-AUC's statistic: its rank tables (:mod:`losscli.engine.ranks`, imported where a
    run has a rank loss, not in every run: start-up, #18)."""
    from ..engine.ranks import RANKS

    return Statistic("ranks", RANKS)


class TermSource(Protocol):
    """Per-row terms of one batch, each computed once (the kernel's cache)."""

    def __call__(self, make: Callable[[Batch], Terms]) -> Terms: ...

    def weighed(self, term: np.ndarray | None) -> np.ndarray | Ones: ...


class Guard(Protocol):
    """How a plugin's functions are called (:mod:`losscli.define`): a function of a batch
    with its output checked (its terms, its statistics' columns, or unchecked), any other
    (``compute``, a transform) only guarded."""

    def terms(self, function: Callable[..., Any]) -> Callable[..., Any]: ...

    def columns(self, function: Callable[..., Any]) -> Callable[..., Any]: ...

    def unchecked(self, function: Callable[..., Any]) -> Callable[..., Any]: ...

    def called(self, function: Callable[..., Any]) -> Callable[..., Any]: ...

    def transform(self, transform: Transform) -> Transform: ...


@datarecord(frozen=True)
class Found:
    """What a shape makes of one batch: per declared statistic its per-row column, the rows
    each of its rules flags, the columns its bootstrap resamples, and for a ratio its
    (w·a, w·b) columns, whose co-moments give intervals and paired comparisons."""

    columns: Mapping[Statistic, Any]
    flags: Mapping[str, np.ndarray]
    resampled: Mapping[Statistic, Any] = field(default_factory=dict)
    ratio: tuple[Any, Any] | None = None
    ranked: tuple[Ranks, Any] | None = None  # a rank statistic's (ranks, weights): DeLong's


@datarecord(frozen=True)
class Terms:
    """What a loss makes of one batch: per-row terms, and the rows each of its rules flags.

    ``num`` is the term a (0 on flagged rows); ``den`` is b, None when b is 1.
    """

    num: np.ndarray
    den: np.ndarray | None = None
    flags: Mapping[str, np.ndarray] = field(default_factory=dict)


def _no_flags(batch: Batch, **params: object) -> Mapping[str, np.ndarray]:
    return {}


@datarecord(frozen=True)
class Ratio:
    """value = T(Σw·a / Σw·b): ``terms`` gives a (and b) per row."""

    terms: Callable[[Batch], Terms]
    transform: Transform = IDENTITY
    proportion: bool = False  # a is 0/1 and b is 1: Wilson's interval suits it
    nonnegative: bool = False  # a ≥ 0 and b > 0 on every row: no interval reaches below 0

    # the statistics ``found`` gives, in its order: known before any row (the kernel's slots)
    declared: ClassVar[tuple[Statistic, ...]] = (NUM, DEN)
    no_interval: ClassVar[str] = ""  # a normal interval (delta method, Wilson) and ...
    paired: ClassVar[bool] = True  # ... a paired comparison, from the co-moments
    hidden_bootstrap: ClassVar[bool] = False  # resampled under the normal method too

    def found(self, batch: Batch, terms: TermSource) -> Found:
        made = terms(self.terms)
        a, b = terms.weighed(made.num), terms.weighed(made.den)
        columns = {NUM: a, DEN: b}
        return Found(columns, made.flags, columns, ratio=(a, b))

    def resampled(self, bootstrap: bool) -> bool:
        """Whether its sums are resampled: under the bootstrap method only."""
        return bootstrap

    def bound(self, arguments: Mapping[str, Any]) -> Ratio:
        return replace(self, terms=bound_function(self.terms, arguments))

    @property
    def main(self) -> Callable[..., Any]:
        """The function that defines the loss (its name in listings)."""
        return self.terms

    def guarded(self, guard: Guard) -> Ratio:
        return replace(
            self, terms=guard.terms(self.terms), transform=guard.transform(self.transform)
        )

    def caveats(self, sums: Sums) -> dict[int, str]:
        """The keys whose value is not exact, and what it is (none: every value is)."""
        return {}

    def normal_interval(self, sums: Sums, level: float) -> Interval:
        """Its normal interval per key, from the co-moments (see ``no_interval``)."""
        from ..engine import intervals  # the engine's formulas, for this shape

        return intervals.normal_interval(self, sums, level)

    def paired_normal(self, mine: Sums, ref: Sums, level: float) -> Paired:
        """Its paired difference from a reference's, per key (see ``paired``)."""
        from ..engine import intervals

        return intervals.paired_normal(self, mine, ref, level)

    def finalize(self, sums: Sums) -> np.ndarray:
        return self.transform.apply(ratio(sums[NUM.name], sums[DEN.name]))


@datarecord(frozen=True)
class Mean(Ratio):
    """value = T(Σw·t / Σw), the weighted mean of a per-row term t."""


class _NotRatio:
    """A shape with no normal interval and no paired comparison (``no_interval`` and
    ``paired`` say so before anything asks)."""

    no_interval: ClassVar[str]

    def normal_interval(self, sums: Sums, level: float) -> Interval:
        raise ValueError(self.no_interval)

    def paired_normal(self, mine: Sums, ref: Sums, level: float) -> Paired:
        raise ValueError(f"{type(self).__name__}: no paired comparison")


@datarecord(frozen=True)
class Extreme(_NotRatio):
    """value = max (or min) of a per-row term over the rows with positive weight."""

    term: Callable[[Batch], Terms]
    largest: bool = True

    declared: ClassVar[tuple[Statistic, ...]] = (WEIGHED_ROWS, EXTREME)
    no_interval: ClassVar[str] = "no interval: a maximum has no sound streamed interval"
    paired: ClassVar[bool] = False
    hidden_bootstrap: ClassVar[bool] = False
    nonnegative: ClassVar[bool] = False

    def found(self, batch: Batch, terms: TermSource) -> Found:
        made = terms(self.term)
        rows = np.ones(len(made.num), dtype=bool) if batch.w is None else batch.w > 0
        signed = made.num if self.largest else -made.num
        columns = {WEIGHED_ROWS: rows, EXTREME: np.where(rows, signed, -np.inf)}
        return Found(columns, made.flags)

    def resampled(self, bootstrap: bool) -> bool:
        return False

    def bound(self, arguments: Mapping[str, Any]) -> Extreme:
        return replace(self, term=bound_function(self.term, arguments))

    @property
    def main(self) -> Callable[..., Any]:
        return self.term

    def guarded(self, guard: Guard) -> Extreme:
        return replace(self, term=guard.terms(self.term))

    def caveats(self, sums: Sums) -> dict[int, str]:
        return {}

    def finalize(self, sums: Sums) -> np.ndarray:
        extreme = sums[EXTREME.name] if self.largest else -sums[EXTREME.name]  # a min is −max
        return np.where(sums[WEIGHED_ROWS.name] > 0, extreme, np.nan)


@datarecord(frozen=True)
class Custom(_NotRatio):
    """Any value computed from named per-key sums: ``statistics`` gives the per-row columns
    (summed per key; a :class:`Spread` is kept as weight, mean and M2, read as ``name.w``,
    ``name.mean`` and ``name.m2``; a (rows × K) array as K sums per key; a ``Valued`` by its
    own kind), ``compute`` maps the sums (and ``n``, the row count) to values, vectorised
    over keys. The loss's parameters reach all three as keywords."""

    statistics: Callable[[Batch], Mapping[str, np.ndarray | Ones | Spread | Valued]]
    compute: Callable[[Sums], np.ndarray]
    flags: Callable[..., Mapping[str, np.ndarray]] = _no_flags

    declared: ClassVar[tuple[Statistic, ...]] = ()  # known per batch: what ``statistics`` names
    no_interval: ClassVar[str] = "no interval for this loss"  # without its bootstrap
    paired: ClassVar[bool] = False
    hidden_bootstrap: ClassVar[bool] = True  # its interval is the bootstrap's (R², F1, …)
    nonnegative: ClassVar[bool] = False

    def found(self, batch: Batch, terms: TermSource) -> Found:
        columns = dict(declared(name, value) for name, value in self.statistics(batch).items())
        resampled = {ROWS: Ones(batch.rows), **columns}  # a loss's own ``n`` replaces ROWS
        if not all(stat.kind.resampled for stat in columns):
            resampled = {}  # no interval (and no note's cost): see ``unresampled``
        return Found(columns, self.flags(batch), resampled)

    def resampled(self, bootstrap: bool) -> bool:
        """Always: its interval is the bootstrap's, whatever the method (R², F1, …)."""
        return True

    def bound(self, arguments: Mapping[str, Any]) -> Custom:
        return replace(
            self,
            statistics=bound_function(self.statistics, arguments),
            compute=bound_function(self.compute, arguments),
            flags=bound_function(self.flags, arguments),
        )

    def finalize(self, sums: Sums) -> np.ndarray:
        return self.compute(sums)

    @property
    def main(self) -> Callable[..., Any]:
        return self.statistics

    def guarded(self, guard: Guard) -> Custom:
        return replace(
            self,
            statistics=guard.columns(self.statistics),
            flags=guard.unchecked(self.flags),
            compute=guard.called(self.compute),
        )

    def caveats(self, sums: Sums) -> dict[int, str]:
        return {}


@datarecord(frozen=True)
class Ranks:
    """What a rank statistic makes of one batch: per row (and class) a score and whether
    the row is a positive there. ``scores`` and ``positive`` are rows, or rows × classes
    (one-vs-rest); ``logits``: the scores are logits (bins, if needed, are taken on their
    sigmoid), else probabilities in [0, 1]. Rows a flag marks are left out."""

    scores: np.ndarray
    positive: np.ndarray
    logits: bool = False
    flags: Mapping[str, np.ndarray] = field(default_factory=dict)


@datarecord(frozen=True)
class Ranked(_NotRatio):
    """ROC-AUC per class, from the engine's rank tables: for each key and class, P and N
    (positive and negative weight), ``area`` = Σ_s N(s)·(P above s + ½·P(s)) and ``tied``
    = Σ_s P(s)·N(s) over distinct scores (or score bins, where ``bits`` > 0). The value is
    the mean over classes of area / (P·N): one-vs-rest macro AUC; NaN where a class has no
    positive or no negative weight. Its interval and paired test: :mod:`.engine.delong`."""

    ranks: Callable[[Batch], Ranks]

    no_interval: ClassVar[str] = ""  # DeLong's (binary; multi-class has none, and says why)
    paired: ClassVar[bool] = True  # DeLong's paired test (binary)
    delong: ClassVar[bool] = True  # its interval and test are DeLong's (ROC-AUC's alone)
    hidden_bootstrap: ClassVar[bool] = False
    nonnegative: ClassVar[bool] = False

    @property
    def declared(self) -> tuple[Statistic, ...]:
        """Its rank table (made on first read: the rank modules load with a rank loss)."""
        return (rank_table(),)

    def found(self, batch: Batch, terms: TermSource) -> Found:
        from ..engine.ranks import replicated

        rows = (ranks := self.ranks(batch), batch.w)
        return Found({rank_table(): rows}, ranks.flags, replicated(rows, self.ranks), ranked=rows)

    def resampled(self, bootstrap: bool) -> bool:
        return bootstrap

    def bound(self, arguments: Mapping[str, Any]) -> Ranked:
        return replace(self, ranks=bound_function(self.ranks, arguments))

    @property
    def main(self) -> Callable[..., Any]:
        return self.ranks

    def guarded(self, guard: Guard) -> Ranked:
        return replace(self, ranks=guard.unchecked(self.ranks))

    def normal_interval(self, sums: Sums, level: float) -> Interval:
        """DeLong's interval of a binary AUC per key (:mod:`losscli.engine.delong`)."""
        from ..engine import delong

        return delong.interval_of(self, dict(sums), level)

    def caveats(self, sums: Sums) -> dict[int, str]:
        """A value from score bins (more distinct scores than the memory budget), and how
        far from the exact one it can be."""
        if "bits" not in sums:
            return {}
        bound, bits = self.error_bound(sums), sums["bits"]
        return {
            int(k): f"from 2^{int(bits[k])} score bins (more distinct scores than the memory "
            f"budget): within {_rounded_up(bound[k])} of the exact value"
            for k in np.flatnonzero(bits > 0)
        }

    def finalize(self, sums: Sums) -> np.ndarray:
        if "area" not in sums:  # no rows reached the loss
            return np.full(len(sums["n"]), np.nan)
        per_class = ratio(sums["area"], sums["pos"] * sums["neg"])
        return np.mean(per_class, axis=1)

    def error_bound(self, sums: Sums) -> np.ndarray:
        """How far a binned value can be from the exact one: the pairs tied inside a bin,
        counted ½ but possibly 0 or 1, i.e. the mean over classes of ½·tied / (P·N); 0 for
        exact scores (their ties are ties, counted ½ as the definition says)."""
        bound = np.mean(0.5 * ratio(sums["tied"], sums["pos"] * sums["neg"]), axis=1)
        return np.where(sums["bits"] > 0, bound, 0.0)


Shape = Ratio | Extreme | Custom | Ranked


def is_delong(shape: object) -> TypeGuard[Ranked]:
    """Whether a loss's interval and paired test are DeLong's: ROC-AUC's (``delong``), not
    another rank statistic read from the same tables, such as average precision."""
    return isinstance(shape, Ranked) and shape.delong


def bound_shape(shape: Shape, arguments: Mapping[str, Any]) -> Shape:
    """The shape with a loss's parameter values passed to its functions as keywords."""
    return shape.bound(arguments) if arguments else shape


def _rounded_up(bound: float) -> str:
    """``bound`` to two significant digits, rounded up: a stated bound never understates."""
    if not bound > 0:
        return "0"
    step = 10.0 ** (np.floor(np.log10(bound)) - 1)
    return f"{np.ceil(bound / step) * step:.2g}"


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (no rows, or zero total weight)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out
