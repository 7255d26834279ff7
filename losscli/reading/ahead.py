"""Reading ahead: the items of many streams (the batches of files and shards), read by a few
threads while the caller computes, and handed back stream by stream in their given order.

A file costs a fixed time to open and read however small it is; read one after another,
ten thousand small shards cost ten thousand times that. Here up to ``readers`` streams
are read at once, each into a queue of at most ``depth`` items, and at most ``window``
streams are started ahead of the one the caller is on. Memory stays bounded by
``held_bytes`` of items (their buffers) waiting in the streams (a reading thread waits
for room before queueing an item of a stream after the caller's); items at hand already
(a :class:`Ready` in place of ``produce``, below) are not counted: their producer bounds
them (a small file read with its plan: ``engine.run.READ_WITH_PLAN_VALUES``), so that many small
streams (a small file's one batch each) run far ahead, while large ones hold no more than
a few batches: a thread and the caller hand over about once per window of small files,
not once per file (BENCHMARKS.md run 15c).

Each hand-over costs a queue's locks and, where a thread was idle, a switch of threads under
the GIL: for a small file, as much as the rest of its Python (BENCHMARKS.md run 18b). So a
stream read whole at once (its ``produce`` returns a :class:`Ready`: a small shard's one
batch, an input's plan) is handed over in one entry, which ends it; a stream whose items
are at hand already (a :class:`Ready` in place of ``produce``: a small file read with its
plan) is handed over with no thread and no queue; and the caller starts streams once half
the window is taken, so that a thread idle at the window's end is woken once per half
window, not once per stream taken.

The order the caller sees never depends on the threads' timing: stream k's items come after
stream k − 1's, each in its own order, and an error (opening a file, or the next stream's
setup) reaches the caller where a one-by-one read would have met it.

The threads stop at their next item once the caller stops (an error, a Ctrl-C), so an
interrupted run never waits for a large file to be read to its end, and leaving the
``with`` block joins them: no thread is left inside a reader (whose destructor, run at
interpreter exit, aborts the process) on any path. A thread blocked where it cannot
notice (a read from a pipe) is waited for ``JOIN_SECONDS`` at most; it is a daemon, and
:func:`stragglers` names it, so that the command line can end the process without
waiting for it (``os._exit``).
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from queue import Full, Queue
from threading import Condition, Event, Thread
from threading import enumerate as all_threads
from typing import Any, Generic, TypeVar

T = TypeVar("T")  # what identifies a stream to the caller
Item = TypeVar("Item")
POLL_SECONDS = 0.05  # how soon a thread blocked on a full queue notices that the caller stopped
JOIN_SECONDS = 2.0  # how long leaving waits for the threads, all together
THREAD_NAME = "losscli-reader"
STREAMS_AHEAD = 16  # streams started ahead per reading thread (small files: one item each)
# ... and at most this many in all, whatever the threads: a stream started ahead may hold
# its file open, and so may an input planned ahead of it (review: 16 per thread passed
# macOS's 256 open files at 8 threads, Linux's 1,024 at 32)
MAX_STREAMS_AHEAD = 32
HELD_BYTES = 1 << 23  # bytes of items waiting per reading thread (a few large batches)
# What a queue's entry ``(kind, found)`` holds: an item; all the stream's items (a
# :class:`Ready`), which ends it; its end; the exception that ended it.
_ITEM, _WHOLE, _END, _ERROR = range(4)


class _Stream(Generic[Item]):
    """One stream's queue of ``(kind, found)`` entries, the last one not an ``_ITEM``."""

    def __init__(self, produce: Callable[[], Iterable[Item]], depth: int) -> None:
        self.produce = produce
        self.queue: Queue[tuple[int, Any]] = Queue(maxsize=depth)


class Ready(Generic[Item]):
    """A stream's items read already, or the error that reading them met (raised after
    them): handed to the caller in its turn as they are, with no thread and no queue."""

    def __init__(self, items: Iterable[Item] = (), error: Exception | None = None) -> None:
        self.items, self.error = list(items), error

    @classmethod
    def of(cls, items: Iterable[Item]) -> Ready[Item]:
        """``items`` (a generator's) read now, to their end or to the error that ended them."""
        found: list[Item] = []
        try:
            for item in items:
                found.append(item)
        except Exception as exc:
            return cls(found, exc)
        return cls(found)

    def __iter__(self) -> Iterator[Item]:
        yield from self.items
        if self.error is not None:
            raise self.error


class ReadAhead(Generic[T, Item]):
    """``for tag, items in ReadAhead(streams): ...``: each ``(tag, produce)`` of ``streams``
    in order, ``items`` yielding what ``produce()`` yields, read ahead by the threads
    (``produce`` may be a :class:`Ready` instead: its items, read already).

    ``streams`` is drawn lazily, on the caller's thread, as the window moves on; an
    exception drawing it reaches the caller in turn, as if the next stream had raised it.
    Each ``items`` must be consumed (or the loop left) before the next pair is taken.
    Use it as a context manager, so that leaving early stops the threads. ``held_bytes``:
    the bytes of items (their buffers; 0 without) that may wait while a thread reads a
    stream after the caller's (default: :data:`HELD_BYTES` per reader).
    """

    def __init__(
        self,
        streams: Iterable[tuple[T, Callable[[], Iterable[Item]] | Ready[Item]]],
        readers: int = 1,
        window: int | None = None,
        depth: int = 2,
        held_bytes: int | None = None,
    ) -> None:
        self._streams = iter(streams)
        self._readers = max(1, readers)
        ahead = min(STREAMS_AHEAD * self._readers, MAX_STREAMS_AHEAD)
        self._window = max(self._readers, window or ahead)
        self._depth = max(1, depth)
        self._room = Condition()  # guards the counts below; notified as items are taken
        self._held = 0  # bytes of the items queued in every stream, the caller's included
        self._limit = max(1, held_bytes or HELD_BYTES * self._readers)
        self._current: _Stream[Item] | None = None  # the stream the caller is on
        self._todo: Queue[_Stream[Item] | None] = Queue()
        self._ahead: deque[tuple[T, _Stream[Item] | Ready[Item]] | Exception] = deque()
        self._stop = Event()
        self._threads: list[Thread] = []
        self._drawn_all = False

    def __enter__(self) -> ReadAhead[T, Item]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, timeout: float = JOIN_SECONDS) -> bool:
        """Stop the threads and wait for them, ``timeout`` seconds at most in all: each ends
        at its next item, or at once when it is idle. False if one is still running then."""
        self._stop.set()
        with self._room:
            self._room.notify_all()
        for _ in self._threads:
            self._todo.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            # A signal's handler that raised inside its start() may leave it unstarted.
            with contextlib.suppress(RuntimeError):
                thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)

    def __iter__(self) -> Iterator[tuple[T, Iterator[Item]]]:
        self._fill()
        while self._ahead:
            turn = self._ahead.popleft()
            if isinstance(turn, Exception):  # drawing the streams failed at this turn
                raise turn
            tag, stream = turn
            yield tag, iter(stream) if isinstance(stream, Ready) else self._items(stream)
            if len(self._ahead) <= self._window // 2:
                self._fill()

    def _fill(self) -> None:
        """Start streams until ``window`` of them are ahead of the caller (called once
        half of them are taken: :meth:`__iter__`)."""
        while not self._drawn_all and len(self._ahead) < self._window:
            try:
                tag, produce = next(self._streams)
            except StopIteration:
                self._drawn_all = True
                return
            except Exception as exc:  # the next stream's setup failed: raised in its turn
                self._drawn_all = True
                self._ahead.append(exc)
                return
            if isinstance(produce, Ready):  # no thread reads it
                self._ahead.append((tag, produce))
                continue
            stream = _Stream(produce, self._depth)
            self._ahead.append((tag, stream))
            self._todo.put(stream)
            if len(self._threads) < min(self._readers, len(self._ahead)):
                self._start_thread()

    def _start_thread(self) -> None:
        thread = Thread(target=self._work, daemon=True, name=THREAD_NAME)
        self._threads.append(thread)
        thread.start()

    def _items(self, stream: _Stream[Item]) -> Iterator[Item]:
        with self._room:  # its items are taken now: its thread needs no room
            self._current = stream
            self._room.notify_all()
        while True:
            kind, found = stream.queue.get()
            size = _entry_bytes(kind, found)
            if size:
                with self._room:
                    self._held -= size
                    self._room.notify_all()
            if kind == _ITEM:
                yield found
            elif kind == _WHOLE:
                yield from found
                return
            elif kind == _END:
                return
            else:
                raise found

    def _work(self) -> None:
        """A reading thread: the queued streams in order, each read to its end."""
        while not self._stop.is_set():
            stream = self._todo.get()
            if stream is None:
                return
            try:
                made = stream.produce()
                if isinstance(made, Ready):  # read whole: one entry
                    self._put(stream, (_WHOLE, made))
                    continue
                for item in made:
                    if not self._put(stream, (_ITEM, item)):
                        return
            except BaseException as exc:  # handed to the caller, who raises it in its turn
                self._put(stream, (_ERROR, exc))
            else:
                self._put(stream, (_END, None))

    def _put(self, stream: _Stream[Item], entry: tuple[int, Any]) -> bool:
        """Queue ``entry``, waiting while the queue is full, or, for a stream after the
        caller's, while ``held_bytes`` wait; False once the caller stopped."""
        size = _entry_bytes(*entry)
        if size:
            with self._room:
                while self._held >= self._limit and stream is not self._current:
                    if self._stop.is_set():
                        return False
                    self._room.wait(POLL_SECONDS)
                self._held += size
        while not self._stop.is_set():
            try:
                stream.queue.put(entry, timeout=POLL_SECONDS)
                return True
            except Full:
                continue
        return False


def _entry_bytes(kind: int, found: Any) -> int:
    """The bytes the items of a queue's entry hold."""
    if kind == _ITEM:
        return _nbytes(found)
    return sum(map(_nbytes, found.items)) if kind == _WHOLE else 0


def _nbytes(item: Any) -> int:
    """The bytes an item's buffers hold (a record batch's); 0 for anything else.
    ``get_total_buffer_size`` takes 0.1 µs where ``nbytes`` takes 9 (it skips no buffer
    shared twice, which only overstates)."""
    size = getattr(item, "get_total_buffer_size", None)
    return 0 if size is None else int(size())


def stragglers() -> list[Thread]:
    """The reading threads still running after their ReadAhead was left (blocked reads)."""
    return [t for t in all_threads() if t.name == THREAD_NAME and t.is_alive()]
