"""Reading ahead: many files and shards read by several threads give what a one-by-one read
gives, bit for bit: values, row order, and the errors and notices naming file and row."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import write_table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losscli import evaluate
from losscli.errors import InputError
from losscli.reading import csv_source, parquet_source, source
from losscli.reading.ahead import ReadAhead

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def frame(seed: int, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.lognormal(1, 1, rows)
    return pd.DataFrame(
        {
            "y_true": y,
            "y_pred": y * rng.normal(1, 0.3, rows),
            "g": rng.choice(["a", "b", f"only{seed}"], rows),
        }
    )


def write_files(folder: Path, sizes: list[int], suffixes: list[str]) -> list[Path]:
    folder.mkdir()
    return [
        write_table(frame(i, rows), folder / f"part-{i:02d}{suffixes[i % len(suffixes)]}")
        for i, rows in enumerate(sizes)
    ]


def by_threads(run: Callable[[int], object]) -> list[object]:
    return [run(threads) for threads in (1, 2, 5)]


@SETTINGS
@given(
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=9),
    batch=st.integers(1, 25),
    suffixes=st.sampled_from([[".parquet"], [".csv"], [".parquet", ".csv.gz"]]),
)
def test_many_inputs_give_the_same_bits_for_any_thread_count(
    tmp_path_factory, monkeypatch, sizes, batch, suffixes
) -> None:
    """Rows per file, several batches per file: every value and row in order, any threads."""
    paths = write_files(tmp_path_factory.mktemp("in") / "files", sizes, suffixes)
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", batch)
    runs = by_threads(
        lambda threads: evaluate(
            [str(p) for p in paths], group_by="g", losses="mse,mae,r2", threads=threads
        ).to_dict()
    )
    assert runs[0] == runs[1] == runs[2]
    files = [row["file"] for row in runs[0]["rows"]]  # type: ignore[index]
    assert files == sorted(files)


@SETTINGS
@given(
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=9),
    batch=st.integers(1, 25),
    ci=st.sampled_from([None, "normal", "bootstrap"]),
)
def test_a_dataset_gives_the_same_bits_for_any_thread_count(
    tmp_path_factory, monkeypatch, sizes, batch, ci
) -> None:
    """Shards read ahead keep their rows' positions: the bootstrap, keyed on them, agrees."""
    folder = tmp_path_factory.mktemp("in") / "shards"
    write_files(folder, sizes, [".parquet"])
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", batch)
    stats = {"ci": 0.9, "ci_method": ci, "resamples": 20} if ci else {}
    runs = by_threads(
        lambda threads: evaluate(
            str(folder), group_by="g", losses="mse,mape", threads=threads, **stats
        ).to_dict()
    )
    assert runs[0] == runs[1] == runs[2]


def test_a_dataset_read_ahead_equals_its_shards_read_whole(tmp_path, monkeypatch) -> None:
    sizes = [7, 0, 30, 1, 12]
    write_files(tmp_path / "shards", sizes, [".parquet"])
    whole = pd.concat([frame(i, rows) for i, rows in enumerate(sizes)], ignore_index=True)
    monkeypatch.setattr(source, "TABLE_BATCH_ROWS", 5)
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 5)
    args = {"group_by": "g", "losses": "mse,mae", "ci": 0.9, "ci_method": "bootstrap"}
    from_shards = evaluate(str(tmp_path / "shards"), threads=3, **args)
    from_frame = evaluate(whole, threads=1, **args)
    assert [(r.group, r.n) for r in from_shards.rows] == [(r.group, r.n) for r in from_frame.rows]
    for ours, theirs in zip(from_shards.rows, from_frame.rows, strict=True):
        for loss, value in ours.metrics.items():
            assert value == pytest.approx(theirs.metrics[loss], rel=1e-12)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.parametrize("dataset", [False, True])
@pytest.mark.parametrize("threads", [1, 4])
def test_the_first_bad_file_in_order_is_named_with_its_row(
    tmp_path, monkeypatch, dataset, threads, suffix
) -> None:
    """Files 3 and 6 hold a missing prediction: file 3 is named, at its row, whatever ran first."""
    paths = write_files(tmp_path / "files", [20] * 8, [suffix])
    for bad, row in ((3, 11), (6, 2)):
        broken = frame(bad, 20)
        broken.loc[row, "y_pred"] = None
        write_table(broken, paths[bad])
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 4)
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 256)
    inputs = str(tmp_path / "files") if dataset else [str(p) for p in paths]
    with pytest.raises(InputError) as raised:
        evaluate(inputs, threads=threads)
    assert str(raised.value).startswith(
        f"{paths[3]}: column 'y_pred' has 1 missing or non-finite value (first at data row 12"
    )


@pytest.mark.parametrize("threads", [1, 4])
def test_a_later_unreadable_input_fails_only_in_its_turn(tmp_path, threads) -> None:
    """A missing file and a corrupt one after it: the first in order is the error."""
    good = write_files(tmp_path / "files", [5, 5], [".parquet"])
    corrupt = tmp_path / "files" / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1 not really")
    inputs = [str(good[0]), str(tmp_path / "absent.csv"), str(corrupt), str(good[1])]
    with pytest.raises(InputError, match=r"absent\.csv: no such file"):
        evaluate(inputs, threads=threads)
    with pytest.raises(InputError, match=r"corrupt\.parquet: not a valid Parquet file"):
        evaluate([inputs[0], *inputs[2:]], threads=threads)


def test_notices_name_each_file_in_order(tmp_path) -> None:
    """Each file's notices (rows dropped with --drop-na) stay with the file, in input order."""
    paths = []
    for i in range(6):
        data = frame(i, 10)
        data.loc[i, "y_true"] = None
        paths.append(write_table(data, tmp_path / f"f{i}.parquet"))
    runs = [
        evaluate([str(p) for p in paths], drop_na=True, threads=threads).notices
        for threads in (1, 2, 5)
    ]
    assert runs[0] == runs[1] == runs[2]
    assert [str(p) in notice for p, notice in zip(paths, runs[0], strict=True)] == [True] * 6


# --- ReadAhead itself ------------------------------------------------------------------------


def slow_stream(index: int, items: int, delays: list[float]) -> Callable[[], Iterator[int]]:
    def produce() -> Iterator[int]:
        for k in range(items):
            time.sleep(delays[(index + k) % len(delays)])
            yield index * 1000 + k

    return produce


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    items=st.lists(st.integers(0, 6), min_size=0, max_size=12),
    readers=st.integers(1, 4),
    depth=st.integers(1, 3),
    delays=st.lists(st.sampled_from([0.0, 0.0005, 0.002]), min_size=1, max_size=5),
)
def test_streams_come_back_in_order_whatever_the_timing(items, readers, depth, delays) -> None:
    streams = [(i, slow_stream(i, n, delays)) for i, n in enumerate(items)]
    with ReadAhead(streams, readers=readers, depth=depth) as ahead:
        seen = [(tag, list(values)) for tag, values in ahead]
    assert seen == [(i, [i * 1000 + k for k in range(n)]) for i, n in enumerate(items)]


@pytest.mark.parametrize("window", [1, 2, 5])
def test_no_stream_starts_beyond_the_window(window: int) -> None:
    started: list[int] = []

    def stream(index: int) -> Callable[[], Iterator[int]]:
        def produce() -> Iterator[int]:
            started.append(index)
            yield index

        return produce

    with ReadAhead(((i, stream(i)) for i in range(12)), readers=2, window=window) as ahead:
        for tag, values in ahead:
            assert max(started, default=0) <= tag + max(window, 2) - 1
            assert list(values) == [tag]


def test_small_streams_run_ahead_until_their_bytes_fill_the_room() -> None:
    """Streams of one batch each run ahead past the old window of two streams, until
    the batches waiting hold ``held_bytes``; then the reading thread waits."""
    batch = pa.record_batch({"x": np.zeros(1000)})
    size = batch.get_total_buffer_size()
    started: list[int] = []

    def stream(index: int) -> Callable[[], Iterator[pa.RecordBatch]]:
        def produce() -> Iterator[pa.RecordBatch]:
            started.append(index)
            yield batch

        return produce

    streams = ((i, stream(i)) for i in range(20))
    with ReadAhead(streams, readers=1, held_bytes=3 * size) as ahead:
        for tag, values in ahead:
            if tag == 0:  # before its batch is taken: three batches wait, the fourth is held
                deadline = time.monotonic() + 10
                while len(started) < 4 and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(0.2)
                assert started == [0, 1, 2, 3]
            assert [b.num_rows for b in values] == [1000]
    assert started == list(range(20))


def test_an_error_reaches_the_caller_in_its_streams_turn() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("stream 1 broke")

    def drawn() -> Iterator[tuple[int, Callable[[], Iterator[int]]]]:
        yield 0, lambda: iter([0, 0])
        yield 1, failing
        yield 2, lambda: iter([2])
        raise KeyError("drawing stream 3 failed")

    seen: list[int] = []
    with ReadAhead(drawn(), readers=3) as ahead, pytest.raises(ValueError, match="stream 1"):
        for _, values in ahead:
            seen += values
    assert seen == [0, 0, 1]
    seen = []
    streams = ((i, make) for i, make in drawn() if i != 1)
    with ReadAhead(streams, readers=3) as ahead, pytest.raises(KeyError, match="stream 3"):
        for _, values in ahead:
            seen += values
    assert seen == [0, 0, 2]


def test_leaving_early_stops_the_threads() -> None:
    """A caller that stops (an error, Ctrl-C) does not wait for an endless stream."""

    def endless() -> Iterator[int]:
        while True:
            yield 0

    def readers() -> list[threading.Thread]:
        """This ReadAhead's threads (other tests' threads may come and go meanwhile)."""
        return [t for t in threading.enumerate() if t.name == "losscli-reader"]

    before = set(readers())
    with ReadAhead([(0, endless), (1, endless)], readers=2) as ahead:
        for _, values in ahead:
            next(values)
            break
    deadline = time.monotonic() + 10
    while set(readers()) - before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not set(readers()) - before


def test_close_joins_its_threads() -> None:
    """Leaving joins the threads: none is left inside a reader at interpreter exit (where
    pyarrow's reader destructor aborted the process, exit 134)."""

    def slow() -> Iterator[int]:
        yield 0
        time.sleep(0.3)  # the thread is here, inside the stream, when the caller leaves
        yield 1

    with ReadAhead([(0, slow), (1, slow)], readers=2) as ahead:
        for _, values in ahead:
            next(values)
            break
    assert not any(thread.is_alive() for thread in ahead._threads)


def test_close_gives_up_on_a_thread_blocked_in_a_read() -> None:
    """A read blocked on a pipe does not hang the exit: close() says so after its timeout,
    and the command line ends the process without waiting for the thread."""
    from losscli.reading.ahead import stragglers

    release = threading.Event()

    def blocked() -> Iterator[int]:
        yield 0
        release.wait()
        yield 1

    ahead = ReadAhead([(0, blocked)], readers=1)
    for _, values in ahead:
        next(values)
        break
    assert ahead.close(timeout=0.05) is False
    assert set(ahead._threads) <= set(stragglers())
    release.set()
    assert ahead.close() is True
    assert not set(ahead._threads) & set(stragglers())


def test_an_interruption_while_a_thread_starts_is_the_callers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SIGINT's handler raising inside a reading thread's start() (the signal came then)
    leaves that thread unstarted: leaving still ends the run as interrupted (130), where
    joining it raised RuntimeError, and the run exited 70 as a bug in losscli."""
    from losscli.errors import Interrupted
    from losscli.reading import ahead

    class StartInterrupted(threading.Thread):
        def start(self) -> None:
            raise Interrupted(signal.SIGINT)

    monkeypatch.setattr(ahead, "Thread", StartInterrupted)
    with pytest.raises(Interrupted), ReadAhead([(0, lambda: [1])], readers=1) as reading:
        list(reading)


def test_parquet_is_decoded_on_the_reading_thread_whatever_the_run_s_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrow's pool never decodes a file's columns, with --threads 1 or 2, a file of one
    batch or of many: for the few columns losscli reads, handing them to the pool cost more
    than decoding them on the reading thread (measured: BENCHMARKS.md run 8)."""
    import pyarrow.parquet as pq

    big = write_table(frame(3, 400), tmp_path / "big.parquet")
    small = write_table(frame(3, 40), tmp_path / "small.parquet")
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 50)  # the big file has many batches
    monkeypatch.setattr(parquet_source, "BATCH_VALUES", 100)
    asked: list[bool] = []
    iter_batches = pq.ParquetFile.iter_batches

    def recording(self: pq.ParquetFile, *args: object, **kwargs: bool) -> object:
        asked.append(kwargs["use_threads"])
        return iter_batches(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", recording)
    results = {}
    for threads in (1, 2):
        asked.clear()
        results[threads] = evaluate(str(big), group_by="g", threads=threads).to_dict()
        evaluate(str(small), group_by="g", threads=threads)
        assert asked == [False, False]
    assert results[1] == results[2]


def test_an_error_unwinding_from_a_signal_in_a_queue_wait_is_the_signal_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT's handler raising inside the main thread's wait for a batch (a Condition's
    wait, after it released the queue's lock and before it took it back) makes leaving the
    queue's ``with`` raise ``RuntimeError: release unlocked lock``. The run ends as
    interrupted (130), where it exited 70 as a bug in losscli (CI, 1 run in 50)."""
    import queue

    from losscli.cli.main import main
    from losscli.errors import Interrupted
    from losscli.reading import ahead

    class WaitInterrupted(queue.Queue):
        def get(self, block: bool = True, timeout: float | None = None) -> object:
            if threading.current_thread() is not threading.main_thread():
                return super().get(block, timeout)
            with self.not_empty:
                self.not_empty.release()  # what the wait does; the signal comes before
                raise Interrupted(signal.SIGINT)  # it takes the lock back

    monkeypatch.setattr(ahead, "Queue", WaitInterrupted)
    path = write_files(tmp_path / "in", [20], [".csv"])[0]
    with pytest.raises(Interrupted) as stopped:
        main(["evaluate", "--no-config", str(path)], standalone_mode=False)
    assert stopped.value.exit_code == 130


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_NOFILE as Linux sets it")
def test_many_files_read_ahead_stay_within_a_small_open_files_limit(tmp_path: Path) -> None:
    """Files started or planned ahead keep theirs open: however many threads, they stay a
    bounded few, so 300 files given one by one with --threads 8 run under a limit of 100
    open files (with 16 streams ahead per thread, the review's run failed there, exit 3,
    "not a valid Parquet file")."""
    import resource

    paths = write_files(tmp_path / "many", [20] * 300, [".parquet", ".csv"])

    def limited() -> None:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (100, hard))

    command = [sys.executable, "-m", "losscli", "evaluate", "--no-config", "--threads", "8"]
    done = subprocess.run(
        [*command, *map(str, paths), "-f", "csv"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limited,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert len(done.stdout.splitlines()) == 1 + 300


@pytest.mark.parametrize(
    "error",
    [
        OSError(24, "Too many open files"),  # Python's open()
        OSError("Failed to open local file 'a.csv'. Detail: [errno 24] Too many open files"),
    ],
)
def test_a_process_out_of_open_files_is_an_environment_error_not_a_bad_input(
    error: OSError,
) -> None:
    """Out of open files (Python's errno, or Arrow's text of it) is the machine's limit:
    exit 4, saying how to raise it, not exit 3 as a corrupt or unreadable input."""
    from losscli.errors import EnvironmentFailure
    from losscli.reading.source import open_error, read_error

    for made in (read_error("a.parquet", error), open_error("a.parquet", error)):
        assert isinstance(made, EnvironmentFailure) and made.exit_code == 4
        assert str(made).startswith("a.parquet: cannot open the file: too many open files")
        assert str(made).endswith("raise the limit (ulimit -n) or lower --threads")
