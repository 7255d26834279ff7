"""Standard input: CSV streamed in chunks (compressed or not) in bounded memory, with the
values, rows and errors of the same file read by name; Parquet spooled to an anonymous
temporary file, which nothing outlives."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pytest
from conftest import handles_signals, write_table

from losscli import evaluate
from losscli.errors import InputError
from losscli.reading import csv_source

BLOCK_BYTES = 1 << 20  # the reader's blocks here (half the default): cuts at their ends
ROWS = 60_000  # about 3.5 MB of CSV: four chunks


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", BLOCK_BYTES)


def frame(rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    y = rng.lognormal(1, 1, rows)
    return pd.DataFrame(
        {
            "y_true": y,
            "y_pred": y * rng.normal(1, 0.3, rows),
            "w": rng.uniform(0, 2, rows),
            "g": rng.choice(["a", "b", "c"], rows),
        }
    )


def rows_of(result: object) -> list[tuple[object, ...]]:
    """Everything a row holds but its file's name: values, counts, intervals."""
    return [
        (r.pred, r.group, r.n, r.metrics, {k: (v.low, v.high) for k, v in r.intervals.items()})
        for r in result.rows  # type: ignore[attr-defined]
    ]


def utf16(path: Path) -> Path:
    frame().to_csv(path, index=False, encoding="utf-16")  # with its byte-order mark
    return path


def padded(data: bytes, size: int) -> bytes:
    """``data`` with spaces (ignored before a number) at its first data row's start, to
    make ``size`` bytes."""
    first = data.index(b"\n") + 1
    return data[:first] + b" " * (size - len(data)) + data[first:]


def quoted_newline_at_a_block_end(df: pd.DataFrame) -> bytes:
    """CSV whose first block ends just after a newline inside a quoted field (the file
    reader takes the row whole from the next block; a cut at that newline broke it)."""
    text = df.to_csv(index=False).encode()
    row = text.count(b"\n", 0, BLOCK_BYTES - 200)  # a data row well inside the first block
    data = df.assign(g=df["g"].where(df.index != row, "wrapped\nname")).to_csv(index=False)
    text = data.encode()
    return padded(text, len(text) + BLOCK_BYTES - 1 - text.index(b"wrapped\n") - 7)


def split_crlf(data: bytes) -> bytes:
    """CRLF text whose first block ends between a line's CR and LF."""
    cr = data.rfind(b"\r\n", 0, BLOCK_BYTES)
    return padded(data, len(data) + BLOCK_BYTES - 1 - cr)


def unended_at_a_block_end(data: bytes) -> bytes:
    """Whole lines of ``data`` making three blocks exactly, the last without its newline:
    the reader knows the last block only by finding nothing after it."""
    return padded(data[: data.rfind(b"\n", 0, 3 * BLOCK_BYTES)], 3 * BLOCK_BYTES)


# Text the same file as stdin must read alike: its bytes, and the options to read it with.
DIALECTS: dict[str, Callable[[pd.DataFrame], tuple[bytes, dict[str, str]]]] = {
    "a quoted newline at a block's end": lambda df: (quoted_newline_at_a_block_end(df), {}),
    "latin-1": lambda df: (
        df.assign(g=df["g"].map({"a": "é", "b": "ü", "c": "ß"}))
        .to_csv(index=False)
        .encode("latin-1"),
        {"encoding": "latin-1"},
    ),
    "CR line ends": lambda df: (df.to_csv(index=False, lineterminator="\r").encode(), {}),
    "CRLF line ends": lambda df: (
        split_crlf(df.to_csv(index=False, lineterminator="\r\n").encode()),
        {},
    ),
    "last line unended at a block's end": lambda df: (
        unended_at_a_block_end(df.to_csv(index=False).encode()),
        {},
    ),
    "UTF-8 BOM": lambda df: (df.to_csv(index=False).encode("utf-8-sig"), {}),
    "decimal comma": lambda df: (
        df.to_csv(index=False, sep=";", decimal=",").encode(),
        {"delimiter": ";", "decimal": ","},
    ),
}


@pytest.mark.parametrize("name", list(DIALECTS))
def test_stdin_gives_the_bits_of_the_same_file_in_every_dialect(tmp_path: Path, name: str) -> None:
    """A quoted newline at a block's end, latin-1 (cut after transcoding, as the file
    reader cuts), CR, CRLF split by a block, a UTF-8 byte-order mark, decimal commas:
    standard input is cut where the file reader cuts, so the values are the same bits."""
    data, dialect = DIALECTS[name](frame())
    assert len(data) > 2 * BLOCK_BYTES
    path = tmp_path / "p.csv"
    path.write_bytes(data)
    options = {"weight": "w", "group_by": "g", "losses": "mse,mape,mae,r2", "ci": 0.95}
    from_file = evaluate([str(path)], **options, **dialect)
    piped = evaluate(["-"], stdin=io.BytesIO(data), **options, **dialect)
    assert rows_of(piped) == rows_of(from_file)


@pytest.mark.parametrize(
    ("row", "line", "message"),
    [
        (50_000, "1.5,abc,1,a", "column 'y_pred', data row 50000: 'abc' is not a number"),
        (50_000, "1.5,2.5", "data row 50000 has 2 fields where the header has 4"),
        (
            40_001,
            f"1.5,{2**53 + 1},1,a",
            f"column 'y_pred', data row 40001: the integer {2**53 + 1} is beyond 2**53",
        ),
    ],
)
def test_an_error_in_a_later_chunk_names_its_row_as_for_a_file(
    tmp_path: Path, row: int, line: str, message: str
) -> None:
    lines = frame().to_csv(index=False).splitlines()
    lines[row] = line  # the header is line 0: data row N is line N
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as by_name:
        evaluate([str(path)], weight="w")
    with pytest.raises(InputError) as piped:
        evaluate(["-"], stdin=io.BytesIO(path.read_bytes()), weight="w")
    assert str(by_name.value).startswith(f"{path}: {message}")
    assert str(piped.value) == str(by_name.value).replace(str(path), "-", 1)


WRITER = """
import resource, subprocess, sys, threading, zlib

size, compress = int(sys.argv[1]), sys.argv[2] == "gzip"
command = [sys.executable, "-m", "losscli", "evaluate", "-", "-f", "csv", "--no-config"]
child = subprocess.Popen(
    command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
)
block = b"".join(b"%d.5,%d.25\\n" % (i % 97, i % 89) for i in range(50_000))
packer = zlib.compressobj(1, wbits=31)


def write():
    pack = packer.compress if compress else bytes
    child.stdin.write(pack(b"y_true,y_pred\\n"))
    for _ in range(max(1, size // len(block))):
        child.stdin.write(pack(block))
    if compress:
        child.stdin.write(packer.flush())
    child.stdin.close()


threading.Thread(target=write, daemon=True).start()
out, err = child.stdout.read(), child.stderr.read()
assert child.wait() == 0, err
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, out.decode().split()[-1])
"""


def piped_peak(size: int, compression: str) -> tuple[int, str]:
    """Peak RSS (bytes) of losscli reading ``size`` bytes of CSV from a pipe, written as it
    reads (no file of that size exists), and its overall row; measured in a process of
    its own, whose only child is that losscli."""
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(size), compression],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    peak, overall = done.stdout.split()
    return int(peak), overall


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_stdin_is_streamed_in_bounded_memory(compression: str) -> None:
    """100 MB piped in costs about what 25 MB does: the input is never held whole (it was,
    and the peak grew by the input's size). 25 MB, not less: the blocks in flight between
    the reading thread and the fold (a few blocks of 2 MiB) are what streaming holds anyway."""
    baseline, small = piped_peak(25 << 20, compression)
    peak, large = piped_peak(100 << 20, compression)
    assert peak < baseline + (40 << 20), (peak - baseline) >> 20
    same = [float(v) for v in small.split(",")[-2:]]  # the same rows, repeated
    assert [float(v) for v in large.split(",")[-2:]] == pytest.approx(same, rel=1e-12)


def test_parquet_on_stdin_is_spooled_to_a_file_nothing_outlives(tmp_path: Path) -> None:
    data = write_table(frame(1000), tmp_path / "p.parquet").read_bytes()
    spool = tmp_path / "tmp"
    spool.mkdir()
    environment = {**os.environ, "TMPDIR": str(spool)}
    command = [sys.executable, "-m", "losscli", "evaluate", "-", "--no-config", "-f", "csv"]
    done = subprocess.run(command, input=data, capture_output=True, env=environment, timeout=60)
    assert done.returncode == 0, done.stderr
    expected = evaluate([str(tmp_path / "p.parquet")])
    assert (
        float(done.stdout.decode().splitlines()[1].split(",")[4]) == expected.rows[0].metrics["mse"]
    )
    broken = subprocess.run(
        command, input=data[:-100], capture_output=True, env=environment, timeout=60
    )
    assert broken.returncode == 3 and b"not a valid Parquet file" in broken.stderr
    assert list(spool.iterdir()) == []


def wait_until_read(pipe: IO[bytes], timeout: float = 120) -> None:
    """Wait until the bytes written to ``pipe`` have all been read from its other end (the
    bytes left in a pipe: FIONREAD, on Linux on either end)."""
    import array
    import fcntl
    import termios

    left, deadline = array.array("i", [1]), time.monotonic() + timeout
    while time.monotonic() < deadline:
        fcntl.ioctl(pipe.fileno(), termios.FIONREAD, left)
        if not left[0]:
            return
        time.sleep(0.01)
    raise AssertionError(f"{left[0]} bytes written to the pipe were never read")


@pytest.mark.skipif(sys.platform != "linux", reason="/proc and FIONREAD on a pipe's write end")
def test_a_read_blocked_on_an_open_pipe_does_not_hang_the_exit(tmp_path: Path) -> None:
    """The writer keeps the pipe open: once losscli has read all it was given (so that its
    read is blocked, waiting for more), SIGTERM still ends the run (143, by losscli's
    handler), with no output file left behind."""
    out = tmp_path / "out.csv"
    command = [sys.executable, "-m", "losscli", "evaluate", "-", "-o", str(out), "--no-config"]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write(b"y_true,y_pred\n" + b"1,2\n" * 1000)
    process.stdin.flush()
    handles_signals(process)
    wait_until_read(process.stdin)
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=60)
    finally:
        process.stdin.close()
    assert code == 143, process.stderr.read().decode()
    assert list(tmp_path.iterdir()) == []


def test_standard_input_is_given_once() -> None:
    """Streamed, it cannot be read twice: a second '-' would steal the first one's rows."""
    from losscli.errors import UsageError

    data = frame(10).to_csv(index=False).encode()
    with pytest.raises(UsageError, match="it can be read once"):
        evaluate(["-", "-"], stdin=io.BytesIO(data))


def test_a_quoted_field_never_closed_on_stdin_is_an_input_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A field opened by a quote and never closed would hold the rest of the input as one
    last row's value: refused, naming its row and its start; and standard input is not
    held whole meanwhile (a line past the largest block is refused as well)."""
    lines = frame().to_csv(index=False).splitlines()
    lines[10_000] = '1.5,"2.5,1,a'  # the rest: about 3 MB
    data = ("\n".join(lines) + "\n").encode()
    with pytest.raises(InputError) as unclosed:
        evaluate(["-"], stdin=io.BytesIO(data), weight="w")
    assert str(unclosed.value).startswith(
        "-: data row 10000: the quoted field beginning '\"2.5,1,a\\n"
    )
    assert "is never closed" in str(unclosed.value)
    monkeypatch.setattr(csv_source, "MAX_BLOCK_BYTES", 2 * BLOCK_BYTES)
    with pytest.raises(InputError, match=r"-: a line longer than 2 MiB begins '1.5,\"2.5"):
        evaluate(["-"], stdin=io.BytesIO(data), weight="w")
