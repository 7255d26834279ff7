"""Which rows a person sees: --sort-by, --top and --max-rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import Result
from conftest import records, write_table

from losscli import evaluate

# squared errors per group: a 1, b 0, c 9, d 0, e 16
FIVE = pd.DataFrame(
    {"y": [1.0, 3, 4, 2, 5], "p": [2.0, 3, 7, 2, 1], "g": ["a", "b", "c", "d", "e"]}
)


@pytest.fixture
def five(tmp_path: Path) -> Path:
    return write_table(FIVE, tmp_path / "five.csv")


def groups(out: str) -> list[str]:
    return [row["g"] for row in csv.DictReader(io.StringIO(out))]


def test_sort_by_orders_groups_worst_first_and_keeps_overall_last(run, five: Path) -> None:
    out = run("evaluate", str(five), "-l", "y", "-p", "p", "-g", "g", "-m", "mse", "-f", "csv",
              "--sort-by", "mse").stdout  # fmt: skip
    assert out.splitlines() == [
        "file,pred,scope,g,n,mse",
        f"{five},p,group,e,1,16.0",
        f"{five},p,group,c,1,9.0",
        f"{five},p,group,a,1,1.0",
        f"{five},p,group,b,1,0.0",  # ties keep their key order
        f"{five},p,group,d,1,0.0",
        f"{five},p,overall,,5,5.2",
    ]


def test_top_keeps_the_worst_and_minus_top_the_best(run, five: Path) -> None:
    base = ("evaluate", str(five), "-l", "y", "-p", "p", "-g", "g", "-m", "mse", "-f", "csv")
    assert groups(run(*base, "--top", "2").stdout) == ["e", "c", ""]
    assert groups(run(*base, "--top", "-3").stdout) == ["b", "d", "a", ""]


def test_sort_by_follows_the_loss_direction(tmp_path: Path) -> None:
    """R² is better when higher: its worst group is its lowest."""
    df = pd.DataFrame(
        {
            "y": [1.0, 2, 3, 1, 2, 3, 1, 2, 3],
            "p": [1.0, 2, 3, 1.5, 2, 2.5, 3, 2, 1],
            "g": ["good"] * 3 + ["fair"] * 3 + ["bad"] * 3,
        }
    )
    result = evaluate(write_table(df, tmp_path / "r.csv"), label="y", pred="p", group_by="g",
                      losses="r2")  # fmt: skip
    ranked = result.ranked("r2", 2)
    assert [r["g"] for r in records(ranked)] == ["bad", "fair", None]
    assert [r["g"] for r in records(result)] == ["bad", "fair", "good", None]  # unchanged


def test_a_sort_loss_not_asked_for_is_computed(run, five: Path) -> None:
    out = run("evaluate", str(five), "-l", "y", "-p", "p", "-g", "g", "-m", "mse", "-f", "csv",
              "--sort-by", "mae", "--top", "1").stdout  # fmt: skip
    assert out.splitlines()[0] == "file,pred,scope,g,n,mse,mae"
    assert groups(out) == ["e", ""]


def test_checks_judge_the_groups_top_leaves_out(run: Callable[..., Result], five: Path) -> None:
    result = run("evaluate", str(five), "-l", "y", "-p", "p", "-g", "g", "-m", "mse", "-f", "csv",
                 "--top", "-1", "--check", "mse<10")  # fmt: skip
    assert result.exit_code == 1
    assert groups(result.stdout) == ["b", ""]
    assert "g=e: mse = 16 is not < 10" in result.stderr


def test_max_rows_shows_how_many_rows_are_left_out(run, five: Path) -> None:
    out = run("evaluate", str(five), "-l", "y", "-p", "p", "-g", "g", "-m", "mse",
              "-f", "markdown", "--sort-by", "mse", "--max-rows", "2",
              "--no-chart").stdout  # fmt: skip
    assert out.splitlines()[2:9] == [
        "| g | n | mse ↓ |",
        "|---|---:|---:|",
        "| e | 1 | 16.000 |",
        "| c | 1 | 9.0000 |",
        "| … 3 more |  |  |",
        "| **overall** | **5** | **5.2000** |",
        "",
    ]
    assert "--max-rows 0 shows them all" in out


def test_markdown_shows_fifty_groups_by_default_and_csv_every_row(run, tmp_path: Path) -> None:
    df = pd.DataFrame({"y": range(60), "p": range(60), "g": range(60)}, dtype=float)
    path = write_table(df, tmp_path / "sixty.csv")
    base = ("evaluate", str(path), "-l", "y", "-p", "p", "-g", "g", "-m", "mse")
    markdown = run(*base, "-f", "markdown").stdout
    assert "| … 10 more |" in markdown
    assert markdown.count("| 1 | 0 |") == 50
    assert "more" not in run(*base, "-f", "markdown", "--max-rows", "0").stdout
    assert len(groups(run(*base, "-f", "csv", "--max-rows", "1").stdout)) == 61


def test_the_table_at_a_fixed_width(run, five: Path) -> None:
    out = run("evaluate", str(five), "-l", "y", "-p", "p", "-g", "g", "-m", "mse",
              "-f", "table", "--top", "3", "--max-rows", "1").stdout  # fmt: skip
    assert [line.rstrip() for line in out.splitlines()] == [
        f"{five} · p",
        "",
        "  g          n    mse ↓",
        " ───────────────────────",
        "  e          1   16.000",
        "  … 2 more",
        "",
        "  overall    5   5.2000",
        "",
        "Group rows by mse, worst first; the 3 worst of each file and model (5 group rows in all)",
        "… more group rows than --max-rows: --max-rows 0 shows them all; -f csv, -f json or "
        "-o FILE write every row",
    ]


SAMPLE = Path(__file__).parent.parent / "sample_data" / "model_comparison.csv"
MODELS = ("-p", "gbm", "-p", "baseline")
TWO_MODELS = ("evaluate", str(SAMPLE), *MODELS, "-g", "segment", "-m", "mse,mae")


def test_a_column_keeps_one_notation_and_each_model_is_set_apart_in_the_table(run) -> None:
    out = run(*TWO_MODELS, "-f", "table", "--layout", "long").stdout  # off a terminal: a pipe
    assert [line.rstrip() for line in out.splitlines()] == [
        str(SAMPLE),
        "",
        "  pred       segment       n    mse ↓    mae ↓",
        " ──────────────────────────────────────────────",
        "  gbm        apartment   201   354.83   14.325",
        "  gbm        house       159   1028.6   24.627",
        "  gbm        villa        40    10799   79.658",
        "",
        "  gbm        overall     400   1667.1   24.954",
        "",
        "  baseline   apartment   201   8793.3   81.738",
        "  baseline   house       159    10019   76.328",
        "  baseline   villa        40   190030   372.42",
        "",
        "  baseline   overall     400    27404   108.66",
        "",
    ]


def test_a_column_keeps_one_notation_and_each_model_is_set_apart_in_markdown(run) -> None:
    out = run(*TWO_MODELS, "-f", "markdown", "--layout", "long", "--no-chart").stdout
    assert out.splitlines()[2:] == [
        "| pred | segment | n | mse ↓ | mae ↓ |",
        "|---|---|---:|---:|---:|",
        "| gbm | apartment | 201 | 354.83 | 14.325 |",
        "| gbm | house | 159 | 1028.6 | 24.627 |",
        "| gbm | villa | 40 | 10799 | 79.658 |",
        "| **gbm** | **overall** | **400** | **1667.1** | **24.954** |",
        "| | | | | |",
        "| baseline | apartment | 201 | 8793.3 | 81.738 |",
        "| baseline | house | 159 | 10019 | 76.328 |",
        "| baseline | villa | 40 | 190030 | 372.42 |",
        "| **baseline** | **overall** | **400** | **27404** | **108.66** |",
    ]


def test_counts_have_thousands_separators_in_messages_and_the_table_never_in_data(
    run, tmp_path: Path
) -> None:
    """1,200 groups of two rows, one with label 0 (left out of MAPE): every count a person
    reads is written 1,200; CSV and JSON hold plain numbers."""
    groups = np.repeat(np.arange(1200), 2)
    y = np.tile([0.0, 2.0], 1200)
    frame = pd.DataFrame({"g": groups, "y_true": y, "a": y + 1, "b": y + 1.0 + groups % 2})
    path = write_table(frame, tmp_path / "many.csv")
    args = ("evaluate", str(path), "-g", "g", "-p", "a", "-p", "b", "-m", "mse,mape", "--compare")
    table = run(*args, "-f", "table", "--layout", "long", "--max-rows", "1", "--check", "mse<=1")
    lines = [line.rstrip() for line in table.stdout.splitlines()]
    assert lines[12:] == [
        "  b              overall   2,400   2.5000 ✗   75.000²",
        "",
        "¹ mape: 1 row with label 0 left out",
        "² mape: 1,200 rows with label 0 left out",
        "… more group rows than --max-rows: --max-rows 0 shows them all; -f csv, -f json or "
        "-o FILE write every row",
        "b vs a, mse: Δ +1.5000 [1.4399, 1.5601], p < 1e-16 (worse); in 1,200 groups better 0, "
        "worse 600, indistinguishable 600 (Holm-adjusted)",
        "b vs a, mape: Δ +25.000 [23.583, 26.417], p < 1e-16 (worse); in 1,200 groups better 0, "
        "worse 0, indistinguishable 1,200 (Holm-adjusted; 1,200 of them untested: too few rows "
        "for a p-value)",
        "✗ 601 of 2,402 checks failed",
        *lines[20:],
    ]
    assert lines[4:6] == ["  a              0             2     1.0000   50.000¹", "  … 1,199 more"]
    assert table.stderr.splitlines()[-1] == "losscli: ✗ 601 of 2,402 checks failed"
    csv_out = run(*args, "-f", "csv").stdout
    overall = [line for line in csv_out.splitlines() if ",overall," in line]
    assert overall == [f"{path},a,overall,,2400,1.0,50.0", f"{path},b,overall,,2400,2.5,75.0"]
    rows = json.loads(run(*args, "-f", "json").stdout)["rows"]
    assert [row["n"] for row in rows if row["group"] is None] == [2400, 2400]
