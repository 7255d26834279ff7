"""The comparisons table (``--table comparisons``) as the table and markdown show it."""

from __future__ import annotations

import math
from importlib import import_module
from typing import Any

import numpy as np

from ..result import EvaluationResult
from ..result.comparing import comparison_periods
from .cells import group_cells
from .formats import TABLES, Display
from .grid import MORE_ROWS, Grid
from .marks import glyphs_for
from .numbers import column_notation, format_number
from .part_cells import ALL_PERIODS
from .tables import table_columns
from .verdicts import p_text


def table_grid(result: EvaluationResult, display: Display, charset: str | None) -> Grid:
    """The comparisons as a grid: one row per comparison, at most ``max_rows`` group rows
    per file, model and loss (another table's grid where it declares one)."""
    own = TABLES[display.table].grid
    if own:
        module, function = own.split(":")
        made: Grid = getattr(import_module(f".{module}", __package__), function)(
            result, display, charset
        )
        return made
    glyphs = glyphs_for(charset)
    _, columns = table_columns(result, display.table)
    several = len(result.files) > 1
    keys = (["file"] if several else []) + result.group_by
    periods = comparison_periods(result)  # a column of the period's label (--period)
    keys += [] if periods is None else ["period"]
    headers = [*keys, "loss", "pred", "reference", f"{glyphs.delta} [low, high]", "p", "p adjusted"]
    grid = Grid(
        title=glyphs.separator.join([] if several else result.files),
        headers=[*headers, "verdict"],
        numeric=[False] * (len(keys) + 3) + [True] * 3 + [False],
    )
    count = len(columns["file"])
    bounds_of = ("delta", "low", "high")
    bounds = [columns[n] for n in bounds_of]
    notation = column_notation(np.concatenate(bounds).tolist(), display.digits)
    kept: dict[tuple[Any, ...], int] = {}
    left_out = 0
    for i in range(count):
        overall = columns["scope"][i] == "overall"
        block = (columns["file"][i], columns["pred"][i], columns["loss"][i])
        if not overall:
            kept[block] = kept.get(block, 0) + 1
            if display.max_rows and kept[block] > display.max_rows:
                left_out += 1
                continue
        group = None if overall else {g: columns[g][i] for g in result.group_by}
        delta, low, high = (_number(columns[n][i], display.digits, notation) for n in bounds_of)
        if delta is not None and delta[0] not in "-0":
            delta = "+" + delta
        if delta is not None and low is not None and high is not None:
            delta += f" [{low}, {high}]"
        ps = [columns[n][i] for n in ("p_value", "p_adjusted")]
        grid.rows.append(
            ([columns["file"][i]] if several else [])
            + group_cells(group, result.group_by)
            + ([] if periods is None else [periods.label[i] or ALL_PERIODS])
            + [columns[n][i] for n in ("loss", "pred", "reference")]
            + [delta or glyphs.missing]
            + [glyphs.missing if math.isnan(p) else _p(p, result, overall) for p in ps]
            + [columns["verdict"][i]]
        )
        grid.overall.append(overall and bool(result.group_by))
        grid.block_ends.append(False)
    for i in range(len(grid.rows)):  # a line above each overall row, and below it
        following = grid.overall[i + 1] if i + 1 < len(grid.rows) else False
        grid.block_ends[i] = following or (grid.overall[i] and i + 1 < len(grid.rows))
    if left_out:
        grid.footnotes.append(f"{glyphs.more} {left_out:,} group rows left out: {MORE_ROWS}")
    return grid.shown(charset)


def _number(value: float, digits: int, notation: str) -> str | None:
    return None if math.isnan(value) else format_number(value, digits, notation=notation)


def _p(p: float, result: EvaluationResult, overall: bool) -> str:
    """A p-value as the comparisons' lines write it, without its ``p =``: ``0.031``,
    ``< 1e-16``, ``<= 0.002`` (an overall row's bootstrap count at its floor)."""
    return p_text(p, result, counted=overall).removeprefix("p ").removeprefix("= ")
