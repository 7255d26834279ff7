"""Many small files given one by one are finalized together (engine/together.py): each row
has the values and notes it has when finalized alone, rows stay in file order, and every
error and notice names its file, in order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import same_rows, write_table

import losscli
from losscli.errors import InputError

ALL = "mse,mae,mape,r2,max_error,wape,smape,rmse,msle,huber,bias,log_cosh"
SUMS = "mse,mae,mape,max_error,wape,smape,rmse"  # sums and maxima: stacked as they are


def _files(tmp_path: Path, count: int = 7) -> list[Path]:
    """Small regression files, CSV and Parquet, of 1 to 40 rows; some with zero labels."""
    rng = np.random.default_rng(11)
    paths = []
    for i in range(count):
        rows = 1 if i == 3 else int(rng.integers(2, 40))
        y = rng.gamma(2.0, 3.0, rows)
        if i in (1, 4):
            y[:2] = 0.0
        frame = pd.DataFrame(
            {
                "y": y,
                "a": y + rng.normal(0, 1, rows),
                "b": y * rng.uniform(0.5, 1.5, rows),
                "w": rng.uniform(0.1, 2.0, rows),
            }
        )
        paths.append(write_table(frame, tmp_path / f"f{i}.{'csv' if i % 2 else 'parquet'}"))
    return paths


@pytest.mark.parametrize("weight", [None, "w"])
@pytest.mark.parametrize("losses", [ALL, SUMS])
def test_files_finalized_together_have_the_values_and_notes_each_has_alone(
    tmp_path: Path, weight: str | None, losses: str
) -> None:
    files = _files(tmp_path)
    asked = dict(label="y", pred=["a", "b"], losses=losses, weight=weight, threads=1)
    plain = losscli.evaluate(files, **asked)
    # residuals' histograms keep each file's result apart (engine/fold.py finish)
    alone = losscli.evaluate(files, residuals=True, **asked)
    same_rows(plain, alone)
    assert plain.frame.file.tolist() == [str(f) for f in files for _ in "ab"]
    assert plain.frame.pred.tolist() == ["a", "b"] * len(files)
    assert any(note for note in plain.frame.losses["mape"].notes)  # zero labels left out
    if "r2" in losses:
        assert any(note for note in plain.frame.losses["r2"].notes)  # one row: no R²


def test_files_finalized_together_give_each_classifier_row_its_own_values(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    files = []
    for i in range(5):
        rows = int(rng.integers(3, 30))
        frame = pd.DataFrame({"y": rng.integers(0, 2, rows), "p": rng.uniform(0, 1, rows)})
        files.append(write_table(frame, tmp_path / f"c{i}.parquet"))
    asked = dict(label="y", pred="p", losses="all", threads=1)
    plain = losscli.evaluate(files, **asked)
    alone = losscli.evaluate(files, calibration=True, **asked)
    same_rows(plain, alone)


def test_files_finalized_together_are_the_same_with_two_threads(tmp_path: Path) -> None:
    files = _files(tmp_path)
    one = losscli.evaluate(files, label="y", pred="a", losses=ALL, threads=1)
    two = losscli.evaluate(files, label="y", pred="a", losses=ALL, threads=2)
    same_rows(one, two)


def _empty(path: Path) -> Path:
    return write_table(pd.DataFrame({"y": [], "a": [], "b": [], "w": []}), path)


def test_errors_of_files_finalized_together_name_the_first_bad_file(tmp_path: Path) -> None:
    files = _files(tmp_path, 4)
    empty = _empty(tmp_path / "empty.csv")
    bad = write_table(pd.DataFrame({"y": [1.0, np.nan], "a": [1.0, 2.0]}), tmp_path / "nan.csv")
    with pytest.raises(InputError, match=f"{empty}: no data rows"):
        losscli.evaluate([*files[:2], empty, files[2], bad], label="y", pred="a", threads=1)
    with pytest.raises(InputError, match=f"{bad}: column 'y' has 1 missing") as raised:
        losscli.evaluate([*files[:2], bad, files[2], empty], label="y", pred="a", threads=1)
    assert "data row 2" in str(raised.value)
    weightless = pd.DataFrame({"y": [1.0, 2.0], "a": [1.0, 2.0], "w": [0.0, 0.0]})
    zero = write_table(weightless, tmp_path / "w0.csv")
    with pytest.raises(InputError, match=f"{zero}: the weights in column 'w' are all 0"):
        losscli.evaluate([files[0], zero, empty], label="y", pred="a", weight="w", threads=1)
    with pytest.raises(InputError, match=f"{files[1]}: column 'y' has 2 zero labels"):
        losscli.evaluate(files, label="y", pred="a", losses="mape", mape_zero="error", threads=1)


def test_notices_of_files_finalized_together_stay_in_file_order(tmp_path: Path) -> None:
    files = _files(tmp_path, 3)
    holes = []
    for i in range(2):
        frame = pd.DataFrame({"y": [1.0, np.nan, 3.0, 4.0], "a": [1.0, 2.0, np.nan, 5.0]})
        holes.append(write_table(frame, tmp_path / f"holes{i}.csv"))
    order = [holes[1], files[0], files[1], holes[0], files[2]]
    result = losscli.evaluate(order, label="y", pred="a", drop_na=True, threads=1)
    named = [next(str(h) for h in holes if str(h) in notice) for notice in result.notices]
    assert named and named == sorted(named, key=lambda name: [str(p) for p in order].index(name))
    assert {str(h) for h in holes} == set(named)
