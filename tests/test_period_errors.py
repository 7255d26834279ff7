"""--period's errors: a time that cannot be read is an input error (exit 3) naming the
file, column, data row and value; a wrong --period, --tz, --time-unit or
--period-origin is a usage error (exit 2); a run with --period imports no pandas."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import write_table

from losscli import evaluate
from losscli.errors import InputError, UsageError


def data(tmp_path: Path, when: list[Any], name: str = "t.csv") -> Path:
    rows = len(when)
    frame = pd.DataFrame({"when": when, "y": [1.0] * rows, "p": [1.5] * rows})
    return write_table(frame, tmp_path / name)


@pytest.mark.parametrize(
    "value", ["04/06/2026", "06.04.2026", "2026-13-01", "yesterday", "2026-04-06T25:00"]
)
def test_an_unreadable_or_ambiguous_time_is_an_input_error_naming_file_column_row_and_value(
    tmp_path: Path, run: Callable[..., Any], value: str
) -> None:
    path = data(tmp_path, ["2026-04-06", "2026-04-07T10:00", value, "2026-04-08"])
    result = run("evaluate", str(path), "-l", "y", "-p", "p", "--period", "when:W")
    assert result.exit_code == 3
    assert f"{path}: column 'when', data row 3: {value!r} is not an ISO 8601 time" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["t.csv", "t.parquet"])
def test_a_missing_time_is_an_input_error_naming_the_row(tmp_path: Path, name: str) -> None:
    path = data(tmp_path, ["2026-04-06", None, "2026-04-08"], name)
    with pytest.raises(InputError, match=r"column 'when', data row 2 has no time"):
        evaluate(str(path), label="y", pred="p", period="when:D")


def test_epoch_numbers_without_time_unit_are_an_input_error(tmp_path: Path) -> None:
    frame = pd.DataFrame({"when": [1_775_000_000, 1_775_100_000], "y": [1.0, 2.0], "p": [1, 2]})
    path = write_table(frame, tmp_path / "t.parquet")
    with pytest.raises(InputError, match="holds numbers; say what they count with --time-unit"):
        evaluate(str(path), label="y", pred="p", period="when:D")


def test_epoch_text_that_is_not_a_number_names_its_row(tmp_path: Path) -> None:
    path = data(tmp_path, ["1775000000", "soon"])
    with pytest.raises(InputError, match=r"data row 2: 'soon' is not a number"):
        evaluate(str(path), label="y", pred="p", period="when:D", time_unit="s")


def test_a_missing_time_column_is_an_input_error(tmp_path: Path) -> None:
    path = data(tmp_path, ["2026-04-06"])
    with pytest.raises(InputError, match="no time column 'date' \\(--period\\)"):
        evaluate(str(path), label="y", pred="p", period="date:W")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "when"], "give a time column and a frequency, COL:FREQ"),
        (["--period", "when:fortnight"], "the frequency 'fortnight' is not one of"),
        (["--period", "when:0h"], "the frequency '0h' is not one of"),
        (["--period", "when:W", "--tz", "Mars/Olympus"], "is not a time zone"),
        (["--period", "when:W", "--period-origin", "2026-01-05"], "anchors fixed lengths"),
        (["--period", "when:6h", "--period-origin", "soon"], "is not an ISO 8601 time"),
        (["--time-unit", "s"], "give --period COL:FREQ"),
    ],
)
def test_a_wrong_period_option_is_a_usage_error(
    tmp_path: Path, run: Callable[..., Any], args: list[str], message: str
) -> None:
    path = data(tmp_path, ["2026-04-06"])
    result = run("evaluate", str(path), "-l", "y", "-p", "p", *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr


def test_the_api_refuses_a_wrong_period_as_a_usage_error(tmp_path: Path) -> None:
    path = data(tmp_path, ["2026-04-06"])
    with pytest.raises(UsageError, match="not one of"):
        evaluate(str(path), label="y", pred="p", period="when:7x")


def test_a_config_file_sets_the_period_options(tmp_path: Path, run: Callable[..., Any]) -> None:
    path = data(tmp_path, ["2026-04-06T23:30:00Z", "2026-04-07T10:00:00Z"])
    config = tmp_path / "losscli.toml"
    config.write_text('period = "when:D"\ntz = "Europe/Berlin"\n')
    result = run("evaluate", str(path), "-l", "y", "-p", "p", "--config", str(config), "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1 + 2  # header, one day, the grand row


def test_a_period_run_imports_neither_pandas_nor_dask(tmp_path: Path) -> None:
    from test_cli_process import imported_modules

    path = data(tmp_path, ["2026-04-06T10:00", "2026-04-13T10:00"], "t.parquet")
    args = ("evaluate", str(path), "-l", "y", "-p", "p", "--period", "when:W", "--tz", "Asia/Tokyo")
    modules = imported_modules(*args)
    assert "pyarrow" in modules and "losscli" in modules
    assert not {"pandas", "dask", "fsspec"} & modules


@pytest.mark.parametrize("kind", ["date", "timestamp"])
def test_a_time_beyond_what_nanoseconds_hold_is_an_input_error(tmp_path: Path, kind: str) -> None:
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    far = datetime.datetime(2500, 1, 1)
    when = pa.array([far.date()]) if kind == "date" else pa.array([far], pa.timestamp("us"))
    pq.write_table(pa.table({"when": when, "y": [1.0], "p": [1.0]}), tmp_path / "t.parquet")
    with pytest.raises(InputError, match="times must lie between the years 1678 and 2261"):
        evaluate(str(tmp_path / "t.parquet"), label="y", pred="p", period="when:D")
