"""URLs on the Dask engine: each object is read on a worker, by losscli's readers, to the
local engine's values on the same local files; a signed URL's query reaches the workers
and never the output; a worker's store error is the local engine's message and exit code.
The stores and the cluster are the session's (conftest.py: ``s3_bucket``, ``web_root``,
``dask_client``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import FAKE_SECRET, losscli_process, put_object, table_bytes, write_table
from servers import SIGNATURE
from test_dask_engine import regression, same, shards

from losscli import evaluate

pytest.importorskip("distributed")

OPTIONS = {"pred": ["a", "b"], "group_by": "g", "weight": "w", "losses": "mse,mae,r2,mape"}


@pytest.fixture(autouse=True)
def small_partitions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Partitions of a few row groups, so that every object is cut into several."""
    from losscli.engine.distributed import partitions

    monkeypatch.setattr(partitions, "PARTITION_ROWS", 250)


@pytest.fixture
def s3_on_workers(s3_bucket: str, dask_client: Any) -> Any:
    """The bucket, with the workers given the endpoint and credentials the client has:
    workers read with their own environment (the session's cluster started before the
    bucket's variables were set), as a remote cluster's do."""
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_REGION")
    env = {name: os.environ[name] for name in names}
    dask_client.run(set_environment, env)
    yield s3_bucket
    dask_client.run(set_environment, dict.fromkeys(names))


def set_environment(env: dict[str, str | None]) -> None:
    """On a worker: these variables set (None: unset)."""
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def rows_without_file(result: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "file"} for row in result.to_dict()["rows"]]


def uploaded(directory: Path, bucket: str, prefix: str) -> None:
    """Every file of ``directory`` put under ``s3://bucket/prefix/``."""
    for path in sorted(directory.iterdir()):
        put_object(f"s3://{bucket}/{prefix}/{path.name}", path.read_bytes())


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.parametrize("argument", ["preds/", "preds/*{suffix}", "preds/part-1{suffix}"])
def test_s3_objects_on_dask_give_the_local_engines_values_on_the_same_local_files(
    s3_on_workers: str, tmp_path: Path, dask_client: Any, suffix: str, argument: str
) -> None:
    """A prefix, a glob and a single object, read on the workers."""
    s3_bucket = s3_on_workers
    local = shards(regression(rows=1500), tmp_path / "preds", suffix)
    uploaded(local, s3_bucket, "preds")
    name = argument.format(suffix=suffix)
    here = local / name.removeprefix("preds/") if "part-" in name else local
    want = evaluate(str(here), threads=1, **OPTIONS)
    url = f"s3://{s3_bucket}/{name}"
    found = evaluate(url, engine="dask", scheduler=dask_client, threads=1, **OPTIONS)
    same(rows_without_file(want), rows_without_file(found))
    assert found.rows[-1].file == url.rstrip("/") or found.rows[-1].file == url
    assert found.rows[-1].n == want.rows[-1].n > 0


def test_a_signed_url_is_read_on_the_workers_with_its_query(
    web_root: tuple[str, Path], tmp_path: Path, dask_client: Any
) -> None:
    """The web server refuses the file without the signature: the workers sent it."""
    base, directory = web_root
    (directory / "private").mkdir(exist_ok=True)
    local = write_table(regression(rows=1500), tmp_path / "signed.parquet")
    (directory / "private" / "signed.parquet").write_bytes(local.read_bytes())
    signed = f"{base}/private/signed.parquet?{SIGNATURE}&X-Amz-Credential=AKIAFAKE%2Fscope"
    want = evaluate(str(local), threads=1, **OPTIONS)
    found = evaluate(signed, engine="dask", scheduler=dask_client, threads=1, **OPTIONS)
    same(rows_without_file(want), rows_without_file(found))
    assert found.rows[-1].file == f"{base}/private/signed.parquet"


def test_a_dask_run_never_shows_a_secret(
    s3_on_workers: str, web_root: tuple[str, Path], dask_client: Any
) -> None:
    """A fake secret key (environment and storage option) and signed URLs, in successful
    and failing runs on the workers with --debug: no output shows any of them."""
    base, directory, s3_bucket = *web_root, s3_on_workers
    (directory / "private").mkdir(exist_ok=True)
    data = table_bytes(regression(rows=600), "data.parquet")
    (directory / "private" / "data.parquet").write_bytes(data)
    put_object(f"s3://{s3_bucket}/data.parquet", data)
    signed = f"{base}/private/data.parquet?{SIGNATURE}&X-Amz-Credential=AKIAFAKE%2Fscope"
    option = ["--storage-option", f"secret={FAKE_SECRET}", "--storage-option", "key=AKIAFAKE2"]
    dask = ["--engine", "dask", "--scheduler", dask_client.scheduler.address, "--debug"]
    runs = [
        losscli_process("evaluate", signed, "-p", "a", "-f", "json", *dask),
        losscli_process("evaluate", signed, "-p", "a", *dask, "--check", "mse<0"),
        losscli_process("evaluate", f"s3://{s3_bucket}/data.parquet", "-p", "a", *dask),
        losscli_process("evaluate", f"s3://{s3_bucket}/gone.parquet", "-p", "a", *option, *dask),
    ]
    assert [done.returncode for done in runs] == [0, 1, 0, 3]
    assert f'"file": "{base}/private/data.parquet"' in runs[0].stdout
    for done in runs:
        text = done.stdout + done.stderr
        for secret in (FAKE_SECRET, "X-Amz-Signature=good", "AKIAFAKE"):
            assert secret not in text, (secret, text)


def test_a_key_gone_when_a_worker_reads_it_is_the_local_engines_message_and_exit_3(
    s3_on_workers: str, tmp_path: Path, dask_client: Any, run: Any
) -> None:
    """An object listed, then deleted before it is read (a bucket being rewritten): the
    listing is the one this process made (fsspec keeps it), the read is a worker's."""
    import boto3
    import fsspec

    bucket = s3_on_workers
    uploaded(shards(regression(rows=900), tmp_path / "preds", ".parquet"), bucket, "preds")
    url = f"s3://{bucket}/preds/*.parquet"
    assert len(fsspec.filesystem("s3").glob(url)) == 3  # listed, and the listing kept
    boto3.client("s3").delete_object(Bucket=bucket, Key="preds/part-2.parquet")
    address = dask_client.scheduler.address
    local = run("evaluate", url, "-p", "a", "--engine", "local")
    dask = run("evaluate", url, "-p", "a", "--engine", "dask", "--scheduler", address)
    assert local.exit_code == dask.exit_code == 3
    said = f"losscli: error: s3://{bucket}/preds/part-2.parquet: no such bucket or key; check the"
    assert local.stderr.startswith(said) and dask.stderr.startswith(said)
    # Only the store's own reason in brackets differs: the local engine opens the object
    # with the listing's size and fails on reading it (NoSuchKey), a worker reopens it by
    # name and fails on its HEAD request (FileNotFoundError).
    assert dask.stderr.split(" (")[0] == local.stderr.split(" (")[0]


def test_storage_options_alone_reach_the_workers(
    s3_bucket: str, s3_endpoint: str, tmp_path: Path, dask_client: Any
) -> None:
    """Workers without the store's variables read with the run's storage options."""
    assert not any(dask_client.run(lambda: "AWS_ENDPOINT_URL" in os.environ).values())
    local = write_table(regression(rows=900), tmp_path / "data.parquet")
    put_object(f"s3://{s3_bucket}/data.parquet", local.read_bytes())
    storage = {"endpoint_url": s3_endpoint, "key": "AKIAFAKEKEY0000TEST", "secret": FAKE_SECRET}
    found = evaluate(f"s3://{s3_bucket}/data.parquet", engine="dask", scheduler=dask_client,
                     storage_options=storage, threads=1, **OPTIONS)  # fmt: skip
    same(rows_without_file(evaluate(str(local), threads=1, **OPTIONS)), rows_without_file(found))
