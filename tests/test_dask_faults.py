"""The Dask engine's faults: a bad value or a failing plugin on a worker, a worker killed
mid-run, Ctrl-C, a scheduler out of reach, standard input, Dask not installed; and what a
local run never imports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import tomllib
from conftest import handles_signals, losscli_process, write_plugin, write_table
from test_cli_process import imported_modules
from test_dask_engine import regression, rows_of, same, shards

from losscli import evaluate

pytest.importorskip("distributed")

SLOW_PLUGIN = """
import time
from pathlib import Path

@losscli.loss(name="slow_se", formula="(ŷ − y)²", description="squared error, slowly")
def slow_se(y, p):
    Path(__file__).with_name("started").touch()
    time.sleep({seconds})
    return (p - y) ** 2
"""


@pytest.fixture(autouse=True)
def small_partitions(monkeypatch: pytest.MonkeyPatch) -> None:
    from losscli.engine.distributed import partitions

    monkeypatch.setattr(partitions, "PARTITION_ROWS", 250)


def test_a_bad_value_on_a_worker_is_the_local_engines_message_and_exit_3(
    tmp_path: Path, dask_client: Any, run: Any
) -> None:
    frame = regression(rows=1500)
    frame.loc[frame.index[[730, 910]], "a"] = np.inf  # the second shard, two partitions
    directory = shards(frame, tmp_path / "bad", ".parquet")
    address = dask_client.scheduler.address
    local = run("evaluate", str(directory), "-p", "a", "--engine", "local")
    dask = run("evaluate", str(directory), "-p", "a", "--engine", "dask", "--scheduler", address)
    assert local.exit_code == dask.exit_code == 3
    assert dask.stderr == local.stderr
    assert "part-1.parquet" in dask.stderr and "2 " in dask.stderr


def test_a_plugin_loss_reaches_the_workers_and_gives_the_local_value(
    tmp_path: Path, dask_client: Any, run: Any, clean_registry: None
) -> None:
    plugin = write_plugin(tmp_path, SLOW_PLUGIN.format(seconds=0))
    path = write_table(regression(rows=600), tmp_path / "data.parquet")
    outputs = []
    for engine in (
        ["--engine", "local"],
        ["--engine", "dask", "--scheduler", dask_client.scheduler.address],
    ):
        done = run(
            "evaluate",
            str(path),
            "-p",
            "a",
            "-g",
            "g",
            "--plugin",
            str(plugin),
            "-m",
            "slow_se,mse",
            "-f",
            "json",
            *engine,
        )
        assert done.exit_code == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]


def test_a_plugin_raising_on_a_worker_is_exit_4_naming_the_plugin(
    tmp_path: Path, dask_client: Any, run: Any, clean_registry: None
) -> None:
    plugin = write_plugin(
        tmp_path,
        """
        @losscli.loss(name="raises_late", formula="x")
        def raises_late(y, p):
            if (y > 1e6).any():
                raise RuntimeError("boom")
            return (p - y) ** 2
        """,
    )
    frame = regression(rows=1500)
    frame.loc[frame.index[800], "y_true"] = 1e7  # the second shard's second partition
    directory = shards(frame, tmp_path / "d", ".parquet")
    args = [str(directory), "-p", "a", "--plugin", str(plugin), "-m", "raises_late"]
    local = run("evaluate", *args)
    dask = run("evaluate", *args, "--engine", "dask", "--scheduler", dask_client.scheduler.address)
    assert local.exit_code == dask.exit_code == 4
    assert dask.stderr == local.stderr
    assert f"plugin {plugin}" in dask.stderr and "RuntimeError: boom" in dask.stderr


def test_a_plugin_file_a_worker_lacks_is_loaded_from_the_shipped_text(
    tmp_path: Path, dask_client: Any
) -> None:
    from losscli.engine.distributed.tasks import load_plugins

    text = (
        b"import losscli\nlosscli.loss(name='shipped_se', formula='x')(lambda y, p: (p - y) ** 2)\n"
    )
    gone = str(tmp_path / "elsewhere" / "shipped.py")  # no such file on any worker

    def registered() -> bool:
        name = "losscli_plugin_" + "".join(c if c.isalnum() else "_" for c in gone)
        return name in sys.modules and sys.modules[name].__file__ != gone

    dask_client.run(load_plugins, ((gone, text),))
    assert all(dask_client.run(registered).values())


def test_a_worker_killed_mid_run_is_retried_and_the_result_is_unchanged(
    tmp_path: Path, dask_client: Any, clean_registry: None
) -> None:
    plugin = write_plugin(tmp_path, SLOW_PLUGIN.format(seconds=0.3))
    directory = shards(regression(rows=3000), tmp_path / "d", ".parquet")
    options = {"pred": "a", "group_by": "g", "plugins": [plugin], "losses": "slow_se,mse",
               "ci": 0.9, "ci_method": "bootstrap", "resamples": 20, "threads": 1}  # fmt: skip
    want = evaluate(str(directory), **options)
    found: list[Any] = []
    run = threading.Thread(
        target=lambda: found.append(
            evaluate(str(directory), engine="dask", scheduler=dask_client, **options)
        )
    )
    run.start()
    victim = _busy_worker(dask_client)
    os.kill(dask_client.run(os.getpid, workers=[victim])[victim], signal.SIGKILL)
    run.join(timeout=240)
    assert found, "the run did not end"
    same(rows_of(want), rows_of(found[0]))
    dask_client.wait_for_workers(2, timeout=120)  # the nanny restarted it, for the next tests


def _busy_worker(client: Any, timeout: float = 120) -> str:
    """A worker folding a partition now."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker, keys in client.processing().items():
            if any("fold_partitions" in str(key) for key in keys):
                return str(worker)
        time.sleep(0.05)
    raise AssertionError("no partition was ever being folded")


def test_ctrl_c_cancels_the_run_shuts_the_cluster_down_and_exits_130(tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path, SLOW_PLUGIN.format(seconds=30))
    data = write_table(regression(rows=300), tmp_path / "data.parquet")
    args = ["evaluate", str(data), "-p", "a", "--plugin", str(plugin), "-m", "slow_se"]
    process = subprocess.Popen(
        [sys.executable, "-m", "losscli", *args, "--engine", "dask", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    handles_signals(process)
    deadline = time.monotonic() + 120
    while not (tmp_path / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = _descendants(process.pid)
    assert workers, "the cluster started no worker process"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err.decode()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_descendants(int(child))]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_an_unreachable_scheduler_is_one_line_and_exit_4(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a free port, closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = write_table(regression(rows=20), tmp_path / "data.csv")
    args = ["--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{port}", "--connect-timeout", "1"]
    done = losscli_process("evaluate", str(data), "-p", "a", *args)
    assert done.returncode == 4
    assert done.stderr.startswith(
        f"losscli: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"
    )
    assert len(done.stderr.splitlines()) == 1 and not done.stdout


def test_standard_input_is_refused_with_the_dask_engine(run: Any) -> None:
    done = run("evaluate", "-", "--engine", "dask", input="y_true,y_pred\n1,2\n")
    assert done.exit_code == 2
    assert "standard input" in done.stderr and "--engine dask" in done.stderr


def test_without_dask_installed_the_dask_engine_is_an_environment_error_naming_the_extra(
    tmp_path: Path,
) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "distributed.py").write_text("raise ImportError('not installed')\n")
    data = write_table(regression(rows=20), tmp_path / "data.csv")
    done = losscli_process(
        "evaluate", str(data), "-p", "a", "--engine", "dask", path=tmp_path / "site"
    )
    assert done.returncode == 4
    assert "pip install 'losscli[dask]'" in done.stderr and len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("args", [["evaluate", "--help"], ["evaluate", "{data}", "-p", "a"]])
def test_a_local_run_and_help_import_no_dask(tmp_path: Path, args: list[str]) -> None:
    data = write_table(regression(rows=20), tmp_path / "data.parquet")
    imported = imported_modules(*(a.format(data=data) for a in args))
    assert imported.isdisjoint({"dask", "distributed", "toolz"})  # pyarrow imports cloudpickle


def test_the_dask_extra_pins_dask_and_distributed_to_one_version() -> None:
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    extras = project["project"]["optional-dependencies"]
    for extra in ("dask", "test"):
        pins = {
            r.split("==")[0].split("[")[0]: r.split("==")[1]
            for r in extras[extra]
            if r.startswith(("dask", "distributed"))
        }
        assert set(pins) == {"dask", "distributed"} and len(set(pins.values())) == 1


def test_in_memory_frames_are_scattered_not_read_by_name(dask_client: Any) -> None:
    frame = pd.DataFrame({"y_true": [1.0, 2, 3], "y_pred": [1.5, 2, 2]})
    found = evaluate(frame, engine="dask", scheduler=dask_client)
    assert found.rows[-1].metrics["mse"] == pytest.approx(evaluate(frame).rows[-1].metrics["mse"])


def test_the_engine_and_scheduler_are_config_keys(
    tmp_path: Path, dask_client: Any, run: Any
) -> None:
    config = tmp_path / "losscli.toml"
    address = dask_client.scheduler.address
    config.write_text(f'engine = "dask"\nscheduler = "{address}"\nconnect-timeout = 5\n')
    refused = run("evaluate", "-", "--config", str(config), input="y_true,y_pred\n1,2\n")
    assert refused.exit_code == 2 and "--engine dask" in refused.stderr
    data = write_table(regression(rows=50), tmp_path / "data.csv")
    done = run("evaluate", str(data), "-p", "a", "--config", str(config), "-f", "csv")
    local = run("evaluate", str(data), "-p", "a", "--engine", "local", "-f", "csv")
    assert done.exit_code == 0, done.stderr
    assert done.stdout.splitlines()[0] == local.stdout.splitlines()[0]


def test_a_corrupt_shard_is_the_local_engines_message_and_exit_3(
    tmp_path: Path, dask_client: Any, run: Any
) -> None:
    directory = shards(regression(rows=300), tmp_path / "d", ".parquet")
    (directory / "part-1.parquet").write_bytes(b"PAR1 not really")
    address = dask_client.scheduler.address
    local = run("evaluate", str(directory), "-p", "a")
    dask = run("evaluate", str(directory), "-p", "a", "--engine", "dask", "--scheduler", address)
    assert local.exit_code == dask.exit_code == 3
    assert dask.stderr == local.stderr and "part-1.parquet" in dask.stderr
