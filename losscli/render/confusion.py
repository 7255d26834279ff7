"""The confusion matrices as text (``--confusion``): after the table, one per classifier row
drawn (the shown rows, at most ``--max-rows`` groups per file and model, as the diagrams),
rows the true class and columns the predicted class; in markdown as tables. Class names
are shown literally (:mod:`.literal`); at most :data:`SHOWN_CLASSES` classes, with a note
saying so above the matrix (JSON and ``--table confusion`` keep every class).

Also each row's JSON ``confusion`` text for the streaming JSON writer (:mod:`.json_rows`).
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from .. import _arrow
from ..result import EvaluationResult, Frame
from ..result.confusion import (
    SHOWN_CLASSES,
    ConfusionColumns,
    ConfusionMatrix,
    has_matrix,
    matrix_of,
    normalized,
)
from .columns import float_texts
from .diagrams import drawn_rows, glyphs_for, row_title
from .formats import Display
from .literal import markdown, visible
from .numbers import column_notation, format_number

SHARES = {
    "true": "shares of each true class (rows sum to 1)",
    "pred": "shares of each predicted class (columns sum to 1)",
    "all": "shares of the whole (all cells sum to 1)",
}
CORNER = "true \\ pred"


def json_texts(frame: Frame, field_indent: str) -> pa.Array:
    """Per row of ``frame``, ``,\n"confusion": {...}`` as ``json.dumps(indent=2)`` writes it
    inside a row ("" where the row has no matrix): a model's rows at a time, their numbers
    formatted as whole columns (:func:`~.columns.float_texts`), no Python work per row."""
    import pyarrow.compute as pc

    out = _arrow.repeated_text("", len(frame)).cast(pa.large_string())
    columns = frame.confusion
    if columns is None:
        return out
    rows = np.arange(len(frame))
    has = has_matrix(frame, rows)
    for t in np.unique(columns.table[has]).tolist():
        at = rows[has & (columns.table == t)]
        texts = _model_texts(columns, t, columns.key[at], field_indent)
        out = pc.replace_with_mask(out, _arrow.from_numpy(np.isin(rows, at)), texts)
    return out


def _model_texts(columns: ConfusionColumns, t: int, keys: np.ndarray, indent: str) -> pa.Array:
    """The ``confusion`` texts of model table ``t``'s ``keys``: the record's text around the
    matrix is the same for every row (``json.dumps`` of it with a stand-in matrix), the
    matrix's cells are a column of numbers joined a row's K² at a time."""
    import pyarrow.compute as pc

    table = columns.tables[t]
    k, m = len(table.classes), len(keys)
    stand_in = "\x00matrix"
    record = ConfusionMatrix("", "", None, table.classes, np.zeros((k, k)), columns.normalize,
                             table.threshold, table.weighted).record()  # fmt: skip
    record["matrix"] = stand_in
    whole = json.dumps(record, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)
    head, tail = whole.split(json.dumps(stand_in), 1)
    values = normalized(table.counts[keys], columns.normalize).reshape(-1)
    r, c = np.divmod(np.arange(k * k), k)
    opening = np.where(c == 0, np.where(r > 0, ",", "") + f"\n{indent}    [", ",")
    before = np.char.add(opening.astype(str), f"\n{indent}      ")
    after = np.where(c == k - 1, f"\n{indent}    ]", "")
    cell = np.tile(np.arange(k * k), m)
    cells = _arrow.joined(
        [
            pc.take(_arrow.texts(before.tolist()), cell),
            float_texts(values, "null"),
            pc.take(_arrow.texts(after.tolist()), cell),
        ]
    ).cast(pa.large_string())
    offsets = pa.array(np.arange(m + 1) * (k * k), type=pa.int64())
    listed = pa.LargeListArray.from_arrays(offsets, cells)
    matrices = pc.binary_join(listed, pa.scalar("", pa.large_string()))
    pieces = [f',\n{indent}"confusion": ' + head + "[", f"\n{indent}  ]" + tail]
    return _arrow.joined(
        [
            _arrow.repeated_text(pieces[0], m).cast(pa.large_string()),
            matrices,
            _arrow.repeated_text(pieces[1], m).cast(pa.large_string()),
        ]
    )


def confusion_block(result: EvaluationResult, display: Display, *, as_markdown: bool) -> str:
    """The matrices below a rendered table: plain text, or markdown tables; "" where no
    row has one."""
    parts = []
    charset = display.charset
    separator = glyphs_for(charset).separator
    frame = result.frame
    for i in drawn_rows(result, display.max_rows):
        found = matrix_of(frame, i)
        if found is None:
            if frame.grand[i] and frame.confusion is not None and frame.confusion.table[i] < 0:
                model = separator.join([str(frame.file[i]), str(frame.pred[i])])
                model = markdown(model, charset) if as_markdown else visible(model, charset)
                parts.append(f"No confusion matrix for {model}: --confusion is for classifiers\n")
            continue
        title = row_title(result, i, separator)
        if as_markdown:
            parts.append(markdown_matrix(found, title, display.digits, charset))
        else:
            parts.append(text_matrix(found, visible(title, charset), display.digits, charset))
    if not parts:
        return ""
    return "\n" + "\n".join(parts)


def describe(found: ConfusionMatrix) -> str:
    """What the numbers are, and how the class is predicted."""
    counts = "weighted counts" if found.weighted else "counts"
    what = SHARES[found.normalize] if found.normalize else counts
    positive = found.classes[-1]  # a one-column model's positive class (1, or true)
    how = (
        "the most probable"
        if found.threshold is None
        else f"{positive} where p > {found.threshold:g}"
    )
    return f"rows: true class, columns: predicted ({how}); {what}"


def _shown(found: ConfusionMatrix) -> tuple[list[str], np.ndarray, str]:
    """The classes shown, their matrix, and a note where some are left out ("": none)."""
    classes, matrix = list(found.classes), found.matrix
    if len(classes) <= SHOWN_CLASSES:
        return classes, matrix, ""
    note = (
        f"the first {SHOWN_CLASSES} of {len(classes)} classes are shown; "
        "-f json and --table confusion have every class"
    )
    return classes[:SHOWN_CLASSES], matrix[:SHOWN_CLASSES, :SHOWN_CLASSES], note


def cell_texts(matrix: np.ndarray, digits: int, counts: bool) -> list[list[str]]:
    """The matrix's numbers as the table shows them: whole counts as integers, else
    ``digits`` significant digits in one notation."""
    if counts and np.all(matrix == np.round(matrix)) and np.all(np.abs(matrix) < 2**53):
        return [[f"{int(v)}" for v in row] for row in matrix.tolist()]
    notation = column_notation(matrix.reshape(-1).tolist(), digits)
    return [[format_number(v, digits, notation=notation) for v in row] for row in matrix.tolist()]


def text_matrix(found: ConfusionMatrix, title: str, digits: int, charset: str | None) -> str:
    """One matrix as aligned text, its classes shown literally."""
    classes, matrix, note = _shown(found)
    names = [visible(c, charset) for c in classes]
    cells = cell_texts(matrix, digits, found.normalize is None)
    first = max(len(CORNER), *(len(n) for n in names))
    widths = [max(len(n), *(len(row[j]) for row in cells)) for j, n in enumerate(names)]
    lines = [f"Confusion matrix, {title}", f"  {describe(found)}"]
    if note:
        lines.append(f"  {note}")
    header = "  ".join(n.rjust(w) for n, w in zip(names, widths, strict=True))
    lines.append(f"  {CORNER:<{first}}  {header}")
    for name, row in zip(names, cells, strict=True):
        values = "  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True))
        lines.append(f"  {name:<{first}}  {values}")
    return "\n".join(lines) + "\n"


def markdown_matrix(found: ConfusionMatrix, title: str, digits: int, charset: str | None) -> str:
    """One matrix as a markdown table under a heading line, its classes shown literally."""
    classes, matrix, note = _shown(found)
    names = [markdown(c, charset) for c in classes]
    cells = cell_texts(matrix, digits, found.normalize is None)
    lines = [f"**Confusion matrix, {markdown(title, charset)}**", "", describe(found) + "."]
    if note:
        lines += ["", note[0].upper() + note[1:] + "."]
    lines += ["", "| " + markdown(CORNER) + " | " + " | ".join(names) + " |"]
    lines.append("|---|" + "---:|" * len(names))
    for name, row in zip(names, cells, strict=True):
        lines.append(f"| **{name}** | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"
