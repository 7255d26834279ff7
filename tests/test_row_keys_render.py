"""The row key's period and class parts as people see them: the table, markdown, HTML."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import rendered, result_with_parts
from rich.console import Console

from losscli.render.grid import build_grid, chosen_layout
from losscli.render.literal import markdown, visible
from losscli.render.table import print_table, to_table
from losscli.result import EvaluationResult

DATA = pd.DataFrame(
    {
        "y_true": [0.0] * 8,
        "y_pred": [1.0, 3.0, 2.0, 2.0, 1.0, 1.0, 3.0, 1.0],
        "other": [2.0] * 8,
        "g": ["a", "a", "a", "a", "b", "b", "b", "b"],
        "c": ["x", "y", "x", "x", "x", "y", "y", "y"],
        "t": pd.to_datetime(
            [
                "2026-04-06 09:00",
                "2026-04-06 10:00",
                "2026-04-07 09:00",
                "2026-04-07 12:00",
                "2026-04-06 08:00",
                "2026-04-06 18:00",
                "2026-04-08 01:00",
                "2026-04-08 02:00",
            ]
        ),
    }
)


def parts(data: pd.DataFrame = DATA, **options: Any) -> EvaluationResult:
    options = {"pred": "y_pred", **options}
    return result_with_parts(data, time="t", classes="c", group_by="g", losses="mse", **options)


def table_lines(result: EvaluationResult, max_rows: int | None = None) -> list[str]:
    out = io.StringIO()
    print_table(to_table(result, max_rows=max_rows), Console(file=out, width=100))
    return [line.rstrip() for line in out.getvalue().splitlines()]


TABLE_AT_100 = [
    "DataFrame[0] · y_pred",
    "",
    "  g          period       class       n   support    mse ↓",
    " ──────────────────────────────────────────────────────────",
    "  a          2026-04-06               2         2   5.0000",
    "                          x           1         1   1.0000",
    "                          y           1         1   9.0000",
    "                          macro avg   2         2   5.0000",
    "  a          2026-04-07               2         2   4.0000",
    "                          x           2         2   4.0000",
    "                          macro avg   2         2   4.0000",
    "  a          all                      4         4   4.5000",
    "                          x           3         3   3.0000",
    "                          y           1         1   9.0000",
    "                          macro avg   4         4   6.0000",
    "  … 1 more",
    "",
    "  overall    2026-04-06               4         4   3.0000",
    "                          x           2         2   1.0000",
    "                          y           2         2   5.0000",
    "                          macro avg   4         4   3.0000",
    "  overall    2026-04-07               2         2   4.0000",
    "                          x           2         2   4.0000",
    "                          macro avg   2         2   4.0000",
    "  overall    2026-04-08               2         2   5.0000",
    "                          y           2         2   5.0000",
    "                          macro avg   2         2   5.0000",
    "  overall    all                      8         8   3.7500",
    "                          x           4         4   2.5000",
    "                          y           4         4   5.0000",
    "                          macro avg   8         8   3.7500",
    "",
    "… more group rows than --max-rows: --max-rows 0 shows them all; -f csv, -f json or -o "
    "FILE write every row",
]


def test_the_table_shows_periods_and_classes_under_their_parent_and_max_rows_counts_groups() -> (
    None
):
    assert table_lines(parts(), max_rows=1) == TABLE_AT_100


def test_lines_set_apart_the_rows_over_all_groups_and_each_block_at_its_grand_row() -> None:
    result = parts(pred=["y_pred", "other"])
    assert chosen_layout(result, None) == "long"  # the wide layout aligns groups only
    grid = build_grid(result, 5)
    ends = [i for i, end in enumerate(grid.block_ends) if end]
    frame = result.frame
    rest = [int(np.argmax(frame.overall[a:b])) + a for a, b in frame.blocks()]
    assert ends == [rest[0] - 1, frame.blocks()[0][1] - 1, rest[1] - 1]  # not between periods
    assert grid.overall == frame.overall.tolist()  # overall rows bold


def test_class_labels_and_period_labels_show_literally_in_every_human_format() -> None:
    data = DATA.assign(c=DATA["c"].map({"x": "\x1b[31mred|*x*", "y": "y\u202e_z_"}))
    result = parts(data)
    table = "\n".join(table_lines(result))
    md = rendered("markdown", result)
    html = rendered("html", result)
    for label in data["c"].unique():
        assert visible(label) in table
        assert markdown(label) in md
        assert "\x1b" not in table + md and "\u202e" not in table + md
    assert "\x1b" not in html.replace("\\x1b", "")  # escaped, never raw


def test_the_html_table_has_period_class_and_support_columns() -> None:
    html = rendered("html", parts())
    head = html[html.index('class="sortable results"') :].split("</thead>")[0]
    assert [h.split("</th>")[0] for h in head.split('scope="col">')[1:]] == [
        "model", "g", "period", "class", "n", "support", "mse ↓"
    ]  # fmt: skip
    assert "<td>a</td><td>all</td><td>y</td>" in html  # a class row keeps its keys to sort by


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json", "tsv", "html"])
def test_every_format_writes_a_result_with_parts(fmt: str) -> None:
    assert "2026-04-0" in rendered(fmt, parts())
