"""The benchmark's own machinery (bench/): the data it generates is what it claims to be, its
agreement check reads losscli's CSV and JSON alike and catches a wrong or missing row, and its
targets are judged on the right ratios. No timing here: that is `make bench`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import Result
from conftest import bench_module
from hypothesis import given, settings
from hypothesis import strategies as st

data = bench_module("data")
measure = bench_module("measure")
cases = bench_module("cases")
report = bench_module("report")

METRICS = ("mse", "mape")


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 3_000).flatmap(lambda rows: st.tuples(st.just(rows), st.integers(1, rows))))
def test_group_keys_give_every_group_rows(sizes: tuple[int, int]) -> None:
    rows, groups = sizes
    keys = data.group_keys(rows, groups)
    assert len(keys) == rows
    expected = np.arange(groups) * data.ITEM_STRIDE + data.ITEM_BASE
    assert np.array_equal(np.unique(keys), expected)
    assert np.array_equal(keys, data.group_keys(rows, groups))  # the same data every time


def test_group_keys_refuse_more_groups_than_rows() -> None:
    with pytest.raises(ValueError, match="at least as many rows"):
        data.group_keys(10, 11)


def test_grouped_and_split_data_hold_the_regression_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "N_FILES", 3)
    monkeypatch.setattr(data, "FILE_ROWS", 40)
    store = data.Data(tmp_path)
    store.ensure_regression(120)
    store.ensure_grouped(120, 7)
    store.ensure_files()
    regression = pq.read_table(store.regression(120).with_suffix(".parquet"))
    grouped = pq.read_table(store.grouped(120, 7))
    split = pa.concat_tables(pq.read_table(p) for p in store.file_paths())
    for column in ("y_true", "y_pred"):
        assert grouped[column].equals(regression[column])
        assert split[column].equals(regression[column])
    assert len(set(grouped["item"].to_pylist())) == 7
    assert sorted(p.name for p in store.files().iterdir()) == [p.name for p in store.file_paths()]


def grouped_parquet(path: Path) -> Path:
    rng = np.random.default_rng(5)
    y_true = rng.lognormal(2.0, 1.0, 300)
    item = data.group_keys(300, 4)
    table = pa.table({"y_true": y_true, "y_pred": y_true * rng.lognormal(0, 0.2, 300)})
    pq.write_table(table.append_column("item", pa.array(item)), path)
    return path


def test_losscli_csv_and_json_results_read_alike(
    tmp_path: Path, run: Callable[..., Result]
) -> None:
    path = grouped_parquet(tmp_path / "g.parquet")
    results = {}
    for suffix in ("csv", "json"):
        dest = tmp_path / f"out.{suffix}"
        args = ("evaluate", str(path), "-l", "y_true", "-p", "y_pred", "-m", "mse,mape")
        assert run(*args, "-g", "item", "-o", str(dest)).exit_code == 0
        results[suffix] = report.parse_result(dest.read_text(), ("item",), METRICS)
    assert results["csv"] == results["json"]
    table = pq.read_table(path).to_pandas()
    for item, part in table.groupby("item"):
        mse = float(np.mean((part["y_pred"] - part["y_true"]) ** 2))
        assert results["csv"][str(item)][0] == pytest.approx(mse, rel=1e-12)
    assert set(results["csv"]) == {str(i) for i in table["item"].unique()} | {""}


def test_compare_finds_a_wrong_value_a_missing_group_and_no_rows() -> None:
    losscli = {"1": (1.0, 2.0), "2": (3.0, 4.0), "": (2.0, 3.0)}  # "": the overall row
    assert report.compare(losscli, {"1": (1.0, 2.0), "2": (3.0, 4.0)}, 1e-6) == ""
    assert "2 = (3.1, 4.0)" in report.compare(losscli, {"1": (1.0, 2.0), "2": (3.1, 4.0)}, 1e-6)
    assert "keys in one result only" in report.compare(losscli, {"1": (1.0, 2.0)}, 1e-6)
    assert report.compare(losscli, {}, 1e-6) == "no rows"


def test_files_are_matched_by_name_whatever_the_directory() -> None:
    ours = "file,mse,mape\n/data/x/part-001.parquet,1.0,2.0\n"
    theirs = "file,mse,mape\nx/part-001.parquet,1.0,2.0\n"
    assert report.parse_result(ours, ("file",), METRICS) == report.parse_result(
        theirs, ("file",), METRICS
    )


def measured(work: str, tool: str, seconds: float, peak_mb: float) -> object:
    case = measure.Case(work, tool, ("true",))
    return measure.Measurement(case, [seconds], [round(peak_mb * measure.MB / 1024)])


def test_targets_for_a_million_groups_are_judged_against_duckdb() -> None:
    work = cases.groups_work(1_000_000, 10_000_000)
    results = [
        measured(work, cases.LOSSCLI, 3.0, 400),
        measured(work, cases.LOSSCLI_JSON, 4.0, 600),
        measured(work, cases.DUCKDB, 2.0, 300),
        measured(work, cases.POLARS, 1.0, 700),  # faster, but the target names DuckDB
    ]
    sizes = cases.Sizes(10_000_000, 50_000_000, 1_000_000, (1_000_000,))
    judged = {t.name: t.met for t in report.Targets(results, sizes).judge()}
    assert judged[f"#12 {work}, CSV <= 1.5x DuckDB"] is True
    assert judged[f"#12 {work}, JSON <= 1.5x DuckDB (CSV)"] is False
    assert judged[f"#12 {work}: peak <= 500 MB (CSV and JSON)"] is False
    assert judged["#12 start-up: --version <= 0.08 s"] is None  # not measured
