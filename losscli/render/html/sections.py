"""The report's sections, in order: what was run, the verdict, the table, the charts, the
comparisons, the notes.

A section is a function of the result, the display and the report's numbered notes that
returns markup ("" to leave it out); ``SECTIONS`` lists them in order, so a new kind of
diagram (calibration, residuals, ROC) is one function added there.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable

from ...result import EvaluationResult
from ..formats import Display
from ..grid import comparison_lines, failure_lines, verdict, within_noise_lines
from .charts import bar_figures, forest_figures
from .confusion import confusion_figures
from .curves import curve_figures
from .diagrams import reliability_figures
from .residuals import histogram_figures
from .svg import esc
from .tables import Notes, best_lines, comparisons_table, results_table
from .thresholds import threshold_tables

Section = Callable[[EvaluationResult, Display, Notes], str]
STORAGE_OPTION = "--storage-option"


def command_line() -> str | None:
    """The command line, when this process is losscli's (not a program calling the API),
    without its secrets: URLs without query or password (``stores.display``), each
    ``--storage-option``'s value as ``***``, and the whole through ``stores.redact``."""
    from ...reading.stores import display, redact

    program = sys.argv[0].replace("\\", "/") if sys.argv else ""
    if not (program.rsplit("/", 1)[-1] == "losscli" or program.endswith("losscli/__main__.py")):
        return None
    shown, hide_next = ["losscli"], False
    for arg in sys.argv[1:]:
        name, equals, value = arg.partition("=")
        if hide_next:
            arg = f"{name}=***" if equals else "***"
        elif name == STORAGE_OPTION and equals:
            key = value.partition("=")[0]
            arg = f"{name}={key}=***"
        elif equals and name.startswith("-"):
            arg = f"{name}={display(value)}"
        else:
            arg = display(arg)
        hide_next = arg == STORAGE_OPTION
        shown.append(arg)
    return redact(shlex.join(shown))


def _size(path: str) -> str:
    """A local file's size for people ("" where ``path`` is no file here: ``-``, a URL)."""
    try:
        size = float(os.stat(path).st_size)
    except (OSError, ValueError):
        return ""
    if size < 1024:
        return f"{size:,.0f} bytes"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            break
    return f"{size:,.1f} {unit}"


def section(name: str, heading: str, content: str) -> str:
    """A section of the report, ``name`` its id (tests and links find it by that)."""
    return f'<section id="{name}"><h2>{esc(heading)}</h2>{content}</section>'


def inputs(result: EvaluationResult, display: Display, notes: Notes) -> str:
    """The command line and inputs: files (size, rows), models, losses, groups, intervals."""
    frame = result.frame
    files = []
    for file in result.files:
        rows = next(
            int(frame.n[i]) for i in range(len(frame)) if frame.overall[i] and frame.file[i] == file
        )
        size = _size(file)
        files.append(
            f"<li><code>{esc(file)}</code> {esc(size)}{', ' if size else ''}{rows:,} rows</li>"
        )
    items = [("files", f"<ul>{''.join(files)}</ul>")]
    models = [esc(m) for m in result.preds]
    if result.comparisons:
        reference = result.comparisons[0].reference
        models = [f"{m} (reference)" if m == esc(reference) else m for m in models]
    items.append(("models", ", ".join(models)))
    items.append(("losses", esc(", ".join(result.losses))))
    if result.group_by:
        keys = zip(frame.file, *(frame.keys[g].tolist() for g in result.group_by), strict=True)
        groups = len({key for key, overall in zip(keys, frame.overall, strict=True) if not overall})
        items.append(("groups", f"{esc(', '.join(result.group_by))}: {groups:,} groups"))
    if result.ci is not None:
        ci = result.ci
        method = ci.method + (
            f", {ci.resamples:,} resamples, seed {ci.seed}" if ci.resamples else ""
        )
        items.append(("intervals", esc(f"{100 * ci.level:g}% ({method})")))
    if result.baseline is not None:
        items.append(("baseline", f"<code>{esc(result.baseline)}</code>"))
    listed = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in items)
    command = command_line()
    shown = f'<code class="cmd">{esc(command)}</code>' if command else ""
    return section("inputs", "What was run", f'{shown}<dl class="inputs">{listed}</dl>')


def verdict_section(result: EvaluationResult, display: Display, notes: Notes) -> str:
    """The checks' verdict and each failure; with --compare, how each model came out."""
    parts = []
    line = verdict(result)
    if line is not None:
        css = "fail" if result.failures else "pass"
        failures = "".join(f"<li>{esc(f)}</li>" for f in failure_lines(result))
        listed = f"<ul>{failures}</ul>" if failures else ""
        parts.append(f'<div class="verdict {css}" role="status">{esc(line)}{listed}</div>')
    compared = best_lines(result) + comparison_lines(result, display.digits)
    if compared:
        parts.append("<ul>" + "".join(f"<li>{esc(c)}</li>" for c in compared) + "</ul>")
    if not parts:
        return ""
    return section("verdict", "Verdict", "".join(parts))


def table_section(result: EvaluationResult, display: Display, notes: Notes) -> str:
    return section("table", "Table", results_table(result, display.digits, notes))


def charts_section(result: EvaluationResult, display: Display, notes: Notes) -> str:
    figures = bar_figures(result, display.digits, display.max_rows)
    return section("charts", "Charts", "".join(figures))


def comparisons_section(result: EvaluationResult, display: Display, notes: Notes) -> str:
    if not result.comparisons:
        return ""
    figures = forest_figures(result, display.digits, display.max_rows)
    table = comparisons_table(result, display.digits)
    return section("comparisons", "Paired comparisons", "".join(figures) + table)


def plots(figures: list[str]) -> str:
    """Small figures side by side, as many as the page's width holds."""
    return f'<div class="plots">{"".join(figures)}</div>'


def calibration_section(result: EvaluationResult, display: Display, notes: Notes) -> str:
    """--calibration: a reliability diagram per classifier row (as the text draws them)."""
    figures = reliability_figures(result, display.digits, display.max_rows)
    return section("calibration", "Calibration", plots(figures)) if figures else ""


def residuals_section(result: EvaluationResult, display: Display, notes: Notes) -> str:
    """--residuals: a histogram of e = y − ŷ per regression row (as the text draws them)."""
    figures = histogram_figures(result, display.digits, display.max_rows)
    return section("residuals", "Residuals", plots(figures)) if figures else ""


def confusion_section(result: EvaluationResult, display: Display, notes: Notes) -> str:
    """--confusion: a heat map of the confusion matrix per classifier row."""
    figures = confusion_figures(result, display.digits, display.max_rows)
    return section("confusion", "Confusion matrices", plots(figures)) if figures else ""


def curves_section(result: EvaluationResult, display: Display, notes: Notes) -> str:
    """--curves: the ROC and precision-recall curves per classifier row."""
    figures = curve_figures(result, display.digits, display.max_rows)
    if not figures:
        return ""
    return section("curves", "ROC and precision-recall curves", "".join(figures))


def thresholds_section(result: EvaluationResult, display: Display, notes: Notes) -> str:
    """--thresholds: per binary model's row, its thresholds' table, the objective's best marked."""
    tables = threshold_tables(result, display.digits, display.max_rows)
    return section("thresholds", "Thresholds", tables) if tables else ""


def notes_section(result: EvaluationResult, display: Display, notes: Notes) -> str:
    """Every note the table's marks point to, then the footnotes and warnings."""
    parts = []
    if notes:
        items = "".join(f'<li id="note-{n}">{esc(text)}</li>' for text, n in notes.items())
        parts.append(f'<ol class="notes">{items}</ol>')
    lines = [result.ordering[:1].upper() + result.ordering[1:]] if result.ordering else []
    lines += within_noise_lines(result) + list(result.warnings)
    if lines:
        parts.append('<ul class="notes">' + "".join(f"<li>{esc(x)}</li>" for x in lines) + "</ul>")
    if not parts:
        return ""
    return section("notes", "Notes and warnings", "".join(parts))


# In order; the verdict comes before the table (the notes section is rendered last, after
# every section that numbers a note, and placed at the end).
SECTIONS: list[Section] = [
    inputs,
    verdict_section,
    table_section,
    charts_section,
    comparisons_section,
    calibration_section,
    residuals_section,
    curves_section,
    confusion_section,
    thresholds_section,
]
