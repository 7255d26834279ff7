"""What a new user reads: warnings summed up, errors that say what to do, one usage-error
format, the catalogue's defaults, the README's examples."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_table


def _many_small_groups(tmp_path: Path) -> Path:
    """Groups 0-3 of three rows, 4-9 of one row (r2 is not defined on one row)."""
    sizes = [3] * 4 + [1] * 6
    groups = [g for g, size in enumerate(sizes) for _ in range(size)]
    values = [float(i % 3) for i in range(len(groups))]
    frame = pd.DataFrame({"g": groups, "y_true": values, "y_pred": [v + 0.5 for v in values]})
    return write_table(frame, tmp_path / "many.csv")


def test_a_note_on_many_groups_is_one_counted_warning(run, tmp_path: Path) -> None:
    path = _many_small_groups(tmp_path)
    expected = (
        f"{path}, y_pred: r2: not defined for fewer than 2 rows, or no row with positive "
        "weight; in 6 groups (g=4, g=5, g=6, …)"
    )
    for fmt in ("csv", "json", "parquet"):
        out = ["-o", str(tmp_path / "out.parquet")] if fmt == "parquet" else []
        result = run("evaluate", str(path), "-g", "g", "-m", "mse,r2", "-f", fmt, *out)
        assert result.exit_code == 0
        assert result.stderr == f"losscli: warning: {expected}\n"
        if fmt == "json":
            assert json.loads(result.stdout)["warnings"] == [expected]


def test_a_note_on_one_group_names_it(run, tmp_path: Path) -> None:
    frame = pd.DataFrame({"g": [1, 1, 2], "y_true": [1.0, 2, 3], "y_pred": [1.5, 2, 3]})
    path = write_table(frame, tmp_path / "one.csv")
    result = run("evaluate", str(path), "-g", "g", "-m", "r2", "-f", "csv")
    assert result.stderr == (
        f"losscli: warning: {path}, y_pred, g=2: r2: not defined for fewer than 2 rows, "
        "or no row with positive weight\n"
    )


def test_a_byte_not_utf8_in_a_number_column_names_column_row_and_byte(run, tmp_path: Path) -> None:
    path = tmp_path / "latin3.csv"
    path.write_bytes(b"y_true,y_pred\n1,2\n2,x\xe9\n")
    result = run("evaluate", str(path))
    assert result.exit_code == 3
    assert result.stderr == (
        f"losscli: error: {path}: column 'y_pred', data row 2: 'x\\xe9' is not a number, "
        "nor UTF-8 text; if the file is in another encoding, pass --encoding with it "
        "(e.g. --encoding latin-1), else fix the value.\n"
    )


def test_every_catalogued_param_shows_its_default(run) -> None:
    rows = list(csv.DictReader(io.StringIO(run("losses", "-f", "csv").stdout)))
    assert next(r for r in rows if r["loss"] == "huber")["params"] == "delta=1"
    table = run("losses", "-f", "table").stdout
    assert "delta=1" in next(line for line in table.splitlines() if " huber " in line)
    records = {r["loss"]: r for r in json.loads(run("losses", "-f", "json").stdout)}
    assert records["huber"]["params"] == ["delta=1"]
    assert records["huber"]["defaults"] == {"delta": 1.0}
    assert records["precision"]["defaults"] == {"threshold": 0.5, "average": "binary"}
    assert records["mse"]["defaults"] == {}


def test_a_baseline_row_missing_from_this_run_is_named_by_the_baselines_row(
    run, tmp_path: Path
) -> None:
    frame = pd.DataFrame({"region": ["east", "east"], "y_true": [1.0, 2], "y_pred": [2.0, 2]})
    before = write_table(frame, tmp_path / "preds.csv")
    base = tmp_path / "baseline.json"
    assert (
        run("evaluate", str(before), "-g", "region", "-f", "json", "-o", str(base)).exit_code == 0
    )
    new = write_table(frame, tmp_path / "new_preds.csv")
    result = run("evaluate", str(new), "--baseline", str(base), "--require-baseline", "-f", "csv")
    assert result.exit_code == 1
    assert (
        f"losscli: check failed: require-baseline — {before}, y_pred, region=east: a row of "
        f"the baseline {base}, missing from this run\n"
    ) in result.stderr
    assert "overall" not in result.stderr


@pytest.mark.parametrize(
    ("limit", "why"),
    [
        ("inf", "is infinite"),
        ("-Infinity", "is infinite"),
        ("nan", "is not a number"),
        ("1e999", "is beyond the largest finite number (about 1.8e308)"),
    ],
)
def test_a_limit_that_is_no_finite_number_says_so(run, article_csv: Path, limit, why) -> None:
    result = run("evaluate", str(article_csv), "--check", f"mse<={limit}")
    assert result.exit_code == 2
    assert result.stderr == (
        f"losscli: error: invalid value for '--check': cannot read the check 'mse<={limit}': "
        f"its limit {limit} {why}; give a finite one\n"
        "losscli: error: Try 'losscli evaluate -h' for help.\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--check", "delta:r2<0.1"],
            "the check 'delta:r2<0.1' is on the difference between models: add --compare "
            "(and at least two models)",
        ),
        (["-", "-"], "- (standard input) is streamed, so it can be read once: give it once"),
    ],
)
def test_every_usage_error_ends_with_where_to_find_help(
    run, article_csv: Path, args: list[str], message: str
) -> None:
    result = run("evaluate", str(article_csv), *args, input="y_true,y_pred\n1,1\n")
    assert result.exit_code == 2
    assert result.stderr == (
        f"losscli: error: {message}\nlosscli: error: Try 'losscli evaluate -h' for help.\n"
    )


def test_a_file_named_twice_is_evaluated_once_with_a_notice(
    run, article_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(article_csv.parent)
    result = run("evaluate", "article.csv", "./article.csv", "-f", "csv")
    assert result.exit_code == 0
    assert [line.split(",")[0] for line in result.stdout.splitlines()] == ["file", "article.csv"]
    assert result.stderr == (
        "losscli: warning: file 'article.csv' is named more than once; it is evaluated once\n"
    )


def test_the_api_evaluates_a_file_named_twice_once(article_csv: Path) -> None:
    from losscli import evaluate

    result = evaluate([article_csv, str(article_csv)])
    assert result.files == [str(article_csv)]
    assert result.notices == [
        f"file {str(article_csv)!r} is named more than once; it is evaluated once"
    ]
