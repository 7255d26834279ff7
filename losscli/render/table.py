"""The rich table for a terminal: a title line, the table, footnotes and the verdict below.

Every text reaches rich as ``rich.text.Text``, never as markup, and is built for the
console's character set when printed (ASCII stand-ins on an ASCII terminal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..result import EvaluationResult
from .grid import Grid, build_grid


@dataclass(frozen=True)
class TableView:
    """Something to print as a table: its grid, made for a character set when printed."""

    grid_for: Callable[[str | None], Grid]
    wrap: bool = False  # let long text wrap to the console's width (cells are never cut)


def to_table(result: EvaluationResult, digits: int = 5, max_rows: int | None = None) -> TableView:
    """The result's grid as a rich table; overall rows bold, set apart by a line."""
    return TableView(lambda charset: build_grid(result, digits, charset, max_rows))


def print_table(view: TableView, console: Console) -> None:
    """Print, widening the console rather than cropping or eliding anything."""
    grid = view.grid_for(console.encoding)
    if grid.title:
        console.print(Text(grid.title, style="bold"), soft_wrap=True)
    table = rich_table(grid, view.wrap)
    if not view.wrap:
        unbounded = console.options.update(max_width=1 << 16)
        needed = Measurement.get(console, unbounded, table).minimum
        if needed > console.width:
            console.width = needed
    console.print(table)
    for note in grid.footnotes:
        console.print(Text(note, style="dim"), soft_wrap=True)
    for i, line in enumerate(grid.summary):
        console.print(Text(line, style="bold" if i == 0 else ""), soft_wrap=True)


def rich_table(grid: Grid, wrap: bool) -> Table:
    """A rich Table of the grid; without ``wrap``, no column is ever narrower than its cells."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold")
    columns = zip(grid.headers, *grid.rows, strict=True)
    widths = [max(Text(cell).cell_len for cell in column) for column in columns]
    for header, numeric, width in zip(grid.headers, grid.numeric, widths, strict=True):
        table.add_column(
            Text(header),
            justify="right" if numeric else "left",
            no_wrap=not wrap,
            overflow="fold",  # a word too long for a wrapped column breaks, never elides
            min_width=None if wrap else width,
        )
    for i, (cells, overall, end) in enumerate(
        zip(grid.rows, grid.overall, grid.block_ends, strict=True)
    ):
        shown = [
            Text(cell, style="bold red" if (i, j) in grid.failed else "")
            for j, cell in enumerate(cells)
        ]
        table.add_row(*shown, style="bold" if overall else None, end_section=end)
    return table
