"""``-o`` and ``--baseline`` at URLs: a report written next to the data, whole or not at all, and
a baseline kept in the bucket; an output object is never an input's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import handles_signals, put_object, table_bytes
from servers import RangeHandler
from test_storage import CASES


def read_object(url: str) -> bytes | None:
    """The object's bytes, or None where there is none."""
    import fsspec

    fs, path = fsspec.core.url_to_fs(url)
    fs.invalidate_cache()
    return bytes(fs.cat_file(path)) if fs.exists(path) else None


@pytest.fixture
def data_url(s3_bucket: str) -> str:
    url = f"s3://{s3_bucket}/preds/data.csv"
    put_object(url, table_bytes(CASES["regression"][0], "data.csv"))
    return url


def test_a_result_written_to_s3_is_the_file_written_locally_and_serves_as_baseline(
    s3_bucket: str, data_url: str, run: Any, tmp_path: Path
) -> None:
    report = f"s3://{s3_bucket}/reports/base.json"
    assert run("evaluate", data_url, "-o", report).exit_code == 0
    assert run("evaluate", data_url, "-o", str(tmp_path / "base.json")).exit_code == 0
    assert read_object(report) == (tmp_path / "base.json").read_bytes()
    gated = run("evaluate", data_url, "--baseline", report, "--max-regression", "mse=0%")
    assert gated.exit_code == 0, gated.stderr
    assert json.loads(read_object(report) or b"")["rows"][0]["file"] == data_url


def test_a_missing_baseline_object_says_how_to_create_it(
    s3_bucket: str, data_url: str, run: Any
) -> None:
    baseline = f"s3://{s3_bucket}/reports/none.json"
    result = run("evaluate", data_url, "--baseline", baseline, "--max-regression", "mse=1%")
    assert result.exit_code == 3
    assert f"{baseline}: the baseline file does not exist; create it with:" in result.stderr
    allowed = run("evaluate", data_url, "--baseline", baseline, "--allow-missing-baseline")
    assert allowed.exit_code == 0


def test_output_to_a_web_server_is_refused(data_url: str, run: Any) -> None:
    result = run("evaluate", data_url, "-o", "https://example.test/report.json")
    assert result.exit_code == 2
    assert "cannot write to a web server" in result.stderr


@pytest.mark.parametrize("output", ["s3a://{b}//preds/data.csv", "s3://{b}/preds/new.csv"])
def test_an_output_object_is_never_an_input_nor_read_by_the_next_run(
    s3_bucket: str, data_url: str, run: Any, output: str
) -> None:
    """The same bucket and key however written; a new key a prefix argument would read."""
    for argument in (data_url, f"s3://{s3_bucket}/preds/"):
        result = run("evaluate", argument, "-o", output.format(b=s3_bucket))
        if argument == data_url and "new.csv" in output:
            assert result.exit_code == 0
            continue
        assert result.exit_code == 2, (argument, output)
        assert "is also an input" in result.stderr or "would be read" in result.stderr


def test_a_failed_upload_is_exit_4_and_leaves_no_temporary_file(
    data_url: str, tmp_path: Path
) -> None:
    spool = tmp_path / "tmp"
    spool.mkdir()
    env = {**os.environ, "TMPDIR": str(spool)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "losscli",
            "evaluate",
            data_url,
            "-o",
            "s3://no-such-bucket9/r.json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 4, done.stderr
    assert "s3://no-such-bucket9/r.json: no such bucket or key" in done.stderr
    assert list(spool.iterdir()) == []


def test_ctrl_c_during_a_remote_read_exits_130_and_leaves_nothing_behind(
    s3_bucket: str, web_root: tuple[str, Path], tmp_path: Path
) -> None:
    """The web server stalls; SIGINT meanwhile: no output object, no temporary file."""
    base, directory = web_root
    RangeHandler.stalled.clear()
    (directory / "slow").mkdir(exist_ok=True)
    (directory / "slow" / "data.csv").write_bytes(table_bytes(CASES["regression"][0], "d.csv"))
    spool = tmp_path / "tmp"
    spool.mkdir()
    output = f"s3://{s3_bucket}/reports/never.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "losscli", "evaluate", f"{base}/slow/data.csv", "-o", output],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(spool)},
    )
    handles_signals(process)
    assert RangeHandler.stalled.wait(60)  # the run is waiting for the server's answer
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert b"Traceback" not in stderr
    assert read_object(output) is None
    assert list(spool.iterdir()) == []


def test_a_config_may_name_a_baseline_url_but_never_an_output_url(
    s3_bucket: str, data_url: str, run: Any, tmp_path: Path
) -> None:
    """A config file writes only below its own directory; it reads a baseline anywhere."""
    report = f"s3://{s3_bucket}/reports/base.json"
    assert run("evaluate", data_url, "-o", report).exit_code == 0
    config = tmp_path / "losscli.toml"
    config.write_text(f'baseline = "{report}"\nmax-regression = ["mse=0%"]\n')
    assert run("evaluate", data_url, "--config", str(config)).exit_code == 0
    config.write_text(f'output = "{report}"\n')
    refused = run("evaluate", data_url, "--config", str(config))
    assert refused.exit_code == 2
    assert "a config file writes only below its own directory" in refused.stderr
