"""What a user meets when a store fails: the URL named, what to do, exit 3 for what the URL
names and 4 for the way there, and never a secret (a key, a signature) in any output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FAKE_SECRET, losscli_process, put_object, table_bytes
from servers import SIGNATURE, free_port
from test_storage import CASES


@pytest.fixture
def data_csv() -> bytes:
    return table_bytes(CASES["regression"][0], "data.csv")


def test_a_missing_key_or_bucket_is_an_input_error_naming_the_url(s3_bucket: str, run: Any) -> None:
    for url in (f"s3://{s3_bucket}/missing.csv", "s3://no-such-bucket-here/data.csv"):
        result = run("evaluate", url)
        assert result.exit_code == 3
        assert result.stderr.startswith(f"losscli: error: {url}: no such bucket or key; check")


def test_access_denied_is_an_input_error_saying_what_to_do(
    s3_bucket: str, run: Any, data_csv: bytes
) -> None:
    """An anonymous request to a private bucket: the server answers 403."""
    put_object(f"s3://{s3_bucket}/data.csv", data_csv)
    result = run("evaluate", f"s3://{s3_bucket}/data.csv", "--storage-option", "anon=true")
    assert result.exit_code == 3
    assert f"s3://{s3_bucket}/data.csv: access denied; check the credentials" in result.stderr


def test_an_object_that_is_not_parquet_is_an_input_error(
    s3_bucket: str, run: Any, data_csv: bytes
) -> None:
    put_object(f"s3://{s3_bucket}/data.parquet", data_csv)
    result = run("evaluate", f"s3://{s3_bucket}/data.parquet")
    assert result.exit_code == 3
    assert f"s3://{s3_bucket}/data.parquet: not a valid Parquet file" in result.stderr


def test_an_unreachable_endpoint_is_an_environment_error(
    s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing there
    result = losscli_process("evaluate", f"s3://{s3_bucket}/data.csv")
    assert result.returncode == 4
    assert f"s3://{s3_bucket}/data.csv: cannot reach the store" in result.stderr
    assert "check the network, the endpoint" in result.stderr


def test_a_missing_store_package_is_one_line_naming_the_extra(
    s3_bucket: str, run: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data_csv: bytes
) -> None:
    monkeypatch.setitem(sys.modules, "s3fs", None)  # as if it were not installed
    result = run("evaluate", f"s3://{s3_bucket}/data.csv")
    assert result.exit_code == 4
    assert result.stderr.count("\n") == 1
    assert "needs s3fs" in result.stderr and "pip install 'losscli[s3]'" in result.stderr
    local = tmp_path / "data.csv"
    local.write_bytes(data_csv)
    output = run("evaluate", str(local), "-o", f"s3://{s3_bucket}/report.json")
    assert output.exit_code == 4  # before anything is read
    assert output.stderr.count("\n") == 1 and "pip install 'losscli[s3]'" in output.stderr


def test_an_unknown_scheme_or_storage_option_is_a_usage_error(s3_bucket: str, run: Any) -> None:
    assert run("evaluate", "ftp://host/data.csv").exit_code == 2
    result = run("evaluate", f"s3://{s3_bucket}/x.csv", "--storage-option", "no_such_option=1")
    assert result.exit_code == 2
    assert "a storage option is not one s3fs takes" in result.stderr
    assert run("evaluate", f"s3://{s3_bucket}/x.csv", "--storage-option", "anon").exit_code == 2


def test_secrets_never_appear_in_any_output_nor_the_debug_traceback(
    s3_bucket: str, web_root: tuple[str, Path], data_csv: bytes
) -> None:
    """A fake secret key (environment and storage option) and signed URLs, in successful
    and failing runs with --debug: standard output, standard error and the JSON ``file``
    show none of them."""
    base, directory = web_root
    (directory / "private").mkdir(exist_ok=True)
    (directory / "private" / "data.csv").write_bytes(data_csv)
    put_object(f"s3://{s3_bucket}/data.csv", data_csv)
    signed = f"{base}/private/data.csv?{SIGNATURE}&X-Amz-Credential=AKIAFAKE%2Fscope"
    wrong = f"{base}/private/data.csv?X-Amz-Signature=wrongSignature0123&X-Amz-Credential=AK"
    missing = f"{base}/private/gone.csv?{SIGNATURE}"
    option = ["--storage-option", f"secret={FAKE_SECRET}", "--storage-option", "key=AKIAFAKE2"]
    runs = [
        losscli_process("evaluate", signed, "-f", "json", "--debug"),
        losscli_process("evaluate", wrong, "--debug"),
        losscli_process("evaluate", missing, "--debug"),
        losscli_process("evaluate", f"s3://{s3_bucket}/gone.csv", *option, "--debug"),
        losscli_process("evaluate", f"s3://{s3_bucket}/data.csv", "--debug", "--check", "mse<0"),
    ]
    assert [done.returncode for done in runs] == [0, 3, 3, 3, 1]
    assert f'"file": "{base}/private/data.csv"' in runs[0].stdout
    assert "Traceback" in runs[2].stderr  # --debug shows it, redacted
    for done in runs:
        text = done.stdout + done.stderr
        for secret in (FAKE_SECRET, "X-Amz-Signature=good", "wrongSignature0123", "AKIAFAKE"):
            assert secret not in text, (secret, text)
    assert f"{base}/private/data.csv: access denied" in runs[1].stderr
    assert f"{base}/private/gone.csv: no such file" in runs[2].stderr
