"""`losscli evaluate` through the command line: inputs, outputs, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ARTICLE, ARTICLE_MAPE, ARTICLE_MSE, write_table


def test_csv_output_is_exact_and_full_precision(run, article_csv: Path) -> None:
    result = run("evaluate", str(article_csv), "-f", "csv")
    assert result.exit_code == 0
    assert result.stdout == (
        f"file,pred,scope,n,mse,mape\n{article_csv},y_pred,overall,5,0.21606,23.799999999999997\n"
    )
    assert result.stderr == ""


def test_default_format_off_a_terminal_is_csv(run, article_csv: Path) -> None:
    assert run("evaluate", str(article_csv)).stdout.startswith("file,pred,scope,n,mse,mape\n")


def test_table_shows_golden_values(run, article_csv: Path) -> None:
    out = run("evaluate", str(article_csv), "-f", "table").stdout
    assert "0.21606" in out and "23.800" in out
    assert out.splitlines()[0] == f"{article_csv} · y_pred"


@pytest.mark.parametrize(
    "name",
    [
        "a.csv",
        "a.tsv",
        "a.parquet",
        "a.pq",
        "a.csv.gz",
        "a.csv.bz2",
        "a.csv.xz",
        "a.csv.zst",
        "a.tsv.gz",
    ],
)
def test_every_input_format_gives_the_golden_values(run, tmp_path: Path, name: str) -> None:
    path = write_table(ARTICLE, tmp_path / name)
    result = run("evaluate", str(path), "-f", "json")
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    assert row["metrics"]["mse"] == pytest.approx(ARTICLE_MSE, rel=1e-12)
    assert row["metrics"]["mape"] == pytest.approx(ARTICLE_MAPE, rel=1e-12)


def test_stdin_csv(run) -> None:
    result = run("evaluate", "-", "-f", "json", input=ARTICLE.to_csv(index=False))
    doc = json.loads(result.stdout)
    assert doc["rows"][0]["file"] == "-"
    assert doc["rows"][0]["metrics"]["mse"] == pytest.approx(ARTICLE_MSE)


def test_stdin_parquet(run, tmp_path: Path) -> None:
    data = write_table(ARTICLE, tmp_path / "a.parquet").read_bytes()
    result = run("evaluate", "-", "--input-format", "parquet", "-f", "csv", input=data)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == "-,y_pred,overall,5,0.21606,23.799999999999997"


def test_several_files_give_rows_per_file(run, tmp_path: Path) -> None:
    a = write_table(ARTICLE, tmp_path / "a.csv")
    b = write_table(ARTICLE.assign(y_pred=ARTICLE.y_true), tmp_path / "b.parquet")
    result = run("evaluate", str(a), str(b), "-f", "csv")
    assert result.stdout.splitlines()[1:] == [
        f"{a},y_pred,overall,5,0.21606,23.799999999999997",
        f"{b},y_pred,overall,5,0.0,0.0",
    ]


def test_several_prediction_columns(run, tmp_path: Path) -> None:
    df = ARTICLE.assign(perfect=ARTICLE.y_true)
    path = write_table(df, tmp_path / "m.csv")
    result = run("evaluate", str(path), "-p", "y_pred", "-p", "perfect", "-m", "mse", "-f", "tsv")
    assert result.stdout == (
        f"file\tpred\tscope\tn\tmse\n{path}\ty_pred\toverall\t5\t0.21606\n"
        f"{path}\tperfect\toverall\t5\t0.0\n"
    )


def test_group_by_gives_sorted_groups_then_pooled_overall(run, tmp_path: Path) -> None:
    df = ARTICLE.assign(region=["b", "a", "b", "a", "b"])
    path = write_table(df, tmp_path / "g.csv")
    doc = json.loads(run("evaluate", str(path), "-g", "region", "-m", "mse", "-f", "json").stdout)
    groups = [row["group"] for row in doc["rows"]]
    assert groups == [{"region": "a"}, {"region": "b"}, None]
    a = ARTICLE[df.region == "a"]
    assert doc["rows"][0]["metrics"]["mse"] == pytest.approx(((a.y_true - a.y_pred) ** 2).mean())
    assert doc["rows"][2]["metrics"]["mse"] == pytest.approx(ARTICLE_MSE)
    assert [row["n"] for row in doc["rows"]] == [2, 3, 5]


def test_csv_group_keys_stay_text_and_sort_as_numbers(run, tmp_path: Path) -> None:
    df = ARTICLE.assign(store=[10, 9, 10, 9, 100], code=["007", "07", "007", "07", "007"])
    path = write_table(df, tmp_path / "g.csv")
    doc = json.loads(run("evaluate", str(path), "-g", "store", "-f", "json").stdout)
    assert [r["group"] for r in doc["rows"][:-1]] == [
        {"store": "9"},
        {"store": "10"},
        {"store": "100"},
    ]
    doc = json.loads(run("evaluate", str(path), "-g", "code", "-f", "json").stdout)
    assert [r["group"] for r in doc["rows"][:-1]] == [{"code": "007"}, {"code": "07"}]
    parquet = write_table(df, tmp_path / "g.parquet")
    doc = json.loads(run("evaluate", str(parquet), "-g", "store", "-f", "json").stdout)
    assert [r["group"] for r in doc["rows"][:-1]] == [{"store": 9}, {"store": 10}, {"store": 100}]


def test_odd_group_keys_sort_last_and_survive_json(run, tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text("g,y_true,y_pred\n2.5,1,1.5\nnan,2,2\n0.5,3,3.5\nb,1,1\n,1,1\n10,2,2\n")
    doc = json.loads(run("evaluate", str(path), "-g", "g", "-m", "mse", "-f", "json").stdout)
    assert [r["group"]["g"] for r in doc["rows"][:-1]] == ["0.5", "2.5", "10", "b", "nan", None]


def test_two_group_columns(run, tmp_path: Path) -> None:
    df = ARTICLE.assign(r=["x", "x", "y", "y", "y"], s=[1, 2, 1, 1, 2])
    path = write_table(df, tmp_path / "g.parquet")
    doc = json.loads(run("evaluate", str(path), "-g", "r", "-g", "s", "-f", "json").stdout)
    assert [r["group"] for r in doc["rows"]] == [
        {"r": "x", "s": 1},
        {"r": "x", "s": 2},
        {"r": "y", "s": 1},
        {"r": "y", "s": 2},
        None,
    ]


def test_weights(run, tmp_path: Path) -> None:
    w = np.array([1.0, 2, 3, 4, 5])
    path = write_table(ARTICLE.assign(w=w), tmp_path / "w.csv")
    doc = json.loads(run("evaluate", str(path), "-w", "w", "-f", "json").stdout)
    expected = np.average((ARTICLE.y_true - ARTICLE.y_pred) ** 2, weights=w)
    assert doc["rows"][0]["metrics"]["mse"] == pytest.approx(expected, rel=1e-12)


def test_json_shape(run, article_csv: Path) -> None:
    doc = json.loads(run("evaluate", str(article_csv), "-m", "all", "-f", "json").stdout)
    assert set(doc) == {"schema_version", "rows", "warnings"}
    (row,) = doc["rows"]
    assert row["group"] is None and row["n"] == 5 and row["pred"] == "y_pred"
    assert list(row["metrics"]) == [
        "mse",
        "rmse",
        "mae",
        "mape",
        "smape",
        "wape",
        "msle",
        "huber",
        "log_cosh",
        "r2",
        "pinball",
        "poisson_deviance",
        "gamma_deviance",
        "tweedie_deviance",
        "max_error",
        "bias",
        "abs_bias",
    ]


def test_markdown_is_a_github_table(run, tmp_path: Path) -> None:
    path = write_table(ARTICLE.assign(g=["a", "a", "b", "b", "b"]), tmp_path / "m.csv")
    out = run("evaluate", str(path), "-g", "g", "-f", "markdown", "--no-chart").stdout  # the table
    assert out.splitlines()[2:] == [
        "| g | n | mse ↓ | mape ↓ |",
        "|---|---:|---:|---:|",
        "| a | 2 | 0.12205 | 34.500 |",
        "| b | 3 | 0.27873 | 16.667 |",
        "| **overall** | **5** | **0.21606** | **23.800** |",
    ]


def test_precision(run, article_csv: Path) -> None:
    out = run("evaluate", str(article_csv), "-f", "markdown", "--precision", "2").stdout
    assert "| 5 | 0.22 | 24 |" in out


def test_not_applicable_loss_shows_dash_with_footnote_and_null(run, tmp_path: Path) -> None:
    path = write_table(ARTICLE.assign(y_pred=[-2.0, 1, 2, 2, 4]), tmp_path / "n.csv")
    md = run("evaluate", str(path), "-m", "msle,mse", "-f", "markdown").stdout
    assert "| 5 | —¹ |" in md
    assert "¹ msle: not applicable: labels or predictions ≤ −1" in md
    doc = json.loads(run("evaluate", str(path), "-m", "msle", "-f", "json").stdout)
    assert doc["rows"][0]["metrics"]["msle"] is None


def test_zero_labels_are_left_out_of_mape_with_a_footnote_and_warning(run, tmp_path: Path) -> None:
    df = pd.DataFrame({"y_true": [0.0, 2, 4, 0], "y_pred": [1.0, 1, 5, 0]})
    path = write_table(df, tmp_path / "z.csv")
    doc = json.loads(run("evaluate", str(path), "-f", "json").stdout)
    assert doc["rows"][0]["metrics"]["mape"] == pytest.approx(100 * (0.5 + 0.25) / 2)
    assert doc["rows"][0]["metrics"]["mse"] == pytest.approx((1 + 1 + 1 + 0) / 4)
    assert doc["warnings"] == [f"{path}, y_pred: mape: 2 rows with label 0 left out"]
    md = run("evaluate", str(path), "-f", "markdown").stdout
    assert "¹ mape: 2 rows with label 0 left out" in md


def test_mape_zero_error(run, tmp_path: Path) -> None:
    df = pd.DataFrame({"y_true": [1.0, 0, 4, 0], "y_pred": [1.0, 1, 5, 0]})
    path = write_table(df, tmp_path / "z.csv")
    result = run("evaluate", str(path), "--mape-zero", "error")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert f"{path}: column 'y_true' has 2 zero labels (first at data row 2: 0.0)" in result.stderr


def test_auto_detects_usual_column_names(run, tmp_path: Path) -> None:
    path = write_table(
        ARTICLE.rename(columns={"y_true": "actual", "y_pred": "forecast"}), tmp_path / "d.csv"
    )
    assert "5,0.21606" in run("evaluate", str(path), "-f", "csv").stdout


def test_ambiguous_label_lists_columns(run, tmp_path: Path) -> None:
    path = write_table(ARTICLE.assign(target=1.0), tmp_path / "amb.csv")
    result = run("evaluate", str(path))
    assert result.exit_code == 3
    assert result.stderr == (
        f"losscli: error: {path}: several columns could be the label ('y_true', 'target'); "
        "name it with --label. The file's columns are: 'y_true', 'y_pred', 'target'\n"
    )


def test_missing_column_suggests_the_closest(run, article_csv: Path) -> None:
    result = run("evaluate", str(article_csv), "-p", "y_prd")
    assert result.exit_code == 3
    assert "no prediction column 'y_prd'. Did you mean 'y_pred'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_values_fail_with_column_count_and_first_row(run, tmp_path: Path) -> None:
    path = tmp_path / "na.csv"
    path.write_text("y_true,y_pred\n1,1\n2,\n3,inf\n4,NA\n")
    result = run("evaluate", str(path))
    assert result.exit_code == 3
    assert result.stderr == (
        f"losscli: error: {path}: column 'y_pred' has 3 missing or non-finite values "
        "(first at data row 2: empty or NaN). Fix or remove those rows, or pass --drop-na to "
        "leave them out.\n"
    )


def test_drop_na_drops_and_says_how_many(run, tmp_path: Path) -> None:
    path = tmp_path / "na.csv"
    path.write_text("y_true,y_pred\n1,1\n2,\n3,inf\n4,5\n")
    result = run("evaluate", str(path), "--drop-na", "-m", "mse", "-f", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == f"{path},y_pred,overall,2,0.5"
    assert result.stderr == (
        f"losscli: warning: {path}: 2 of 4 rows dropped for missing or "
        "non-finite values in column 'y_pred' (--drop-na)\n"
    )


def test_drop_na_names_the_columns_and_drops_the_row_for_every_model(run, tmp_path: Path):
    path = tmp_path / "na.csv"
    path.write_text("y,a,b,w\n1,1,2,1\n2,,2,1\n3,3,,1\n4,4,4,\n5,5,nan,1\n6,,,1\n")
    args = ("-l", "y", "-p", "a", "-p", "b", "-w", "w", "--drop-na", "-m", "mae", "-f", "csv")
    result = run("evaluate", str(path), *args)
    assert result.exit_code == 0
    # model a has values in rows 3 and 5, but b has none there: a is scored on row 1 only
    assert result.stdout.splitlines()[1:] == [f"{path},a,overall,1,0.0", f"{path},b,overall,1,1.0"]
    assert result.stderr == (
        f"losscli: warning: {path}: 5 of 6 rows dropped for missing or non-finite values in "
        "columns 'a' (2 rows), 'b' (3 rows), 'w' (1 row) (--drop-na); a row is dropped for "
        "every model, so that all are scored on the same rows\n"
    )


def test_a_misspelt_loss_in_a_check_gets_a_suggestion(run, article_csv: Path) -> None:
    result = run("evaluate", str(article_csv), "--check", "crossentropy<1")
    assert result.exit_code == 2
    assert "unknown loss 'crossentropy' (did you mean 'cross_entropy'?)" in result.stderr


def test_the_command_lines_huber_delta_wins_over_a_configs_loss(
    run, article_csv: Path, tmp_path: Path
) -> None:
    """A config's -m huber:delta=3 yields to --huber-delta 2 typed on the command line."""
    config = tmp_path / "conf.toml"
    config.write_text('loss = ["huber:delta=3,mse"]\n')
    result = run(
        "evaluate", str(article_csv), "--config", str(config), "--huber-delta", "2", "-f", "csv"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].split(",")[-2:] == ["huber:delta=2", "mse"]


def test_a_column_given_as_a_file_gets_a_hint(run, tmp_path: Path, monkeypatch) -> None:
    """-p model_a model_b: model_b reads as a second file; the first file has that column."""
    monkeypatch.chdir(tmp_path)
    write_table(ARTICLE.assign(model_a=ARTICLE.y_pred, model_b=ARTICLE.y_pred), Path("m.csv"))
    result = run("evaluate", "m.csv", "-p", "model_a", "model_b")
    assert result.exit_code == 3
    assert result.stderr == (
        "losscli: error: model_b: no such file; m.csv has a column 'model_b': an option "
        "takes one value each time it is given, so did you mean -p model_a -p model_b, or "
        "-p model_a,model_b?\n"
    )
    result = run("evaluate", "m.csv", "-p", "model_a", "model_c")  # no such column: no hint
    assert result.stderr == "losscli: error: model_c: no such file\n"


def test_the_largest_seed_is_taken(run, article_csv: Path) -> None:
    """2⁶⁴ − 1, the bootstrap's largest key, works; 2⁶⁴ is refused at parse time (below)."""
    args = ["--ci", "--ci-method", "bootstrap", "--resamples", "20", "-f", "csv"]
    result = run("evaluate", str(article_csv), *args, "--seed", str(2**64 - 1))
    assert result.exit_code == 0, result.stderr


def test_text_in_a_numeric_column_names_row_and_value(run, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("y_true,y_pred\n1,1\n2,2\n3,abc\n")
    result = run("evaluate", str(path))
    assert result.exit_code == 3
    assert f"{path}: column 'y_pred', data row 3: 'abc' is not a number." in result.stderr


HINT = "losscli: error: Try 'losscli evaluate -h' for help.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-m", "nope"], "invalid value for '-m' / '--loss': unknown loss 'nope'; known losses: "),
        (
            ["-f", "xml"],
            "invalid value for '-f' / '--format': 'xml' is not one of 'auto', 'table', 'csv', "
            "'tsv', 'json', 'markdown', 'parquet', 'html'.\n",
        ),
        # click words the rest by version: "…: --bogus (Possible options: …)" before 8.3.2,
        # "… '--bogus'. (Did you mean one of: …?)" after; the matrix tests both
        (["--bogus"], "no such option"),
        (
            ["--huber-delta", "0"],
            "invalid value for '--huber-delta': 0.0 is not in the range x>0.\n",
        ),
        (
            ["-m", "mean_squared_eror"],
            "invalid value for '-m' / '--loss': unknown loss 'mean_squared_eror' (did you mean "
            "'mean_squared_error'?); known losses: ",
        ),
        (
            ["-m", "huber:delta=3", "--huber-delta", "2"],
            "-m huber:delta=3 and --huber-delta 2 both set the Huber loss's δ; give it once: "
            "-m huber:delta=2, or -m huber --huber-delta 2\n",
        ),
        (
            ["--ci", "--ci-method", "bootstrap", "--seed", "18446744073709551616"],
            "invalid value for '--seed': 18446744073709551616 is not in the range "
            "0<=x<=18446744073709551615.\n",
        ),
    ],
)
def test_usage_errors_exit_2(run, article_csv: Path, args: list[str], message: str) -> None:
    """click's usage errors in losscli's one format, every line prefixed, with a hint."""
    result = run("evaluate", str(article_csv), *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("losscli: error: " + message)
    assert result.stderr.endswith(HINT)
    assert result.stderr.count("\n") == 2


def test_no_files_is_a_usage_error(run) -> None:
    result = run("evaluate")
    assert result.exit_code == 2
    assert result.stderr == "losscli: error: missing argument 'FILES...'.\n" + HINT


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.csv", "no such file"),
        (lambda p: p, "no Parquet or CSV files"),
        (lambda p: _write(p / "empty.csv", b""), "the file is empty"),
        (lambda p: _write(p / "x.parquet", b"not parquet at all"), "not a valid Parquet file"),
    ],
)
def test_input_errors_exit_3(run, tmp_path: Path, make, message: str) -> None:
    result = run("evaluate", str(make(tmp_path)))
    assert result.exit_code == 3
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["missing.csv"], 3),  # an input error
        (["article.csv", "--compare"], 2),  # a usage error found once the columns are known
        (["article.csv", "-o", "gone/out.csv"], 4),  # an environment failure
    ],
)
def test_debug_shows_the_traceback_and_keeps_the_exit_code(
    run, article_csv: Path, args: list[str], code: int
) -> None:
    paths = [str(article_csv.parent / a) if a.endswith(".csv") else a for a in args]
    quiet = run("evaluate", *paths)
    debug = run("evaluate", *paths, "--debug")
    assert quiet.exit_code == debug.exit_code == code
    assert "Traceback" not in quiet.stderr and "Traceback" in debug.stderr
    assert quiet.stderr.splitlines()[-1] == debug.stderr.splitlines()[-1]  # the same message


def test_an_unexpected_error_is_a_bug_exit_70(run, article_csv: Path, monkeypatch) -> None:
    """Exit 3 is the input's fault; a bug must not look like one to a CI script."""
    import pyarrow.csv as pacsv

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a fault inside a library")

    monkeypatch.setattr(pacsv, "open_csv", broken)
    result = run("evaluate", str(article_csv))
    assert result.exit_code == 70
    assert "This is a bug in losscli" in result.stderr and "--debug" in result.stderr
    assert "Traceback" not in result.stderr
    debug = run("evaluate", str(article_csv), "--debug")
    assert debug.exit_code == 70 and "Traceback" in debug.stderr
    assert "ZeroDivisionError: a fault inside a library" in debug.stderr


def test_output_file_is_written_whole(run, article_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = run("evaluate", str(article_csv), "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())["rows"][0]["n"] == 5


def test_failed_run_leaves_no_output_file(run, tmp_path: Path) -> None:
    out = tmp_path / "result.csv"
    result = run("evaluate", str(tmp_path / "missing.csv"), "-o", str(out))
    assert result.exit_code == 3
    assert list(tmp_path.iterdir()) == []


def test_output_never_replaces_an_input(run, article_csv: Path) -> None:
    before = article_csv.read_text()
    result = run("evaluate", str(article_csv), "-o", str(article_csv))
    assert result.exit_code == 2
    assert article_csv.read_text() == before


def test_csv_run_repeats_notes_on_stderr_but_the_table_shows_them_once(run, tmp_path) -> None:
    path = write_table(pd.DataFrame({"y_true": [0.0, 2], "y_pred": [1.0, 1]}), tmp_path / "z.csv")
    expected = f"losscli: warning: {path}, y_pred: mape: 1 row with label 0 left out\n"
    assert run("evaluate", str(path), "-f", "csv").stderr == expected
    table = run("evaluate", str(path), "-f", "table")
    assert table.stderr == ""
    assert "¹ mape: 1 row with label 0 left out" in table.stdout


def test_comparison_lines_name_the_file_when_there_are_several(run, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("jan.csv").write_text("y_true,a,b\n1,0.6,0.9\n1,1.29,1.2\n2,1.99,2.3\n2,2.69,2.2\n")
    Path("feb.csv").write_text("y_true,a,b\n1,0.5,0.9\n1,1.3,1.5\n2,2.1,2.6\n2,2.4,2.9\n")
    compare = ("-p", "a", "-p", "b", "-m", "mse", "--compare", "-f", "table")
    out = run("evaluate", "jan.csv", "feb.csv", *compare).stdout
    assert out.splitlines()[-2:] == [
        "jan.csv: b vs a, mse: Δ -0.13508 [-0.49056, 0.22041], p = 0.31 (indistinguishable)",
        "feb.csv: b vs a, mse: Δ +0.23000 [-0.36297, 0.82297], p = 0.3 (indistinguishable)",
    ]
    one = run("evaluate", "jan.csv", *compare).stdout
    assert one.splitlines()[-1] == (
        "b vs a, mse: Δ -0.13508 [-0.49056, 0.22041], p = 0.31 (indistinguishable)"
    )
