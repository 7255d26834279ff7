"""An input is never overwritten: -o is compared, by device and inode, with every file the
arguments read, also those a directory or a glob expands to; the baseline may be replaced."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ARTICLE, write_plugin, write_table

PLUGIN = """
@losscli.loss(name="twice", formula="2·(y − ŷ)²")
def twice(y, p):
    return 2 * (y - p) ** 2
"""


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


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``command`` in bash, ``losscli`` being this interpreter's losscli."""
    losscli = f"{shlex.quote(sys.executable)} -m losscli"
    return subprocess.run(
        ["bash", "-c", command.replace("losscli", losscli)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("command", "named"),
    [
        ("losscli evaluate d.csv -f csv >> d.csv", "standard output is also an input (d.csv)"),
        ("losscli evaluate d.csv -o /dev/fd/3 3>>d.csv", "-o /dev/fd/3 (descriptor 3) is also"),
        ("losscli evaluate d.csv -o /dev/stdout >> link.csv", "standard output is also an"),
        (
            "losscli evaluate - -o d.csv < d.csv",
            "the output file 'd.csv' is also an input (the file on standard input, read as -)",
        ),
        ("losscli evaluate - -f csv < d.csv >> d.csv", "standard output is also an input (the"),
        (  # a plugin sets standard output aside as it loads: the result's is still guarded
            "losscli evaluate d.csv -f csv --plugin p.py -m mse,twice >> d.csv",
            "standard output is also an input (d.csv)",
        ),
    ],
)
def test_a_redirection_into_an_input_is_refused(tmp_path: Path, command: str, named: str) -> None:
    """As GNU cat's "input file is output file": the shell opened the input for writing."""
    data = write_table(ARTICLE, tmp_path / "d.csv")
    (tmp_path / "link.csv").symlink_to(data)
    write_plugin(tmp_path, PLUGIN, name="p.py")
    before = data.read_bytes()
    done = _shell(command, tmp_path)
    assert done.returncode == 2, done.stderr
    assert named in done.stderr
    assert data.read_bytes() == before


@pytest.mark.parametrize(
    "command",
    [
        "losscli evaluate d.csv -f csv > out.csv",
        "losscli evaluate d.csv -f csv >> out.csv",
        "losscli evaluate d.csv -o /dev/fd/3 3> out.csv",
        "losscli evaluate - -f csv < d.csv > out.csv",
    ],
)
def test_standard_output_or_a_descriptor_on_a_file_that_is_no_input_is_written(
    tmp_path: Path, command: str
) -> None:
    write_table(ARTICLE, tmp_path / "d.csv")
    done = _shell(command, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").read_text().startswith("file,pred,scope,n,mse")


@pytest.mark.parametrize(
    ("argument", "output"),
    [
        ("shards/*.csv", "shards/c.csv"),
        ("shards/*.csv", "./shards/../shards/c.csv"),
        ("shards/**/*.csv", "shards/c.csv"),
        ("shards", "shards/c.csv"),
        ("shards", "shards/c.parquet"),  # would make the directory mix two formats
        ("shards", "alias/c.csv"),  # a symlink to the directory
    ],
)
def test_a_new_output_that_a_directory_or_glob_would_read_next_is_refused(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argument: str, output: str
) -> None:
    """The next identical run would read the result as one more input."""
    shards(tmp_path)
    (tmp_path / "alias").symlink_to(tmp_path / "shards")
    monkeypatch.chdir(tmp_path)
    result = run("evaluate", argument, "-o", output)
    assert result.exit_code == 2, result.stderr
    assert f"the output file {output!r} would be read by the argument {argument} as an " in (
        result.stderr
    )
    assert sorted(p.name for p in (tmp_path / "shards").iterdir()) == ["a.csv", "b.csv"]


@pytest.mark.parametrize(
    ("argument", "output"),
    [("shards/*.csv", "shards/c.json"), ("shards", "shards/.c.csv"), ("shards/a*.csv", "c.csv")],
)
def test_a_new_output_that_no_argument_reads_is_written(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argument: str, output: str
) -> None:
    """A glob's other names, a directory's notes and hidden files (as glob skips them)."""
    shards(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run("evaluate", argument, "-o", output)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / output).stat().st_size > 0


@pytest.mark.parametrize(
    ("config", "args", "named"),
    [
        ("", ["-o", "losscli.toml"], "(losscli.toml, the config file in force)"),
        ('output = "losscli.toml"\n', [], "(losscli.toml, the config file in force)"),
        ("", ["--plugin", "p.py", "-o", "p.py"], "(p.py, a plugin file)"),
        ('plugins = ["p.py"]\n', ["-o", "p.py"], "(p.py, a plugin file)"),
    ],
)
def test_the_config_and_plugin_files_are_never_the_output(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, args: list[str], named: str
) -> None:
    """The files a run relies on are inputs too (the baseline is the one exception)."""
    write_table(ARTICLE, tmp_path / "d.csv")
    (tmp_path / ".git").mkdir()
    (tmp_path / "losscli.toml").write_text(config + 'format = "csv"\n')
    (tmp_path / "p.py").write_text("")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    monkeypatch.chdir(tmp_path)
    result = run("evaluate", "d.csv", *args)
    assert result.exit_code == 2, result.stderr
    assert "is also an input " + named in result.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
