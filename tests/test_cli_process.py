"""losscli as a whole process: entry points, stdin, pipes, and what it imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ARTICLE, write_table

from losscli import __version__

HEAVY = ("pandas", "pyarrow", "numpy")


def losscli(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "losscli", *args], input=input, capture_output=True, timeout=60
    )


def imported_modules(*args: str) -> set[str]:
    """Top-level modules a losscli run imports (from ``python -X importtime``)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "losscli", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    names = (line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line)
    return {name.split(".")[0] for name in names}


def test_version() -> None:
    done = losscli("--version")
    assert done.returncode == 0
    assert done.stdout.decode() == f"losscli, version {__version__}\n"


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["evaluate", "--help"]])
def test_help_and_version_import_nothing_heavy(args: list[str]) -> None:
    assert imported_modules(*args).isdisjoint(HEAVY)


def test_parquet_on_stdin_is_stable_across_runs(tmp_path: Path) -> None:
    """pyarrow was seen to abort at exit after reading in-memory Parquet; run it many times."""
    data = write_table(ARTICLE, tmp_path / "a.parquet").read_bytes()
    for _ in range(12):
        done = losscli("evaluate", "-", "--input-format", "parquet", "-f", "csv", input=data)
        assert done.returncode == 0, done.stderr.decode()
        assert (
            done.stdout.decode().splitlines()[1] == "-,y_pred,overall,5,0.21606,23.799999999999997"
        )


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    df = ARTICLE.sample(n=200_000, replace=True, random_state=0)
    df["g"] = range(len(df))
    path = write_table(df, tmp_path / "many.parquet")
    command = f'"{sys.executable}" -m losscli evaluate "{path}" -g g -m mse -f csv | head -1'
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, timeout=120
    )
    assert done.stdout.decode() == "file,pred,scope,g,n,mse\n"
    assert done.stderr.decode() == ""
    assert done.returncode == 0


def test_user_error_has_no_traceback(tmp_path: Path) -> None:
    done = losscli("evaluate", str(tmp_path / "nope.csv"))
    assert done.returncode == 3
    assert done.stderr.decode() == f"losscli: error: {tmp_path / 'nope.csv'}: no such file\n"
    assert done.stdout == b""


def test_losses_lists_every_loss() -> None:
    out = losscli("losses").stdout.decode()
    for name in ("mse", "rmse", "mae", "mape", "smape", "wape", "msle", "huber", "log_cosh", "r2"):
        assert f" {name} " in out


@pytest.mark.parametrize("name", ["a.csv", "a.parquet", "a.csv.gz"])
def test_a_file_run_does_not_import_pandas(tmp_path: Path, name: str) -> None:
    path = write_table(
        ARTICLE.assign(g=["x", "y", None, "x", "y"], h=[1, 2, 1, 2, 1]), tmp_path / name
    )
    modules = imported_modules("evaluate", str(path), "-g", "g", "-g", "h", "-m", "all")
    assert "pyarrow" in modules
    assert "pandas" not in modules


def test_normal_intervals_of_big_groups_do_not_import_scipy(tmp_path: Path) -> None:
    """Groups with 1,000 degrees of freedom or more take the expansion of the t quantile."""
    df = ARTICLE.sample(n=6000, replace=True, random_state=1).assign(g=[1, 2] * 3000)
    path = write_table(df, tmp_path / "big.parquet")
    assert "scipy" not in imported_modules("evaluate", str(path), "-g", "g", "-m", "mse", "--ci")
    small = write_table(ARTICLE, tmp_path / "small.parquet")
    assert "scipy" in imported_modules("evaluate", str(small), "-m", "mse", "--ci")
