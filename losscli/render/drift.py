"""``--drift`` in the outputs for people: a mark on worse period cells, then below the rows
a line per model, group and loss (``mape drifted from 2026-W14 (+4.2 [2.9, 5.5] vs
reference 2026-W01..2026-W04)``), the ``no drift`` lines of a model's groups counted in
one line where there are many; ``--table drift`` as a grid."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..result import EvaluationResult
from ..result.adjust import ADJUSTMENT_NAMES
from ..result.drift import DriftVerdict, drift_columns
from .cells import group_cells
from .formats import Display
from .grid import MORE_ROWS, Grid
from .marks import Glyphs, glyphs_for
from .numbers import format_number

LISTED = 10  # a model's "no drift" lines shown one by one up to this many, else counted


def worse_cells(result: EvaluationResult) -> set[tuple[int, str]]:
    """(row, loss) of every period significantly worse than its reference."""
    drift = result.frame.drift
    if drift is None:
        return set()
    return {
        (int(i), name)
        for name in result.losses
        if name in drift.losses
        for i in np.flatnonzero(drift.losses[name].worse)
    }


def drift_lines(
    result: EvaluationResult, digits: int, glyphs: Glyphs, max_rows: int | None = None
) -> list[str]:
    """The legend, then per file and model: each drifted group and loss, the rows over all
    groups, and the groups without drift (one by one, or counted where many)."""
    drift = result.frame.drift
    if drift is None:
        return []
    s = drift.settings
    adjusted = ADJUSTMENT_NAMES.get(s.adjust, s.adjust)
    method = "the bootstrap's replicates" if s.method == "bootstrap" else "two standard errors"
    lines = [
        f"{glyphs.worse.strip()} worse than the drift reference, {s.reference} ({adjusted}-"
        f"adjusted, {100 * s.level:g}%, {method}); a drift's onset is the first of "
        f"{s.min_periods} worse periods in a row"
    ]
    several = len(result.files) > 1
    blocks: dict[tuple[str, str], list[DriftVerdict]] = {}
    for v in result.drift:
        blocks.setdefault((v.file, v.pred), []).append(v)
    for (file, pred), verdicts in blocks.items():
        who = f"{file} · {pred}" if several else pred
        lines += _block_lines(who, verdicts, digits, glyphs, max_rows)
    return lines


def _block_lines(
    who: str, verdicts: list[DriftVerdict], digits: int, glyphs: Glyphs, max_rows: int | None
) -> list[str]:
    drifted = [v for v in verdicts if v.onset is not None]
    overall = [v for v in verdicts if v.onset is None and v.group is None]
    calm = [v for v in verdicts if v.onset is None and v.group is not None]
    shown = drifted if not max_rows else drifted[:max_rows]
    lines = [f"{who} · {_where(v)}: {_drifted(v, digits, glyphs)}" for v in shown]
    if len(shown) < len(drifted):
        more = len(drifted) - len(shown)
        lines.append(f"{who}: {glyphs.more} {more:,} more drifted ({MORE_ROWS})")
    if len(calm) <= LISTED:
        lines += [f"{who} · {_where(v)}: {v.loss} no drift" for v in calm]
    else:
        counts: dict[str, int] = {}
        for v in calm:
            counts[v.loss] = counts.get(v.loss, 0) + 1
        each = ", ".join(f"{loss} in {count:,} groups" for loss, count in counts.items())
        lines.append(f"{who}: no drift: {each}")
    lines += [f"{who} · overall: {v.loss} no drift" for v in overall]
    return lines


def _where(v: DriftVerdict) -> str:
    if v.group is None:
        return "overall"
    return ", ".join(f"{k}={value}" for k, value in v.group.items())


def _drifted(v: DriftVerdict, digits: int, glyphs: Glyphs) -> str:
    assert v.delta is not None
    sign = "+" if v.delta >= 0 else ""
    low, high = (glyphs.missing if x is None else format_number(x, digits) for x in (v.low, v.high))
    return (
        f"{v.loss} drifted from {v.onset_label} ({sign}{format_number(v.delta, digits)} "
        f"[{low}, {high}] vs reference {v.reference_label})"
    )


def drift_grid(result: EvaluationResult, display: Display, charset: str | None) -> Grid:
    """``--table drift`` as the table and markdown show it: one row per family and loss."""
    glyphs = glyphs_for(charset)
    drift_columns(result)  # a usage error without --drift
    verdicts = result.drift
    several = len(result.files) > 1
    keys = (["file"] if several else []) + ["pred", *result.group_by]
    headers = [*keys, "loss", "onset", "reference", f"{glyphs.delta} [low, high]"]
    grid = Grid(
        title=glyphs.separator.join([] if several else result.files),
        headers=headers,
        numeric=[False] * (len(keys) + 3) + [True],
    )
    for i, v in enumerate(verdicts):
        change = glyphs.missing if v.delta is None else _drifted(v, display.digits, glyphs)
        if v.delta is not None:
            change = change[change.index("(") + 1 : change.index(" vs ")]
        cells: list[Any] = ([v.file] if several else []) + [v.pred]
        cells += group_cells(v.group, result.group_by)
        cells += [v.loss, v.onset_label or "no drift", v.reference_label, change]
        grid.rows.append([str(c) for c in cells])
        grid.overall.append(v.group is None and bool(result.group_by))
        last = i + 1 == len(verdicts) or (verdicts[i + 1].file, verdicts[i + 1].pred) != (
            v.file,
            v.pred,
        )
        grid.block_ends.append(last)
    return grid.shown(charset)
