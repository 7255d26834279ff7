"""``--thresholds`` in the outputs for people and in JSON: per model and group, the chosen
threshold and its measures below the table (``-f table``, markdown), the whole table with
``--table thresholds``, and each JSON row's ``"thresholds"`` list."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pyarrow as pa

from .. import _arrow
from ..result import EvaluationResult
from ..result.threshold_table import threshold_columns, threshold_periods
from ..result.thresholds import MEASURES, ThresholdColumns
from .cells import group_cells
from .columns import float_texts
from .formats import Display
from .grid import MORE_ROWS, Grid
from .marks import glyphs_for
from .numbers import format_number
from .part_cells import ALL_PERIODS

HEADERS = {
    "threshold": "threshold",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
    "fpr": "FPR",
    "predicted_positive": "predicted +",
    "youden": "Youden",
    "cost": "cost",
}


def threshold_texts(columns: ThresholdColumns, indent: str) -> pa.Array:
    """Per row, ``,\n<indent>"thresholds": [...]`` as ``json.dumps(indent=2)`` writes it
    there (the document's rows' path: :mod:`.json_rows`), a whole column at a time: each
    measure's texts over every (row, threshold) cell at once, the cells joined per row."""
    import pyarrow.compute as pc

    head = f',\n{indent}"thresholds": '
    counts = np.where(columns.present, columns.counts(), 0)
    if not counts.any():
        return _arrow.repeated_text(head + "[]", len(counts))
    item, key = indent + "  ", indent + "    "
    measures = columns.measures()
    kind = columns.objective.kind
    values = {"threshold": columns.at, **{m: measures[m] for m in MEASURES}}
    if kind != "f1":
        values[kind] = measures[kind]
    places = np.arange(columns.at.shape[1])
    cells = places[None, :] < counts[:, None]  # rows × T: the rows' own thresholds
    size = int(cells.sum())
    parts = []
    for k, (name, value) in enumerate(values.items()):
        start = f"{item}{{\n{key}" if k == 0 else f",\n{key}"
        parts.append(_arrow.repeated_text(f"{start}{json.dumps(name)}: ", size))
        finite = np.where(np.isfinite(value), value, np.nan)[cells]  # ±inf: null, as NaN
        parts.append(float_texts(finite, "null"))
    best = (places[None, :] == columns.chosen(measures)[:, None])[cells]
    ends = [f',\n{key}"chosen": {word}\n{item}}}' for word in ("true", "false")]
    parts.append(pc.if_else(_arrow.from_numpy(best), ends[0], ends[1]))
    joined = _arrow.joined([part.cast(pa.large_string()) for part in parts])
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    lists = pa.LargeListArray.from_arrays(_arrow.from_numpy(offsets), joined)
    within = pc.binary_join(lists, pa.scalar(",\n", pa.large_string()))
    listed = _arrow.joined(
        [
            _arrow.repeated_text(f"{head}[\n", len(counts)).cast(pa.large_string()),
            within,
            _arrow.repeated_text(f"\n{indent}]", len(counts)).cast(pa.large_string()),
        ]
    )
    return pc.if_else(_arrow.from_numpy(counts > 0), listed, head + "[]")


def threshold_lines(result: EvaluationResult, display: Display) -> list[str]:
    """Below the table: per file and model, the objective, then per group (at most
    ``max_rows``) and overall the chosen threshold and its measures."""
    found = result.frame.thresholds
    if found is None:
        return []
    glyphs = glyphs_for(display.charset)
    measures = found.measures()
    chosen = found.chosen(measures)
    kind = found.objective.kind
    lines: list[str] = []
    block: tuple[str, str] | None = None
    kept = left_out = 0
    for i in result.shown_rows().tolist():
        if not found.present[i]:
            continue
        frame = result.frame
        here = (frame.file[i], frame.pred[i])
        if here != block:
            block, kept = here, 0
            several = len(result.files) > 1
            where = glyphs.separator.join([*([here[0]] if several else []), here[1]])
            bits = int(found.bits[i])
            binned = (
                f" (scores in 2^{bits} bins: a bin holding t counts as below it)" if bits else ""
            )
            lines += [
                "",
                f"Thresholds of {where}: predicted positive where p > t; best "
                f"{found.objective.text()}{binned}",
            ]
        overall = bool(frame.overall[i])
        if not overall:
            kept += 1
            if display.max_rows and kept > display.max_rows:
                left_out += 1
                continue
        group = frame.group(i)
        name = "overall" if group is None else ", ".join(group_cells(group, result.group_by))
        if frame.period is not None:
            name += f", {frame.period.label[i] or 'all periods'}"
        j = int(chosen[i])
        if j < 0:
            lines.append(f"  {name}: no threshold has a {kind}")
            continue
        shown = [f"t = {_number(found.at[i, j], display.digits)}"]
        for m in [*MEASURES, *([] if kind == "f1" else [kind])]:
            shown.append(
                f"{HEADERS[m]} {_number(measures[m][i, j], display.digits, glyphs.missing)}"
            )
        lines.append(f"  {name}: " + ", ".join(shown))
    if left_out:
        lines.append(f"  {glyphs.more} {left_out:,} group rows left out: {MORE_ROWS}")
    return lines


def threshold_grid(result: EvaluationResult, display: Display, charset: str | None) -> Grid:
    """``--table thresholds`` as the table and markdown show it: one row per threshold of
    each row, the chosen one marked, at most ``max_rows`` group rows per file and model."""
    glyphs = glyphs_for(charset)
    names, columns = threshold_columns(result)
    several = len(result.files) > 1
    keys = (["file"] if several else []) + ["pred", *result.group_by]
    periods = threshold_periods(result)  # a column of the period's label (--period)
    keys += [] if periods is None else ["period"]
    values = [n for n in names if n in HEADERS]
    grid = Grid(
        title=glyphs.separator.join([] if several else result.files),
        headers=[*keys, *(HEADERS[n] for n in values), "chosen"],
        numeric=[False] * len(keys) + [True] * len(values) + [False],
    )
    groups_seen: dict[tuple[Any, ...], set[Any]] = {}
    left_out = 0
    count = len(columns["file"])
    for i in range(count):
        overall = columns["scope"][i] == "overall"
        group = None if overall else {g: columns[g][i] for g in result.group_by}
        block = (columns["file"][i], columns["pred"][i])
        if not overall:
            seen = groups_seen.setdefault(block, set())
            seen.add(tuple(str(v) for v in (group or {}).values()))
            if display.max_rows and len(seen) > display.max_rows:
                left_out += 1
                continue
        grid.rows.append(
            ([columns["file"][i]] if several else [])
            + [columns["pred"][i]]
            + group_cells(group, result.group_by)
            + ([] if periods is None else [periods.label[i] or ALL_PERIODS])
            + [_number(columns[n][i], display.digits, glyphs.missing) for n in values]
            + ["chosen" if columns["chosen"][i] else ""]
        )
        grid.overall.append(overall and bool(result.group_by))
        last = i + 1 == count or (columns["file"][i + 1], columns["pred"][i + 1]) != block
        grid.block_ends.append(last)
    if left_out:
        grid.footnotes.append(f"{glyphs.more} {left_out:,} threshold rows left out: {MORE_ROWS}")
    return grid.shown(charset)


def _number(value: float, digits: int, missing: str = "") -> str:
    return missing if math.isnan(value) else format_number(float(value), digits)
