"""mase and rmsse on the command line: exit codes, footnotes, gates, outputs and config."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_scaled import forecasts


@pytest.fixture
def files(tmp_path: Path) -> Path:
    evaluated, past = forecasts(series=6, seed=7)
    evaluated.to_csv(tmp_path / "eval.csv", index=False)
    past.to_csv(tmp_path / "hist.csv", index=False)
    return tmp_path


def base(files: Path) -> list[str]:
    return ["evaluate", str(files / "eval.csv"), "-l", "y", "-p", "naive", "-p", "flat"]


def test_mase_without_history_exits_2_naming_history(run: Any, files: Path) -> None:
    result = run(*base(files), "-m", "mase")
    assert result.exit_code == 2
    assert "--history" in result.stderr


def test_a_series_without_history_exits_3_naming_it(run: Any, files: Path) -> None:
    past = pd.read_csv(files / "hist.csv")
    past[past.s != "s4"].to_csv(files / "short.csv", index=False)
    args = [*base(files), "-g", "s", "-m", "mase", "--history", str(files / "short.csv")]
    result = run(*args, "--time-col", "ds")
    assert result.exit_code == 3
    assert "s='s4'" in result.stderr and "--drop-na" in result.stderr
    dropped = run(*args, "--time-col", "ds", "--drop-na", "-f", "table")
    assert dropped.exit_code == 0
    assert "1 series without a history left out (--drop-na)" in dropped.stdout


def test_check_on_mase_gates_the_build(run: Any, files: Path) -> None:
    args = [*base(files), "--series", "s", "-m", "mase:season=7", "--time-col", "ds"]
    args += ["--history", str(files / "hist.csv")]
    assert run(*args, "--check", "mase:season=7<100").exit_code == 0
    failed = run(*args, "--check", "mase:season=7<0.001")
    assert failed.exit_code == 1
    assert "mase:season=7 = " in failed.stderr


def test_json_and_csv_only_add_the_series_count_with_scaled_losses(run: Any, files: Path) -> None:
    plain = json.loads(run(*base(files), "-g", "g", "-m", "mae", "-f", "json").stdout)
    args = [*base(files), "-g", "g", "--series", "s", "--time-col", "ds"]
    args += ["--history", str(files / "hist.csv")]
    scaled = json.loads(run(*args, "-m", "mae,rmsse", "-f", "json").stdout)
    assert [set(r) | {"n_series"} for r in plain["rows"]] == [set(r) for r in scaled["rows"]]
    assert [r["metrics"]["mae"] for r in scaled["rows"]] == pytest.approx(
        [r["metrics"]["mae"] for r in plain["rows"]], rel=1e-12
    )
    header = run(*args, "-m", "mae,rmsse", "-f", "csv").stdout.splitlines()[0]
    plain_header = run(*base(files), "-g", "g", "-m", "mae", "-f", "csv").stdout.splitlines()[0]
    assert header == plain_header.replace(",n,", ",n,n_series,") + ",rmsse"


def test_compare_pairs_scaled_losses_over_series_and_delta_checks_gate_on_it(
    run: Any, files: Path
) -> None:
    args = [*base(files), "--series", "s", "-m", "mae,mase", "--time-col", "ds", "--compare"]
    args += ["--history", str(files / "hist.csv"), "-f", "json"]
    result = run(*args)
    assert result.exit_code == 0
    compared = [c for c in json.loads(result.stdout)["comparisons"] if c["loss"] == "mase"]
    assert [c["method"] for c in compared] == ["paired over series"]
    assert run(*args, "--check", "delta:mase<100").exit_code == 0
    assert run(*args, "--check", "delta:mase<-100").exit_code == 1


def test_the_config_names_the_history_relative_to_its_directory(
    run: Any, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (files / "losscli.toml").write_text(
        'history = "hist.csv"\nseries = ["s"]\ntime-col = "ds"\nloss = ["mase"]\n'
    )
    elsewhere = files / "sub"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    args = ["evaluate", os.path.join("..", "eval.csv"), "-l", "y", "-p", "naive", "-f", "csv"]
    result = run(*args, "--config", str(files / "losscli.toml"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].endswith(",mase")


def test_a_history_that_cannot_be_opened_exits_3_naming_history(run: Any, files: Path) -> None:
    args = [*base(files), "--series", "s", "-m", "mase", "--time-col", "ds"]
    result = run(*args, "--history", str(files / "nothere.csv"))
    assert result.exit_code == 3
    assert "--history: " in result.stderr and "nothere.csv" in result.stderr


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "parquet"])
def test_rows_carry_the_number_of_series_they_average_over(run: Any, files: Path, fmt: str) -> None:
    past = pd.read_csv(files / "hist.csv")
    past[past.s != "s5"].to_csv(files / "five.csv", index=False)  # s5 left out: no history
    args = ["evaluate", str(files / "eval.csv"), "-l", "y", "-p", "naive", "-g", "g"]
    args += ["--series", "s", "-m", "mase", "--time-col", "ds", "--drop-na"]
    args += ["--history", str(files / "five.csv")]
    out = files / f"rows.{fmt}"
    result = run(*args, "-o", str(out), "-f", fmt)
    assert result.exit_code == 0, result.stderr
    if fmt == "parquet":
        rows = pd.read_parquet(out)
        assert str(rows.n_series.dtype) == "int64"
    elif fmt == "json":
        rows = pd.DataFrame(json.loads(out.read_text())["rows"])
    elif fmt == "table":
        lines = [line.split() for line in out.read_text().splitlines()]
        assert ["g", "n", "n_series", "mase", "↓"] in lines
        cells = [line[2] for line in lines if line and line[0] in ("a", "b", "overall")]
        assert cells == ["3", "2", "5"]
        return
    else:
        rows = pd.read_csv(out, sep="\t" if fmt == "tsv" else ",")
    assert rows.n_series.tolist() == [3, 2, 5]  # a: s0 s2 s4; b: s1 s3 (s5 left out); overall


def test_the_readme_example_prints_what_the_readme_shows(
    run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    root = Path(__file__).parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Errors scaled by the history: MASE and RMSSE", 1)[1]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    lines = block.splitlines()
    typed = [lines[0]]
    while typed[-1].endswith("\\"):
        typed.append(lines[len(typed)])
    command = " ".join(line.rstrip("\\") for line in typed).removeprefix("$ ")
    shown = "\n".join(lines[len(typed) :])
    monkeypatch.chdir(root)
    result = run(*shlex.split(command)[1:])
    assert result.exit_code == 0, result.stderr
    printed = [line.rstrip() for line in result.stdout.splitlines() if line.strip()]
    assert printed == [line for line in shown.splitlines() if line.strip()]


def test_drift_leaves_mase_unjudged_and_says_so(run: Any, files: Path) -> None:
    """--drift judges a period's pooled value against the reference's; mase's row value is a
    mean over series, so it is left out (with a warning) rather than judged on its row sums."""
    args = [*base(files), "--series", "s", "-m", "mae,mase", "--time-col", "ds"]
    args += ["--history", str(files / "hist.csv"), "--period", "ds:D", "--drift"]
    result = run(*args, "--drift-reference-periods", "3", "-f", "json")
    assert result.exit_code == 0
    assert "mase is a mean over series, which --drift does not judge" in result.stderr
    judged = {verdict["loss"] for verdict in json.loads(result.stdout)["drift"]}
    assert judged == {"mae"}


def test_a_group_column_named_series_is_no_clash_with_the_series_count(
    run: Any, files: Path
) -> None:
    """Grouping by a column named ``series`` (the natural name of a series' id) works with
    mase: the rows' count of series is ``n_series`` (it was ``series``, and the run was
    refused as a clash of names)."""
    for name in ("eval.csv", "hist.csv"):
        pd.read_csv(files / name).rename(columns={"s": "series"}).to_csv(
            files / f"renamed_{name}", index=False
        )
    args = ["evaluate", str(files / "renamed_eval.csv"), "-l", "y", "-p", "naive"]
    args += ["-g", "series", "--series", "series", "-m", "mase", "--time-col", "ds"]
    result = run(*args, "--history", str(files / "renamed_hist.csv"), "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = pd.read_csv(io.StringIO(result.stdout))
    assert list(rows.columns[:6]) == ["file", "pred", "scope", "series", "n", "n_series"]
    assert (rows.n_series[rows.scope == "group"] == 1).all()
