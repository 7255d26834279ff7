"""Exit codes under load (``make test-exits``, run by ``.ci/run``; not part of ``make test``):
interrupted and failing runs over a directory of 10,000 CSV shards, while reading threads
are busy, always exit with the code the README promises, never SIGABRT (134), which a
reader's destructor caused at interpreter exit while its thread was left running."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import handles_signals

pytestmark = pytest.mark.slow
SHARDS = 10_000
BAD_SHARD = 700  # far enough for the reading threads to be busy when it fails
RUNS = 25  # of each kind: 50 interrupted (SIGINT, SIGTERM) and 50 failing runs
PLUGIN = """
import losscli

@losscli.loss(name="boom", direction="lower", task="regression", formula="boom")
def boom(y, p):
    raise RuntimeError("boom")
"""


def write_shards(folder: Path, bad: int | None = None) -> Path:
    folder.mkdir()
    rng = random.Random(0)
    for i in range(SHARDS):
        rows = [f"{rng.random():.3f},{rng.random():.3f}" for _ in range(5)]
        if i == bad:
            rows[2] = "0.5,abc"
        (folder / f"s{i:05d}.csv").write_text("y_true,y_pred\n" + "\n".join(rows) + "\n")
    return folder


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("exits")
    (root / "boom.py").write_text(PLUGIN)
    return {
        "good": write_shards(root / "good"),
        "bad": write_shards(root / "bad", bad=BAD_SHARD),
        "plugin": root / "boom.py",
    }


def exit_code(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    """The exit code and stderr; a process killed by signal N shows -N (never what losscli
    does: its handlers end the run with 128 + N)."""
    _, err = process.communicate(timeout=120)
    return process.returncode, err.decode(errors="replace")


def start(*args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "losscli", "evaluate", "--no-config", *args]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_runs_exit_128_plus_the_signal(
    shards: dict[str, Path], signal_number: int, tmp_path: Path
) -> None:
    """Each signal reaches losscli's handler (sent once it is installed), at a random point
    of the reading: the run ends with 128 + N itself, with no traceback and without the
    output file it was writing. A run that ended before its signal came (exit 0, its
    output written) is not an interrupted one: another is drawn."""
    rng = random.Random(signal_number)
    seen, out = [], tmp_path / "out.csv"
    for _ in range(3 * RUNS):
        threads = str(rng.choice([1, 2, 4]))
        process = start(str(shards["good"]), "--threads", threads, "-o", str(out))
        handles_signals(process)
        time.sleep(rng.uniform(0, 0.8))  # not a wait: a random point of the reading
        process.send_signal(signal_number)
        code, err = exit_code(process)
        if code == 0:
            out.unlink()
            continue
        seen.append((code, err, out.exists()))
        if len(seen) == RUNS:
            break
    assert [code for code, _, _ in seen] == [128 + signal_number] * RUNS, [
        (code, err[-300:]) for code, err, _ in seen if code != 128 + signal_number
    ]
    assert all("Traceback" not in err for _, err, _ in seen)
    assert not any(left for _, _, left in seen)


@pytest.mark.parametrize("kind", ["bad value", "plugin raises"])
def test_failing_runs_exit_with_their_error_code(shards: dict[str, Path], kind: str) -> None:
    rng = random.Random(kind)
    expected = 3 if kind == "bad value" else 4
    seen = []
    for _ in range(RUNS):
        threads = str(rng.choice([1, 2, 4]))
        if kind == "bad value":
            process = start(str(shards["bad"]), "--threads", threads)
        else:
            args = ("--plugin", str(shards["plugin"]), "-m", "boom", "--threads", threads)
            process = start(str(shards["good"]), *args)
        seen.append(exit_code(process))
    assert [code for code, _ in seen] == [expected] * RUNS, [
        err[-300:] for code, err in seen if code != expected
    ]
    assert all("Traceback" not in err for _, err in seen)
