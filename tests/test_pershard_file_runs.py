"""Small Parquet files given one by one, of one plan, are computed as one chunk, the file a
hidden key (engine/file_runs.py): every file's row is bit for bit the one it gets alone,
and every check, message, notice and task is the one-by-one path's, in order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import same_rows, write_table

import losscli
from losscli.engine import fold, kernel
from losscli.engine.blocks import CACHE_ROWS
from losscli.engine.reduce import Runs, key_sum
from losscli.errors import InputError

SUMS = "mse,mae,mape,max_error,wape,rmse"  # sums and maxima only: computed as one chunk


def _files(folder: Path, count: int = 9, *, seed: int = 7) -> list[Path]:
    """Small regression Parquet files of one schema, of 1 to 8,000 rows (together more than
    a block's rows: a chunk of them is computed as one block)."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        rows = 1 if i == 2 else int(rng.integers(2, 8000))
        y = rng.gamma(2.0, 3.0, rows) * 10.0 ** rng.uniform(-3, 6)
        frame = pd.DataFrame(
            {
                "y": y,
                "a": y + rng.normal(0, 1, rows) * y.mean(),
                "b": y * rng.uniform(0.5, 1.5, rows),
                "w": rng.uniform(0.1, 2.0, rows),
            }
        )
        paths.append(write_table(frame, folder / f"f{i}.parquet"))
    return paths


@pytest.fixture
def chunks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rows of each chunk the kernel computes (the real kernel, counted)."""
    seen: list[int] = []
    real = kernel.evaluate_chunk

    def counted(records: Any, **kw: Any) -> Any:
        seen.append(records.num_rows)
        return real(records, **kw)

    from losscli.engine import file_runs

    monkeypatch.setattr(fold, "evaluate_chunk", counted)
    monkeypatch.setattr(file_runs, "evaluate_chunk", counted)
    return seen


def _alone(files: list[Path], **asked: Any) -> Iterator[Any]:
    """Each file evaluated in a run of its own."""
    for path in files:
        yield losscli.evaluate(path, **asked)


@pytest.mark.parametrize("weight", [None, "w"])
def test_small_files_computed_as_one_chunk_give_each_file_the_row_it_gets_alone(
    tmp_path: Path, chunks: list[int], weight: str | None
) -> None:
    files = _files(tmp_path)
    asked: dict[str, Any] = dict(label="y", pred=["a", "b"], losses=SUMS, weight=weight, threads=1)
    together = losscli.evaluate(files, **asked)
    assert len(chunks) < len(files) and max(chunks) > CACHE_ROWS  # files together
    # residuals' histograms keep each file's result apart, each file its own chunk
    chunks.clear()
    alone = losscli.evaluate(files, residuals=True, **asked)
    assert len(chunks) == len(files)
    same_rows(together, alone)
    for path, single in zip(files, _alone(files, **asked), strict=True):
        rows = together.frame.file == str(path)
        for name in together.losses:
            got = together.frame.losses[name].values[rows]
            assert got.tobytes() == single.frame.losses[name].values.tobytes(), name


def test_small_files_of_binary_and_regression_rows_keep_each_file_s_task(
    tmp_path: Path, chunks: list[int]
) -> None:
    """The defaults (mse, mape, cross-entropy) shown by the tasks the files' rows look like,
    file by file: binary-looking files beside regression files show both."""
    rng = np.random.default_rng(3)
    binary, regression = [], _files(tmp_path, 3)
    for i in range(3):
        frame = pd.DataFrame({"y": rng.integers(0, 2, 50).astype(float), "a": rng.uniform(size=50)})
        frame["b"], frame["w"] = frame.a * 0.9, 1.0
        binary.append(write_table(frame, tmp_path / f"c{i}.parquet"))
    for files in (binary, [*binary, *regression], [regression[0], binary[0], regression[1]]):
        asked: dict[str, Any] = dict(label="y", pred="a", threads=1)
        chunks.clear()
        together = losscli.evaluate(files, **asked)
        assert len(chunks) < len(files)  # computed together, each file's task its own
        same_rows(together, losscli.evaluate(files, residuals=True, **asked))
    assert "mape" not in losscli.evaluate(binary, label="y", pred="a").losses
    assert "cross_entropy" in losscli.evaluate(binary, label="y", pred="a").losses


def _message(files: list[Path], **asked: Any) -> str:
    with pytest.raises(InputError) as raised:
        losscli.evaluate(files, **asked)
    return str(raised.value)


@pytest.mark.parametrize(
    ("column", "values", "asked"),
    [
        ("y", [1.0, np.nan, 2.0], {}),
        ("w", [0.0, 0.0, 0.0], {"weight": "w"}),
        ("y", [0.0, 1.0, 2.0], {"mape_zero": "error"}),
    ],
)
def test_a_small_file_s_error_among_others_names_it_as_the_one_by_one_path_does(
    tmp_path: Path, column: str, values: list[float], asked: dict[str, Any]
) -> None:
    files = _files(tmp_path, 6)
    bad = pd.DataFrame({"y": [1.0, 2.0, 3.0], "a": 1.0, "b": 2.0, "w": 1.0})
    bad[column] = values
    files.insert(3, write_table(bad, tmp_path / "bad.parquet"))
    asked |= dict(label="y", pred=["a", "b"], losses=SUMS, threads=1)
    message = _message(files, **asked)
    assert message.startswith(f"{tmp_path / 'bad.parquet'}: ")
    assert message == _message(files, residuals=True, **asked)


def test_a_dropped_row_s_notice_among_small_files_names_its_file(tmp_path: Path) -> None:
    files = _files(tmp_path, 6)
    gap = pd.DataFrame({"y": [1.0, np.nan, 2.0], "a": 1.0, "b": 2.0, "w": 1.0})
    files.insert(2, write_table(gap, tmp_path / "gap.parquet"))
    asked: dict[str, Any] = dict(label="y", pred=["a", "b"], losses=SUMS, drop_na=True, threads=1)
    together = losscli.evaluate(files, **asked)
    alone = losscli.evaluate(files, residuals=True, **asked)
    same_rows(together, alone)
    assert together.notices == alone.notices
    assert any(str(tmp_path / "gap.parquet") in notice for notice in together.notices)


REGRESSION = (
    "mse,rmse,mae,mape,smape,wape,msle,huber,log_cosh,pinball,poisson_deviance,"
    "gamma_deviance,tweedie_deviance,max_error,bias,abs_bias"
)
BINARY = "cross_entropy,accuracy,brier,hinge,kl_divergence,focal,mse,mae"


@pytest.mark.parametrize("binary", [False, True])
def test_every_loss_of_sums_and_maxima_gives_each_small_file_its_own_row(
    tmp_path: Path, chunks: list[int], binary: bool
) -> None:
    """Every built-in loss whose statistics are sums or maxima, weighted: each file's row
    computed with the others' equals, bit for bit, the file's row in a run of its own."""
    rng = np.random.default_rng(5)
    files = []
    for i in range(8):
        rows = int(rng.integers(1, 6000))
        if binary:
            y, p = rng.integers(0, 2, rows).astype(float), rng.uniform(0.01, 0.99, rows)
        else:
            y = rng.gamma(2, 3, rows) * 10 ** rng.uniform(-2, 4)
            p = np.abs(y + rng.normal(0, 1, rows) * y.mean()) + 1e-3
        frame = pd.DataFrame({"y": y, "p": p, "w": rng.uniform(0.1, 2.0, rows)})
        files.append(write_table(frame, tmp_path / f"f{i}.parquet"))
    asked: dict[str, Any] = dict(label="y", pred="p", weight="w", threads=1)
    asked["losses"] = BINARY if binary else REGRESSION
    together = losscli.evaluate(files, **asked)
    assert len(chunks) < len(files)
    for path, single in zip(files, _alone(files, **asked), strict=True):
        rows = together.frame.file == str(path)
        for name in single.losses:
            got = together.frame.losses[name].values[rows]
            assert got.tobytes() == single.frame.losses[name].values.tobytes(), name


def test_runs_codes_reordered_cut_or_computed_on_are_summed_as_plain_codes() -> None:
    # the runs belong to the codes as they are: a reordered, cut or computed array of
    # them is summed by its codes (bincount), never by runs it no longer has
    codes = Runs.of(np.array([3, 2]))
    column = np.array([1.0, 2.0, 4.0, 1.0, 2.0])
    assert key_sum(codes, 2, column).tolist() == [7.0, 3.0]
    assert key_sum(codes[0:5], 2, column).tolist() == [7.0, 3.0]  # a view of all: its runs
    reversed_codes = codes[::-1]
    assert getattr(reversed_codes, "starts", None) is None
    assert key_sum(reversed_codes, 2, column).tolist() == [7.0, 3.0]  # 4 + 1 + 2, 1 + 2
    permuted = codes[np.array([4, 0, 1, 2, 3])]
    assert getattr(permuted, "starts", None) is None
    assert key_sum(permuted, 2, column).tolist() == [7.0, 3.0]  # codes 1, 0, 0, 0, 1
    assert getattr(codes + 0, "starts", None) is None
    assert getattr(codes[1:], "starts", None) is None


@pytest.mark.parametrize(
    "odd",
    [
        {"y": [0.0, 2.0, 3.0], "a": [1.5, 1.5, 1.5]},  # MAPE's zero label: left out, a note
        {"y": [1e308, 2.0, 3.0], "a": [-1e308, 1.5, 1.5]},  # an infinite term, of weight 0
    ],
)
def test_a_small_file_whose_terms_change_the_chunk_s_formula_keeps_every_file_s_row(
    tmp_path: Path, odd: dict[str, list[float]]
) -> None:
    # a term that makes a whole chunk take another formula (MAPE's zero labels; an
    # infinite term of weight 0) must leave every other file's row as it is alone
    files = _files(tmp_path, 6)
    frame = pd.DataFrame({**odd, "b": 2.0, "w": [0.0, 1.0, 1.0]})
    files.insert(3, write_table(frame, tmp_path / "odd.parquet"))
    asked: dict[str, Any] = dict(label="y", pred=["a", "b"], losses=SUMS, weight="w", threads=1)
    together = losscli.evaluate(files, **asked)
    alone = losscli.evaluate(files, residuals=True, **asked)
    same_rows(together, alone)
    assert together.notices == alone.notices and together.warnings == alone.warnings
    for path, single in zip(files, _alone(files, **asked), strict=True):
        rows = together.frame.file == str(path)
        for name in together.losses:
            got = together.frame.losses[name].values[rows]
            assert got.tobytes() == single.frame.losses[name].values.tobytes(), (path, name)
