"""``--drift``: each period's loss against its group's reference window, per file, model,
group and loss (a *family*), and the period from which it is worse (the *onset*).

Finalizing (:mod:`losscli.engine.drift`) fills :class:`DriftColumns` beside a frame's rows:
per judged period row and loss, Δ = value − reference value, its interval, its one-sided
p-value of being worse and that p-value adjusted across the family's judged periods,
whether it is worse, and whether it is the family's onset. Rows that are not judged (the
reference's own periods, rows over all periods, class rows) hold NaN and False. Here
those columns become one :class:`DriftVerdict` per family and loss judged, the JSON
``"drift"`` list and ``--table drift`` (the notes and ``--fail-on-drift``'s failed checks:
:mod:`.drift_notes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..records import datarecord
from .keys import NO_PERIOD, period_texts, refuse_clashing_groups

if TYPE_CHECKING:
    from .evaluation import EvaluationResult
    from .frame import Frame

DRIFT_FIELDS = ("loss", "onset", "reference_start", "reference_end", "delta", "low", "high")


@datarecord(frozen=True)
class DriftSettings:
    """How a run judged drift: the onset's run of worse periods, the level and adjustment,
    the intervals' method, and the reference window as a sentence names it."""

    min_periods: int
    level: float
    adjust: str
    method: str  # "normal" (two standard errors) or "bootstrap" (the replicates' differences)
    reference: str  # "each group's first 4 periods", "periods starting 2026-01-05..2026-02-01"


@datarecord(frozen=True)
class DriftLoss:
    """One loss's drift per row (NaN/False where the row is not judged)."""

    delta: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p: np.ndarray  # one-sided: of being worse than the reference
    p_adjusted: np.ndarray  # across its family's judged periods (--adjust)
    worse: np.ndarray  # bool: significantly worse after the adjustment
    onset: np.ndarray  # bool: its family's onset period

    @classmethod
    def absent(cls, n: int) -> DriftLoss:
        nan = np.full(n, np.nan)
        no = np.zeros(n, dtype=bool)
        return cls(nan, nan.copy(), nan.copy(), nan.copy(), nan.copy(), no, no.copy())

    def take(self, index: np.ndarray | slice) -> DriftLoss:
        return DriftLoss(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @classmethod
    def concat(cls, parts: Sequence[DriftLoss]) -> DriftLoss:
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        )


@datarecord(frozen=True)
class DriftColumns:
    """Per row: each judged loss's :class:`DriftLoss`, its family's reference window (the
    first reference period's start and the last one's end, ns UTC, :data:`NO_PERIOD` where
    none; ``reference_label`` ``2026-W01..2026-W04``), and ``why`` a family has no
    verdict (None: judged, or not a period row)."""

    losses: dict[str, DriftLoss]
    reference_start: np.ndarray  # int64
    reference_end: np.ndarray  # int64
    reference_label: np.ndarray  # object
    why: np.ndarray  # object
    after: np.ndarray  # bool: a period after its family's reference window, to be judged
    settings: DriftSettings
    undirected: tuple[str, ...] = ()  # losses with no better direction: not judged
    series_means: tuple[str, ...] = ()  # mase, rmsse: means over series, not judged

    def take(self, index: np.ndarray | slice) -> DriftColumns:
        return replace(
            self,
            losses={name: loss.take(index) for name, loss in self.losses.items()},
            reference_start=self.reference_start[index],
            reference_end=self.reference_end[index],
            reference_label=self.reference_label[index],
            why=self.why[index],
            after=self.after[index],
        )

    @classmethod
    def absent(cls, n: int, like: DriftColumns) -> DriftColumns:
        """``n`` rows none of which is judged (a block whose frame has no drift)."""
        none = np.full(n, NO_PERIOD, dtype=np.int64)
        empty = np.full(n, None, dtype=object)
        losses = {name: DriftLoss.absent(n) for name in like.losses}
        return replace(like, losses=losses, reference_start=none, reference_end=none.copy(),
                       reference_label=empty, why=empty.copy(),
                       after=np.zeros(n, dtype=bool))  # fmt: skip

    @classmethod
    def concat(cls, parts: Sequence[DriftColumns | None], sizes: Sequence[int]) -> DriftColumns:
        like = next(p for p in parts if p is not None)
        filled = [p or cls.absent(n, like) for p, n in zip(parts, sizes, strict=True)]
        names = list(dict.fromkeys(name for p in filled for name in p.losses))
        pairs = list(zip(filled, sizes, strict=True))
        losses = {
            name: DriftLoss.concat([p.losses.get(name) or DriftLoss.absent(n) for p, n in pairs])
            for name in names
        }
        undirected = tuple(dict.fromkeys(u for p in filled for u in p.undirected))
        series_means = tuple(dict.fromkeys(u for p in filled for u in p.series_means))
        return replace(
            like,
            losses=losses,
            reference_start=np.concatenate([p.reference_start for p in filled]),
            reference_end=np.concatenate([p.reference_end for p in filled]),
            reference_label=np.concatenate([p.reference_label for p in filled]),
            why=np.concatenate([p.why for p in filled]),
            after=np.concatenate([p.after for p in filled]),
            undirected=undirected,
            series_means=series_means,
        )


@datarecord(frozen=True)
class DriftVerdict:
    """One family and loss judged: its onset period (None: no drift) and the onset's Δ with
    its interval, against the reference window."""

    file: str
    pred: str
    group: dict[str, Any] | None
    loss: str
    onset: str | None  # the onset period's start, as the period JSON writes it
    onset_label: str | None
    reference_start: str
    reference_end: str
    reference_label: str
    delta: float | None
    low: float | None
    high: float | None
    row: int  # the onset's row (else the family's last judged row), for a failed check

    def record(self) -> dict[str, Any]:
        """The verdict as the JSON ``"drift"`` list carries it."""
        return {
            "file": self.file,
            "pred": self.pred,
            "group": self.group,
            "loss": self.loss,
            "onset": self.onset,
            "reference": {"start": self.reference_start, "end": self.reference_end},
            "delta": self.delta,
            "low": self.low,
            "high": self.high,
        }


def drift_verdicts(result: EvaluationResult) -> list[DriftVerdict]:
    """Every family and loss judged, in the rows' order (families), then the losses'.
    The texts are made for all verdicts at once (a result may have a million groups)."""
    frame = result.frame
    drift = frame.drift
    if drift is None or frame.period is None:
        return []
    from .ordering import group_ids

    family = families(frame, group_ids(frame))
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []  # first, at, drifted, loss
    for k, name in enumerate(result.losses):
        column = drift.losses.get(name)
        if column is None or not np.isfinite(column.p).any():
            continue
        rows = np.flatnonzero(np.isfinite(column.p))
        firsts, lasts = family_rows(family[rows], rows)
        onset = np.flatnonzero(column.onset)
        place = np.searchsorted(family[firsts], family[onset])  # firsts: in family order
        at, drifted = lasts.copy(), np.zeros(len(firsts), dtype=bool)
        at[place], drifted[place] = onset, True
        found.append((firsts, at, drifted, k))
    if not found:
        return []
    first = np.concatenate([f[0] for f in found])
    at = np.concatenate([f[1] for f in found])
    drifted = np.concatenate([f[2] for f in found])
    loss = np.concatenate([np.full(len(f[0]), f[3]) for f in found])
    order = np.lexsort((loss, first))
    return _verdicts(result, at[order], drifted[order], loss[order])


def families(frame: Frame, groups: np.ndarray) -> np.ndarray:
    """Each row's family number: its block and its group (the rows over all groups of a
    block are one family)."""
    block = frame.block_of()
    width = int(groups.max()) + 2 if len(groups) else 1
    return block.astype(np.int64) * width + (groups + 1)


def family_rows(family: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per family among ``rows`` (in row order): its first row and its last row."""
    if not len(rows):
        return rows, rows
    order = np.argsort(family, kind="stable")
    sorted_family = family[order]
    starts = np.flatnonzero(np.r_[True, sorted_family[1:] != sorted_family[:-1]])
    ends = np.r_[starts[1:], len(order)] - 1
    return rows[order[starts]], rows[order[ends]]


def _verdicts(
    result: EvaluationResult, at: np.ndarray, drifted: np.ndarray, loss: np.ndarray
) -> list[DriftVerdict]:
    """The verdicts at rows ``at`` (each family's onset where ``drifted``, else its last
    judged row) of the losses numbered ``loss`` (in ``result.losses``)."""
    frame = result.frame
    drift = frame.drift
    assert drift is not None and frame.period is not None
    periods = frame.period.take(at)
    onsets = period_texts(periods, "start")
    onsets[~drifted] = None
    window = replace(periods, start=drift.reference_start[at], end=drift.reference_end[at])
    starts, ends = period_texts(window, "start"), period_texts(window, "end")
    names = [result.losses[k] for k in loss.tolist()]
    numbers = {}
    for field in ("delta", "low", "high"):
        values = np.full(len(at), np.nan)
        for k in np.unique(loss).tolist():
            mine = loss == k
            values[mine] = getattr(drift.losses[result.losses[k]], field)[at[mine]]
        numbers[field] = [
            float(v) if d and np.isfinite(v) else None
            for v, d in zip(values.tolist(), drifted.tolist(), strict=True)
        ]
    return [
        DriftVerdict(
            file=str(frame.file[i]),
            pred=str(frame.pred[i]),
            group=frame.group(i),
            loss=names[j],
            onset=onsets[j],
            onset_label=str(periods.label[j]) if drifted[j] else None,
            reference_start=str(starts[j]),
            reference_end=str(ends[j]),
            reference_label=str(drift.reference_label[i]),
            delta=numbers["delta"][j],
            low=numbers["low"][j],
            high=numbers["high"][j],
            row=i,
        )
        for j, i in enumerate(at.tolist())
    ]


def drift_records(result: EvaluationResult) -> list[dict[str, Any]]:
    """The JSON ``"drift"`` list: one record per family and loss judged."""
    return [v.record() for v in drift_verdicts(result)]


def drift_columns(result: EvaluationResult) -> tuple[list[str], dict[str, np.ndarray]]:
    """``--table drift``: one row per family and loss judged (CSV's header and arrays):
    file, pred, scope, the group columns, loss, onset (the onset period's start; empty
    where none), the reference window's start and end, and the onset's delta, low, high."""
    if result.frame.drift is None:
        from ..errors import UsageError

        raise UsageError("--table drift needs --drift (and --period)")
    own = ("file", "pred", "scope", *DRIFT_FIELDS)
    refuse_clashing_groups("drift", result.group_by, own, carried="drift verdicts")
    verdicts = drift_verdicts(result)

    def column(values: list[Any], kind: Any = object) -> np.ndarray:
        return np.array(values, dtype=kind) if values else np.zeros(0, dtype=kind)

    def number(values: list[float | None]) -> np.ndarray:
        return column([np.nan if v is None else v for v in values], float)

    out: dict[str, np.ndarray] = {
        "file": column([v.file for v in verdicts]),
        "pred": column([v.pred for v in verdicts]),
        "scope": column(["overall" if v.group is None else "group" for v in verdicts]),
    }
    for g in result.group_by:
        out[g] = column([None if v.group is None else v.group.get(g) for v in verdicts])
    out["loss"] = column([v.loss for v in verdicts])
    out["onset"] = column([v.onset for v in verdicts])
    out["reference_start"] = column([v.reference_start for v in verdicts])
    out["reference_end"] = column([v.reference_end for v in verdicts])
    for name in ("delta", "low", "high"):
        out[name] = number([getattr(v, name) for v in verdicts])
    return ["file", "pred", "scope", *result.group_by, *DRIFT_FIELDS], out
