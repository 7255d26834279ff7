"""Where the result goes: files, symlinks, devices, FIFOs, standard output, and write errors.

Write errors are environment errors (exit 4) naming the path and the reason, with
nothing left behind. The full disk and the read-only file system are real mounts
(a tiny tmpfs; skipped where mounting is not allowed); permission denied runs the
CLI without the capability that lets root write anywhere.
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import signal
import stat
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ARTICLE, write_table

EXPECTED_CSV = "file,pred,scope,n,mse,mape\n{file},y_pred,overall,5,0.21606,23.799999999999997\n"


needs_dev_full = pytest.mark.skipif(
    not os.path.exists("/dev/full"), reason="this system has no /dev/full"
)


def expected(path: Path) -> str:
    return EXPECTED_CSV.format(file=path)


def test_symlink_target_is_replaced_and_the_link_stays(run, article_csv: Path, tmp_path: Path):
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    result = run("evaluate", str(article_csv), "-m", "mse,mape", "-o", str(link))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == expected(article_csv)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["article.csv", "link.csv", "real.csv"]


def test_dangling_symlink_creates_its_target(run, article_csv: Path, tmp_path: Path):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "made.csv")
    assert run("evaluate", str(article_csv), "-m", "mse,mape", "-o", str(link)).exit_code == 0
    assert link.is_symlink()
    assert (tmp_path / "made.csv").read_text() == expected(article_csv)


def test_symlink_to_an_input_is_refused(run, article_csv: Path, tmp_path: Path):
    link = tmp_path / "link.csv"
    link.symlink_to(article_csv)
    before = article_csv.read_bytes()
    result = run("evaluate", str(article_csv), "-o", str(link))
    assert result.exit_code == 2
    assert "is also an input" in result.stderr
    assert article_csv.read_bytes() == before


def test_character_device_is_written_not_replaced(run, article_csv: Path):
    result = run("evaluate", str(article_csv), "-o", "/dev/null")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not os.path.islink("/dev/null") and os.path.exists("/dev/null")


def test_fifo_reader_gets_the_result(run, article_csv: Path, tmp_path: Path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    result = run("evaluate", str(article_csv), "-m", "mse,mape", "-o", str(fifo))
    reader.join(timeout=60)
    assert result.exit_code == 0, result.stderr
    assert received == [expected(article_csv)]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["article.csv", "pipe.csv"]


@pytest.fixture
def umask_027() -> Iterator[None]:
    previous = os.umask(0o027)
    yield
    os.umask(previous)


def test_new_file_honours_the_umask(run, article_csv: Path, tmp_path: Path, umask_027):
    out = tmp_path / "new.csv"
    assert run("evaluate", str(article_csv), "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


@pytest.mark.parametrize("mode", [0o600, 0o664, 0o755])
def test_existing_file_keeps_its_mode(run, article_csv: Path, tmp_path: Path, umask_027, mode):
    out = tmp_path / "old.csv"
    out.write_text("old\n")
    out.chmod(mode)
    assert run("evaluate", str(article_csv), "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert out.read_text().startswith("file,pred")


def test_dash_is_standard_output(run, article_csv: Path, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("evaluate", str(article_csv), "-m", "mse,mape", "-o", "-")
    assert result.exit_code == 0
    assert result.stdout == expected(article_csv)
    assert not (tmp_path / "-").exists()


@needs_dev_full
def test_dev_full_as_output_is_exit_4(run, article_csv: Path):
    result = run("evaluate", str(article_csv), "-o", "/dev/full")
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr == (
        "losscli: error: /dev/full: cannot write the output: no space left on the "
        "device; free some space, or write elsewhere with -o\n"
    )


@needs_dev_full
def test_full_standard_output_is_exit_4_without_a_traceback(article_csv: Path):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "losscli", "evaluate", str(article_csv)],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    assert done.returncode == 4
    assert done.stderr.decode() == (
        "losscli: error: standard output: cannot write the result: no space left on the "
        "device; free some space, or write elsewhere with -o\n"
    )


def test_missing_directory_is_exit_4_before_reading(run, tmp_path: Path):
    out = tmp_path / "gone" / "out.csv"
    result = run("evaluate", str(tmp_path / "no-input.csv"), "-o", str(out))
    assert result.exit_code == 4
    assert result.stderr == (
        f"losscli: error: {out}: cannot write the output: the directory "
        f"{tmp_path / 'gone'} does not exist; create it, or choose another path\n"
    )


def test_output_that_is_a_directory_is_exit_4(run, article_csv: Path, tmp_path: Path):
    result = run("evaluate", str(article_csv), "-o", str(tmp_path))
    assert result.exit_code == 4
    assert result.stderr == (
        f"losscli: error: {tmp_path}: cannot write the output: it is a directory; "
        "name a file with -o\n"
    )


class RemovesOnRead(io.BytesIO):
    """Standard input whose first read removes a directory: it vanishes during the run."""

    def __init__(self, data: bytes, doomed: Path) -> None:
        super().__init__(data)
        self.doomed = doomed

    def read(self, size: int | None = -1) -> bytes:
        if self.doomed.exists():
            shutil.rmtree(self.doomed)
        return super().read(size)


def test_directory_vanishing_during_the_run_is_exit_4(run, tmp_path: Path):
    doomed = tmp_path / "out"
    doomed.mkdir()
    data = ARTICLE.to_csv(index=False).encode()
    result = run("evaluate", "-", "-o", str(doomed / "r.csv"), input=RemovesOnRead(data, doomed))
    assert result.exit_code == 4
    assert result.stderr == (
        f"losscli: error: {doomed / 'r.csv'}: cannot write the output: the directory "
        f"{doomed} does not exist; create it, or choose another path\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.fixture
def tiny_mount(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, mounted for the test (needs root and permission to mount)."""
    point = tmp_path / "mnt"
    point.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(point)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=True)


def fill(directory: Path) -> None:
    """Write until the file system is full."""
    descriptor = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(descriptor, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(descriptor)


def test_full_disk_is_exit_4_and_leaves_the_old_file(run, article_csv: Path, tiny_mount: Path):
    out = tiny_mount / "result.csv"
    out.write_text("previous\n")
    fill(tiny_mount)
    result = run("evaluate", str(article_csv), "-o", str(out))
    assert result.exit_code == 4
    assert result.stderr == (
        f"losscli: error: {out}: cannot write the output: no space left on the device; "
        "free some space, or write elsewhere with -o\n"
    )
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tiny_mount.iterdir()) == ["filler", "result.csv"]


def test_read_only_file_system_is_exit_4(run, article_csv: Path, tiny_mount: Path):
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_mount)], check=True)
    out = tiny_mount / "result.csv"
    result = run("evaluate", str(article_csv), "-o", str(out))
    assert result.exit_code == 4
    assert result.stderr == (
        f"losscli: error: {out}: cannot write the output: the file system is read-only; "
        "choose another path with -o\n"
    )
    assert list(tiny_mount.iterdir()) == []


def without_root_powers() -> list[str]:
    """A command prefix that takes away root's power to write anywhere, or [] if not root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("as root, permissions need setpriv to drop CAP_DAC_OVERRIDE")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]


def assert_permission_denied(data: Path, out: Path, where: str = "") -> None:
    """losscli, without root's power to write anywhere, fails to write ``out``: exit 4."""
    command = [sys.executable, "-m", "losscli", "evaluate", str(data), "-o", str(out)]
    done = subprocess.run(
        [*without_root_powers(), *command],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 4, done.stderr
    assert done.stderr.decode() == (
        f"losscli: error: {out}: cannot write the output: permission denied{where}; "
        "choose a path you may write with -o\n"
    )


def test_permission_denied_is_exit_4(article_csv: Path, tmp_path: Path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    assert_permission_denied(article_csv, locked / "r.csv", f" in the directory {locked}")
    assert list(locked.iterdir()) == []


def test_writable_file_in_a_locked_directory_names_the_directory(article_csv, tmp_path: Path):
    """The file is replaced whole through a new file beside it: the directory must allow it."""
    locked = tmp_path / "locked"
    locked.mkdir()
    out = locked / "r.csv"
    out.write_text("accepted\n")
    locked.chmod(0o555)
    assert_permission_denied(article_csv, out, f" in the directory {locked}")
    assert out.read_text() == "accepted\n"


def test_read_only_file_is_exit_4_and_kept(article_csv: Path, tmp_path: Path):
    out = tmp_path / "r.csv"
    out.write_text("accepted\n")
    out.chmod(0o444)
    assert_permission_denied(article_csv, out)
    assert out.read_text() == "accepted\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["article.csv", "r.csv"]


def pipe_is_drained(descriptor: int) -> bool:
    waiting = bytearray(4)
    fcntl.ioctl(descriptor, termios.FIONREAD, waiting)
    return int.from_bytes(waiting, sys.byteorder) == 0


@pytest.mark.parametrize(("number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_exits_128_plus_its_number_and_leaves_no_file(
    tmp_path: Path, number: int, code: int
) -> None:
    """The signal arrives once losscli is reading standard input (it has drained the pipe)."""
    out = tmp_path / "out.csv"
    process = subprocess.Popen(
        [sys.executable, "-m", "losscli", "evaluate", "-", "-o", str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None
    process.stdin.write(b"y_true,y_pred\n" + b"1,2\n" * 10_000)
    process.stdin.flush()
    deadline = time.monotonic() + 120
    while not pipe_is_drained(process.stdin.fileno()) and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(number)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr.decode()
    assert (stdout, stderr) == (b"", b"")
    assert list(tmp_path.iterdir()) == []


def test_csv_and_pandas_tell_the_overall_row_from_a_missing_group(run, tmp_path: Path):
    path = write_table(ARTICLE.assign(g=["a", "a", None, None, None]), tmp_path / "g.csv")
    result = run("evaluate", str(path), "-g", "g", "-m", "mae", "-f", "csv")
    assert result.stdout == (
        "file,pred,scope,g,n,mae\n"
        f"{path},y_pred,group,a,2,0.34500000000000003\n"
        f"{path},y_pred,group,,3,0.43333333333333335\n"
        f"{path},y_pred,overall,,5,0.398\n"
    )
    import losscli

    frame = losscli.evaluate(path, group_by="g", losses="mae").to_pandas()
    assert frame["scope"].tolist() == ["group", "group", "overall"]
    assert frame["g"].isna().tolist() == [False, True, True]


def test_help_lists_every_exit_code(run):
    lines = [line.strip() for line in run("evaluate", "--help").stdout.splitlines()]
    codes = [line.split()[0] for line in lines[lines.index("Exit codes:") + 1 :][:10]]
    assert [c for c in codes if c.isdigit()] == ["0", "1", "2", "3", "4", "70", "130", "143"]


def evaluate_process(*args: str, **kwargs) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "losscli", "evaluate", *args], timeout=120, **kwargs
    )


def test_dev_stdout_is_the_pipe_and_stays_a_symlink(article_csv: Path) -> None:
    done = evaluate_process(
        str(article_csv), "-m", "mse,mape", "-o", "/dev/stdout", capture_output=True
    )
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout.decode() == expected(article_csv)
    assert os.path.islink("/dev/stdout")


def test_dev_stdout_appends_where_the_shell_says(article_csv: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("before\n")
    with open(log, "a") as appending:
        done = evaluate_process(
            str(article_csv), "-m", "mse,mape", "-o", "/dev/stdout", stdout=appending
        )
    assert done.returncode == 0
    assert log.read_text() == "before\n" + expected(article_csv)


def test_an_open_descriptor_by_its_path(article_csv: Path, tmp_path: Path) -> None:
    side = tmp_path / "side.csv"
    with open(side, "w") as handle:
        done = evaluate_process(
            str(article_csv),
            "-m",
            "mse,mape",
            "-o",
            f"/dev/fd/{handle.fileno()}",
            pass_fds=[handle.fileno()],
            capture_output=True,
        )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert side.read_text() == expected(article_csv)


def test_a_closed_descriptor_is_exit_4(article_csv: Path) -> None:
    done = evaluate_process(str(article_csv), "-o", "/dev/fd/9", capture_output=True)
    assert done.returncode == 4
    assert done.stderr.decode() == (
        "losscli: error: /dev/fd/9: cannot write the output: bad file descriptor\n"
    )
