"""A corpus of bad inputs: each ends with its exit code and a message naming what is wrong.

Every case also promises: no traceback, nothing on standard output when it fails,
and no output file left behind.
"""

from __future__ import annotations

import bz2
import gzip
import os
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest


def parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


GOOD_PARQUET = parquet_bytes(pa.table({"y_true": [1.0, 2.0, 3.0], "y_pred": [1.0, 3.0, 3.0]}))
TEXT = b"y_true,y_pred\n" + b"".join(b"%d.25,%d.5\n" % (i, i + 1) for i in range(20000))

# name, file bytes, extra arguments, exit code, a part of the message ("" where the exit is 0)
CASES: list[tuple[str, bytes, list[str], int, str]] = [
    ("empty.csv", b"", [], 3, "the file is empty"),
    ("header_only.csv", b"y_true,y_pred\n", [], 3, "no data rows to evaluate"),
    ("binary.csv", bytes(range(256)) * 40, [], 3, "not a text CSV file (it holds binary data)"),
    (
        "corrupt.parquet",
        GOOD_PARQUET[:4] + b"\0" * 60 + GOOD_PARQUET[64:],
        [],
        3,
        "not a valid Parquet file (corrupt or truncated)",
    ),
    (
        "truncated.parquet",
        GOOD_PARQUET[: len(GOOD_PARQUET) // 2],
        [],
        3,
        "not a valid Parquet file (corrupt or truncated)",
    ),
    (
        "no_columns.parquet",
        parquet_bytes(pa.table({"a": [1.0]})),
        [],
        3,
        "no column has a usual prediction name",
    ),
    (
        "ragged.csv",
        b"y_true,y_pred\n1,2\n3\n4,5\n",
        [],
        3,
        "data row 2 has 1 field where the header has 2",
    ),
    (
        "semicolons.csv",
        b"y_true;y_pred\n1,5;2,5\n",
        [],
        3,
        "looks separated by ';'; pass --delimiter ';'",
    ),
    (
        "semicolons_ok.csv",
        b"y_true;y_pred\n1,5;2,5\n2;2\n",
        ["--delimiter", ";", "--decimal", ","],
        0,
        "",
    ),
    (
        "text.csv",
        b"y_true,y_pred\n1,2\n2,3\n3,three\n",
        [],
        3,
        "column 'y_pred', data row 3: 'three' is not a number",
    ),
    (
        "thousands.csv",
        b'y_true,y_pred\n"1,000",2\n',
        [],
        3,
        "column 'y_true', data row 1: '1,000' is not a number",
    ),
    (
        "decimal_comma.tsv",
        b"y_true\ty_pred\n1,5\t2\n",
        [],
        3,
        "column 'y_true', data row 1: '1,5' is not a number",
    ),
    ("quoted.csv", b'y_true,y_pred\n"1.5","2"\n3,4\n', [], 0, ""),
    (
        "infinities.csv",
        b"y_true,y_pred\n1,2\n2,inf\n3,-Infinity\n4,+INF\n5,1e999\n",
        [],
        3,
        "column 'y_pred' has 4 missing or non-finite values (first at data row 2: inf)",
    ),
    (
        "nans.csv",
        b"y_true,y_pred\n1,2\n2,NaN\n3,nan\n4,NA\n5,null\n6,\n",
        [],
        3,
        "column 'y_pred' has 5 missing or non-finite values (first at data row 2: empty or NaN)",
    ),
    ("constant_label.csv", b"y_true,y_pred\n1,1\n1,2\n1,3\n", ["-m", "mse,r2"], 0, ""),
    (
        "negative_weight.csv",
        b"y_true,y_pred,w\n1,1,1\n2,3,-1\n",
        ["-w", "w"],
        3,
        "column 'w' has 1 negative weight (first at data row 2: -1.0)",
    ),
    (
        "zero_weights.csv",
        b"y_true,y_pred,w\n1,1,0\n2,3,0\n",
        ["-w", "w"],
        3,
        "the weights in column 'w' are all 0",
    ),
    (
        "nan_weight.csv",
        b"y_true,y_pred,w\n1,1,1\n2,3,\n",
        ["-w", "w"],
        3,
        "column 'w' has 1 missing or non-finite value (first at data row 2: empty or NaN)",
    ),
    ("null_group.csv", b"y_true,y_pred,g\n1,1,a\n2,3,\n", ["-g", "g"], 0, ""),
    (
        "duplicate_columns.csv",
        b"y_true,y_pred,y_pred\n1,1,2\n",
        [],
        3,
        "the header names column 'y_pred' 2 times",
    ),
    (
        "odd_names.csv",
        " y_true ,y pred,\u00e9t\u00e9\n1,1,a\n".encode(),
        ["-p", "y pred", "-g", "été"],
        0,
        "",
    ),
    (
        "latin1.csv",
        "y_true,y_pred,r\u00e9gion\n1,1,Z\u00fcrich\n".encode("latin-1"),
        [],
        3,
        "the file is not utf8 text; pass --encoding",
    ),
    (
        "latin1_ok.csv",
        "y_true,y_pred,r\u00e9gion\n1,1,Z\u00fcrich\n".encode("latin-1"),
        ["--encoding", "latin-1", "-g", "région"],
        0,
        "",
    ),
    ("bom.csv", b"\xef\xbb\xbfy_true,y_pred\n1,1\n2,3\n", [], 0, ""),
    ("crlf.csv", b"y_true,y_pred\r\n1,1\r\n2,3\r\n", [], 0, ""),
    ("huge_field.csv", b"y_true,y_pred,note\n1,1," + b"x" * (12 << 20) + b"\n2,3,ok\n", [], 0, ""),
    (
        "wide.csv",
        (
            ",".join(["y_true", "y_pred", *(f"c{i}" for i in range(100_000))])
            + "\n"
            + ",".join(["1"] * 100_002)
            + "\n"
        ).encode(),
        [],
        0,
        "",
    ),
    (
        "truncated.csv.gz",
        gzip.compress(TEXT)[:3000],
        [],
        3,
        "the compressed data is corrupt or truncated",
    ),
    (
        "not_gzip.csv.gz",
        b"y_true,y_pred\n1,2\n",
        [],
        3,
        "the compressed data is corrupt or truncated",
    ),
    (
        "truncated.csv.bz2",
        bz2.compress(TEXT)[:3000],
        [],
        3,
        "the compressed data is corrupt or truncated",
    ),
    (
        "big_integers.parquet",
        parquet_bytes(pa.table({"y_true": pa.array([2**60, 1]), "y_pred": [1.0, 2.0]})),
        [],
        3,
        "column 'y_true', data row 1: the integer 1152921504606846976 is beyond 2**53",
    ),
    (
        "text_label.parquet",
        parquet_bytes(pa.table({"y_true": ["a"], "y_pred": [1.0]})),
        [],
        3,
        "column 'y_true' holds string values (e.g. 'a'), not numbers",
    ),
    # Text and messages: rows counted as data rows, text from data never interpreted.
    (
        "ragged_after_blank_line.csv",
        b"y_true,y_pred\n1,2\n\n3,4\n5\n",
        [],
        3,
        "data row 3 has 1 field where the header has 2",
    ),
    (
        "tabs.csv",
        b"y_true\ty_pred\n1\t2\n",
        [],
        3,
        "the file looks separated by '\\t'; pass --delimiter '\\t'",
    ),
    (
        "markup_groups.csv",
        b'y_true,y_pred,g\n1,2,[/]\n2,2,[bold]x\n3,3,\x1b[2J\n4,4,"a\nb"\n',
        ["-g", "g", "-f", "table"],
        0,
        "",
    ),
    # --- input checks, model naming (issue 9, helper "input") ---
    (
        "one_hot_sum.csv",
        b"y_a,y_b,p_a,p_b\n1,0,0.7,0.3\n1,1,0.4,0.6\n0,0,0.5,0.5\n",
        ["-l", "y_*", "--probs", "p_*"],
        3,
        "columns 'y_a,y_b' have 2 rows whose labels do not sum to 1 (first at data row 2: 2.0). "
        "One-hot (or soft) label rows must sum to 1 within 0.0001",
    ),
    (
        "one_hot_soft.csv",
        b"y_a,y_b,p_a,p_b\n0.25,0.75,0.7,0.3\n1,0,0.4,0.6\n",
        ["-l", "y_*", "--probs", "p_*"],
        0,
        "",
    ),
    (
        "big_integer.csv",
        b"y_true,y_pred\n1,2\n9007199254740993,3\n",
        [],
        3,
        "column 'y_true', data row 2: the integer 9007199254740993 is beyond 2**53 "
        "(9007199254740992)",
    ),
    ("big_float.csv", b"y_true,y_pred\n1,2\n1e20,3\n9007199254740992,1\n", [], 0, ""),
    (
        "decimal_comma_bad_row.csv",
        b"y_true;y_pred\n1,5;2,5\n2;3\n3;x\n",
        ["--delimiter", ";", "--decimal", ","],
        3,
        "column 'y_pred', data row 3: 'x' is not a number",
    ),
    (
        "decimal_comma_with_point.csv",
        b"y_true;y_pred\n1,5;2,5\n2;1.5\n",
        ["--delimiter", ";", "--decimal", ","],
        3,
        "column 'y_pred', data row 2: '1.5' is not a number",
    ),
    ("utf16.csv", "y_true,y_pred\n1,2\n".encode("utf-16"), [], 0, ""),
    ("utf32.csv", "y_true,y_pred\n1,2\n".encode("utf-32"), [], 0, ""),
    (
        "utf16_no_bom.csv",
        "y_true,y_pred\n1,2\n".encode("utf-16-le"),
        [],
        3,
        "not a text CSV file (it holds binary data); if it is text in an encoding such as "
        "UTF-16 without a byte-order mark, pass --encoding",
    ),
    ("named_twice.csv", b"y_true,y_pred\n1,2\n", ["-p", "y_pred", "-p", "y_pred"], 0, ""),
    ("pred_glob.csv", b"y_true,m_a,m_b\n1,2,3\n", ["-p", "m_*"], 0, ""),
    (
        "pred_glob_no_match.csv",
        b"y_true,y_pred\n1,2\n",
        ["-p", "q_*"],
        3,
        "no column matches 'q_*'",
    ),
    (
        "one_hot_without_probs.csv",
        b"y_0,y_1,p_0,p_1\n1,0,0.6,0.4\n",
        ["-l", "y_*"],
        3,
        "name it with --probs.",
    ),
    (
        "logits_beside_probs.csv",
        b"y_true,p,z\n1,0.9,2\n0,0.2,-1\n",
        ["-p", "p", "--logits", "z"],
        0,
        "",
    ),
    ("r2_overflow.csv", b"y_true,y_pred\n1e170,1\n-1e170,2\n", ["-m", "r2"], 0, ""),
]


@pytest.mark.parametrize(
    ("name", "data", "args", "code", "message"), CASES, ids=[case[0] for case in CASES]
)
def test_corpus(
    run, tmp_path: Path, name: str, data: bytes, args: list[str], code: int, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / ("out.txt" if "table" in args else "out.json")  # named for its format
    result = run("evaluate", str(path), *args, "-o", str(out))
    assert result.exit_code == code, result.stderr
    assert "Traceback" not in result.stderr
    if code:
        assert message in result.stderr
        assert result.stderr.startswith(f"losscli: error: {path}")
        assert result.stdout == ""
        assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no output file left
    else:
        assert out.exists()


def make(tmp_path: Path, name: str, data: bytes = b"y_true,y_pred\n1,2\n") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


ARGUMENTS: list[tuple[str, Callable[[Path], str], int, str]] = [
    ("missing", lambda p: str(p / "missing.csv"), 3, "no such file"),
    ("directory", lambda p: str(p), 3, "no Parquet or CSV files"),
    ("glob with no match", lambda p: str(p / "*.parquet"), 3, "no files match it"),
]


@pytest.mark.parametrize(
    ("case", "target", "code", "message"), ARGUMENTS, ids=[a[0] for a in ARGUMENTS]
)
def test_bad_arguments(run, tmp_path: Path, case: str, target, code: int, message: str) -> None:
    result = run("evaluate", target(tmp_path))
    assert result.exit_code == code
    assert message in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without read permission")
def test_unreadable_file(run, tmp_path: Path) -> None:
    path = make(tmp_path, "secret.csv")
    path.chmod(0)
    result = run("evaluate", str(path))
    assert result.exit_code == 3
    assert "permission denied" in result.stderr


def test_null_group_is_a_group_of_its_own(run, tmp_path: Path) -> None:
    path = make(tmp_path, "g.csv", b"y_true,y_pred,g\n1,1,a\n2,3,\n4,4,\n")
    table = run("evaluate", str(path), "-g", "g", "-m", "mse", "-f", "markdown").stdout
    assert "| (missing) | 2 | 0.50000 |" in table
    csv = run("evaluate", str(path), "-g", "g", "-m", "mse", "-f", "json").stdout
    assert '"group": {\n        "g": null\n      }' in csv


def test_nothing_read_is_executed(run, tmp_path: Path) -> None:
    """A cell that looks like a formula or code stays text: a group key, never evaluated."""
    path = make(tmp_path, "f.csv", b'y_true,y_pred,g\n1,1,"=SYSTEM(""rm"")"\n2,2,__import__\n')
    result = run("evaluate", str(path), "-g", "g", "-f", "csv")
    assert result.exit_code == 0
    assert '"=SYSTEM(""rm"")"' in result.stdout


# --- Where losscli meets its environment: output paths, baselines (exit 4 and 3) ---


def _newer_baseline(tmp_path: Path) -> str:
    path = make(tmp_path, "newer.json", b'{"schema_version": 2, "rows": []}')
    return str(path)


ENVIRONMENT: list[tuple[str, Callable[[Path], list[str]], int, str]] = [
    (
        "output onto a full device",
        lambda p: ["-o", "/dev/full"],
        4,
        "losscli: error: /dev/full: cannot write the output: no space left on the device",
    ),
    (
        "output directory missing",
        lambda p: ["-o", str(p / "gone" / "out.csv")],
        4,
        "cannot write the output: the directory {p}/gone does not exist",
    ),
    (
        "output is a directory",
        lambda p: ["-o", str(p)],
        4,
        "cannot write the output: it is a directory",
    ),
    (
        "baseline missing",
        lambda p: ["--baseline", str(p / "base.json")],
        3,
        "base.json: the baseline file does not exist; create it with: losscli evaluate ",
    ),
    (
        "baseline of a newer losscli",
        lambda p: ["--baseline", _newer_baseline(p)],
        3,
        "the baseline has schema_version 2, written by a newer losscli",
    ),
    (
        "max-regression without a baseline",
        lambda p: ["--max-regression", "mse=5%"],
        2,
        "--max-regression needs --baseline FILE",
    ),
]


@pytest.mark.parametrize(
    ("case", "arguments", "code", "message"), ENVIRONMENT, ids=[e[0] for e in ENVIRONMENT]
)
def test_environment(run, tmp_path: Path, case: str, arguments, code: int, message: str) -> None:
    data = make(tmp_path, "data.csv")
    args = arguments(tmp_path)
    if "/dev/full" in args and not os.path.exists("/dev/full"):
        pytest.skip("this system has no /dev/full")
    before = sorted(tmp_path.iterdir())
    result = run("evaluate", str(data), *args)
    assert result.exit_code == code
    assert message.replace("{p}", str(tmp_path)) in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert sorted(tmp_path.iterdir()) == before  # nothing left behind
