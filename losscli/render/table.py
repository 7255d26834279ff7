"""The rich table for a terminal: a title line, the table, footnotes below."""

from __future__ import annotations

from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..result import EvaluationResult
from .grid import build_grid, verdict


@dataclass(frozen=True)
class TableView:
    title: str
    table: Table
    footnotes: list[str]


def to_table(result: EvaluationResult, digits: int = 5) -> TableView:
    """The grid as a rich table; overall rows bold, set apart by a line."""
    grid = build_grid(result, digits)
    table = Table(box=box.SIMPLE_HEAD, header_style="bold")
    columns = zip(grid.headers, *grid.rows, strict=True)
    widths = [max(len(cell) for cell in column) for column in columns]
    for header, numeric, width in zip(grid.headers, grid.numeric, widths, strict=True):
        # Never elide a number: each column is at least as wide as its widest cell.
        table.add_column(
            header, justify="right" if numeric else "left", no_wrap=True, min_width=width
        )
    for i, (cells, overall, end) in enumerate(
        zip(grid.rows, grid.overall, grid.block_ends, strict=True)
    ):
        shown = [
            Text(c, style="bold red") if (i, j) in grid.failed else c for j, c in enumerate(cells)
        ]
        table.add_row(*shown, style="bold" if overall else None, end_section=end)
    closing = [*grid.footnotes, *filter(None, [verdict(result)])]
    return TableView(grid.title, table, closing)


def print_table(view: TableView, console: Console) -> None:
    """Print, widening the console rather than cropping or eliding anything."""
    if view.title:
        console.print(view.title, style="bold", soft_wrap=True, highlight=False)
    unbounded = console.options.update(max_width=1 << 16)
    needed = Measurement.get(console, unbounded, view.table).minimum
    if needed > console.width:
        console.width = needed
    console.print(view.table)
    for note in view.footnotes:
        console.print(note, style="dim", soft_wrap=True, highlight=False)
