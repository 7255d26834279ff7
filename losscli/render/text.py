"""Machine-readable and plain-text formats: CSV, TSV, JSON, markdown."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from ..result import EvaluationResult
from .grid import build_grid, failure_lines, verdict


def to_csv(result: EvaluationResult, digits: int = 5, delimiter: str = ",") -> str:
    """Flat rows at full float precision; empty cells for overall group keys and missing values."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    columns = ["file", "pred", *result.group_by, "n", *result.loss_columns]
    writer.writerow(columns)
    for record in result.records():
        writer.writerow(["" if record[c] is None else _cell(record[c]) for c in columns])
    return out.getvalue()


def to_tsv(result: EvaluationResult, digits: int = 5) -> str:
    return to_csv(result, digits, delimiter="\t")


def to_json(result: EvaluationResult, digits: int = 5) -> str:
    return (
        json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False, default=str)
        + "\n"
    )


def to_markdown(result: EvaluationResult, digits: int = 5) -> str:
    """A GitHub table, numbers right-aligned, overall rows in bold, footnotes below."""
    grid = build_grid(result, digits)
    lines = []
    if grid.title:
        lines += [f"**{_escape(grid.title)}**", ""]
    lines.append("| " + " | ".join(_escape(h) for h in grid.headers) + " |")
    lines.append("|" + "|".join("---:" if num else "---" for num in grid.numeric) + "|")
    for cells, overall in zip(grid.rows, grid.overall, strict=True):
        shown = [f"**{_escape(c)}**" if overall and c else _escape(c) for c in cells]
        lines.append("| " + " | ".join(shown) + " |")
    if grid.footnotes:
        lines += [""] + [f"{note}  " for note in grid.footnotes]
    summary = verdict(result)
    if summary:
        lines += ["", f"**{summary}**"]
        lines += [f"- {_escape(line)}" for line in failure_lines(result)]
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


TEXT_FORMATS: dict[str, Callable[[EvaluationResult, int], str]] = {
    "csv": to_csv,
    "tsv": to_tsv,
    "json": to_json,
    "markdown": to_markdown,
}
