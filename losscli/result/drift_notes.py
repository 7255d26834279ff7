"""What ``--drift`` says beside its verdicts (:mod:`.drift`): the notes on what it left
unjudged (losses without a better side, groups too short or without intervals, counted)
and ``--fail-on-drift``'s failed checks, one per onset."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # .drift: imported where a result has drift (start-up, #18)
    from .drift import DriftColumns, DriftVerdict
    from .evaluation import EvaluationResult
    from .frame import Frame
    from .rows import Outcome


def drift_outcomes(result: EvaluationResult) -> list[Outcome]:
    """``--fail-on-drift``: a failed check per family and loss with an onset, on its
    onset period's row."""
    from .drift import drift_verdicts
    from .rows import Outcome

    settings = result.frame.drift.settings if result.frame.drift is not None else None
    out = []
    for v in drift_verdicts(result):
        if v.onset is None or settings is None:
            continue
        reason = f"{v.loss} drifted from {v.onset_label} ({drift_change(v)})"
        out.append(
            Outcome("--fail-on-drift", v.row, v.loss, v.delta, 0.0, False, reason, kind="drift")
        )
    return out


def drift_change(v: DriftVerdict) -> str:
    """``+4.2 [2.9, 5.5] vs reference 2026-W01..2026-W04``: the onset's Δ and interval."""
    if v.delta is None:
        return f"vs reference {v.reference_label}"
    low, high = ("—" if x is None else f"{x:.6g}" for x in (v.low, v.high))
    return f"{v.delta:+.6g} [{low}, {high}] vs reference {v.reference_label}"


def drift_notes(result: EvaluationResult) -> list[str]:
    """What drift left unjudged: losses without a better direction and means over series
    (once each), and per file and model the groups too short for a verdict, counted."""
    drift = result.frame.drift
    if drift is None:
        return []
    lines = []
    undirected = [name for name in drift.undirected if name in result.losses]
    if undirected:
        lines.append(
            f"--drift: {', '.join(undirected)} {'has' if len(undirected) == 1 else 'have'} no "
            "better direction, so no period of it is judged worse"
        )
    means = [name for name in drift.series_means if name in result.losses]
    if means:
        lines.append(
            f"--drift: {', '.join(means)} {'is a mean' if len(means) == 1 else 'are means'} "
            "over series, which --drift does not judge yet: judge mae or rmse per period"
        )
    frame = result.frame
    why = drift.why
    noted = np.flatnonzero(why != None)  # noqa: E711 (elementwise)
    from .drift import families, family_rows
    from .ordering import group_ids

    family = families(frame, group_ids(frame))
    firsts, _ = family_rows(family[noted], noted)
    for (file, pred, text), who in _counted(frame, firsts, why).items():
        lines.append(f"--drift: {file} · {pred}: {who} not judged: {text}")
    return lines + _without_intervals(result, drift, family)


def _counted(frame: Frame, rows: np.ndarray, texts: Any) -> dict[tuple[str, str, str], str]:
    """Per file, model and text (``texts[i]`` of a row i), its families among ``rows`` (a
    row each) as a note names them: ``3 groups``, ``1 group and the rows over all groups``."""
    counts: dict[tuple[str, str, str], list[int]] = {}
    for i in rows.tolist():
        key = (str(frame.file[i]), str(frame.pred[i]), str(texts[i]))
        tally = counts.setdefault(key, [0, 0])
        tally[bool(frame.overall[i])] += 1
    out = {}
    for key, (groups, overall) in counts.items():
        named = [f"{groups:,} group{'' if groups == 1 else 's'}"] if groups else []
        out[key] = " and ".join([*named, *(["the rows over all groups"] if overall else [])])
    return out


def with_drift_checks(result: EvaluationResult, fail_on_drift: bool) -> EvaluationResult:
    """The result with what drift left unjudged among its notices and, with
    ``--fail-on-drift``, a failed check per onset (:func:`drift_outcomes`)."""
    if result.frame.drift is None:
        return result
    checks = result.checks
    if fail_on_drift:
        checks = [*checks, *drift_outcomes(result), *_nothing_judged(result)]
    return replace(result, notices=[*result.notices, *drift_notes(result)], checks=checks)


def _nothing_judged(result: EvaluationResult) -> list[Outcome]:
    """``--fail-on-drift`` where no period of any loss could be judged (a reference window
    outside the data, too few periods, no intervals): a failed check on the grand row, since
    a gate that judges nothing would pass forever."""
    from .rows import Outcome

    drift = result.frame.drift
    assert drift is not None
    found = [loss.p for name, loss in drift.losses.items() if name in result.losses]
    if any(np.isfinite(p).any() for p in found) or not len(result.rows):
        return []
    reason = "no period was judged against a reference window: the warnings say why"
    return [Outcome("--fail-on-drift", len(result.rows) - 1, "", None, None, False, reason,
                    kind="drift")]  # fmt: skip


def _without_intervals(
    result: EvaluationResult, drift: DriftColumns, family: np.ndarray
) -> list[str]:
    """Per file, model and loss, the families with periods to judge none of which has a
    difference with an interval, counted."""
    from .drift import family_rows

    lines = []
    frame = result.frame
    for name, found in drift.losses.items():
        if name not in result.losses:
            continue
        waiting = np.unique(family[drift.after])
        judged = np.unique(family[drift.after & np.isfinite(found.p)])
        lost = np.setdiff1d(waiting, judged)
        if not len(lost):
            continue
        first = np.flatnonzero(np.isin(family, lost) & drift.after)
        firsts, _ = family_rows(family[first], first)
        named = np.full(len(frame), name, dtype=object)
        for (file, pred, _), who in _counted(frame, firsts, named).items():
            lines.append(
                f"--drift: {file} · {pred}: {name} of {who} not judged: no period has a "
                "difference with an interval (too few rows, or each period within one "
                "--block-rows unit)"
            )
    return lines
