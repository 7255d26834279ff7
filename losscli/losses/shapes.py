"""The shapes a loss can take. A shape says which per-key sums the loss needs and how its
value follows from them; the engine derives intervals and paired differences from it.

- :class:`Ratio`: value = T(Σw·a / Σw·b), a ratio of two weighted sums of per-row terms
  (WAPE, MAPE without its zero labels) with an optional monotone transform T (×100, √).
- :class:`Mean`: a ratio whose denominator term is 1, i.e. the weighted mean of a
  per-row term (MSE, MAE, cross-entropy; accuracy as a proportion).
- :class:`Extreme`: the largest (or smallest) per-row term (max error).
- :class:`Custom`: any finalize over named sums the loss declares (R²).
- :class:`Ranked`: a rank statistic (ROC-AUC) from the weighted positive and negative
  mass at each distinct score, per key and class.

Every shape merges exactly: sums add, extremes take the max (min), spreads merge with
Chan's formula, rank tables concatenate and sum equal scores. Statistic names are local
to their loss: the engine keeps each loss's sums apart, so no loss can change another's
value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .batch import Batch, Ones, Spread

Sums = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Terms:
    """What a loss makes of one batch: per-row terms, and the rows each of its rules flags.

    ``num`` is the term a (0 on flagged rows); ``den`` is b, None when b is 1.
    """

    num: np.ndarray
    den: np.ndarray | None = None
    flags: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class Transform:
    """A monotone increasing map of a ratio to the loss's value, with its derivative."""

    name: str
    apply: Callable[[np.ndarray], np.ndarray]
    slope: Callable[[np.ndarray], np.ndarray]


def _same(r: np.ndarray) -> np.ndarray:
    return r


def _times_100(r: np.ndarray) -> np.ndarray:
    return 100.0 * r


def _hundreds(r: np.ndarray) -> np.ndarray:
    return np.full_like(r, 100.0)


def _sqrt(r: np.ndarray) -> np.ndarray:
    return np.sqrt(np.maximum(r, 0.0))


def _no_flags(batch: Batch, **params: object) -> Mapping[str, np.ndarray]:
    return {}


# module-level functions, never lambdas: a loss pickles (for a distributed run)
IDENTITY = Transform("identity", _same, np.ones_like)
PERCENT = Transform("×100", _times_100, _hundreds)


def _sqrt_slope(r: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return 0.5 / np.sqrt(r)


SQRT = Transform("√", _sqrt, _sqrt_slope)


@dataclass(frozen=True)
class Ratio:
    """value = T(Σw·a / Σw·b): ``terms`` gives a (and b) per row."""

    terms: Callable[[Batch], Terms]
    transform: Transform = IDENTITY
    proportion: bool = False  # a is 0/1 and b is 1: Wilson's interval suits it
    nonnegative: bool = False  # a ≥ 0 and b > 0 on every row: no interval reaches below 0

    def finalize(self, sums: Sums) -> np.ndarray:
        return self.transform.apply(ratio(sums["num"], sums["den"]))


@dataclass(frozen=True)
class Mean(Ratio):
    """value = T(Σw·t / Σw), the weighted mean of a per-row term t."""


@dataclass(frozen=True)
class Extreme:
    """value = max (or min) of a per-row term over the rows with positive weight."""

    term: Callable[[Batch], Terms]
    largest: bool = True

    def finalize(self, sums: Sums) -> np.ndarray:
        extreme = sums["extreme"] if self.largest else -sums["extreme"]  # a min is kept as −max
        return np.where(sums["rows"] > 0, extreme, np.nan)


@dataclass(frozen=True)
class Custom:
    """Any value computed from named per-key sums: ``statistics`` gives the per-row columns
    (summed per key; a :class:`Spread` is kept as weight, mean and M2), ``finalize`` maps
    the sums (and ``n``, the row count) to values, vectorised over keys."""

    statistics: Callable[[Batch], Mapping[str, np.ndarray | Ones | Spread]]
    compute: Callable[[Sums], np.ndarray]
    flags: Callable[..., Mapping[str, np.ndarray]] = _no_flags

    def finalize(self, sums: Sums) -> np.ndarray:
        return self.compute(sums)


@dataclass(frozen=True)
class Ranks:
    """What a rank statistic makes of one batch: per row (and class) a score and whether
    the row is a positive there. ``scores`` and ``positive`` are rows, or rows × classes
    (one-vs-rest); ``logits``: the scores are logits (bins, if needed, are taken on their
    sigmoid), else probabilities in [0, 1]. Rows a flag marks are left out."""

    scores: np.ndarray
    positive: np.ndarray
    logits: bool = False
    flags: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranked:
    """ROC-AUC per class, from the engine's rank tables: for each key and class, P and N
    (positive and negative weight), ``area`` = Σ_s N(s)·(P above s + ½·P(s)) and ``tied``
    = Σ_s P(s)·N(s) over distinct scores (or score bins, where ``bits`` > 0). The value is
    the mean over classes of area / (P·N): one-vs-rest macro AUC; NaN where a class has no
    positive or no negative weight."""

    ranks: Callable[[Batch], Ranks]

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


def bound_shape(shape: Shape, arguments: Mapping[str, Any]) -> Shape:
    """The shape with a loss's parameter values passed to its functions as keywords."""
    if not arguments:
        return shape
    if isinstance(shape, Ratio):
        return replace(shape, terms=_bound(shape.terms, arguments))
    if isinstance(shape, Extreme):
        return replace(shape, term=_bound(shape.term, arguments))
    if isinstance(shape, Ranked):
        return replace(shape, ranks=_bound(shape.ranks, arguments))
    return replace(
        shape, statistics=_bound(shape.statistics, arguments), flags=_bound(shape.flags, arguments)
    )


def _bound(function: Callable[..., Any], arguments: Mapping[str, Any]) -> Callable[..., Any]:
    if isinstance(function, partial):  # re-bound: the new values replace the old ones
        return partial(function.func, *function.args, **{**function.keywords, **arguments})
    return partial(function, **arguments)


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (no rows, or zero total weight)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out
