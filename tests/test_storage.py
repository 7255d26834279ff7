"""URLs as inputs: S3 (moto's server), Azure (Azurite), GCS (an emulator) and a web server that
answers Range requests, all on 127.0.0.1, read as local files are, to the same values."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import put_object, table_bytes, write_table
from test_streaming import classification_frame, regression_frame

from losscli import evaluate
from losscli.reading import open_source


def binary_frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "label": rng.integers(0, 2, n),
            "p": rng.uniform(0.01, 0.99, n),
            "w": rng.uniform(0, 2, n),
            "g": rng.choice(["a", "b"], n),
        }
    )


# Every registered loss made for each kind of data (-m all), weighted and grouped.
CASES = {
    "regression": (regression_frame(3, 3000), {"pred": "y_pred"}),
    "binary": (binary_frame(4, 3000), {"label": "label", "pred": "p"}),
    "multiclass": (classification_frame(5, 3000), {"label": "label", "probs": "p_*"}),
}


def assert_same_values(remote: Any, local: Any) -> None:
    """Equal rows (but for the file's name) with values equal to 1e-12."""
    assert [(r.pred, r.group, r.n) for r in remote.rows] == [
        (r.pred, r.group, r.n) for r in local.rows
    ]
    for left, right in zip(remote.rows, local.rows, strict=True):
        assert left.metrics.keys() == right.metrics.keys()
        for loss, value in left.metrics.items():
            other = right.metrics[loss]
            assert (value is None) == (other is None), loss
            if value is not None and other is not None:
                assert value == pytest.approx(other, rel=1e-12, abs=1e-300), loss


def evaluate_both(
    url: str, local: Path, options: dict[str, Any], **storage: Any
) -> tuple[Any, Any]:
    run = {"losses": "all", "weight": "w", "group_by": "g", **options}
    return evaluate(url, storage_options=storage or None, **run), evaluate(str(local), **run)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("name", ["data.parquet", "data.csv.gz", "data.csv"])
def test_s3_reads_equal_local_reads_over_every_registered_loss(
    s3_bucket: str, tmp_path: Path, case: str, name: str
) -> None:
    frame, options = CASES[case]
    local = write_table(frame, tmp_path / name)
    put_object(f"s3://{s3_bucket}/{name}", local.read_bytes())
    remote, here = evaluate_both(f"s3://{s3_bucket}/{name}", local, options)
    assert_same_values(remote, here)
    assert remote.rows[-1].file == f"s3://{s3_bucket}/{name}"


@pytest.mark.parametrize("argument", ["preds/", "preds", "preds/*.parquet", "**/*.parquet"])
def test_a_prefix_or_glob_of_objects_is_one_dataset_as_a_local_directory_is(
    s3_bucket: str, tmp_path: Path, argument: str
) -> None:
    frame, options = CASES["regression"]
    (tmp_path / "preds").mkdir()
    for k in range(3):
        part = frame.iloc[k * 1000 : (k + 1) * 1000]
        path = write_table(part, tmp_path / "preds" / f"part-{k}.parquet")
        put_object(f"s3://{s3_bucket}/preds/part-{k}.parquet", path.read_bytes())
    put_object(f"s3://{s3_bucket}/preds/_SUCCESS", b"")  # not data: left out, as locally
    remote, here = evaluate_both(f"s3://{s3_bucket}/{argument}", tmp_path / "preds", options)
    assert_same_values(remote, here)
    assert remote.rows[-1].n == len(frame)


def test_a_prefix_mixing_parquet_and_csv_is_refused_naming_one_of_each(
    s3_bucket: str, run: Any
) -> None:
    put_object(f"s3://{s3_bucket}/mixed/a.parquet", table_bytes(CASES["binary"][0], "a.parquet"))
    put_object(f"s3://{s3_bucket}/mixed/b.csv", table_bytes(CASES["binary"][0], "b.csv"))
    result = run("evaluate", f"s3://{s3_bucket}/mixed/", "-p", "p")
    assert result.exit_code == 3
    assert "a.parquet" in result.stderr and "b.csv" in result.stderr and "glob" in result.stderr


def test_only_the_needed_columns_are_fetched_from_s3(
    s3_bucket: str, s3_bytes_sent: list[int], tmp_path: Path
) -> None:
    """Measured at the server: the footer and the two needed columns' chunks, nothing of
    the eight other columns."""
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    columns = {f"extra_{k}": rng.normal(size=100_000) for k in range(8)}
    frame = pd.DataFrame({"y_true": rng.normal(size=100_000), **columns})
    frame["y_pred"] = frame.y_true + 1
    local = write_table(frame, tmp_path / "wide.parquet")
    url = f"s3://{s3_bucket}/wide.parquet"
    put_object(url, local.read_bytes())
    meta = pq.ParquetFile(local).metadata
    chunks = [meta.row_group(0).column(k) for k in range(meta.num_columns)]
    used = ("y_true", "y_pred")
    needed = sum(c.total_compressed_size for c in chunks if c.path_in_schema in used)
    before = s3_bytes_sent[0]
    reports: list[tuple[int, int | None, str]] = []
    evaluate(url, losses="mse", progress=lambda name, *report: reports.append(report))
    sent = s3_bytes_sent[0] - before
    footer = 64 << 10  # Arrow's first read from the end: the footer and what precedes it
    assert needed <= sent <= needed + footer < local.stat().st_size / 3
    assert reports[-1] == (sent, local.stat().st_size, "bytes")  # the bar shows bytes fetched


def test_progress_counts_the_bytes_fetched_from_a_remote_csv(s3_bucket: str) -> None:
    data = table_bytes(CASES["regression"][0], "data.csv")
    put_object(f"s3://{s3_bucket}/data.csv", data)
    reports: list[tuple[str, int, int | None, str]] = []
    evaluate(f"s3://{s3_bucket}/data.csv", progress=lambda *report: reports.append(report))
    assert reports[-1] == (f"s3://{s3_bucket}/data.csv", len(data), len(data), "bytes")


def test_a_small_csv_object_is_fetched_once(s3_bucket: str, s3_bytes_sent: list[int]) -> None:
    """Its header, encoding mark and rows are read from the one copy fetched."""
    data = table_bytes(CASES["regression"][0], "data.csv.gz")
    put_object(f"s3://{s3_bucket}/data.csv.gz", data)
    before = s3_bytes_sent[0]
    evaluate(f"s3://{s3_bucket}/data.csv.gz", weight="w", group_by="g")
    assert s3_bytes_sent[0] - before == len(data)


def test_a_remote_source_pickles_and_reads_again_from_its_url(s3_bucket: str) -> None:
    """What a Dask worker gets: the source, unpickled, opens the object again."""
    frame, _ = CASES["regression"]
    put_object(f"s3://{s3_bucket}/data.parquet", table_bytes(frame, "data.parquet"))
    put_object(f"s3://{s3_bucket}/data.csv", table_bytes(frame, "data.csv"))
    for name in ("data.parquet", "data.csv"):
        source = open_source(f"s3://{s3_bucket}/{name}", storage_options={"anon": False})
        assert source.columns() == list(frame.columns)
        again = pickle.loads(pickle.dumps(source))
        rows = sum(batch.num_rows for batch in again.batches(["y_true"], ["y_true"]))
        assert rows == len(frame)


def test_anon_true_reads_a_public_bucket(s3_bucket: str, run: Any) -> None:
    import boto3

    put_object(f"s3://{s3_bucket}/data.csv", table_bytes(CASES["regression"][0], "data.csv"))
    boto3.client("s3").put_object_acl(Bucket=s3_bucket, Key="data.csv", ACL="public-read")
    result = run(
        "evaluate", f"s3://{s3_bucket}/data.csv", "--storage-option", "anon=true", "-f", "json"
    )
    assert result.exit_code == 0, result.stderr
    assert f'"file": "s3://{s3_bucket}/data.csv"' in result.stdout


def test_a_config_file_sets_storage_options(
    s3_bucket: str, s3_endpoint: str, run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The endpoint comes from the config's storage options alone."""
    put_object(f"s3://{s3_bucket}/data.csv", table_bytes(CASES["regression"][0], "data.csv"))
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    config = tmp_path / "losscli.toml"
    config.write_text(f'storage-option = ["endpoint_url={s3_endpoint}", "anon=false"]\n')
    result = run("evaluate", f"s3://{s3_bucket}/data.csv", "--config", str(config), "-f", "csv")
    assert result.exit_code == 0, result.stderr


def test_a_web_file_is_read_by_range_requests_to_the_local_values(
    web_root: tuple[str, Path], tmp_path: Path
) -> None:
    base, directory = web_root
    frame, options = CASES["multiclass"]
    for name in ("data.parquet", "data.csv.bz2"):
        local = write_table(frame, tmp_path / name)
        (directory / name).write_bytes(local.read_bytes())
        remote, here = evaluate_both(f"{base}/{name}", local, options)
        assert_same_values(remote, here)


@pytest.mark.parametrize("argument", ["*.parquet", "dir/", ""])
def test_a_glob_or_prefix_on_a_web_server_is_a_usage_error(
    web_root: tuple[str, Path], run: Any, argument: str
) -> None:
    result = run("evaluate", f"{web_root[0]}/{argument}")
    assert result.exit_code == 2
    assert "HTTP has no listing" in result.stderr


def test_azure_reads_equal_local_reads(azure_container: str, tmp_path: Path) -> None:
    frame, options = CASES["binary"]
    local = write_table(frame, tmp_path / "data.parquet")
    for scheme in ("az", "abfs"):
        put_object(f"az://{azure_container}/d/data.parquet", local.read_bytes())
        remote, here = evaluate_both(f"{scheme}://{azure_container}/d/", local, options)
        assert_same_values(remote, here)


def test_gcs_reads_equal_local_reads(gcs_bucket: str, tmp_path: Path) -> None:
    frame, options = CASES["regression"]
    for name in ("data.parquet", "data.csv"):
        local = write_table(frame, tmp_path / name)
        put_object(f"gs://{gcs_bucket}/{name}", local.read_bytes(), token="anon")
        remote, here = evaluate_both(f"gs://{gcs_bucket}/{name}", local, options, anon=True)
        assert_same_values(remote, here)
