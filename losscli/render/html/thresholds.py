"""The report's thresholds (``--thresholds``): per binary model's row the text writes one for
(the same rows, order and ``--max-rows``: :func:`~..diagrams.drawn_rows`), a table of its
thresholds, each with precision, recall, F1, false-positive rate and predicted-positive
share (and the objective's value where it is not F1), the one the objective picks marked.

Each number cell carries its value whole in ``data-v`` (as the JSON ``thresholds`` list
writes it), so the table sorts and its numbers can be checked against the JSON of the run.
"""

from __future__ import annotations

import numpy as np

from ...result import EvaluationResult
from ...result.thresholds import MEASURES, ThresholdColumns
from ..diagrams import drawn_rows, row_title
from ..thresholds import HEADERS
from .svg import esc
from .tables import number_cell


def threshold_tables(result: EvaluationResult, digits: int, max_rows: int | None) -> str:
    """A short account of how thresholds are read, then a table per binary model's row
    ("" where the run has no thresholds)."""
    found = result.frame.thresholds
    if found is None:
        return ""
    measures = found.measures()
    chosen = found.chosen(measures)
    kind = found.objective.kind
    names = [*MEASURES, *([] if kind == "f1" else [kind])]
    tables = []
    for i in drawn_rows(result, max_rows):
        if found.present[i]:
            tables.append(_row_table(found, i, measures, (int(chosen[i]), names, digits)))
            tables[-1] = f"<h3>{esc(row_title(result, i))}</h3>{_binned(found, i)}{tables[-1]}"
    if not tables:
        return ""
    side = "highest" if found.objective.maximised else "lowest"
    weights = f" ({found.objective.text()})" if kind == "cost" else ""
    intro = (
        f'<p class="muted">Predicted positive where p &gt; t; marked best: the threshold with '
        f"the {side} {esc(HEADERS[kind])}{esc(weights)}.</p>"
    )
    return intro + "".join(tables)


def _binned(found: ThresholdColumns, i: int) -> str:
    bits = int(found.bits[i])
    if not bits:
        return ""
    return (
        f'<p class="note">Scores in 2^{bits} bins: rows in the bin holding t count as below it.</p>'
    )


def _row_table(
    found: ThresholdColumns,
    i: int,
    measures: dict[str, np.ndarray],
    how: tuple[int, list[str], int],
) -> str:
    """Row ``i``'s thresholds, one table row each; the chosen one (``how``: its index, −1
    for none, the measures' names and the digits shown) in bold with "best"."""
    best, names, digits = how
    head = ["threshold", *(HEADERS[n] for n in names), "best"]
    rows = []
    for j in range(int(np.sum(~np.isnan(found.at[i])))):
        cells = [number_cell(float(found.at[i, j]), digits)]
        cells += [number_cell(_finite(measures[n][i, j]), digits) for n in names]
        mark = "best" if j == best else ""
        css = ' class="chosen"' if j == best else ""
        rows.append(f"<tr{css}>{''.join(cells)}<td>{mark}</td></tr>")
    if best < 0:
        rows.append(f'<tr><td colspan="{len(head)}">no threshold has a value</td></tr>')
    header = "".join(f'<th scope="col">{esc(h)}</th>' for h in head)
    return (
        '<div class="scroll"><table class="sortable thresholds">'
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
