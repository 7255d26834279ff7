"""An input is never overwritten: -o is compared, by device and inode, with every file the
arguments read, also those a directory or a glob expands to; the baseline may be replaced."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import ARTICLE, write_table


def shards(tmp_path: Path, suffix: str = ".csv") -> Path:
    """A directory of two shards of the article's rows, ``a`` and ``b``."""
    directory = tmp_path / "shards"
    directory.mkdir()
    write_table(ARTICLE[:2], directory / f"a{suffix}")
    write_table(ARTICLE[2:], directory / f"b{suffix}")
    return directory


@pytest.mark.parametrize(
    ("argument", "output", "suffix"),
    [
        ("{dir}", "{dir}/a.csv", ".csv"),
        ("{dir}/*.csv", "{dir}/b.csv", ".csv"),
        ("{dir}", "{dir}/a.parquet", ".parquet"),
        ("{dir}/*.parquet", "{link}", ".parquet"),  # a symlink to a shard, beside them
        ("{dir}/*.csv", "{hard}", ".csv"),  # a hard link to a shard
    ],
)
def test_a_file_of_a_directory_or_glob_is_never_the_output(
    run, tmp_path: Path, argument: str, output: str, suffix: str
):
    directory = shards(tmp_path, suffix)
    (tmp_path / f"link{suffix}").symlink_to(directory / f"b{suffix}")
    os.link(directory / f"a{suffix}", tmp_path / f"hard{suffix}")
    names = {
        "dir": directory,
        "link": tmp_path / f"link{suffix}",
        "hard": tmp_path / f"hard{suffix}",
    }
    before = {p.name: p.read_bytes() for p in directory.iterdir()}
    result = run("evaluate", argument.format(**names), "-o", output.format(**names))
    assert result.exit_code == 2, result.stderr
    assert "is also an input (" in result.stderr
    assert {p.name: p.read_bytes() for p in directory.iterdir()} == before


def test_a_file_beside_the_shards_that_is_no_shard_may_be_the_output(run, tmp_path: Path):
    directory = shards(tmp_path)
    notes = directory / "report.md"
    notes.write_text("old\n")
    assert run("evaluate", str(directory), "-o", str(notes)).exit_code == 0
    assert "| 5 | 0.21606 |" in notes.read_text()


def test_the_baseline_may_be_replaced_by_the_new_run(run, article_csv: Path, tmp_path: Path):
    """``--baseline b.json -o b.json`` accepts the run as the new baseline: the baseline is
    read before the output replaces it."""
    base = tmp_path / "b.json"
    write_table(ARTICLE.assign(y_pred=ARTICLE.y_true), tmp_path / "perfect.csv")
    assert run("evaluate", str(tmp_path / "perfect.csv"), "-o", str(base)).exit_code == 0
    args = ["evaluate", str(article_csv), "--baseline", str(base), "-o", str(base)]
    result = run(*args, "-m", "mse")
    assert result.exit_code == 0, result.stderr
    row = json.loads(base.read_text())["rows"][-1]
    assert (row["metrics"]["mse"], row["baseline"]["mse"]) == (pytest.approx(0.21606), 0.0)
    assert run(*args, "-m", "mse", "--max-regression", "mse=0").exit_code == 0
