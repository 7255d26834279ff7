"""Per-key bin sums: what the reliability diagram (``--calibration``) and the residual
histogram (``--residuals``) are drawn from.

Both are statistics of a kind of their own, :class:`BinSums`: per key, per bin, a few
sums (rows, weight, weighted values). A block's rows make them with one ``bincount``
per field over ``key × bins + bin``; two states add; the overall row is every key's
bins added. The bins are fixed before any row is read, so the sums merge by value
across chunks, threads, files and shards, and per group, as every other statistic does
(:mod:`.statistics`).

- Calibration: ECE's equal-width bins on [0, 1] (``ece:bins=B``), of the confidence
  c (binary: p; multi-class: the top label's probability) against the outcome y (the
  label; multi-class: whether the top label is the true class). Fields: rows, Σw,
  Σw·c, Σw·y.
- Residuals: e = y − ŷ in fixed log-spaced bins symmetric around 0 (:data:`RESIDUAL_EDGES`:
  ``PER_DECADE`` bins per decade from 10^LOW to 10^HIGH on either side), with a bin of
  its own for e = 0 exactly, one on either side for 0 < |e| < 10^LOW and one beyond
  10^HIGH. Fields: rows, Σw; Σw·e (the mean) and the extremes of e are kept apart, so
  the outermost bins are bounded by the data.

The diagrams are two internal losses (never in the registry, never a column of the
table): the kernel keeps their statistics like any loss's, and finalizing hands their
per-key sums to :mod:`losscli.result.diagrams`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, NamedTuple

import numpy as np

from ..losses import Batch, Custom, Direction, Loss, Task
from ..losses.classification import CLASSIFICATION
from ..losses.shapes import Sums
from ..result.diagrams import CalibrationSums, DiagramColumns, ResidualSums
from .declarations import Problem
from .reduce import slice_of
from .statistics import LARGEST, Kind, State, Valued

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


def residual_bins(e: np.ndarray) -> np.ndarray:
    """Each e's bin: bin i > 0 below the zero bin is [E[i−1], E[i]) of the edges E, bin 0 is
    (−∞, E[0]); above the zero bin, bin i is [E[i−2], E[i−1]), the last (E[−1], ∞)."""
    index = np.searchsorted(RESIDUAL_EDGES, e, side="right")
    return index + (e > 0)  # e = 0 gets the bin after [−10^LOW, 0), the rest of [0, …) moves up


class Binned(NamedTuple):
    """A :class:`BinSums` column: each row's bin and its fields' values (rows × fields)."""

    bin: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class BinSums(Kind):
    """Per key, ``bins`` × ``len(fields)`` sums: a state of shape (keys, bins, fields).
    Read by ``compute`` as ``name.field`` arrays of (keys + 1, bins), the last row pooled."""

    bins: int
    fields: tuple[str, ...]

    resampled: ClassVar[bool] = False  # a diagram, not a value: no interval

    def check(self, column: Any, rows: int, label: str) -> Problem:
        return "", None  # made here, never by a plugin

    def names(self, name: str) -> tuple[str, ...]:
        return tuple(f"{name}.{field}" for field in self.fields)

    def of_rows(self, codes: np.ndarray | None, n_keys: int, column: Any) -> State:
        at, values = column
        flat = at if codes is None else codes * self.bins + at
        size = n_keys * self.bins
        sums = [
            np.bincount(flat, weights=values[:, f], minlength=size) for f in range(values.shape[1])
        ]
        return np.stack(sums, axis=-1).reshape(n_keys, self.bins, len(self.fields))

    def combined(self, mine: State, theirs: State) -> State:
        return mine + theirs

    def added(self, mine: State, theirs: State) -> State:
        return np.add(mine, theirs, out=mine)

    def absorb(self, mine: State, theirs: State, at: np.ndarray) -> State:
        where = slice_of(at)
        if isinstance(where, slice):
            mine[where] += theirs
        else:
            np.add.at(mine, where, theirs)
        return mine

    def pooled(self, state: State) -> np.ndarray:
        return state.sum(axis=0)[None]

    def rows(self, name: str, state: State, order: np.ndarray, *, size: int) -> dict[str, Any]:
        shown = np.concatenate([state[order], self.pooled(state)])
        return {label: shown[..., f] for f, label in enumerate(self.names(name))}


CALIBRATION_FIELDS = ("rows", "w", "wc", "wy")
RESIDUAL_FIELDS = ("rows", "w")


def _calibration_columns(b: Batch, *, bins: int) -> dict[str, Valued]:
    """ECE's confidence and outcome per row (see ``losses.classifiers._ece_stats``), binned."""
    if b.multiclass:
        confidence = b.p.max(axis=1)
        outcome = (b.p.argmax(axis=1) == b.y.argmax(axis=1)).astype(float)
    else:
        confidence, outcome = b.p, b.y
    index = np.clip(np.floor(confidence * bins), 0, bins - 1).astype(np.intp)
    w = b.w_array
    values = np.stack([np.ones(len(w)), w, w * confidence, w * outcome], axis=1)
    return {"bins": Valued(BinSums(bins, CALIBRATION_FIELDS), Binned(index, values))}


def _residual_columns(b: Batch) -> dict[str, Any]:
    """e = y − ŷ binned, with its largest and smallest value (as −max of −e)."""
    e = b.y - b.p
    w = b.w_array
    binned = Binned(residual_bins(e), np.stack([np.ones(len(e)), w], axis=1))
    return {
        "bins": Valued(BinSums(RESIDUAL_BINS, RESIDUAL_FIELDS), binned),
        "we": b.weigh(e),
        "top": Valued(LARGEST, e),
        "bottom": Valued(LARGEST, -e),
    }


def _no_value(s: Sums, **_: object) -> np.ndarray:
    """A diagram has no value of its own (never finalized as a loss)."""
    return np.full(len(s["n"]), np.nan)


def calibration_loss(bins: int = ECE_BINS) -> Loss:
    """The statistics of the reliability diagram, with ECE's ``bins``."""
    return Loss(
        name=CALIBRATION,
        aliases=(),
        description="reliability diagram bins",
        formula="per bin: rows, Σw, Σw·c, Σw·y",
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
    calibration, residuals, edges = None, None, None
    for loss in diagrams:
        s = sums.get(loss.name, {})
        if loss.name == CALIBRATION:
            bins = loss.arguments["bins"]
            assert isinstance(bins, int)
            rows, w, wc, wy = (_field(s, f"bins.{f}", keys, bins) for f in CALIBRATION_FIELDS)
            top_label, present = np.full(keys, multiclass), np.full(keys, classifier)
            calibration = CalibrationSums(rows, w, wc, wy, top_label, present)
        elif loss.name == RESIDUALS:
            rows, w = (_field(s, f"bins.{f}", keys, RESIDUAL_BINS) for f in RESIDUAL_FIELDS)
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
    """A field's (keys × bins) sums; zeros where no row reached the diagram's loss."""
    found = sums.get(name)
    return np.zeros((keys, bins)) if found is None else np.asarray(found, dtype=float)
