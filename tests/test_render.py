"""Text from outside shown literally in every format; numbers to --precision; any terminal."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import (
    assert_shown_literally,
    on_a_terminal,
    read_back,
    records,
    rendered,
    result_from_rows,
    write_table,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console

from losscli import evaluate
from losscli.render import text as text_module
from losscli.render.catalog import WRITERS
from losscli.render.columns import float_texts
from losscli.render.formats import CATALOG_FORMATS
from losscli.render.grid import format_change, format_number
from losscli.render.json_rows import json_pieces
from losscli.render.literal import markdown, visible
from losscli.render.table import print_table, to_table
from losscli.render.text import csv_text, json_text
from losscli.result import EvaluationResult, ResultRow

# -- the literal escapes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain [bold]x[/]", "plain [bold]x[/]"),
        ("a\nb\r\tc", "a\\nb\\r\\tc"),
        ("\x1b[31mred\x7f\x85", "\\x1b[31mred\\x7f\\x85"),
        ("\x00\u202eevil\u2028", "\\x00\\u202eevil\\u2028"),
        ("Zürich 東京 ↓", "Zürich 東京 ↓"),
        ("C:\\data", "C:\\data"),
    ],
)
def test_visible_escapes_what_a_terminal_would_act_on(text: str, shown: str) -> None:
    assert visible(text) == shown


def test_visible_escapes_what_the_charset_cannot_hold() -> None:
    assert visible("Zürich ↓", "ascii") == "Z\\xfcrich \\u2193"
    assert visible("Zürich ↓", "cp1252") == "Zürich \\u2193"
    assert visible("\U0001f600", "ascii") == "\\U0001f600"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a|b", "a\\|b"),
        ("*x* _y_ y_pred `c` ~s~", "\\*x\\* \\_y\\_ y_pred \\`c\\` \\~s\\~"),
        ("[l](http://x) <b> &amp; $x$", "\\[l\\](http://x) \\<b\\> \\&amp; \\$x\\$"),
        (":+1: 12:30 note: x", "\\:+1: 12\\:30 note: x"),
        ("a\\*b\n", "a\\\\\\*b\\\\n"),
    ],
)
def test_markdown_escapes_its_syntax(text: str, shown: str) -> None:
    assert markdown(text) == shown


# -- text from data through the command line --------------------------------------------

ODD = ["[/]", "[bold]x", "[link=http://e.com]l[/link]", "\x1b[31mred", "two\nlines", ":smile:"]


@pytest.fixture
def odd_csv(tmp_path: Path) -> Path:
    df = pd.DataFrame({"y_true": [1.0, 2, 3, 4, 5, 6], "y_pred": [1.0, 2, 3, 4, 5, 7], "g": ODD})
    return write_table(df, tmp_path / "m[x].csv")


def test_table_shows_markup_and_controls_literally(run, odd_csv: Path) -> None:
    result = run("evaluate", str(odd_csv), "-g", "g", "-m", "mse", "-f", "table")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{odd_csv} · y_pred"  # m[x].csv, not m.csv
    rows = [line.split()[0] for line in lines[4:10]]
    assert sorted(rows) == sorted(visible(value) for value in ODD)
    assert "\x1b" not in result.stdout


def test_markdown_shows_markup_and_controls_literally(run, odd_csv: Path) -> None:
    args = ("-g", "g", "-m", "mse", "-f", "markdown", "--no-chart")  # the table's lines alone
    out = run("evaluate", str(odd_csv), *args).stdout
    assert out.splitlines()[0] == f"**{markdown(str(odd_csv))} · y_pred**"
    for value in ODD:
        assert f"| {markdown(value)} | 1 |" in out
    assert len(out.splitlines()) == 2 + 2 + len(ODD) + 1  # title, header, rows, overall


def test_csv_and_json_keep_the_text_exactly(run, odd_csv: Path) -> None:
    out = run("evaluate", str(odd_csv), "-g", "g", "-m", "mse", "-f", "csv").stdout
    assert {row["g"] for row in csv.DictReader(io.StringIO(out))} == {*ODD, ""}
    doc = json.loads(run("evaluate", str(odd_csv), "-g", "g", "-m", "mse", "-f", "json").stdout)
    assert {row["file"] for row in doc["rows"]} == {str(odd_csv)}
    assert [row["group"]["g"] for row in doc["rows"][:-1]] == sorted(ODD)


def test_a_column_named_like_markup(run, tmp_path: Path) -> None:
    df = pd.DataFrame({"y_true": [1.0, 2], "[/]": [1.0, 3], "[red]g": ["a", "b"]})
    path = write_table(df, tmp_path / "c.csv")
    result = run("evaluate", str(path), "-p", "[/]", "-g", "[red]g", "-f", "table")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{path} · [/]"
    assert "[red]g" in result.stdout


def test_messages_show_text_from_data_literally(run, tmp_path: Path) -> None:
    path = tmp_path / "e\x1b]0;title\x07.csv"
    path.write_text("y_true,y_pred\n1,2\n2,[bold]x\x1b\n")
    result = run("evaluate", str(path))
    assert result.exit_code == 3
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    shown = visible(str(path))
    assert result.stderr == (
        f"losscli: error: {shown}: column 'y_pred', data row 2: '[bold]x\\x1b' is not a "
        "number. Fix the value, or check the delimiter and decimal mark of the file "
        "(--delimiter, --decimal).\n"
    )


def test_every_line_of_a_message_is_prefixed(run, tmp_path: Path) -> None:
    path = write_table(
        pd.DataFrame({"y_true": [1.0, 2], "y_pred": [float("nan"), 1], "w": [-1.0, 1]}),
        tmp_path / "two.csv",
    )
    result = run("evaluate", str(path), "-w", "w")
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"losscli: error: {path}: column ") for line in lines)


# -- the property: any text, every format -------------------------------------------------

TEXT = st.text(max_size=10)
KEY_TEXT = st.text(min_size=1, max_size=10)  # an empty key cell would read back as missing
RESERVED = {"file", "pred", "n", "mse", "scope"}


@st.composite
def results(draw: st.DrawFn) -> EvaluationResult:
    files = draw(st.lists(TEXT, min_size=1, max_size=2, unique=True))
    preds = draw(st.lists(TEXT, min_size=1, max_size=2, unique=True))
    names = KEY_TEXT.filter(lambda name: name not in RESERVED)
    group_by = draw(st.lists(names, max_size=2, unique=True))
    values = st.floats(allow_nan=False, allow_infinity=False)
    rows = []
    for file in files:
        for pred in preds:
            for _ in range(draw(st.integers(0, 2)) if group_by else 0):
                group = {name: draw(KEY_TEXT) for name in group_by}
                rows.append(ResultRow(file, pred, group, 1, {"mse": draw(values)}))
            rows.append(ResultRow(file, pred, None, 3, {"mse": draw(values)}))
    return result_from_rows(rows, ["mse"], group_by)


@pytest.mark.parametrize("charset", ["utf-8", "ascii"])
@settings(max_examples=40, deadline=None)
@given(result=results())
def test_any_text_shows_literally_in_table_and_markdown(
    result: EvaluationResult, charset: str
) -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding=charset, newline="")
    print_table(to_table(result), Console(file=out, width=60, color_system=None))
    out.seek(0)
    table = out.read()
    assert_shown_literally(result, charset, table, rendered("markdown", result, charset))


@settings(max_examples=60, deadline=None)
@given(result=results())
def test_any_text_round_trips_through_csv_tsv_and_json(result: EvaluationResult) -> None:
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        text = rendered(fmt, result)
        read = read_back(text, delimiter)
        assert len(read) == len(result.rows)
        for row, back in zip(result.rows, read, strict=True):
            assert (back["file"], back["pred"]) == (row.file, row.pred)
            assert [back[g] for g in result.group_by] == [
                (row.group or {}).get(g, "") for g in result.group_by
            ]
            assert float(back["mse"]) == row.metrics["mse"]
    document = json.loads(rendered("json", result))
    assert [(r["file"], r["pred"], r["group"], r["metrics"]) for r in document["rows"]] == [
        (row.file, row.pred, row.group, row.metrics) for row in result.rows
    ]


@settings(max_examples=100, deadline=None)
@given(result=results(), delimiter=st.sampled_from([",", "\t"]))
def test_whole_column_csv_is_the_row_by_row_csv(result: EvaluationResult, delimiter: str) -> None:
    names = result.columns()
    rows = [[record[c] for c in names] for record in records(result)]
    assert rendered({",": "csv", "\t": "tsv"}[delimiter], result) == csv_text(
        names, rows, delimiter
    )
    # a small result is written row by row (``PYTHON_CELLS``): the whole columns too
    columnar = "".join(text_module.csv_pieces(result, delimiter, python_cells=0))
    assert columnar == csv_text(names, rows, delimiter)


KEY_VALUES = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**64 - 1),  # an int64 or uint64 key column's values
    st.floats(allow_nan=False, allow_infinity=False),  # a key's NaN is "nan" (KeySet._shown)
    st.booleans(),
    KEY_TEXT,
)


@settings(max_examples=100, deadline=None)
@given(keys=st.lists(KEY_VALUES, min_size=1, max_size=12), delimiter=st.sampled_from([",", "\t"]))
@example(keys=[0.0, -0.0], delimiter=",")  # equal, written apart
@example(keys=[-0.0, 0.0, 0], delimiter=",")
@example(keys=[1, 1.0, True, "1"], delimiter=",")
@example(keys=[1.5, "1.5", None, 0], delimiter="\t")
def test_whole_columns_of_any_key_values_are_the_row_by_row_csv_and_json(
    keys: list[object], delimiter: str
) -> None:
    # integers (with missing keys, past int64), floats, booleans and text, one kind or mixed
    rows = [ResultRow("f", "p", {"g": key}, 1, {"mse": 0.5}) for key in keys]
    result = result_from_rows(
        [*rows, ResultRow("f", "p", None, len(keys), {"mse": 0.5})], ["mse"], ["g"]
    )
    names = result.columns()
    expected = csv_text(
        names, [[record[c] for c in names] for record in records(result)], delimiter
    )
    assert "".join(text_module.csv_pieces(result, delimiter, python_cells=0)) == expected
    assert "".join(json_pieces(result, text_module.SLICE_ROWS)) == json_text(result.to_dict())


@settings(max_examples=100, deadline=None)
@given(result=results())
def test_whole_column_json_is_the_documents_json(result: EvaluationResult) -> None:
    assert rendered("json", result) == json_text(result.to_dict())
    # a small result is the document's json (``PYTHON_CELLS``): the whole columns too
    columnar = "".join(json_pieces(result, text_module.SLICE_ROWS))
    assert columnar == json_text(result.to_dict())


@pytest.mark.parametrize("method", ["normal", "bootstrap"])
def test_whole_column_json_with_intervals_and_missing_values(tmp_path: Path, method: str) -> None:
    df = pd.DataFrame(
        {"y": [1.0, 2, 0, 4, 5, 0], "p": [1.5, 2, 1, 3, 5, 2], "g": [1, 1, 2, 2, 3, None]}
    )
    result = evaluate(
        write_table(df, tmp_path / "a.parquet"),
        label="y",
        pred="p",
        group_by="g",
        losses="mse,mape,r2,max_error",
        ci=0.9,
        ci_method=method,
        resamples=50,
    )
    for shown in (result, result.ranked("mse", -2)):
        assert rendered("json", shown) == json_text(shown.to_dict())
        assert "".join(json_pieces(shown, text_module.SLICE_ROWS)) == json_text(shown.to_dict())


@pytest.mark.parametrize("slice_rows", [1, 3, 1000])
def test_csv_and_json_written_a_slice_at_a_time_are_the_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_rows: int
) -> None:
    df = pd.DataFrame(
        {"y": [1.0, 2, 0, 4, 5, 0, 2], "p": [1.5, 2, 1, 3, 5, 2, 2], "g": [*"abcabc", "\r"]}
    )
    result = evaluate(write_table(df, tmp_path / "a.parquet"), label="y", pred="p", group_by="g")
    monkeypatch.setattr(text_module, "SLICE_ROWS", slice_rows)
    monkeypatch.setattr(text_module, "PYTHON_CELLS", 0)  # whole columns, not Python's writers
    names = result.columns()
    rows = ([record[c] for c in names] for record in records(result))
    assert rendered("csv", result) == csv_text(names, rows)
    assert rendered("json", result) == json_text(result.to_dict())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.floats(), st.integers(-(10**6), 10**6).map(float)), max_size=40))
def test_floats_are_written_as_repr_writes_them(values: list[float]) -> None:
    texts = float_texts(np.array(values, dtype=np.float64), "").to_pylist()
    assert texts == ["" if math.isnan(v) else repr(v) for v in values]


# -- terminals that are not UTF-8 ----------------------------------------------------------


def losscli(*args: str, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    return subprocess.run(
        [sys.executable, "-m", "losscli", *args], capture_output=True, timeout=60, env=env
    )


@pytest.fixture
def world_csv(tmp_path: Path) -> Path:
    df = pd.DataFrame({"y_true": [1.0, 2, 4], "y_pred": [1.0, 3, 4], "g": ["Zürich", "東京", "x"]})
    return write_table(df, tmp_path / "world.csv")


@pytest.mark.parametrize(
    ("encoding", "zurich", "tokyo"),
    [("ascii", "Z\\xfcrich", "\\u6771\\u4eac"), ("cp1252", "Zürich", "\\u6771\\u4eac")],
)
@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_a_terminal_that_is_not_utf8_gets_ascii_marks_and_escapes(
    world_csv: Path, encoding: str, zurich: str, tokyo: str, fmt: str
) -> None:
    done = losscli("evaluate", str(world_csv), "-g", "g", "-f", fmt, encoding=encoding)
    assert done.returncode == 0, done.stderr.decode(encoding)
    out = done.stdout.decode(encoding)
    assert out.splitlines()[0].strip("*") == f"{world_csv} - y_pred"
    for text in (zurich, tokyo, "mse v", "mape v"):
        assert (text if fmt == "table" else markdown(text)) in out


def test_data_formats_are_utf8_on_any_terminal(world_csv: Path) -> None:
    done = losscli("evaluate", str(world_csv), "-g", "g", "-f", "csv", encoding="ascii")
    assert done.returncode == 0, done.stderr
    assert "Zürich,1," in done.stdout.decode("utf-8")
    done = losscli("evaluate", str(world_csv), "-g", "g", "-f", "json", encoding="cp1252")
    groups = [row["group"] for row in json.loads(done.stdout.decode("utf-8"))["rows"]]
    assert {"g": "東京"} in groups


# -- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        (0.21606, 5, "0.21606"),
        (344.6251, 5, "344.63"),
        (12345.4, 5, "12345"),
        (123456.7, 5, "1.2346e+05"),
        (2.5e22, 5, "2.5000e+22"),
        (0.99999999, 5, "1.0000"),
        (0.99999999, 8, "0.99999999"),
        (0.00012345, 5, "0.00012345"),
        (1.234e-5, 5, "1.2340e-05"),
        (-0.12345, 5, "-0.12345"),
        (-0.0, 5, "0"),
        (5.0, 1, "5"),
        (23.8, 2, "24"),
    ],
)
def test_numbers_have_precision_significant_digits(value: float, digits: int, shown: str) -> None:
    assert format_number(value, digits) == shown


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ([27404, 10019, 190030, 354.83], ["27404", "10019", "190030", "354.83"]),
        ([27404, 10019, 99999.4], ["27404", "10019", "99999"]),
        ([27404, 99999.7, 12345678], ["27404", "100000", "12346000"]),
        ([27404, 99999999.7], ["2.7404e+04", "1.0000e+08"]),  # rounds up to 10**8
        ([-1234567.0, 0.5], ["-1234600", "0.50000"]),
        ([0.5, 0.00012], ["0.50000", "0.00012000"]),
        ([0.5, 0.00001], ["5.0000e-01", "1.0000e-05"]),
        ([0.0, -344.63, float("nan")], ["0", "-344.63", "nan"]),
    ],
)
def test_a_column_has_one_notation_chosen_from_its_range(values: list[float], shown: list[str]):
    from losscli.render.numbers import column_notation

    notation = column_notation(values, 5)
    assert [format_number(value, 5, notation=notation) for value in values] == shown


@pytest.mark.parametrize(
    ("value", "before", "shown"),
    [
        (0.14768, 0.12205, "+0.02563 (+21.0%)"),
        (0.21606 * (1 + 1e-14), 0.21606, "0 (0%)"),
        (0.21606 * (1 - 1e-14), 0.21606, "0 (0%)"),
        (137.48, 137.47, "+0.01 (+0.0073%)"),
        (137.46, 137.47, "-0.01 (-0.0073%)"),
        (2.6e22, 2.5e22, "+1.000e+21 (+4.0%)"),
    ],
)
def test_a_change_is_shown_to_the_values_resolution(
    value: float, before: float, shown: str
) -> None:
    percent = 100 * (value - before) / abs(before)
    assert format_change(value, before, percent, 5) == shown


def test_large_and_nearly_one_values_in_the_table(run, tmp_path: Path) -> None:
    big = write_table(
        pd.DataFrame({"y_true": [0.0, 0], "y_pred": [1e11, 2e11]}), tmp_path / "b.csv"
    )
    assert "| 2 | 2.5000e+22 |" in run("evaluate", str(big), "-m", "mse", "-f", "markdown").stdout
    df = pd.DataFrame({"y_true": [0.0, 1e4], "y_pred": [0.5, 1e4 - 0.5]})
    near = write_table(df, tmp_path / "r.csv")
    assert math.isclose(1 - 0.5 / 5e7, 0.99999999)
    md = run("evaluate", str(near), "-m", "r2", "-f", "markdown", "--precision", "8").stdout
    assert "| 2 | 0.99999999 |" in md
    assert "| 2 | 1.0000 |" in run("evaluate", str(near), "-m", "r2", "-f", "markdown").stdout


# -- losscli losses ------------------------------------------------------------------------


def test_losses_in_a_pipe_are_whole_lines() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "losscli", "losses"], capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    accuracy = next(line for line in lines if line.split()[:1] == ["accuracy"])
    assert "Σw·[argmax p = y] / Σw  (binary: p > 0.5)" in accuracy
    cross_entropy = next(line for line in lines if line.split()[:1] == ["cross_entropy"])
    assert "ce, log_loss, bce, cce, logloss" in cross_entropy
    assert "…" not in done.stdout.decode()


LOSSES_AT_100 = """\
  loss                tasks           better   params            formula                  from
 {rule}
  mse                 regression,     lower                      Σw·(y − ŷ)² / Σw         built-in
                      binary,
                      multiclass
  rmse                regression      lower                      √(Σw·(y − ŷ)² / Σw)      built-in
  mae                 regression      lower                      Σw·|y − ŷ| / Σw          built-in
  mape                regression      lower                      100 · Σw·|y − ŷ|/|y| /   built-in
                                                                 Σw  (rows with y = 0
                                                                 left out)
  smape               regression      lower                      100 · Σw·2|y − ŷ|/(|y|   built-in
"""
LEFT_OUT_AT_100 = """\
description, aliases: left out to fit 100 columns; a wider terminal, or -f markdown, csv or json,
shows every column"""


def test_losses_on_a_100_column_terminal_break_no_word_and_say_what_is_left_out() -> None:
    from losscli.render.catalog import catalog_grid

    code, shown = on_a_terminal("losses", columns=100, term="xterm")
    assert code == 0
    lines = [line.rstrip() for line in shown.splitlines()]
    assert "\n".join(lines[1:12]) + "\n" == LOSSES_AT_100.format(rule="─" * 98)
    assert "\n".join(lines[-2:]) == LEFT_OUT_AT_100
    assert max(len(line) for line in lines) <= 100
    grid = catalog_grid()
    words = {word for row in [grid.headers, *grid.rows] for cell in row for word in cell.split()}
    table = [word for line in lines[1:-3] for word in line.split() if not word.startswith("─")]
    assert set(table) <= words  # every word whole: none broken across lines
    assert {row[0] for row in grid.rows} <= set(table)  # and no loss left out


def test_losses_as_csv_json_and_markdown(run) -> None:
    from losscli.losses import REGISTRY

    rows = list(csv.DictReader(io.StringIO(run("losses", "-f", "csv").stdout)))
    assert [row["loss"] for row in rows] == list(REGISTRY)
    assert rows[0] == {
        "loss": "mse",
        "aliases": "l2, mean_squared_error",
        "tasks": "regression, binary, multiclass",
        "better": "lower",
        "params": "",
        "formula": "Σw·(y − ŷ)² / Σw",
        "description": "Mean squared error",
        "from": "built-in",
    }
    records = json.loads(run("losses", "-f", "json").stdout)
    assert records[0]["aliases"] == ["l2", "mean_squared_error"]
    assert next(r for r in records if r["loss"] == "accuracy")["formula"] == (
        REGISTRY["accuracy"].formula
    )
    md = run("losses", "-f", "markdown").stdout.splitlines()
    assert md[0] == "| loss | aliases | tasks | better | params | formula | description | from |"
    assert next(line for line in md if line.startswith("| accuracy |")).startswith(
        "| accuracy | acc | binary, multiclass | higher |  | Σw·\\[argmax p = y\\]"
    )
    assert run("losses", "-f", "xml").exit_code == 2


# -- messages and the verdict ----------------------------------------------------------------


def test_an_unknown_command_is_reported_like_every_error(run) -> None:
    result = run("bogus")
    assert result.exit_code == 2
    assert result.stderr == (
        "losscli: error: no such command 'bogus'.\nlosscli: error: Try 'losscli -h' for help.\n"
    )


def test_the_verdict_is_shown_once_on_a_terminal(tmp_path: Path) -> None:
    path = write_table(pd.DataFrame({"y_true": [1.0, 2], "y_pred": [1.0, 3]}), tmp_path / "v.csv")
    code, shown = on_a_terminal("evaluate", str(path), "-m", "mse", "--check", "mse<0.1")
    assert code == 1
    assert shown.count("1 of 1 check failed") == 1
    assert shown.count("mse = 0.5 is not < 0.1") == 1
    assert shown.rstrip().splitlines()[-2:] == [
        "✗ 1 of 1 check failed",
        f"mse<0.1 — {path}, y_pred, overall: mse = 0.5 is not < 0.1",
    ]


def test_off_a_terminal_failures_go_to_standard_error(run, tmp_path: Path) -> None:
    path = write_table(pd.DataFrame({"y_true": [1.0, 2], "y_pred": [1.0, 3]}), tmp_path / "v.csv")
    result = run("evaluate", str(path), "-m", "mse", "--check", "mse<0.1", "-f", "table")
    assert result.exit_code == 1
    assert result.stderr == (
        f"losscli: check failed: mse<0.1 — {path}, y_pred, overall: mse = 0.5 is not < 0.1\n"
        "losscli: ✗ 1 of 1 check failed\n"
    )


# -- shell completion ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shell", "line"),
    [
        ("bash", "complete -o nosort -F _losscli_completion losscli"),
        ("zsh", "#compdef losscli"),
        ("fish", 'complete --no-files --command losscli --arguments "(_losscli_completion)";'),
    ],
)
def test_completion_script_for_each_shell(shell: str, line: str) -> None:
    env = {**os.environ, "_LOSSCLI_COMPLETE": f"{shell}_source"}
    done = subprocess.run(
        [sys.executable, "-m", "losscli"], capture_output=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    assert line in [text.strip() for text in done.stdout.decode().splitlines()]


def test_completion_offers_options_and_files(run, tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from losscli.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "preds.csv").write_text("y_true,y_pred\n1,1\n")

    def complete(words: str) -> str:
        env = {
            "_LOSSCLI_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - 1),
        }
        return CliRunner().invoke(main, [], env=env, prog_name="losscli").stdout

    assert complete("losscli ev") == "plain,evaluate\n"
    assert complete("losscli evaluate --fo") == "plain,--format\n"
    assert complete("losscli evaluate pre") == "file,pre\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_shows_a_file_name_literally(monkeypatch) -> None:
    from losscli.cli import progress

    shown = _Terminal()
    monkeypatch.setattr(sys, "stderr", shown)
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.0)
    bar = progress.ProgressBar()
    bar("a[/]\x1b[bold].csv", 10, 100, "bytes")
    bar._bar.refresh()
    bar.close()
    assert "a[/]\\x1b[bold].csv" in shown.getvalue()


def test_failures_on_an_ascii_standard_error(tmp_path: Path) -> None:
    path = write_table(pd.DataFrame({"y_true": [1.0, 2], "y_pred": [1.0, 3]}), tmp_path / "v.csv")
    done = losscli("evaluate", str(path), "-m", "mse", "--check", "mse<0.1", encoding="ascii")
    assert done.returncode == 1
    assert done.stderr.decode("ascii") == (
        f"losscli: check failed: mse<0.1 -- {path}, y_pred, overall: mse = 0.5 is not < 0.1\n"
        "losscli: [x] 1 of 1 check failed\n"
    )


@pytest.mark.parametrize("fmt", CATALOG_FORMATS)
def test_losses_offers_and_writes_every_catalog_format(run, fmt: str) -> None:
    """``losscli losses -f`` reads its choices from the one catalog list, and every
    format there is written (the table printed, the others by their writer)."""
    done = run("losses", "-f", fmt)
    assert done.exit_code == 0 and "mse" in done.stdout
    assert set(CATALOG_FORMATS) == {"table", *WRITERS}


@pytest.mark.parametrize(("threads", "most"), [(1, 1), (2, 2), (64, 4)])
def test_formatting_uses_at_most_threads(threads: int, most: int) -> None:
    """``--threads 1`` formats on the calling thread; more, on exactly ``threads`` threads
    (never more than ``InParallel.THREADS``): jobs meet at a barrier of that many, so
    each round takes that many distinct threads."""
    import threading

    from losscli.render.columns import InParallel

    meet = threading.Barrier(most, timeout=30)

    def job() -> str:
        meet.wait()
        return threading.current_thread().name

    with InParallel(threads) as in_parallel:
        names = set(in_parallel([job] * 4 * most))
    assert len(names) == most
    if threads == 1:
        assert names == {threading.current_thread().name}
    else:
        assert all(name.startswith("losscli-format") for name in names)


def test_formatting_on_one_thread_writes_the_same_bytes() -> None:
    rows = [ResultRow("f", "p", {"g": i}, 1, {"mse": i / 7}) for i in range(50)]
    rows.append(ResultRow("f", "p", None, 50, {"mse": 3.5}))
    result = result_from_rows(rows, ["mse"], ["g"])
    one = "".join(text_module.csv_pieces(result, ",", python_cells=0, threads=1))
    assert one == "".join(text_module.csv_pieces(result, ",", python_cells=0))
    assert "".join(json_pieces(result, 7, threads=1)) == "".join(json_pieces(result, 7))
