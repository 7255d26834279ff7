"""The table compares: models side by side, the best marked, Δ from the reference, the
comparisons as a table of their own, as a person sees them in every format."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import (
    assert_shown_literally,
    on_a_terminal,
    read_back,
    rendered,
    result_from_rows,
    write_table,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from losscli.render.table import print_table, to_table
from losscli.result import Comparison, EvaluationResult, ResultRow
from losscli.result.adjust import adjusted
from losscli.result.comparing import COMPARISON_FIELDS

SAMPLE = Path(__file__).parent.parent / "sample_data" / "model_comparison.csv"
TWO = ("evaluate", str(SAMPLE), "-p", "gbm", "-p", "baseline", "-g", "segment")

DONE_WHEN_AT_200 = [
    str(SAMPLE),
    "",
    "  segment       n                  mse ↓: gbm             mse ↓: baseline            Δ mse: "
    "baseline                 mape ↓: gbm            mape ↓: baseline           Δ mape: baseline",
    " " + "─" * 183,
    "  apartment   201   354.83 [272.00, 437.66] ★   8793.3 [7652.3, 9934.2] ▼   +8438.4 "
    "[7279.9, 9597.0]   6.2787 [5.5716, 6.9858] ★   43.305 [38.475, 48.136] ▼   +37.027 "
    "[32.162, 41.891]",
    "  house       159   1028.6 [773.27, 1283.9] ★     10019 [7548.1, 12489] ▼    +8989.9 "
    "[6564.6, 11415]   5.8763 [5.1546, 6.5981] ★   18.495 [16.015, 20.975] ▼   +12.618 "
    "[10.121, 15.116]",
    "  villa        40     10799 [5919.3, 15679] ★   190030 [122590, 257470] ▼   +179230 "
    "[112390, 246060]   7.8836 [5.7764, 9.9907] ★   32.969 [28.436, 37.503] ▼   +25.086 "
    "[19.877, 30.295]",
    "",
    "  overall     400   1667.1 [1099.2, 2235.0] ★      27404 [18934, 35873] ▼      +25736 "
    "[17499, 33974]   6.2792 [5.7787, 6.7798] ★   32.410 [29.526, 35.293] ▼   +26.130 "
    "[23.227, 29.034]",
    "",
    "gbm: best in 3 of 3 groups by mse, 3 of 3 by mape",
    "baseline: best in 0 of 3 groups by mse, 0 of 3 by mape; against gbm: mse better in 0, "
    "worse in 3, indistinguishable in 0; mape better in 0, worse in 3, indistinguishable in 0 "
    "(Holm-adjusted)",
    "",
    "[low, high]: 95% intervals (normal: t, delta method, Wilson)",
    "best of its loss in the row, where the paired tests tell it from every other model (★)",
    "significantly better (▲) or worse (▼) than gbm at 95%, Holm-adjusted across groups (an "
    "overall row by its own test)",
    "Δ: the model's value minus gbm's on the same rows, with its 95% interval",
    "baseline vs gbm, mse: Δ +25736 [17499, 33974], p = 2e-09 (worse); in 3 groups better 0, "
    "worse 3, indistinguishable 0 (Holm-adjusted)",
    "baseline vs gbm, mape: Δ +26.130 [23.227, 29.034], p < 1e-16 (worse); in 3 groups better "
    "0, worse 3, indistinguishable 0 (Holm-adjusted)",
]


def test_two_models_side_by_side_mark_the_best_and_the_significantly_worse_per_group() -> None:
    """The "done when" case: sample_data/model_comparison.csv, -g segment --compare --ci."""
    code, shown = on_a_terminal(*TWO, "--compare", "--ci", columns=200, term="xterm")
    assert code == 0
    assert [line.rstrip() for line in shown.splitlines()] == DONE_WHEN_AT_200


WIDE_MARKDOWN = [
    "| segment | n | mse ↓: gbm | mse ↓: baseline | Δ mse: gbm |",
    "|---|---:|---:|---:|---:|",
    "| apartment | 201 | 354.83 ★ ▲ | 8793.3 | -8438.4 \\[-9597.0, -7279.9\\] |",
    "| house | 159 | 1028.6 ★ ▲ | 10019 | -8989.9 \\[-11415, -6564.6\\] |",
    "| villa | 40 | 10799 ★ ▲ | 190030 | -179230 \\[-246060, -112390\\] |",
    "| **overall** | **400** | **1667.1 ★ ▲** | **27404** | **-25736 \\[-33974, -17499\\]** |",
    "",
    "gbm: best in 3 of 3 groups by mse; against baseline: mse better in 3, worse in 0, "
    "indistinguishable in 0 (Holm-adjusted)  ",
    "baseline: best in 0 of 3 groups by mse  ",
    "",
    "best of its loss in the row, where the paired tests tell it from every other model (★)  ",
    "significantly better (▲) or worse (▼) than baseline at 95%, Holm-adjusted across groups "
    "(an overall row by its own test)  ",
    "Δ: the model's value minus baseline's on the same rows, with its 95% interval  ",
]


def test_markdown_marks_the_significantly_better_model_and_its_win(run: Any) -> None:
    args = (*TWO, "-m", "mse", "--reference", "baseline", "-f", "markdown", "--no-chart")
    out = run(*args).stdout
    assert out.splitlines()[2:15] == WIDE_MARKDOWN


def ascii_run(*args: str) -> str:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [sys.executable, "-m", "losscli", *args], capture_output=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("ascii")


def test_on_an_ascii_terminal_the_marks_are_ascii_and_no_line_reads_as_markdown_syntax() -> None:
    out = ascii_run(*TWO, "-m", "mse", "--compare", "-f", "markdown", "--no-chart").splitlines()
    assert out[2:5] == [
        "| segment | n | mse v: gbm | mse v: baseline | delta mse: baseline |",
        "|---|---:|---:|---:|---:|",
        "| apartment | 201 | 354.83 # | 8793.3 - | +8438.4 \\[7279.9, 9597.0\\] |",
    ]
    assert "significantly better (+) or worse (-) than gbm at 95%" in out[13]
    assert all(not line.startswith(("#", "+ ", "- ")) for line in out)
    charted = ascii_run(*TWO, "-m", "mse", "--compare", "-f", "markdown")
    outside = charted.split("```")[::2]  # the text outside the charts' code blocks
    assert len(outside) > 1 and all(
        not line.startswith(("#", "+ ", "- ")) for part in outside for line in part.splitlines()
    )
    table = ascii_run(*TWO, "-m", "mse", "--reference", "baseline", "-f", "table")
    assert "| apartment | 201 | 354.83 # + |" in table


def test_the_best_is_bold_on_a_terminal(tmp_path: Path) -> None:
    from losscli import evaluate

    result = evaluate(SAMPLE, pred=["gbm", "baseline"], group_by="segment", losses="mse")
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=True, color_system="standard")
    print_table(to_table(result), console)
    assert "\x1b[1m  354.83 ★\x1b[0m" in out.getvalue()
    assert "\x1b[1m  8793.3" not in out.getvalue() and "  8793.3  \n" in out.getvalue()


def test_wide_is_the_default_for_two_to_six_models_whatever_the_width(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(size=40)
    frame = pd.DataFrame({"y_true": y, **{f"m{i}": y + rng.normal(size=40) for i in range(7)}})
    path = write_table(frame, tmp_path / "seven.csv")
    for columns in (80, 200):
        six = on_a_terminal("evaluate", str(path), *(f"-pm{i}" for i in range(6)),
                            "-m", "mse", columns=columns, term="xterm")[1]  # fmt: skip
        assert "mse ↓:" in six and "m5" in six  # the same layout at any width
        assert max(map(len, six.splitlines())) <= columns
    seven = on_a_terminal("evaluate", str(path), *(f"-pm{i}" for i in range(7)), "-m", "mse")[1]
    assert seven.splitlines()[2].split() == ["pred", "n", "mse", "↓"]  # long: one row a model
    wide = on_a_terminal("evaluate", str(path), *(f"-pm{i}" for i in range(7)), "-m", "mse",
                         "--layout", "wide", columns=200, term="xterm")[1]  # fmt: skip
    assert "mse ↓: m6" in wide


def test_long_layout_stacks_the_models_and_csv_does_not_change(run: Any) -> None:
    long = run(*TWO, "-m", "mse", "-f", "markdown", "--no-chart", "--layout", "long").stdout
    long = long.splitlines()
    assert long[2] == "| pred | segment | n | mse ↓ |"
    wide_csv = run(*TWO, "-m", "mse", "-f", "csv", "--layout", "wide").stdout
    assert wide_csv == run(*TWO, "-m", "mse", "-f", "csv").stdout
    assert wide_csv.splitlines()[0] == "file,pred,scope,segment,n,mse"


@pytest.fixture
def close_models(tmp_path: Path) -> Path:
    """Model b's MSE is lower than a's in every group, by less than the noise tells apart."""
    rng = np.random.default_rng(3)
    y = rng.normal(size=60)
    a, b = y + rng.normal(0, 1.0, 60), y + rng.normal(0, 1.0, 60)
    frame = pd.DataFrame({"y_true": y, "a": a, "b": b, "g": ["x", "y"] * 30})
    return write_table(frame, tmp_path / "close.csv")


def test_a_difference_the_data_cannot_tell_from_noise_is_not_a_win(run, close_models: Path):
    base = ("evaluate", str(close_models), "-p", "a", "-p", "b", "-g", "g", "-m", "mse")
    plain = run(*base, "-f", "markdown", "--no-chart").stdout.splitlines()
    assert [line.count("★") for line in plain[4:7]] == [1, 1, 1]  # b is lower: marked best
    compared = run(*base, "--compare", "-f", "markdown", "--no-chart").stdout
    table = compared.split("\n\n")[1]
    assert "★" not in table and "▲" not in table
    assert "b: best in 0 of 2 groups by mse; against a: mse better in 0, worse in 0, " in compared


@pytest.fixture
def three_models(tmp_path: Path) -> Path:
    """b is significantly better than the reference r, c is not, and b and c are close:
    squared errors r 1.5; b 0.9 or 1.1; c 0.1 or 2.3 (b's and c's means 1.0 and 1.2); d,
    significantly worse than r, 1.9 or 2.1."""
    half = 20
    frame = pd.DataFrame({
        "y_true": [0.0] * (2 * half),
        "r": [1.5**0.5] * (2 * half),
        "b": [0.9**0.5, 1.1**0.5] * half,
        "c": [0.1**0.5, 2.3**0.5] * half,
        "d": [1.9**0.5, 2.1**0.5] * half,
    })  # fmt: skip
    return write_table(frame, tmp_path / "three.csv")


def test_with_three_models_best_is_marked_only_where_the_tests_separate_it_from_every_other(
    run: Any, three_models: Path
) -> None:
    base = ("evaluate", str(three_models), "-p", "r", "-p", "b", "-p", "c", "-m", "mse")
    verdicts = {
        reference: {
            c["pred"]: c["verdict"]
            for c in json.loads(run(*base, "--reference", reference, "-f", "json").stdout)[
                "comparisons"
            ]
        }
        for reference in ("r", "c")
    }
    assert verdicts["r"] == {"b": "better", "c": "indistinguishable"}
    assert verdicts["c"]["b"] == "indistinguishable"  # b is never told from c
    shown = run(*base, "--reference", "r", "-f", "markdown", "--no-chart").stdout
    table = shown.split("\n\n")[1]
    assert "▲" in table and "★" not in table
    assert "b: best by no loss" in shown


def test_with_three_models_a_model_better_than_the_reference_that_beats_the_rest_is_best(
    run: Any, three_models: Path
) -> None:
    shown = run("evaluate", str(three_models), "-p", "r", "-p", "b", "-p", "d", "-m", "mse",
                "--reference", "r", "-f", "markdown", "--no-chart").stdout  # fmt: skip
    table = shown.split("\n\n")[1]
    assert table.count("★") == 1 and "b: best by mse" in shown  # b ▲, d ▼ against r
    assert "another model when it is significantly better than r and every other model " in shown


def test_json_comparisons_carry_the_adjusted_p_value_and_the_verdict(run: Any) -> None:
    document = json.loads(run(*TWO, "-m", "mse,mape", "--compare", "-f", "json").stdout)
    assert document["schema_version"] == 1
    groups = [c for c in document["comparisons"] if c["group"] is not None and c["loss"] == "mse"]
    want = adjusted(np.array([c["p_value"] for c in groups]), "holm")
    assert [c["p_adjusted"] for c in groups] == pytest.approx(want.tolist(), rel=1e-12)
    overall = next(c for c in document["comparisons"] if c["group"] is None)
    assert overall["p_adjusted"] == overall["p_value"]
    assert {c["verdict"] for c in document["comparisons"]} == {"worse"}
    assert list(overall) == ["file", "group", "loss", "pred", "reference", "delta", "low",
                             "high", "p_value", "p_adjusted", "verdict"]  # fmt: skip


def test_csv_writes_the_comparisons_table_and_it_equals_the_json(run: Any, tmp_path: Path) -> None:
    args = (*TWO, "-m", "mse,mape", "--compare", "--table", "comparisons")
    done = run(*args, "-f", "csv")
    assert done.exit_code == 0 and "no place" not in done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "file,scope,segment,loss,pred,reference,delta,low,high,p_value,p_adjusted,verdict"
    )
    assert lines[4].startswith(f"{SAMPLE},overall,,mse,baseline,gbm,25736.39")
    assert lines[4].endswith(",worse")
    document = json.loads(run(*args, "-f", "json").stdout)
    every = json.loads(run(*TWO, "-m", "mse,mape", "--compare", "-f", "json").stdout)
    assert document["comparisons"] == every["comparisons"]
    read = read_back(done.stdout, ",")
    assert [float(r["delta"]) for r in read] == [c["delta"] for c in document["comparisons"]]
    assert read_back(run(*args, "-f", "tsv").stdout, "\t") == read
    path = tmp_path / "c.parquet"
    assert run(*args, "-o", str(path)).exit_code == 0
    table = pq.read_table(path).to_pylist()
    assert [r["p_adjusted"] for r in table] == [c["p_adjusted"] for c in document["comparisons"]]


def test_the_comparisons_table_on_a_terminal(run: Any) -> None:
    out = run(*TWO, "-m", "mse", "--compare", "--table", "comparisons", "-f", "table").stdout
    assert [line.rstrip() for line in out.splitlines()][2:9] == [
        "  segment     loss   pred       reference              Δ [low, high]         p   "
        "p adjusted   verdict",
        " " + "─" * 101,
        "  apartment   mse    baseline   gbm         +8438.4 [7279.9, 9597.0]   < 1e-16      "
        "< 1e-16   worse",
        "  house       mse    baseline   gbm          +8989.9 [6564.6, 11415]   1.2e-11      "
        "2.4e-11   worse",
        "  villa       mse    baseline   gbm         +179230 [112390, 246060]   3.3e-06      "
        "3.3e-06   worse",
        "",
        "  overall     mse    baseline   gbm            +25736 [17499, 33974]     2e-09        "
        "2e-09   worse",
    ]


def test_the_comparisons_table_needs_compare(run: Any) -> None:
    done = run(*TWO, "--table", "comparisons", "-f", "csv")
    assert done.exit_code == 2
    assert "--table comparisons needs --compare" in done.stderr


def test_a_group_column_named_as_a_comparisons_column_is_refused(run, tmp_path: Path) -> None:
    path = tmp_path / "loss.csv"
    path.write_text("y_true,a,b,loss\n1,2,1,x\n2,2,3,y\n3,4,3,x\n")
    args = ("evaluate", str(path), "-p", "a", "-p", "b", "-g", "loss", "--compare")
    done = run(*args, "--table", "comparisons", "-f", "csv")
    assert done.exit_code == 2
    assert "--table comparisons has a column 'loss' of its own, and so has -g loss" in done.stderr
    assert run(*args, "-f", "json").exit_code == 0


def test_sort_by_delta_orders_groups_by_the_difference_from_the_reference(run: Any) -> None:
    args = (*TWO, "-m", "mse", "--compare", "--sort-by", "delta:mse")
    rows = read_back(run(*args, "-f", "csv").stdout, ",")
    assert [(r["pred"], r["segment"]) for r in rows] == [
        ("gbm", "villa"), ("gbm", "house"), ("gbm", "apartment"), ("gbm", ""),
        ("baseline", "villa"), ("baseline", "house"), ("baseline", "apartment"), ("baseline", ""),
    ]  # fmt: skip
    best = read_back(run(*args, "--top", "-1", "-f", "csv").stdout, ",")
    assert [r["segment"] for r in best] == ["apartment", "", "apartment", ""]
    md = run(*args, "-f", "markdown").stdout
    assert "Group rows by the difference from the reference in mse, worst first" in md
    refused = run(*TWO, "--sort-by", "delta:mse")
    assert refused.exit_code == 2 and "add --compare" in refused.stderr


# -- any text, in the new views and the comparisons table, in every format ------------------

TEXT = st.text(min_size=1, max_size=8)
TAKEN = ("file", "scope", *COMPARISON_FIELDS)  # the comparisons table's own columns


@st.composite
def compared(draw: st.DrawFn) -> EvaluationResult:
    """Two models of one file, groups named by any text, each compared with the first."""
    file, group_by = draw(TEXT), draw(TEXT.filter(lambda t: t not in TAKEN))
    preds = draw(st.lists(TEXT, min_size=2, max_size=2, unique=True))
    keys = draw(st.lists(TEXT, min_size=1, max_size=3, unique=True))
    values = st.floats(0, 1e6)
    rows, comparisons = [], []
    for pred in preds:
        for key in [*keys, None]:
            group = None if key is None else {group_by: key}
            rows.append(ResultRow(file, pred, group, 2, {"mse": draw(values)}))
    for key in [*keys, None]:
        delta, p = draw(values), draw(st.floats(0, 1))
        verdict = draw(st.sampled_from(["better", "worse", "indistinguishable"]))
        group = None if key is None else {group_by: key}
        comparisons.append(Comparison(file, preds[1], preds[0], group, "mse", delta, delta - 1,
                                      delta + 1, p, verdict, p_adjusted=p))  # fmt: skip
    result = result_from_rows(rows, ["mse"], [group_by])
    return replace(result, comparisons=comparisons)


@pytest.mark.parametrize("charset", ["utf-8", "ascii"])
@settings(max_examples=30, deadline=None)
@given(result=compared())
def test_any_text_shows_literally_side_by_side_and_in_the_comparisons(
    result: EvaluationResult, charset: str
) -> None:
    for table in ("rows", "comparisons"):
        shown = rendered("table", result, charset, table=table)
        assert_shown_literally(result, charset, shown, rendered("markdown", result, charset, table))


@settings(max_examples=30, deadline=None)
@given(result=compared())
def test_any_text_round_trips_through_the_comparisons_table(result: EvaluationResult) -> None:
    want = [c.record() for c in result.comparisons]
    (group_by,) = result.group_by
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        read = read_back(rendered(fmt, result, table="comparisons"), delimiter)
        assert [(r["file"], r["pred"], r["reference"], r[group_by] or None) for r in read] == [
            (c["file"], c["pred"], c["reference"], (c["group"] or {}).get(group_by)) for c in want
        ]
        assert [float(r["delta"]) for r in read] == [c["delta"] for c in want]
    document = json.loads(rendered("json", result, table="comparisons"))
    assert document["comparisons"] == want
    from losscli.render.parquet import to_arrow

    back = to_arrow(result, "comparisons").to_pylist()
    assert [(r["file"], r[group_by], r["verdict"]) for r in back] == [
        (c["file"], (c["group"] or {}).get(group_by), c["verdict"]) for c in want
    ]
