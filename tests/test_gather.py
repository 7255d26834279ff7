"""Small shards gathered into one chunk (engine/gather.py): the values of the one-by-one
path (to rounding), and every message, notice and row number exactly its."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_table

from losscli import evaluate
from losscli.engine import fold, kernel
from losscli.reading import parquet_source

FILES = 320  # the bad one is the 300th
ROWS = 40


Change = Callable[[int, pd.DataFrame], pd.DataFrame]


def _shards(folder: Path, change: Change | None = None) -> Path:
    """``FILES`` small Parquet shards of one dataset; ``change`` alters shard i's frame."""
    rng = np.random.default_rng(11)
    folder.mkdir()
    for i in range(FILES):
        y = rng.uniform(1, 3, ROWS)
        frame = pd.DataFrame(
            {
                "y_true": y,
                "y_pred": y + rng.normal(0, 0.5, ROWS),
                "w": rng.uniform(0, 2, ROWS),
                "g": rng.choice(["a", "b", "c", f"s{i % 7}"], ROWS),
            }
        )
        write_table(frame if change is None else change(i, frame), folder / f"part-{i:03d}.parquet")
    return folder


def _one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fold, "SMALL_ROWS", 0)  # no batch is small: nothing gathered


def _nan_in_300th(i: int, frame: pd.DataFrame) -> pd.DataFrame:
    if i == 299:
        frame.loc[6, "y_pred"] = np.nan
    return frame


def _chunk_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rows of each chunk the kernel computes from now on (the kernel itself runs)."""
    calls: list[int] = []
    real = kernel.evaluate_chunk

    def counted(records, **kwargs):
        calls.append(records.num_rows)
        return real(records, **kwargs)

    monkeypatch.setattr(fold, "evaluate_chunk", counted)
    return calls


def test_small_shards_are_computed_as_few_chunks(tmp_path, monkeypatch) -> None:
    folder = _shards(tmp_path / "d")
    calls = _chunk_rows(monkeypatch)
    evaluate(str(folder), losses="mse")
    assert calls == [FILES * ROWS]


def test_a_file_read_in_many_small_batches_is_not_gathered(tmp_path, monkeypatch) -> None:
    frame = pd.DataFrame({"y_true": np.arange(1000.0), "y_pred": np.arange(1000.0) + 1})
    path = write_table(frame, tmp_path / "f.parquet")
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 100)
    calls = _chunk_rows(monkeypatch)
    evaluate(str(path), losses="mse")
    assert calls == [100] * 10


def test_a_csv_dataset_is_not_gathered(tmp_path, monkeypatch) -> None:
    for i in range(5):
        frame = pd.DataFrame({"y_true": [1.0, 2.0, 3.0], "y_pred": [1.0, 2.0, 4.0 + i]})
        write_table(frame, tmp_path / f"part-{i}.csv")
    calls = _chunk_rows(monkeypatch)
    evaluate(str(tmp_path), losses="mse")
    assert calls == [3] * 5


def test_a_bad_value_in_the_300th_small_file_is_named_with_that_file_and_its_row(
    run, tmp_path: Path
) -> None:
    folder = _shards(tmp_path / "d", _nan_in_300th)
    result = run("evaluate", str(folder), "-l", "y_true", "-p", "y_pred")
    assert result.exit_code == 3
    assert result.stderr.startswith(
        f"losscli: error: {folder / 'part-299.parquet'}: column 'y_pred' "
        "has 1 missing or non-finite value (first at data row 7: empty or NaN)"
    )


def test_a_bad_value_in_a_small_file_comes_before_a_later_files_missing_column(
    run, tmp_path: Path
) -> None:
    def change(i: int, frame: pd.DataFrame) -> pd.DataFrame:
        frame = _nan_in_300th(i, frame)
        return frame.rename(columns={"y_pred": "forecast"}) if i == 301 else frame

    folder = _shards(tmp_path / "d", change)
    result = run("evaluate", str(folder), "-l", "y_true", "-p", "y_pred")
    assert result.exit_code == 3
    assert f"{folder / 'part-299.parquet'}: column 'y_pred' has 1 missing" in result.stderr


def _outcome(folder: Path, **options: object) -> object:
    try:
        return evaluate(str(folder), **options).to_dict()
    except Exception as exc:  # the message, compared with the one-by-one path's
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize(
    ("case", "options"),
    [
        ("nan", {}),
        ("nan", {"drop_na": True}),
        ("text", {}),
        ("negative weight", {"weight": "w"}),
        ("zero label", {"losses": "mse,mape", "mape_zero": "error"}),
    ],
)
def test_gathered_shards_give_the_one_by_one_messages_and_notices(
    tmp_path, monkeypatch, case: str, options: dict[str, object]
) -> None:
    def change(i: int, frame: pd.DataFrame) -> pd.DataFrame:
        if i not in (12, 299):
            return frame
        if case == "nan":
            frame.loc[[3, 6], "y_pred"] = np.nan
        elif case == "text":
            frame["y_pred"] = frame["y_pred"].astype(str)
        elif case == "negative weight":
            frame.loc[5, "w"] = -1.0
        else:
            frame.loc[8, "y_true"] = 0.0
        return frame

    folder = _shards(tmp_path / "d", change)
    gathered = _outcome(folder, **options)
    _one_by_one(monkeypatch)
    assert gathered == _outcome(folder, **options)
    if isinstance(gathered, str):
        assert "part-012.parquet" in gathered


@pytest.mark.parametrize(
    "options",
    [
        {"losses": "mse,mae,mape,r2", "group_by": "g", "weight": "w"},
        {"losses": "mse,mae", "group_by": "g", "ci": 0.9},
        {"losses": "mse,r2", "ci": 0.9, "ci_method": "bootstrap", "resamples": 50},
    ],
)
def test_gathered_shards_give_the_one_by_one_values(tmp_path, monkeypatch, options) -> None:
    folder = _shards(tmp_path / "d")
    gathered = evaluate(str(folder), **options)
    _one_by_one(monkeypatch)
    alone = evaluate(str(folder), **options)
    assert [(r.group, r.n) for r in gathered.rows] == [(r.group, r.n) for r in alone.rows]
    for left, right in zip(gathered.rows, alone.rows, strict=True):
        assert left.metrics == pytest.approx(right.metrics, rel=1e-12, abs=1e-15)
        for name, interval in right.intervals.items():
            mine = left.intervals[name]
            assert (mine.method, mine.why) == (interval.method, interval.why)
            for bound in ("low", "high", "se"):
                value = getattr(interval, bound)
                expected = value if value is None else pytest.approx(value, rel=1e-12, abs=1e-15)
                assert getattr(mine, bound) == expected
