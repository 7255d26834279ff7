"""The rich table for a terminal: a title line, the table, footnotes and the verdict below.

Every text reaches rich as ``rich.text.Text``, never as markup, and is built for the
console's character set when printed (ASCII stand-ins on an ASCII terminal).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..records import datarecord
from ..result import EvaluationResult
from .formats import Display
from .grid import Grid, build_grid, chosen_layout


@datarecord(frozen=True)
class TableView:
    """Something to print as a table: its grid, made for a character set when printed."""

    grid_for: Callable[[str | None], Grid]
    wrap: bool = False  # let long text wrap to the console's width at spaces
    droppable: tuple[str, ...] = ()  # columns left out, in order, while it would not fit


def to_table(
    result: EvaluationResult,
    digits: int = 5,
    max_rows: int | None = None,
    *,
    layout: str | None = None,
    wrap: bool = False,
) -> TableView:
    """The result's grid as a rich table; overall rows bold, set apart by a line. A wide
    grid (``grid.chosen_layout``) on a terminal wraps its cells at spaces (``wrap``)."""
    wrap = wrap and chosen_layout(result, layout) == "wide"
    return TableView(
        lambda charset: build_grid(result, digits, charset, max_rows, layout=layout), wrap
    )


def render_table(result: EvaluationResult, display: Display) -> str:
    """The table as text: for standard output when the view has it (its width, its colours
    on a terminal), else plain, for a file."""
    if display.stream is not None:
        console = Console(file=display.stream)
    else:
        console = Console(file=io.StringIO(), no_color=True)
    if display.table != "rows":
        from .table_grid import table_grid

        view = TableView(lambda charset: table_grid(result, display, charset))
    else:
        wrap = console.is_terminal
        view = to_table(result, display.digits, display.max_rows, layout=display.layout, wrap=wrap)
    with console.capture() as captured:
        print_table(view, console)
    return captured.get()


def print_table(view: TableView, console: Console) -> None:
    """Print, widening the console rather than cropping, eliding or breaking a word.

    A wrapped table leaves out its ``droppable`` columns, in order, while its words would
    not fit the console's width, and says so below.
    """
    grid = view.grid_for(console.encoding)
    if grid.title:
        console.print(Text(grid.title, style="bold"), soft_wrap=True)
    widths = None
    if view.wrap:
        grid = _fitted(grid, view.droppable, console.width)
        widths = column_widths(grid, console.width)
    table = rich_table(grid, view.wrap, widths)
    needed = _narrowest(table, console)
    if needed > console.width:
        console.width = needed
    console.print(table)
    for line in grid.closing:
        console.print(Text(line), soft_wrap=not view.wrap)
    if grid.closing:
        console.print()
    for note in grid.footnotes:  # wrapped at spaces too where the table is
        console.print(Text(note, style="dim"), soft_wrap=not view.wrap)
    for i, line in enumerate(grid.summary):
        console.print(Text(line, style="bold" if i == 0 else ""), soft_wrap=True)


def _narrowest(table: Table, console: Console) -> int:
    """The table's width with every column as narrow as its cells allow."""
    unbounded = console.options.update(max_width=1 << 16)
    return Measurement.get(console, unbounded, table).minimum


def _fitted(grid: Grid, droppable: tuple[str, ...], width: int) -> Grid:
    """The grid without the first of ``droppable`` while its words do not fit ``width``."""
    left_out: list[str] = []
    for name in droppable:
        if sum(_ranges(grid)[0]) <= width - _edges(grid):
            break
        grid = _without(grid, grid.headers.index(name))
        left_out.append(name)
    if not left_out:
        return grid
    note = (
        f"{', '.join(left_out)}: left out to fit {width} columns; a wider terminal, "
        "or -f markdown, csv or json, shows every column"
    )
    return replace(grid, footnotes=[*grid.footnotes, note])


def column_widths(grid: Grid, width: int) -> list[int]:
    """Each column's width within ``width``: at least its longest word (never broken), and
    the room left shared in proportion to what each column's longest cell wants more."""
    narrowest, widest = _ranges(grid)
    spare = width - _edges(grid) - sum(narrowest)
    wants = [most - least for least, most in zip(narrowest, widest, strict=True)]
    if spare <= 0 or not sum(wants):
        return narrowest
    shares = [min(want, spare * want // sum(wants)) for want in wants]
    widths = [least + share for least, share in zip(narrowest, shares, strict=True)]
    left = spare - sum(shares)
    for j in sorted(range(len(widths)), key=lambda j: shares[j] - wants[j]):
        extra = min(left, wants[j] - shares[j])
        widths[j] += extra
        left -= extra
    return widths


def _ranges(grid: Grid) -> tuple[list[int], list[int]]:
    """Per column, the longest word (of its header too) and the longest cell."""
    narrowest, widest = [], []
    for header, *cells in zip(grid.headers, *grid.rows, strict=True):
        words = [cell_len(word) for cell in [header, *cells] for word in cell.split()]
        narrowest.append(max(words, default=0))
        widest.append(max([cell_len(header), *map(cell_len, cells)]))
    return narrowest, widest


def _edges(grid: Grid) -> int:
    """The table's width beside its columns' text: a space of padding on each side of
    every column, a separator between columns and an edge on each side."""
    return 3 * len(grid.headers) + 1


def _without(grid: Grid, column: int) -> Grid:
    def cut(cells: list[str]) -> list[str]:
        return cells[:column] + cells[column + 1 :]

    return replace(
        grid,
        headers=cut(grid.headers),
        numeric=[n for j, n in enumerate(grid.numeric) if j != column],
        rows=[cut(cells) for cells in grid.rows],
    )


def rich_table(grid: Grid, wrap: bool, widths: list[int] | None = None) -> Table:
    """A rich Table of the grid; without ``wrap``, no column is ever narrower than its cells;
    with it, each column is as wide as ``widths`` says (see ``column_widths``)."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold")
    if widths is None:
        widths = _ranges(grid)[0 if wrap else 1]
    for header, numeric, width in zip(grid.headers, grid.numeric, widths, strict=True):
        table.add_column(
            Text(header),
            justify="right" if numeric else "left",
            no_wrap=not wrap,
            overflow="fold",  # never elides (no word is wider than its column: none breaks)
            min_width=width,
            max_width=width if wrap else None,
        )
    for i, (cells, overall, end) in enumerate(
        zip(grid.rows, grid.overall, grid.block_ends, strict=True)
    ):
        shown = [Text(cell, style=_style(grid, i, j)) for j, cell in enumerate(cells)]
        table.add_row(*shown, style="bold" if overall else None, end_section=end)
    return table


def _style(grid: Grid, row: int, column: int) -> str:
    """A failing cell bold red, the best value of its loss in a row bold."""
    if (row, column) in grid.failed:
        return "bold red"
    return "bold" if (row, column) in grid.best else ""
