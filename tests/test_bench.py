"""The benchmark's own machinery (bench/): the data it generates is what it claims to be, its
agreement check reads losscli's CSV and JSON alike and catches a wrong or missing row, and its
targets are judged on the right ratios. No timing here: that is `make bench`."""

from __future__ import annotations

import json
import subprocess
import sys
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
gates = bench_module("gates")
rivals = bench_module("rivals")

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


def measured(work: str, tool: str, seconds: float | list[float], peak_mb: float) -> object:
    case = measure.Case(work, tool, ("true",))
    rounds = seconds if isinstance(seconds, list) else [seconds]
    return measure.Measurement(case, rounds, [round(peak_mb * measure.MB / 1024)] * len(rounds))


def test_targets_for_a_million_groups_are_judged_against_the_floor_with_writing() -> None:
    work = cases.groups_work(1_000_000, 10_000_000)
    results = [
        measured(work, cases.FLOOR_WRITING, 2.0, 300),
        measured(work, cases.LOSSCLI, 3.0, 400),
        measured(work, cases.LOSSCLI_JSON, 4.0, 600),
        measured(work, cases.DUCKDB, 2.0, 300),
        measured(work, cases.POLARS, 1.0, 700),
    ]
    sizes = cases.Sizes(10_000_000, 50_000_000, 1_000_000, (1_000_000,))
    judged = {t.name: t for t in gates.Targets(results, sizes).judge()}
    gate = judged[f"#18 {work}, CSV <= 1.5x (floor + writing the result)"]
    assert (gate.met, gate.measured, gate.rival) == (True, "1.50x", "3.00x")  # polars: faster
    assert judged[f"#18 {work}: peak <= 500 MB (CSV and JSON)"].met is False  # JSON's 600 MB
    assert judged["#12 start-up: --version <= 0.08 s"].met is None  # not measured


def test_gates_judge_the_median_of_round_by_round_ratios() -> None:
    work = cases.reg_work("Parquet", False, 50_000_000)
    results = [  # the machine slowed in round 2: each round's ratio is 1.2
        measured(work, cases.FLOOR, [1.0, 2.0, 1.0], 100),
        measured(work, cases.LOSSCLI, [1.2, 2.4, 1.2], 100),
    ]
    sizes = cases.Sizes(10_000_000, 50_000_000, 1_000_000, ())
    judged = {t.name: t for t in gates.Targets(results, sizes).judge()}
    gate = judged[f"#18 {work} <= 1.3x floor"]
    assert (gate.met, gate.measured, gate.spread) == (True, "1.20x", "1.20-1.20")


def test_threads_are_gated_over_a_second_and_must_gain_on_the_big_file() -> None:
    big = cases.reg_work("Parquet", True, 50_000_000)
    slow, quick = cases.reg_work("CSV", False, 10_000_000), cases.reg_work("CSV", True, 1_000_000)
    results = [
        measured(big, cases.LOSSCLI_T1, [2.0, 2.0, 2.0], 100),
        measured(big, cases.LOSSCLI_T2, [2.0, 2.0, 2.0], 100),  # as fast: not faster
        measured(slow, cases.LOSSCLI_T1, [1.5, 1.5, 1.5], 100),
        measured(slow, cases.LOSSCLI_T2, [1.56, 1.56, 1.56], 100),  # 1.04x: within 1.05x
        measured(quick, cases.LOSSCLI_T1, [0.5, 0.5, 0.5], 100),
        measured(quick, cases.LOSSCLI_T2, [0.9, 0.9, 0.9], 100),  # under a second: not gated
    ]
    sizes = cases.Sizes(10_000_000, 50_000_000, 1_000_000, ())
    judged = {t.name: t.met for t in gates.Targets(results, sizes).judge() if "--threads" in t.name}
    assert judged == {
        f"#18 {big}: --threads 2 < 1x --threads 1": False,
        f"#18 {slow}: --threads 2 <= 1.05x --threads 1": True,
    }


def test_the_floor_reads_with_losscli_reader_settings() -> None:
    from losscli.reading import csv_source, parquet_source

    settings = json.loads(cases.reader_settings(("y_true", "y_pred", "region"), ("region",)))
    assert settings["batch_rows"] == parquet_source.batch_rows(2)  # two numeric columns
    assert settings["buffer_bytes"] == parquet_source.READ_BUFFER_BYTES
    assert settings["block_bytes"] == csv_source.BLOCK_BYTES
    assert settings["text"] == ["region"]


def test_the_floor_script_streams_parquet_and_csv_and_writes_a_result(tmp_path: Path) -> None:
    path = grouped_parquet(tmp_path / "g.parquet")
    csv_path = tmp_path / "g.csv"
    pq.read_table(path).to_pandas().to_csv(csv_path, index=False)
    dest = tmp_path / "floor.csv"
    settings = cases.reader_settings(("y_true", "y_pred", "item"), write=(str(dest), 4))
    for source in (path, csv_path):
        done = subprocess.run(
            [sys.executable, "-c", rivals.FLOOR_SCRIPT, settings, str(source)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        lines = dest.read_text().splitlines()
        assert lines[0].replace('"', "") == "file,pred,scope,key,n,mse,mape"
        assert len(lines) == 1 + 4
        dest.unlink()


def test_the_dask_and_s3_families_run_and_agree_with_the_local_engine(tmp_path: Path) -> None:
    """`make bench`'s --engine dask cases (1 worker, against --threads 1) and its S3 cases
    (moto on loopback, against the same file on disk) run, at a small size, to losscli's
    values."""
    dask_cases, s3_cases = bench_module("dask_cases"), bench_module("s3_cases")
    commands, store = cases.make_commands(), data.Data(tmp_path)
    store.make_root()
    dask = dask_cases.dask_family(commands, store, (2_000,))
    s3 = s3_cases.s3_family(commands, store, 2_000)
    chosen = [c for c in dask.cases if c.tool in (cases.LOSSCLI_T1, dask_cases.DASK_W1)]
    runner = measure.Runner(600, measure.child_env(store.root))
    try:
        for family in (dask, s3):
            family.prepare()
        results = measure.measure([*chosen, *s3.cases], runner, runs=1, warmup=0)
    finally:
        s3_cases.stop_servers()
    assert all(m.ok for m in results), [m.error for m in results]
    agreement, agreed = report.agreement_report(results)
    assert agreed and s3_cases.S3 in agreement, agreement  # S3 checked against the disk
    for work, group in report.by_work(results[: len(chosen)]).items():
        local, remote = (group[t] for t in (cases.LOSSCLI_T1, dask_cases.DASK_W1))
        keys, metrics = local.case.keys, local.case.metrics
        expected = report.parse_result(local.result(), keys, metrics)
        assert (
            report.compare(expected, report.parse_result(remote.result(), keys, metrics), 1e-9)
            == ""
        ), work


@pytest.mark.parametrize("kind", ["binary", "regression"])
def test_the_new_options_add_no_python_per_row_and_a_bounded_number_per_block(
    tmp_path: Path, kind: str
) -> None:
    """#21 and #22's guard (bench/call_guard.py), counted, never timed: per chunk of 1,000 rows
    (one block), each new option's Python-level calls over the plain run's stay within the
    budget, and twice the rows in as many chunks add none."""
    guard = bench_module("call_guard")
    names = [name for name, (data_kind, _) in guard.OPTIONS.items() if data_kind == kind]
    found = guard.measure_calls(tmp_path, 8_000, names)
    assert found[guard.PLAIN[kind]].calls > 100  # the kernel's own calls were counted
    verdicts = guard.judged(found)
    assert [name for name, *_ in verdicts] == names
    assert all(ok for *_, ok in verdicts), verdicts
