"""The rich table for a terminal."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..result import EvaluationResult
from .grid import build_grid


def to_table(result: EvaluationResult, digits: int = 5) -> RenderableType:
    """The grid as a rich table, footnotes below it; overall rows bold, set apart by a line."""
    grid = build_grid(result, digits)
    table = Table(title=grid.title or None, box=box.SIMPLE_HEAD, title_justify="left",
                  header_style="bold")
    widths = [max(len(cell) for cell in column) for column in zip(grid.headers, *grid.rows)]
    for header, numeric, width in zip(grid.headers, grid.numeric, widths):
        # Never elide a number: each column is at least as wide as its widest cell.
        table.add_column(header, justify="right" if numeric else "left", no_wrap=True,
                         min_width=width)
    for cells, overall, end in zip(grid.rows, grid.overall, grid.block_ends):
        table.add_row(*cells, style="bold" if overall else None, end_section=end)
    if not grid.footnotes:
        return table
    return Group(table, *(Text(note, style="dim") for note in grid.footnotes))


def print_table(renderable: RenderableType, console: Console) -> None:
    """Print, widening the console rather than eliding cells when the table does not fit."""
    unbounded = console.options.update(max_width=1 << 16)
    needed = Measurement.get(console, unbounded, renderable).minimum
    if needed > console.width:
        console.width = needed
    console.print(renderable)
