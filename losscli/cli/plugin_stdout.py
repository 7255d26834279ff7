"""Standard output is the result's: while the inputs are computed, whatever else writes to it
(a plugin's ``print``, at import or in a loss's function on a worker thread) goes to
standard error instead.

One redirection for the whole computation, not one per call: the losses run on several
threads at once, and a per-call ``contextlib.redirect_stdout`` would race between them.
Python's ``sys.stdout`` is pointed at ``sys.stderr``, and, where standard output is a file
descriptor, descriptor 1 at descriptor 2 too, so that what C code writes follows. Both
are restored, C's buffers flushed first, before the result is written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Inside, standard output (Python's and, if it has one, its file descriptor) is
    standard error's."""
    saved, stdout_fd = sys.stdout, _descriptor(sys.stdout)
    if saved is not None:  # None: started with descriptor 1 closed
        saved.flush()
    kept = None if stdout_fd is None else _redirect(stdout_fd, _descriptor(sys.stderr))
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stdout = saved
        if kept is not None and stdout_fd is not None:
            _flush_c_streams()
            os.dup2(kept, stdout_fd)
            os.close(kept)


def _descriptor(stream: object) -> int | None:
    with suppress(AttributeError, OSError, ValueError):  # io.UnsupportedOperation too
        return int(stream.fileno())  # type: ignore[attr-defined]
    return None


def _redirect(stdout_fd: int, stderr_fd: int | None) -> int | None:
    """Point ``stdout_fd`` at ``stderr_fd``; the copy of the old one to restore, or None."""
    if stderr_fd is None or stderr_fd == stdout_fd:
        return None
    try:
        kept = os.dup(stdout_fd)
    except OSError:
        return None
    os.dup2(stderr_fd, stdout_fd)
    return kept


def _flush_c_streams() -> None:
    """What C code buffered for standard output belongs to standard error: flush it while
    the descriptor still points there (only where a plugin could have written any)."""
    if "losscli.plugins" not in sys.modules:
        return
    with suppress(Exception):
        import ctypes

        ctypes.CDLL(None).fflush(None)
