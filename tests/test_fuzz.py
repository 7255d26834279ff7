"""Fuzzing the CSV path: whatever the bytes, losscli exits 0, 2 or 3 without a traceback,
and when it exits 0 its numbers equal a plain NumPy computation on the rows that a
strict parser accepts. ``make fuzz`` runs it longer (LOSSCLI_FUZZ_EXAMPLES)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from typing import Literal

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from losscli.cli import main

EXAMPLES = int(os.environ.get("LOSSCLI_FUZZ_EXAMPLES", "150"))
STRICT_NUMBER = re.compile(r"^ *[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)? *$")

numbers = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: f"{v:.3e}"),
    st.floats(0, 1e3, allow_nan=False).map(lambda v: f" {v:.2f} "),
)
oddities = st.sampled_from(
    [
        "",
        "NA",
        "nan",
        "NaN",
        "null",
        "inf",
        "-inf",
        "Infinity",
        "1,5",
        "1.000,5",
        "abc",
        "1_000",
        "0x10",
        "1e",
        "--1",
        "é",
        "TRUE",
        '"',
        "1.2.3",
        "\x00",
        " ",
        "N/A",
        "1e400",
        "0",
    ]
)
cells = st.one_of(numbers, numbers, numbers, oddities, st.text(max_size=4))
NUL_STAND_IN = "\ue000"  # a private-use character
names = st.sampled_from(["y_true", "y_pred", "g", "w", "target", "x", "é", "y true", ""])


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str]:
    clean = draw(st.integers(0, 2)) > 0  # two files in three are valid but for chance
    header = draw(st.lists(names, min_size=1, max_size=5))
    if clean or draw(st.booleans()):
        header = ["y_true", "y_pred", *(h for h in header[:2] if h not in ("y_true", "y_pred"))]
    cell = numbers if clean else cells
    rows = draw(st.lists(st.lists(cell, min_size=len(header), max_size=len(header)), max_size=12))
    if rows and not clean and draw(st.integers(0, 9)) == 0:
        rows[-1] = rows[-1][:-1]  # a ragged row
    delimiter = "," if clean else draw(st.sampled_from([",", ",", ";", "\t"]))
    out = io.StringIO()
    quoting: Literal[0, 1, 2] = draw(
        st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])
    )
    writer = csv.writer(
        out,
        delimiter=delimiter,
        quoting=quoting,
        lineterminator=draw(st.sampled_from(["\n", "\r\n"])),
    )
    for row in [header, *rows]:  # Python 3.10's csv cannot write NUL: a stand-in, swapped back
        writer.writerow([c.replace("\x00", NUL_STAND_IN) for c in row])
    text = out.getvalue().replace(NUL_STAND_IN, "\x00")
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1"]))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    return data, draw(st.sampled_from(["-m", "mse,mape"]))


BOOLEAN = {"true": 1.0, "false": 0.0, "1": 1.0, "0": 0.0}


def _booleans(column: list[str]) -> list[float] | None:
    """A column of true/false words (pyarrow reads it as booleans: 1 and 0 also count)."""
    words = {"true", "True", "TRUE", "false", "False", "FALSE"}
    if not any(v in words for v in column) or not all(
        v in words or v in ("0", "1") for v in column
    ):
        return None
    return [BOOLEAN[v.lower()] for v in column]


def _numbers(column: list[str]) -> list[float] | None:
    return [float(v) for v in column] if all(STRICT_NUMBER.match(v) for v in column) else None


def strict_rows(data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """Label and prediction of every row, if a strict reading of the bytes accepts the file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    lines = io.StringIO(text.replace("\x00", NUL_STAND_IN), newline="")  # 3.10's csv: no NUL
    rows = [[c.replace(NUL_STAND_IN, "\x00") for c in r] for r in csv.reader(lines) if r]
    if not rows or rows[0].count("y_true") != 1 or rows[0].count("y_pred") != 1:
        return None
    header = rows[0]
    if any(len(r) != len(header) for r in rows[1:]):
        return None
    columns = [[r[header.index(c)] for r in rows[1:]] for c in ("y_true", "y_pred")]
    parsed = [_booleans(column) or _numbers(column) for column in columns]
    if not columns[0] or parsed[0] is None or parsed[1] is None:
        return None
    array = np.array(parsed, dtype=float).T
    return (array[:, 0], array[:, 1]) if np.isfinite(array).all() else None


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 500,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=csv_files())
def test_any_csv_bytes(tmp_path_factory: pytest.TempPathFactory, case: tuple[bytes, str]) -> None:
    data, *_ = case
    path = tmp_path_factory.mktemp("fuzz") / "input.csv"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["evaluate", str(path), "-m", "mse,mape", "-f", "json"])
    assert result.exit_code in (0, 2, 3), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.stderr and "This is a bug" not in result.stderr
    accepted = strict_rows(data)
    event(f"exit {result.exit_code}")
    if result.exit_code != 0:
        assert result.stdout == ""
        return
    assert accepted is not None, f"losscli accepted what a strict parser rejects: {data!r}"
    y, p = accepted
    (row,) = json.loads(result.stdout)["rows"]
    assert row["n"] == len(y)
    with np.errstate(all="ignore"):
        mse = np.mean((y - p) ** 2)
        nonzero = y != 0
        mape = 100 * np.mean(np.abs((y - p)[nonzero] / y[nonzero])) if nonzero.any() else None
    same_number(row["metrics"]["mse"], mse)
    same_number(row["metrics"]["mape"], mape)


def same_number(got: float | None, expected: float | None) -> None:
    """Equal to rel 1e-9; a value that is not finite (or not defined) is null in JSON."""
    if expected is None or not np.isfinite(expected):
        assert got is None
    else:
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
