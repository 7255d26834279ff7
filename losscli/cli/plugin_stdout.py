"""Standard output is the result's, whatever a plugin does.

Just before the first plugin's code runs (a ``--plugin`` file, a file a config names,
an installed package), :func:`move_aside` (a hook of :mod:`losscli.hooks`) moves the
real standard output to a private descriptor, which only the result is written to
(:func:`result_stream`), and points descriptor 1, ``sys.stdout`` and ``sys.__stdout__``
at standard error for the rest of the process. So what a plugin writes, by ``print``,
``os.write(1, …)``, ``sys.__stdout__`` or C code, at import, while computing or from a
thread of its own after the result is out, goes to standard error.

One move for the whole process, never undone: the losses run on several threads, and a
plugin's thread can outlive any scope. A run that loads no plugin changes nothing: no
descriptor is copied, and the result goes to ``sys.stdout``. The Python API moves
nothing (it sets no hook).
"""

from __future__ import annotations

import io
import os
import sys
from contextlib import suppress
from typing import Any

_result: list[Any] = []  # once moved aside: the stream of the real standard output


def result_stream() -> Any:
    """Where the result goes: ``sys.stdout``, or once plugins have loaded, the real
    standard output moved aside (None if the process has none)."""
    return _result[0] if _result else sys.stdout


def move_aside() -> None:
    """Keep the real standard output for the result, and point everything else that
    writes to standard output at standard error, from now on (once: later calls do
    nothing)."""
    if _result:
        return
    original = sys.stdout
    with suppress(AttributeError, OSError, ValueError):  # None: descriptor 1 was closed
        original.flush()
    descriptor = _descriptor(original)
    _result.append(_private_copy(original, descriptor))
    _point_at_stderr(1 if descriptor is None else descriptor)
    sys.stdout = sys.stderr
    setattr(sys, "__stdout__", sys.stderr)  # noqa: B010 (typed Final, but a plugin writes to it)


def discard_result_stream() -> None:
    """Point the result's descriptor at the null device: its reader is gone (a closed
    pipe), and flushing it again at exit must not fail again."""
    descriptor = _descriptor(result_stream())
    if descriptor is None:
        return
    with suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)
        os.close(devnull)


def _private_copy(original: Any, descriptor: int | None) -> Any:
    """A text stream like ``original`` on a copy of its descriptor; ``original`` itself
    where it has no descriptor to copy (a closed standard output stays closed)."""
    if descriptor is None:
        return original
    try:
        private = os.dup(descriptor)  # not inherited by child processes
    except OSError:
        return original
    return io.TextIOWrapper(
        open(private, "wb"),
        encoding=getattr(original, "encoding", None) or "utf-8",
        errors=getattr(original, "errors", None) or "strict",
        line_buffering=bool(getattr(original, "line_buffering", False)),
    )


def _point_at_stderr(descriptor: int) -> None:
    """Descriptor ``descriptor`` becomes standard error's (the null device's if there is
    none), so that what C code or ``os.write`` sends there is not the result's."""
    target = _descriptor(sys.stderr)
    if target == descriptor:
        return
    with suppress(OSError):
        if target is None:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, descriptor)
            os.close(devnull)
        else:
            os.dup2(target, descriptor)


def _descriptor(stream: object) -> int | None:
    with suppress(AttributeError, OSError, ValueError):  # io.UnsupportedOperation too
        return int(stream.fileno())  # type: ignore[attr-defined]
    return None
