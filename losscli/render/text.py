"""Machine-readable and plain-text formats: CSV, TSV, JSON, markdown.

CSV, TSV and JSON escape text by their own rules, so every value reads back exactly;
they are UTF-8 wherever they are written. Markdown shows text literally
(``literal.markdown``) in the output's character set.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from ..result import EvaluationResult
from ..result.key_column import FlatColumn, KeyColumn
from .columns import InParallel, csv_cells, joined_lines
from .formats import Display
from .literal import markdown

if TYPE_CHECKING:
    from .grid import Grid


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ",") -> str:
    """A header and rows, quoted as needed; None is an empty cell, floats keep every digit."""
    return csv_lines([list(columns), *rows], delimiter)


def csv_lines(rows: Iterable[Sequence[Any]], delimiter: str = ",") -> str:
    """Rows, quoted as needed, one line each.

    Python's writer quotes a field holding the line terminator (\\n) but not one holding
    a bare \\r, which readers also take for a line break, and Python 3.10's cannot write
    NUL at all: such a row is quoted whole, here.
    """
    out = io.StringIO()
    minimal = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for row in rows:
        cells = [_cell(value) for value in row]
        if any("\r" in cell or "\x00" in cell for cell in cells):
            out.write(_quoted_row(cells, delimiter))
        else:
            minimal.writerow(cells)
    return out.getvalue()


def _quoted_row(cells: Sequence[str], delimiter: str) -> str:
    """Every cell quoted and its quotes doubled, as csv.QUOTE_ALL writes them."""
    return delimiter.join('"' + cell.replace('"', '""') + '"' for cell in cells) + "\n"


def json_text(document: Any) -> str:
    """Indented JSON; non-finite numbers are an error, never an invalid document."""
    import json  # here: a CSV run needs no JSON

    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n"


def markdown_text(grid: Grid) -> str:
    """A GitHub table, numbers right-aligned, overall rows in bold (and an empty row after
    one that another file or model follows), footnotes and summary below."""
    lines = []
    if grid.title:
        lines += [f"**{markdown(grid.title)}**", ""]
    lines.append("| " + " | ".join(markdown(h) for h in grid.headers) + " |")
    lines.append("|" + "|".join("---:" if num else "---" for num in grid.numeric) + "|")
    for cells, overall, end in zip(grid.rows, grid.overall, grid.block_ends, strict=True):
        shown = [f"**{markdown(c)}**" if overall and c else markdown(c) for c in cells]
        lines.append("| " + " | ".join(shown) + " |")
        if overall and end:  # an empty row sets the next file and model apart
            lines.append("|" + " |" * len(cells))
    if grid.closing:
        lines += [""] + [f"{markdown(line)}  " for line in grid.closing]
    if grid.footnotes:
        lines += [""] + [f"{markdown(note)}  " for note in grid.footnotes]
    if grid.summary:
        verdict, *failures = grid.summary
        lines += ["", f"**{markdown(verdict)}**"]
        lines += [f"- {markdown(line)}" for line in failures]
    return "\n".join(lines) + "\n"


SLICE_ROWS = 1 << 15  # rows formatted at once: bounds the memory of a million-row output
# Up to this many cells, Python's writers (csv, json) are done sooner than Arrow's compute
# kernels are imported (``pyarrow.compute``, about 30 ms of a small run's start-up): about
# 5 ms for CSV and 15 ms for JSON at the limit.
PYTHON_CELLS = 10_000


def csv_pieces(
    result: EvaluationResult,
    delimiter: str = ",",
    python_cells: int = PYTHON_CELLS,
    *,
    table: str = "rows",
    threads: int | None = None,
) -> Iterator[str]:
    """The CSV text in pieces: the header, then the rows a slice at a time.

    Whole columns of a slice are formatted at once (``columns``); a result of at most
    ``python_cells`` cells, and a slice with a bare carriage return or NUL in a text, go
    through ``csv_lines`` row by row instead. ``table``: which of the result's tables
    (``--table``). ``threads``: formatting's at most (``--threads``).
    """
    flat: Mapping[str, FlatColumn]
    if table == "rows":  # (no import of the other tables: a plain run starts sooner)
        names, flat = result.columns(), result.flat()
    else:
        from .tables import table_columns

        names, flat = table_columns(result, table)
    yield csv_text(names, [], delimiter)
    if len(flat[names[0]]) * len(names) <= python_cells:
        yield _row_by_row(flat, names, delimiter)
        return
    with InParallel(threads) as in_parallel:
        for start in range(0, len(flat[names[0]]), SLICE_ROWS):
            part = {name: _rows(flat[name], start, start + SLICE_ROWS) for name in names}
            jobs = [partial(csv_cells, part[name], _cell, delimiter) for name in names]
            cells = in_parallel(jobs)
            whole = [c for c in cells if c is not None]
            if len(whole) == len(cells):
                yield joined_lines(whole, delimiter).decode()
            else:
                yield _row_by_row(part, names, delimiter)


def _small(result: EvaluationResult, python_cells: int) -> bool:
    """Whether ``result`` has at most ``python_cells`` cells to write."""
    frame = result.frame
    parts = (
        2 * (frame.period is not None)
        + (frame.classes is not None)
        + (frame.support is not None)
        + (frame.n_series is not None)
    )
    columns = 4 + len(result.group_by) + parts + len(result.loss_columns)  # as columns() has
    return len(result.shown_rows()) * columns <= python_cells


def _rows(values: FlatColumn, start: int, stop: int) -> FlatColumn:
    """The rows ``start`` to ``stop`` of a flat column."""
    return values.take(slice(start, stop)) if isinstance(values, KeyColumn) else values[start:stop]


def _row_by_row(part: Mapping[str, FlatColumn], names: Sequence[str], delimiter: str) -> str:
    """``csv_lines`` of the columns ``names`` of ``part``; an empty cell for a float NaN
    (a group column's keys as their Python values)."""
    columns = [_cells(part[name]) for name in names]
    return csv_lines(zip(*columns, strict=True), delimiter)


def _cells(values: FlatColumn) -> list[Any]:
    """A column's cells as ``csv_lines`` takes them: None for a float NaN (an empty cell)."""
    if isinstance(values, KeyColumn) or values.dtype.kind != "f":
        return values.tolist()
    return [None if v != v else v for v in values.tolist()]


# The renderers of the formats ``formats`` declares: each takes the result and the display.


def render_csv(result: EvaluationResult, display: Display) -> Iterator[str]:
    """Flat rows at full float precision; empty cells for missing values."""
    return csv_pieces(result, ",", PYTHON_CELLS, table=display.table, threads=display.threads)


def render_tsv(result: EvaluationResult, display: Display) -> Iterator[str]:
    return csv_pieces(result, "\t", PYTHON_CELLS, table=display.table, threads=display.threads)


def render_json(result: EvaluationResult, display: Display) -> Iterator[str]:
    """``json_text(result.to_dict())``: itself, in one piece, for a small result
    (``PYTHON_CELLS``), else written a whole column at a time; another table than the
    rows (``--table``) as its own document."""
    if display.table != "rows":
        from .tables import table_document

        return iter([json_text(table_document(result, display.table))])
    if _small(result, PYTHON_CELLS):
        return iter([json_text(result.to_dict())])
    from .json_rows import json_pieces

    return json_pieces(result, SLICE_ROWS, display.threads)


def render_markdown(result: EvaluationResult, display: Display) -> str:
    if display.table != "rows":
        from .table_grid import table_grid

        return markdown_text(table_grid(result, display, display.charset))
    from .grid import build_grid  # the layout of a table: no CSV run needs it

    grid = build_grid(
        result, display.digits, display.charset, display.max_rows, layout=display.layout
    )
    return markdown_text(grid)


def _cell(value: object) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)
