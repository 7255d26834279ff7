"""Small files handed from the reading threads to the folding thread once each (BENCHMARKS.md
run 18b): a small Parquet file's plan and batch as one item, a small shard's batch as one
queue entry, the read-ahead's window refilled half of it at a time, a path looked at once
when it is opened. Values, order and every message are those of the one-by-one path."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from queue import Queue
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import same_rows, write_table

import losscli
from losscli.engine import run
from losscli.errors import InputError, MissingFile
from losscli.reading import ahead, open_source
from losscli.reading.ahead import ReadAhead, Ready
from losscli.reading.source import ShardedSource


def _small_files(folder: Path, count: int = 6, rows: int = 300) -> list[Path]:
    """``count`` Parquet files of ``rows`` rows: a label ``y``, a prediction ``p``."""
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(3)
    labels = rng.gamma(2.0, 3.0, (count, rows))
    frames = (pd.DataFrame({"y": y, "p": y + rng.normal(0, 1, rows)}) for y in labels)
    return [write_table(f, folder / f"f{i}.parquet") for i, f in enumerate(frames)]


@pytest.fixture
def parts_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The parts read by a part stream of their own (not with their input's plan)."""
    seen: list[str] = []
    read = run._read_part

    def noted(input_: Any, part: Any) -> Any:
        seen.append(part.name)
        return read(input_, part)

    monkeypatch.setattr(run, "_read_part", noted)
    return seen


# --- ReadAhead ---------------------------------------------------------------------------------


def test_ready_streams_come_in_their_turn_and_start_no_thread() -> None:
    streams: list[tuple[int, Any]] = [
        (0, Ready([1, 2])),
        (1, Ready([3], ValueError("after 3"))),
        (2, Ready([4])),
    ]
    seen: list[int] = []
    with ReadAhead(streams, readers=2) as reading, pytest.raises(ValueError, match="after 3"):
        for _, values in reading:
            seen += values
    assert seen == [1, 2, 3]
    assert reading._threads == []


def test_ready_streams_keep_their_place_among_streams_read_by_threads() -> None:
    def produced(index: int) -> Callable[[], Iterator[int]]:
        return lambda: iter([index, index])

    def whole(index: int) -> Callable[[], Ready[int]]:
        return lambda: Ready([index])

    streams: list[tuple[int, Any]] = []
    for i in range(12):
        streams.append((i, [produced(i), Ready([i, i, i]), whole(i)][i % 3]))
    with ReadAhead(streams, readers=3, window=4) as reading:
        seen = [(tag, list(values)) for tag, values in reading]
    assert seen == [(i, [i] * [2, 3, 1][i % 3]) for i in range(12)]


def test_a_stream_read_whole_is_one_queue_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``produce`` that returns a :class:`Ready` is handed over in one entry, which ends
    its stream; an iterator's items come one entry each, then its end."""
    entries: list[Any] = []

    class Counted(Queue[Any]):
        def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
            entries.append(item)
            super().put(item, block, timeout)

    monkeypatch.setattr(ahead, "Queue", Counted)
    with ReadAhead([(0, lambda: Ready([1, 2, 3]))], readers=1) as reading:
        assert [list(values) for _, values in reading] == [[1, 2, 3]]
    puts = [e for e in entries if isinstance(e, tuple)]  # the stream's, not the threads' to-do
    assert len(puts) == 1
    entries.clear()
    with ReadAhead([(0, lambda: iter([1, 2, 3]))], readers=1) as reading:
        assert [list(values) for _, values in reading] == [[1, 2, 3]]
    assert len([e for e in entries if isinstance(e, tuple)]) == 4


def test_a_stream_read_whole_raises_its_error_after_its_items() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise KeyError("broke after 1")

    streams = [(0, lambda: Ready.of(failing())), (1, lambda: Ready([2]))]
    seen: list[int] = []
    with ReadAhead(streams, readers=2) as reading, pytest.raises(KeyError, match="after 1"):
        for _, values in reading:
            seen += values
    assert seen == [1]


def test_the_window_is_refilled_once_half_of_it_is_taken() -> None:
    """The caller starts streams once half the window is taken, not one per stream taken:
    a reading thread idle at the window's end is woken once per half window of small
    files, not once per file."""
    drawn: list[int] = []

    def streams() -> Iterator[tuple[int, Ready[int]]]:
        for i in range(12):
            drawn.append(i)
            yield i, Ready([i])

    at_turn = []
    with ReadAhead(streams(), readers=1, window=4) as reading:
        for tag, values in reading:
            at_turn.append(len(drawn))
            assert list(values) == [tag]
    assert at_turn == [4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 12, 12]


# --- small files read with their plan ----------------------------------------------------------


@pytest.mark.parametrize("threads", [1, 3])
def test_small_files_are_read_with_their_plan(
    tmp_path: Path, parts_read: list[str], monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    files = _small_files(tmp_path)
    asked: dict[str, Any] = dict(label="y", pred="p", losses="mse,mae,mape", threads=threads)
    together = losscli.evaluate(files, **asked)
    assert parts_read == []
    monkeypatch.setattr(run, "_read_with_plan", lambda work, source: None)
    apart = losscli.evaluate(files, **asked)
    assert parts_read == [str(p) for p in files]
    same_rows(together, apart)


def test_a_larger_file_is_read_by_its_own_stream(tmp_path: Path, parts_read: list[str]) -> None:
    files = _small_files(tmp_path, 2)
    files.insert(1, *_small_files(tmp_path / "big", 1, rows=run.SMALL_ROWS))
    assert files[1].parent.name == "big"
    losscli.evaluate(files, label="y", pred="p", threads=1)
    assert parts_read == [str(files[1])]


def test_a_file_of_few_rows_read_in_several_batches_is_streamed(
    tmp_path: Path, parts_read: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small is what one batch holds, not a count of rows: a file of 300 rows read in
    batches of 100 (bench/call_guard.py reads so) keeps its own stream, batch by batch."""
    from losscli.reading import parquet_source

    files = _small_files(tmp_path, 2)
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 100)
    losscli.evaluate(files, label="y", pred="p", threads=1)
    assert parts_read == [str(p) for p in files]


def test_a_small_file_unreadable_past_its_footer_is_named_in_its_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose footer reads but whose data does not: read with its plan, its error is
    raised where its batches are taken, the message the one-by-one path gives."""
    files = _small_files(tmp_path, 5)
    data = bytearray(files[2].read_bytes())
    data[4:40] = b"\xff" * 36  # its first page's header; the footer (at the end) intact
    files[2].write_bytes(bytes(data))
    with pytest.raises(InputError) as found:
        losscli.evaluate(files, label="y", pred="p", threads=1)
    assert str(found.value).startswith(f"{files[2]}: ")
    monkeypatch.setattr(run, "_read_with_plan", lambda work, source: None)
    with pytest.raises(InputError) as apart:
        losscli.evaluate(files, label="y", pred="p", threads=1)
    assert str(found.value) == str(apart.value)


def test_a_dataset_s_small_shards_are_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each small shard is one whole entry on the read-ahead's queues (no item per batch,
    nor an end marker), and the values are the concatenated file's."""
    entries: list[Any] = []

    class Counted(Queue[Any]):
        def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
            entries.append(item)
            super().put(item, block, timeout)

    files = _small_files(tmp_path / "shards", 7)
    monkeypatch.setattr(ahead, "Queue", Counted)
    dataset = losscli.evaluate(tmp_path / "shards", label="y", pred="p", threads=2)
    kinds = [kind for kind, _ in (e for e in entries if isinstance(e, tuple))]
    # one whole entry per shard, and one for the dataset's plan
    assert kinds.count(ahead._WHOLE) == len(files) + 1 and ahead._ITEM not in kinds
    frame = pd.concat([pd.read_parquet(p) for p in files])
    single = losscli.evaluate(write_table(frame, tmp_path / "one.parquet"), label="y", pred="p")
    assert dataset.frame.n.tolist() == single.frame.n.tolist()
    for name in dataset.losses:
        np.testing.assert_allclose(
            dataset.frame.losses[name].values, single.frame.losses[name].values, rtol=1e-12
        )


# --- opening a path ----------------------------------------------------------------------------


def test_opening_a_file_looks_at_its_path_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _small_files(tmp_path, 1)[0]
    looks: list[str] = []
    real = os.stat

    def counted(name: Any, *args: Any, **kwargs: Any) -> Any:
        looks.append(os.fspath(name))
        return real(name, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counted)
    source = open_source(str(path))
    assert looks == [str(path)]
    assert source.name == str(path) and source.parts() == [source]


def test_what_a_name_opens_is_unchanged(tmp_path: Path) -> None:
    files = _small_files(tmp_path / "d", 2)
    like_a_glob = write_table(pd.read_parquet(files[0]), tmp_path / "a[1].parquet")
    assert isinstance(open_source(str(tmp_path / "d")), ShardedSource)
    assert isinstance(open_source(str(tmp_path / "d" / "*.parquet")), ShardedSource)
    assert open_source(str(like_a_glob)).parts()[0].name == str(like_a_glob)
    with pytest.raises(MissingFile):
        open_source(str(tmp_path / "none.parquet"))
    with pytest.raises(InputError, match="no files match"):
        open_source(str(tmp_path / "none" / "*.parquet"))
