"""Per-key bin sums: what the reliability diagram (``--calibration``) and the residual
histogram (``--residuals``) are drawn from.

Both are statistics of a kind of their own, :class:`BinSums`: per key and bin, the sum of
a value over the rows in the bin (a count, a weight, a weighted prediction). The bins are
fixed before any row is read, so the sums merge by value across chunks, threads, files
and shards, and per group, as every other statistic does (:mod:`.statistics`). A block
with few keys is summed by one ``bincount``; one whose keys × bins outnumber its rows
keeps them :class:`Scattered` until they are added where they land, so many groups cost
what their rows cost, not keys × bins per block.

- Calibration: ECE's equal-width bins on [0, 1] (``ece:bins=B``), of the confidence c
  (binary: p; multi-class: the top label's probability) against the outcome y (the label;
  multi-class: whether the top label is the true class): rows, Σw (weighted runs only),
  Σw·c and Σw·y per bin.
- Residuals: e = y − ŷ in fixed log-spaced bins symmetric around 0 (:data:`RESIDUAL_EDGES`:
  ``PER_DECADE`` bins a decade from 10^LOW to 10^HIGH on either side), with a bin of its
  own for e = 0 exactly, one on either side for 0 < |e| < 10^LOW and one beyond 10^HIGH:
  rows (and Σw) per bin; Σw·e (the mean) and the extremes of e beside, so the outermost
  bins are bounded by the data.

The diagrams are two internal losses (never in the registry, never a column of the
table): the kernel keeps their statistics like any loss's, and finalizing hands their
per-key sums to :mod:`losscli.result.diagrams`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np

from ..losses import Batch, Custom, Direction, Loss, Task
from ..losses.classification import CLASSIFICATION
from ..losses.shapes import Sums
from ..records import datarecord
from .declarations import Problem
from .reduce import slice_of
from .statistics import LARGEST, Kind, State, Valued

if TYPE_CHECKING:
    from ..result.diagrams import DiagramColumns

CALIBRATION, RESIDUALS = "(calibration)", "(residuals)"  # never a registered loss's name
ECE_BINS = 15  # the ece loss's default
PER_DECADE, LOW, HIGH = 20, -6, 9  # residual bins: 20 a decade (12% wide), 1e-6 to 1e9


def _residual_edges() -> np.ndarray:
    """The inner edges, ascending: −10^HIGH … −10^LOW, 0, 10^LOW … 10^HIGH."""
    magnitudes = 10.0 ** (np.arange(LOW * PER_DECADE, HIGH * PER_DECADE + 1) / PER_DECADE)
    return np.concatenate([-magnitudes[::-1], [0.0], magnitudes])


RESIDUAL_EDGES = _residual_edges()
ZERO_BIN = len(RESIDUAL_EDGES) // 2 + 1  # the bin of e = 0 exactly
RESIDUAL_BINS = len(RESIDUAL_EDGES) + 2  # the inner bins, the zero bin and the two outer ones


_PADDED = np.concatenate([[np.nan], RESIDUAL_EDGES, [np.nan]])  # NaN: never > or ≤ e
_MAGNITUDES = len(RESIDUAL_EDGES) // 2  # edges on either side of 0


def residual_bins(e: np.ndarray) -> np.ndarray:
    """Each e's bin: bin i > 0 below the zero bin is [E[i−1], E[i]) of the edges E, bin 0 is
    (−∞, E[0]); above the zero bin, bin i is [E[i−2], E[i−1]), the last [E[−1], ∞): the
    bins ``np.searchsorted(E, e, side="right")`` finds, e = 0 apart. Found from log10 |e|,
    then moved to where the edges themselves put e (the logarithm's rounding moves it by
    a bin at most), about 10 times faster than searching the edges."""
    with np.errstate(divide="ignore", invalid="ignore"):
        above = np.floor(np.log10(np.abs(e)) * PER_DECADE)  # 0: −inf, clipped below
    np.clip(above, LOW * PER_DECADE - 1, HIGH * PER_DECADE, out=above)
    above -= LOW * PER_DECADE - 1  # magnitudes M[j] ≤ |e|, roughly
    above *= np.sign(e)
    above -= e < 0
    above += _MAGNITUDES + 1  # edges ≤ e (searchsorted's answer), roughly; e = 0: its own
    index = above.astype(np.intp)
    index -= _PADDED[index] > e  # now E[index − 1] ≤ e < E[index], E padded by NaN: the
    index += _PADDED[index + 1] <= e  # logarithm put e a bin off at most
    return index + (e > 0)  # e = 0 gets the bin after [−10^LOW, 0), the rest of [0, …) moves up


class Binned(NamedTuple):
    """A :class:`BinSums` column: each row's bin, and the value summed (None: 1, a count)."""

    bin: np.ndarray
    values: np.ndarray | None


class Scattered(NamedTuple):
    """A chunk's rows of a :class:`BinSums`, not yet summed: per piece, each row's key, bin
    and value (None: 1). Many keys × bins would make a dense state per block cost more
    than its rows; this one is added where it lands, once."""

    pieces: tuple[tuple[np.ndarray, np.ndarray, np.ndarray | None], ...]
    keys: int


@datarecord(frozen=True)
class BinSums(Kind):
    """Per key, ``bins`` sums of a value by each row's bin: a (keys × bins) array, or, for a
    chunk whose keys × bins outnumber its rows, its rows :class:`Scattered` (summed where
    they are absorbed). Read by ``compute`` as (keys + 1) × bins, the last row pooled."""

    bins: int
    asked_by: str = ""  # the option that keeps these bins (the memory budget's advice)

    resampled: ClassVar[bool] = False  # a diagram, not a value: no interval

    def key_bytes(self) -> int:
        return 8 * self.bins  # charged to --max-memory as the keys grow (engine/guard.py)

    def check(self, column: Any, rows: int, label: str) -> Problem:
        return "", None  # made here, never by a plugin

    def of_rows(self, codes: np.ndarray | None, n_keys: int, column: Any) -> State:
        at, values = column
        if codes is not None and n_keys * self.bins > len(at):
            return Scattered(((codes, at, values),), n_keys)
        flat = at if codes is None else codes * self.bins + at
        summed = np.bincount(flat, weights=values, minlength=n_keys * self.bins)
        return summed.astype(float, copy=False).reshape(n_keys, self.bins)

    def dense(self, state: State) -> np.ndarray:
        """The state as a (keys × bins) array (new where it was scattered)."""
        if not isinstance(state, Scattered):
            return state
        return _scatter(np.zeros((state.keys, self.bins)), state, None, self.bins)

    def combined(self, mine: State, theirs: State) -> State:
        if isinstance(mine, Scattered) and isinstance(theirs, Scattered):
            return Scattered(mine.pieces + theirs.pieces, max(mine.keys, theirs.keys))
        if isinstance(mine, Scattered):
            mine, theirs = theirs, mine
        return self.added(mine.copy(), theirs)

    def added(self, mine: State, theirs: State) -> State:
        if isinstance(mine, Scattered):
            return self.combined(mine, theirs)
        if isinstance(theirs, Scattered):
            return _scatter(mine, theirs, None, self.bins)
        return np.add(mine, theirs, out=mine)

    def empty(self, size: int, like: State) -> State:
        return np.zeros((size, self.bins))

    def grown(self, state: State, size: int) -> State:
        state = self.dense(state)
        return np.concatenate([state, np.zeros((size - len(state), self.bins))])

    def trimmed(self, state: State, size: int) -> State:
        return state if isinstance(state, Scattered) else state[:size]

    def absorb(self, mine: State, theirs: State, at: np.ndarray) -> State:
        if isinstance(theirs, Scattered):
            return _scatter(mine, theirs, at, self.bins)
        where = slice_of(at)
        if isinstance(where, slice):
            mine[where] += theirs
        else:
            np.add.at(mine, where, theirs)
        return mine

    def pooled(self, state: State) -> np.ndarray:
        return self.dense(state).sum(axis=0)[None]

    def rows(self, name: str, state: State, order: np.ndarray, *, size: int) -> dict[str, Any]:
        state = self.dense(state)
        return {name: np.concatenate([state[order], self.pooled(state)])}


@datarecord(frozen=True)
class ClassSums(BinSums):
    """``--per-class`` (:mod:`.per_class`): per key, ``bins`` sums of
    :class:`~losscli.losses.by_class.Placed` rows: each row adds its values at its positions
    (one per class, or per class and bin). One ``bincount`` per block; a block with more
    keys × sums than rows keeps its rows scattered, as :class:`BinSums` does."""

    def of_rows(self, codes: np.ndarray | None, n_keys: int, column: Any) -> State:
        at, values = column
        values = np.broadcast_to(values, at.shape).reshape(-1)
        if codes is not None and n_keys * self.bins > at.size:
            return Scattered(((np.repeat(codes, at.shape[1]), at.reshape(-1), values),), n_keys)
        flat = at if codes is None else codes[:, None] * self.bins + at
        summed = np.bincount(flat.reshape(-1), weights=values, minlength=n_keys * self.bins)
        return summed.reshape(n_keys, self.bins)


def _scatter(mine: np.ndarray, rows: Scattered, at: np.ndarray | None, bins: int) -> np.ndarray:
    """``rows`` added into ``mine`` in place (their key k is ``at[k]`` here, if given)."""
    flat_view = mine.reshape(-1)  # a view: states are C-contiguous
    for keys, index, values in rows.pieces:
        flat = (keys if at is None else at[keys]) * bins + index
        np.add.at(flat_view, flat, 1.0 if values is None else values)
    return mine


def _calibration_columns(b: Batch, *, bins: int) -> dict[str, Valued]:
    """ECE's confidence and outcome per row (see ``losses.classifiers._ece_stats``), binned:
    rows, Σw (weighted only), Σw·c and Σw·y per bin."""
    if b.multiclass:
        confidence = b.p.max(axis=1)
        outcome = (b.p.argmax(axis=1) == b.y.argmax(axis=1)).astype(float)
    else:
        confidence, outcome = b.p, b.y
    index = np.clip(np.floor(confidence * bins), 0, bins - 1).astype(np.intp)
    kind = BinSums(bins, "--calibration")
    columns = {
        "rows": Valued(kind, Binned(index, None)),
        "wc": Valued(kind, Binned(index, b.weigh(confidence))),
        "wy": Valued(kind, Binned(index, b.weigh(outcome))),
    }
    if b.w is not None:
        columns["w"] = Valued(kind, Binned(index, b.w))
    return columns


def _residual_columns(b: Batch) -> dict[str, Any]:
    """e = y − ŷ binned (rows, and Σw where weighted), Σw·e, and e's largest and smallest
    value (as −max of −e)."""
    e = b.y - b.p
    index = residual_bins(e)
    kind = BinSums(RESIDUAL_BINS, "--residuals")
    columns = {
        "rows": Valued(kind, Binned(index, None)),
        "we": b.weigh(e),
        "top": Valued(LARGEST, e),
        "bottom": Valued(LARGEST, -e),
    }
    if b.w is not None:
        columns["w"] = Valued(kind, Binned(index, b.w))
    return columns


def _no_value(s: Sums, **_: object) -> np.ndarray:
    """A diagram has no value of its own (never finalized as a loss)."""
    return np.full(len(s["n"]), np.nan)


def calibration_loss(bins: int = ECE_BINS) -> Loss:
    """The statistics of the reliability diagram, with ECE's ``bins``."""
    return Loss(
        name=CALIBRATION,
        aliases=(),
        description="reliability diagram bins",
        formula="per bin of the confidence c: rows, Σw, Σw·c, Σw·y",
        tasks=CLASSIFICATION,
        direction=Direction.LOWER,
        shape=Custom(partial(_calibration_columns, bins=bins), _no_value),
        arguments={"bins": bins},
    )


def residuals_loss() -> Loss:
    """The statistics of the residual histogram."""
    return Loss(
        name=RESIDUALS,
        aliases=(),
        description="residual histogram bins",
        formula="per bin of e = y − ŷ: rows, Σw; Σw·e, max e, min e",
        tasks=(Task.REGRESSION,),
        direction=Direction.LOWER,
        shape=Custom(_residual_columns, _no_value),
    )


def diagram_losses(calibration: int | None, residuals: bool) -> tuple[Loss, ...]:
    """The internal losses a run keeps for its diagrams (``calibration``: ECE's bins, or
    None for no reliability diagram)."""
    chosen = [] if calibration is None else [calibration_loss(calibration)]
    return (*chosen, *([residuals_loss()] if residuals else []))


def residual_edges() -> np.ndarray:
    """Each residual bin's (low, high) edges, in bin order (see :func:`residual_bins`)."""
    e, m = RESIDUAL_EDGES, len(RESIDUAL_EDGES) // 2
    low = np.concatenate([[-np.inf], e[:m], [0.0], e[m:]])
    high = np.concatenate([e[: m + 1], [0.0], e[m + 1 :], [np.inf]])
    return np.stack([low, high], axis=1)


def diagram_columns(
    sums: Mapping[str, Sums],
    diagrams: Sequence[Loss],
    *,
    keys: int,
    classifier: bool,
    multiclass: bool,
) -> DiagramColumns | None:
    """One model's diagram sums for its ``keys`` rows, from the finalized sums of the
    diagram losses (``sums``: per loss name, empty where no row reached the loss)."""
    from ..result.diagrams import CalibrationSums, DiagramColumns, ResidualSums

    calibration, residuals, edges = None, None, None
    for loss in diagrams:
        s = sums.get(loss.name, {})
        if loss.name == CALIBRATION:
            bins = loss.arguments["bins"]
            assert isinstance(bins, int)
            rows, w, wc, wy = (_field(s, f, keys, bins) for f in ("rows", "w", "wc", "wy"))
            top_label, present = np.full(keys, multiclass), np.full(keys, classifier)
            calibration = CalibrationSums(rows, w, wc, wy, top_label, present)
        elif loss.name == RESIDUALS:
            rows, w = (_field(s, f, keys, RESIDUAL_BINS) for f in ("rows", "w"))
            largest = np.asarray(s.get("top", np.full(keys, np.nan)))
            smallest = -np.asarray(s.get("bottom", np.full(keys, np.nan)))
            present = np.full(keys, not multiclass)  # a binary model's too: e = y − p
            we = np.asarray(s.get("we", np.zeros(keys)), dtype=float)
            residuals = ResidualSums(rows, w, we, smallest, largest, present)
            edges = residual_edges()
    if calibration is None and residuals is None:
        return None
    return DiagramColumns(calibration, residuals, edges)


def _field(sums: Sums, name: str, keys: int, bins: int) -> np.ndarray:
    """A field's (keys × bins) sums: Σw unweighted is the rows; zeros where no row reached
    the diagram's loss."""
    found = sums.get(name)
    if found is None and name == "w":
        found = sums.get("rows")
    return np.zeros((keys, bins)) if found is None else np.asarray(found, dtype=float)
