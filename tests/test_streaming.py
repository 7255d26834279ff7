"""Streaming: a file read in many chunks gives what it gives read whole; shards sum as one."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losscli import evaluate
from losscli.reading import csv_source, parquet_source, source

REGRESSION = ["mse", "rmse", "mae", "mape", "smape", "wape", "msle", "huber", "log_cosh", "r2"]


def regression_frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.lognormal(2, 1, n)
    frame = pd.DataFrame(
        {
            "y_true": y,
            "y_pred": y * rng.normal(1, 0.2, n),
            "w": rng.uniform(0, 2, n),
            "g": rng.choice(["a", "b", "c"], n),
            "h": rng.integers(0, 3, n),
        }
    )
    frame.loc[frame.index[-3:], "g"] = "late"  # a group that appears only in the last chunk
    return frame


def classification_frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, (n, 3))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    frame = pd.DataFrame(
        {
            "label": rng.choice(["x", "y", "z"], n),
            "w": rng.uniform(0, 2, n),
            "g": rng.choice(["a", "b"], n),
        }
    )
    for k, name in enumerate("xyz"):
        frame[f"p_{name}"] = probs[:, k]
    return frame


def same(a, b) -> None:
    assert [(r.file, r.pred, r.group, r.n) for r in a.rows] == [
        (r.file, r.pred, r.group, r.n) for r in b.rows
    ]
    for left, right in zip(a.rows, b.rows, strict=True):
        for loss, value in left.metrics.items():
            other = right.metrics[loss]
            assert (value is None) == (other is None), loss
            if value is not None:
                assert math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-12), (loss, left.group)


def chunked(monkeypatch, rows: int, block_bytes: int) -> None:
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", rows)
    monkeypatch.setattr(source, "TABLE_BATCH_ROWS", rows)
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", block_bytes)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 10_000),
    rows=st.integers(1, 97),
    block=st.integers(200, 3000),
    suffix=st.sampled_from([".csv", ".parquet", ".csv.gz"]),
)
def test_streamed_equals_whole_regression(
    tmp_path_factory, monkeypatch, seed, rows, block, suffix
) -> None:
    path = write_table(regression_frame(seed, 300), tmp_path_factory.mktemp("s") / f"r{suffix}")
    args = {"losses": REGRESSION, "weight": "w", "group_by": ["g", "h"]}
    whole = evaluate(str(path), **args)
    with monkeypatch.context() as patch:
        chunked(patch, rows, block)
        streamed = evaluate(str(path), **args)
    same(streamed, whole)
    assert streamed.rows[-2].group == {"g": "late", "h": streamed.rows[-2].group["h"]}


@pytest.mark.parametrize("rows", [1, 7, 64])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_streamed_equals_whole_classification(tmp_path, monkeypatch, rows, suffix) -> None:
    path = write_table(classification_frame(3, 200), tmp_path / f"c{suffix}")
    args = {
        "label": "label",
        "probs": "p_*",
        "weight": "w",
        "group_by": "g",
        "losses": "ce,acc,mse",
    }
    whole = evaluate(str(path), **args)
    chunked(monkeypatch, rows, 256)
    same(evaluate(str(path), **args), whole)


def test_a_directory_or_glob_of_shards_is_one_dataset(tmp_path: Path) -> None:
    frame = regression_frame(1, 900)
    shards = tmp_path / "shards"
    (shards / "day=2").mkdir(parents=True)
    for i, part in enumerate([frame.iloc[:300], frame.iloc[300:600], frame.iloc[600:]]):
        folder = shards / "day=2" if i == 2 else shards
        write_table(part, folder / f"part-{i}.parquet")
    whole = evaluate(
        str(write_table(frame, tmp_path / "whole.parquet")), group_by="g", losses=REGRESSION
    )
    from_dir = evaluate(str(shards), group_by="g", losses=REGRESSION)
    from_glob = evaluate(str(shards / "**" / "*.parquet"), group_by="g", losses=REGRESSION)
    for result, name in ((from_dir, str(shards)), (from_glob, str(shards / "**" / "*.parquet"))):
        assert {r.file for r in result.rows} == {name}
        for left, right in zip(result.rows, whole.rows, strict=True):
            assert left.n == right.n and left.group == right.group
            for loss in REGRESSION:
                assert left.metrics[loss] == pytest.approx(right.metrics[loss], rel=1e-9)


def test_shards_must_share_columns(tmp_path: Path) -> None:
    from losscli.errors import InputError

    write_table(pd.DataFrame({"y_true": [1.0], "y_pred": [1.0]}), tmp_path / "a.parquet")
    write_table(pd.DataFrame({"y_true": [1.0], "forecast": [1.0]}), tmp_path / "b.parquet")
    with pytest.raises(InputError, match=r"b\.parquet: no column 'y_pred'; every shard of"):
        evaluate(str(tmp_path))


def test_an_empty_directory_is_an_input_error(run, tmp_path: Path) -> None:
    result = run("evaluate", str(tmp_path))
    assert result.exit_code == 3
    assert "no Parquet or CSV files" in result.stderr


@pytest.mark.parametrize(("suffix", "unit"), [(".csv", "bytes"), (".parquet", "rows")])
def test_progress_reports_each_chunk(tmp_path, monkeypatch, suffix, unit) -> None:
    path = write_table(regression_frame(2, 500), tmp_path / f"p{suffix}")
    chunked(monkeypatch, 100, 4096)
    seen: list[tuple[int, int | None, str]] = []
    evaluate(str(path), progress=lambda name, done, total, u: seen.append((done, total, u)))
    assert len(seen) >= 3
    assert all(u == unit for _, _, u in seen)
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen)
    assert seen[-1][1] == (path.stat().st_size if unit == "bytes" else 500)


def test_errors_in_a_shard_name_the_shard_and_its_row(run, tmp_path: Path) -> None:
    write_table(pd.DataFrame({"y_true": [1.0, 2.0], "y_pred": [1.0, 2.0]}), tmp_path / "a.parquet")
    write_table(pd.DataFrame({"y_true": [1.0, 2.0], "y_pred": [1.0, None]}), tmp_path / "b.parquet")
    result = run("evaluate", str(tmp_path))
    assert result.exit_code == 3
    assert result.stderr.startswith(
        f"losscli: error: {tmp_path / 'b.parquet'}: column 'y_pred' "
        "has 1 missing or non-finite value (first at data row 2"
    )


def test_one_shard_of_zero_weights_is_fine(tmp_path: Path) -> None:
    for name, pred, weight in (("a", 2.0, 0.0), ("b", 3.0, 1.0)):
        frame = pd.DataFrame({"y_true": [1.0], "y_pred": [pred], "w": [weight]})
        write_table(frame, tmp_path / f"{name}.parquet")
    assert evaluate(str(tmp_path), weight="w", losses="mse").rows[0].metrics["mse"] == 4.0


@pytest.mark.parametrize("ci", [None, 0.9])
def test_thread_count_changes_no_value(monkeypatch: pytest.MonkeyPatch, ci: float | None) -> None:
    """Chunks computed by several threads are folded in reading order: the same bits."""
    monkeypatch.setattr(source, "TABLE_BATCH_ROWS", 97)
    rng = np.random.default_rng(3)
    y = rng.uniform(1, 3, 2000)
    frame = pd.DataFrame(
        {"y_true": y, "y_pred": y + rng.normal(0, 1, 2000), "g": rng.choice(list("abcdefg"), 2000)}
    )
    runs = [
        evaluate(
            frame,
            group_by="g",
            losses="all",
            ci=ci,
            ci_method="bootstrap",
            resamples=50,
            threads=threads,
        ).to_dict()
        for threads in (1, 2, 5)
    ]
    assert runs[0] == runs[1] == runs[2]
