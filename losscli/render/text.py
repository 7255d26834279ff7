"""Machine-readable and plain-text formats: CSV, TSV, JSON, markdown.

CSV, TSV and JSON escape text by their own rules, so every value reads back exactly;
they are UTF-8 wherever they are written. Markdown shows text literally
(``literal.markdown``) in the output's character set.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from ..result import EvaluationResult
from .columns import csv_cells, in_parallel, joined_lines
from .grid import Grid, build_grid
from .literal import markdown


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ",") -> str:
    """A header and rows, quoted as needed; None is an empty cell, floats keep every digit.

    Python's writer quotes a field holding the line terminator (\\n) but not one holding
    a bare \\r, which readers also take for a line break, and Python 3.10's cannot write
    NUL at all: such a row is quoted whole, here.
    """
    out = io.StringIO()
    minimal = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for row in [list(columns), *rows]:
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
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n"


def markdown_text(grid: Grid) -> str:
    """A GitHub table, numbers right-aligned, overall rows in bold, footnotes and summary below."""
    lines = []
    if grid.title:
        lines += [f"**{markdown(grid.title)}**", ""]
    lines.append("| " + " | ".join(markdown(h) for h in grid.headers) + " |")
    lines.append("|" + "|".join("---:" if num else "---" for num in grid.numeric) + "|")
    for cells, overall in zip(grid.rows, grid.overall, strict=True):
        shown = [f"**{markdown(c)}**" if overall and c else markdown(c) for c in cells]
        lines.append("| " + " | ".join(shown) + " |")
    if grid.footnotes:
        lines += [""] + [f"{markdown(note)}  " for note in grid.footnotes]
    if grid.summary:
        verdict, *failures = grid.summary
        lines += ["", f"**{markdown(verdict)}**"]
        lines += [f"- {markdown(line)}" for line in failures]
    return "\n".join(lines) + "\n"


def to_csv(
    result: EvaluationResult, digits: int = 5, charset: str | None = None, delimiter: str = ","
) -> str:
    """Flat rows at full float precision (see ``records``); empty cells for missing values.

    Whole columns are formatted at once (``columns``); the rare result with a bare
    carriage return or NUL in a text goes through ``csv_text`` row by row instead.
    """
    names = result.columns()
    flat = result.flat()
    jobs = [partial(csv_cells, flat[name], _cell, delimiter) for name in names]
    cells = in_parallel(jobs)
    if any(column is None for column in cells):
        rows = ([record[c] for c in names] for record in result.records())
        return csv_text(names, rows, delimiter)
    header = csv_text(names, [], delimiter)
    if not len(flat["n"]):
        return header
    return header + joined_lines([c for c in cells if c is not None], delimiter).decode()


def to_tsv(result: EvaluationResult, digits: int = 5, charset: str | None = None) -> str:
    return to_csv(result, digits, charset, delimiter="\t")


def to_json(result: EvaluationResult, digits: int = 5, charset: str | None = None) -> str:
    """``json_text(result.to_dict())``, written a whole column at a time."""
    from .json_rows import json_document

    return json_document(result)


def to_markdown(
    result: EvaluationResult,
    digits: int = 5,
    charset: str | None = None,
    max_rows: int | None = None,
) -> str:
    return markdown_text(build_grid(result, digits, charset, max_rows))


def _cell(value: object) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


# Each takes the result, the significant digits and the output's character set.
TEXT_FORMATS: dict[str, Callable[[EvaluationResult, int, str | None], str]] = {
    "csv": to_csv,
    "tsv": to_tsv,
    "json": to_json,
    "markdown": to_markdown,
}
