"""The diagrams a result carries (``--calibration``, ``--residuals``): per result row, the
bin sums the engine kept, and what is read from them.

:class:`DiagramColumns` holds every row's sums as arrays (rows × bins), so sorting and
selecting rows take from them as from the losses' columns (:meth:`~.frame.Frame.take`).
A renderer asks for one row's diagrams: :meth:`DiagramColumns.reliability` gives a
:class:`ReliabilityDiagram` (per bin: rows, mean predicted, observed frequency; the ECE),
:meth:`DiagramColumns.histogram` a :class:`ResidualHistogram` (per bin: edges and rows;
the mean, the extremes, and the 5/25/50/75/95% quantiles read from the bins, each with
its bound: the quantile lies in [low, high], whose width is its bin's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..records import datarecord

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@datarecord(frozen=True)
class CalibrationSums:
    """Per row and bin of equal width on [0, 1]: rows, Σw, Σw·c, Σw·y (c the confidence,
    y the outcome); ``top_label``: multi-class (c is the top label's probability)."""

    rows: np.ndarray
    w: np.ndarray
    wc: np.ndarray
    wy: np.ndarray
    top_label: np.ndarray  # bool per row
    present: np.ndarray  # bool per row: the row's model is a classifier


@datarecord(frozen=True)
class ResidualSums:
    """Per row and bin of e = y − ŷ (the bins' edges are shared): rows, Σw; per row Σw·e
    and the smallest and largest e."""

    rows: np.ndarray
    w: np.ndarray
    we: np.ndarray
    smallest: np.ndarray
    largest: np.ndarray
    present: np.ndarray  # bool per row: the row's model is a regression


@datarecord(frozen=True)
class ReliabilityDiagram:
    """One row's reliability diagram: bin j is [edges[j], edges[j+1]) of the confidence
    (the last also 1); ``mean_predicted`` and ``observed`` are weighted means (NaN where
    a bin has no weight)."""

    edges: np.ndarray
    count: np.ndarray  # rows per bin (int)
    weight: np.ndarray
    mean_predicted: np.ndarray
    observed: np.ndarray
    ece: float
    top_label: bool

    def record(self) -> dict[str, Any]:
        bins = [
            {
                "low": float(self.edges[j]),
                "high": float(self.edges[j + 1]),
                "count": int(self.count[j]),
                "weight": float(self.weight[j]),
                "mean_predicted": _number(self.mean_predicted[j]),
                "observed": _number(self.observed[j]),
            }
            for j in range(len(self.count))
        ]
        return {"ece": _number(self.ece), "top_label": self.top_label, "bins": bins}


@datarecord(frozen=True)
class Quantile:
    """A quantile read from the bins: ``value`` interpolated in its bin [low, high], where
    the exact (inverted-CDF) quantile lies; ``bound`` = high − low."""

    q: float
    value: float
    low: float
    high: float

    @property
    def bound(self) -> float:
        return self.high - self.low


@datarecord(frozen=True)
class ResidualHistogram:
    """One row's residual histogram: bin j is [low[j], high[j]) (the zero bin [0, 0]; the
    outermost bins end at the data's extremes); only bins with rows are kept."""

    low: np.ndarray
    high: np.ndarray
    count: np.ndarray  # rows per bin (int)
    weight: np.ndarray
    mean: float
    smallest: float
    largest: float
    quantiles: tuple[Quantile, ...]

    def record(self) -> dict[str, Any]:
        bins = [
            {
                "low": _number(lo),  # None: e overflowed float64
                "high": _number(hi),
                "count": int(count),
                "weight": float(weight),
            }
            for lo, hi, count, weight in zip(
                self.low, self.high, self.count, self.weight, strict=True
            )
        ]
        quantiles = {
            f"{q.q * 100:g}": {
                "value": _number(q.value),
                "low": _number(q.low),
                "high": _number(q.high),
                "bound": _number(q.bound),
            }
            for q in self.quantiles
        }
        return {
            "mean": _number(self.mean),
            "min": _number(self.smallest),
            "max": _number(self.largest),
            "quantiles": quantiles,
            "bins": bins,
        }


@datarecord(frozen=True)
class DiagramColumns:
    """Every result row's diagram sums (either may be None: not asked for); the residual
    bins' edges, shared by every row (``edges``: bin j is [edges[j, 0], edges[j, 1]))."""

    calibration: CalibrationSums | None = None
    residuals: ResidualSums | None = None
    residual_edges: np.ndarray | None = None  # (bins × 2): low and high edge of each bin

    def take(self, index: Any) -> DiagramColumns:
        return replace(
            self,
            calibration=_take(self.calibration, index),
            residuals=_take(self.residuals, index),
        )

    @classmethod
    def concat(
        cls, parts: Sequence[DiagramColumns | None], lengths: Sequence[int]
    ) -> DiagramColumns:
        """One column of several blocks' (a block without diagrams has none present)."""
        known = [p for p in parts if p is not None]
        calibration = [p.calibration for p in known if p.calibration is not None]
        residuals = [p.residuals for p in known if p.residuals is not None]
        edges = next((p.residual_edges for p in known if p.residual_edges is not None), None)
        return cls(
            _concat(CalibrationSums, [p and p.calibration for p in parts], calibration, lengths),
            _concat(ResidualSums, [p and p.residuals for p in parts], residuals, lengths),
            edges,
        )

    def reliability(self, i: int) -> ReliabilityDiagram | None:
        """Row ``i``'s reliability diagram (None: not asked for, or not a classifier)."""
        c = self.calibration
        if c is None or not c.present[i]:
            return None
        bins = c.rows.shape[1]
        w, wc, wy = c.w[i], c.wc[i], c.wy[i]
        with np.errstate(invalid="ignore", divide="ignore"):
            ece = float(np.abs(wy - wc).sum() / w.sum())
            return ReliabilityDiagram(
                edges=np.arange(bins + 1) / bins,
                count=c.rows[i].astype(np.int64),
                weight=w,
                mean_predicted=np.where(w > 0, wc / w, np.nan),
                observed=np.where(w > 0, wy / w, np.nan),
                ece=ece,
                top_label=bool(c.top_label[i]),
            )

    def histogram(self, i: int) -> ResidualHistogram | None:
        """Row ``i``'s residual histogram (None: not asked for, or not a regression)."""
        r, edges = self.residuals, self.residual_edges
        if r is None or edges is None or not r.present[i]:
            return None
        smallest, largest = float(r.smallest[i]), float(r.largest[i])
        low = np.clip(edges[:, 0], smallest, largest)
        high = np.clip(edges[:, 1], smallest, largest)
        w, rows = r.w[i], r.rows[i]
        kept = np.flatnonzero(rows > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = float(r.we[i] / w.sum())
        return ResidualHistogram(
            low=low[kept],
            high=high[kept],
            count=rows[kept].astype(np.int64),
            weight=w[kept],
            mean=mean,
            smallest=smallest,
            largest=largest,
            quantiles=tuple(quantile(w, low, high, q) for q in QUANTILES),
        )


def quantile(weights: np.ndarray, low: np.ndarray, high: np.ndarray, q: float) -> Quantile:
    """The ``q`` quantile of binned values: the bin where the cumulative weight first
    reaches q·Σw, and the value interpolated linearly in it (the inverted-CDF quantile,
    the smallest value x with F(x) ≥ q, lies in that bin)."""
    cumulative = np.cumsum(weights)
    total = cumulative[-1] if len(cumulative) else 0.0
    if not total > 0:
        return Quantile(q, np.nan, np.nan, np.nan)
    target = q * total
    j = min(int(np.searchsorted(cumulative, target, side="left")), len(weights) - 1)
    before = cumulative[j - 1] if j else 0.0
    share = (target - before) / weights[j] if weights[j] > 0 else 0.0
    lo, hi = float(low[j]), float(high[j])
    value = lo + min(max(share, 0.0), 1.0) * (hi - lo)
    return Quantile(q, value, lo, hi)


def _take(sums: Any, index: Any) -> Any:
    if sums is None:
        return None
    return replace(sums, **{name: array[index] for name, array in vars(sums).items()})


def _concat(kind: type, blocks: list[Any], known: list[Any], lengths: Sequence[int]) -> Any:
    """The blocks' sums one after another; a block without them: zeros, not present."""
    if not known:
        return None
    like = known[0]
    fields: dict[str, list[np.ndarray]] = {name: [] for name in vars(like)}
    for block, n in zip(blocks, lengths, strict=True):
        for name, array in vars(like).items():
            if block is not None:
                fields[name].append(getattr(block, name))
            else:
                fields[name].append(np.zeros((n, *array.shape[1:]), dtype=array.dtype))
    return kind(**{name: np.concatenate(arrays) for name, arrays in fields.items()})


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def diagram_records(frame: Any, rows: Sequence[int]) -> list[dict[str, Any]]:
    """The JSON records of the ``rows``' diagrams (``frame``: the result's
    :class:`~.frame.Frame`): file, pred, group, then ``calibration`` and ``residuals``
    where the row has them."""
    columns: DiagramColumns | None = frame.diagrams
    if columns is None:
        return []
    out = []
    for i in rows:
        record: dict[str, Any] = {"file": frame.file[i], "pred": frame.pred[i]}
        record["group"] = frame.group(i)
        reliability, histogram = columns.reliability(i), columns.histogram(i)
        if reliability is not None:
            record["calibration"] = reliability.record()
        if histogram is not None:
            record["residuals"] = histogram.record()
        if reliability is not None or histogram is not None:
            out.append(record)
    return out
