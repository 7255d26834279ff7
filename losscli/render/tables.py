"""A result's tables other than its rows (``--table``, declared in ``formats.TABLES``), in
every format: their columns for CSV, TSV and Parquet, a JSON document, and a grid for the
table and markdown."""

from __future__ import annotations

import math
from importlib import import_module
from typing import Any

import numpy as np

from ..result import SCHEMA_VERSION, EvaluationResult
from .cells import group_cells
from .formats import TABLES, Display
from .grid import MORE_ROWS, Grid
from .marks import glyphs_for
from .numbers import column_notation, format_number
from .verdicts import p_text

Columns = tuple[list[str], dict[str, np.ndarray]]


def table_columns(result: EvaluationResult, name: str) -> Columns:
    """The table ``name``'s column names (CSV's header) and arrays."""
    table = TABLES[name]
    if not table.columns:
        return result.columns(), result.flat()
    module, function = table.columns.split(":")
    columns: Columns = getattr(import_module(f"..result.{module}", __package__), function)(result)
    return columns


def table_document(result: EvaluationResult, name: str) -> dict[str, Any]:
    """The JSON document of the table ``name``: its rows under the table's key, each with
    its group as an object (null on an overall row), as the rows' document has them."""
    names, columns = table_columns(result, name)
    document: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    if result.ci is not None:
        document["ci"] = result.ci.record()
    values = {n: columns[n].tolist() for n in names}
    groups = [g for g in names if g in result.group_by]
    rows = []
    for i in range(len(columns[names[0]])):
        record: dict[str, Any] = {}
        for n in names:
            if n in groups and n == groups[0]:
                overall = values["scope"][i] == "overall"
                record["group"] = None if overall else {g: values[g][i] for g in groups}
            elif n != "scope" and n not in groups:
                record[n] = _json_value(values[n][i])
        rows.append(record)
    document[TABLES[name].json_key] = rows
    document["warnings"] = list(result.warnings)
    return document


def _json_value(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def table_grid(result: EvaluationResult, display: Display, charset: str | None) -> Grid:
    """The comparisons as a grid: one row per comparison, at most ``max_rows`` group rows
    per file, model and loss."""
    glyphs = glyphs_for(charset)
    _, columns = table_columns(result, display.table)
    several = len(result.files) > 1
    keys = (["file"] if several else []) + result.group_by
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
            + [columns[n][i] for n in ("loss", "pred", "reference")]
            + [delta or glyphs.missing]
            + [glyphs.missing if math.isnan(p) else _p(p, result) for p in ps]
            + [columns["verdict"][i]]
        )
        grid.overall.append(overall and bool(result.group_by))
        grid.block_ends.append(False)
    if left_out:
        grid.footnotes.append(f"{glyphs.more} {left_out:,} group rows left out: {MORE_ROWS}")
    return grid.shown(charset)


def _number(value: float, digits: int, notation: str) -> str | None:
    return None if math.isnan(value) else format_number(value, digits, notation=notation)


def _p(p: float, result: EvaluationResult) -> str:
    """A p-value as the comparisons' lines write it, without its ``p =``: ``0.031``,
    ``< 1e-16``, ``<= 0.002``."""
    return p_text(p, result).removeprefix("p ").removeprefix("= ")
