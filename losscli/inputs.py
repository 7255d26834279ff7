"""The Python API's inputs as sources, and the engine that evaluates them.

Paths are opened by :func:`~.reading.open_source` (the local engine reads them; the Dask
engine reads only their headers and footers here, its workers the rest); in-memory
inputs by :mod:`.reading.frames`. ``engine="dask"`` hands the sources to
:mod:`.engine.distributed`, imported only then.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable
from typing import IO, Any

from .engine.run import Options, SourceResult, evaluate_sources
from .errors import UsageError
from .reading import Source, open_source

ENGINES = ("local", "dask")


def evaluated(
    sources: Iterable[Source],
    options: Options,
    *,
    engine: str,
    cluster: Any,
    reading: tuple[Any, ...],
) -> Generator[SourceResult, None, None]:
    """Each input's result, from the engine chosen (``cluster``: a
    :class:`~.engine.distributed.Cluster`, for the Dask engine)."""
    if engine == "local":
        return evaluate_sources(sources, options)
    from .engine.distributed import evaluate_on_cluster

    return evaluate_on_cluster(sources, options, cluster, reading)


def check_engine(engine: str, items: list[Any]) -> None:
    """The engine is one of :data:`ENGINES`; the Dask engine's workers cannot read ``-``."""
    if engine not in ENGINES:
        raise UsageError(f"engine must be one of {ENGINES}, not {engine!r}")
    if engine == "dask" and any(isinstance(i, str) and i == "-" for i in items):
        raise UsageError(
            "- (standard input) cannot be read with --engine dask: its workers read each "
            "input from its path; save it to a file first, or use --engine local"
        )


def as_source(item: Any, index: int, stdin: IO[bytes] | None, reading: tuple[Any, ...]) -> Source:
    """The source of an input: a path or URL opened with ``reading`` (:func:`reopen`), or
    an in-memory frame."""
    if isinstance(item, (str, os.PathLike)):
        return reopen(os.fspath(item), reading, stdin)
    from .reading.frames import frame_source, unknown

    found = frame_source(item, index)
    if found is None:
        raise unknown(item)
    return found


def reopen(name: str, reading: tuple[Any, ...], stdin: IO[bytes] | None = None) -> Source:
    """The source named ``name``, opened with ``reading``: (input format, delimiter,
    encoding, decimal, storage options), as the API was given them; on a Dask worker too."""
    input_format, delimiter, encoding, decimal, storage_options = reading
    return open_source(
        name, input_format, stdin, delimiter, encoding, decimal, storage_options=storage_options
    )


def first_columns(
    inputs: Any, stdin: IO[bytes] | None, reading: tuple[Any, ...], opened: dict[int, Source]
) -> list[str]:
    """The first input's columns (none without inputs); its source is kept in ``opened``
    (by its index, 0), to be read from there, not opened again (standard input reads once)."""
    items = as_list(inputs)
    if not items:
        return []
    opened[0] = as_source(items[0], 0, stdin, reading)
    return opened[0].columns()


def each_file_once(items: list[Any]) -> tuple[list[tuple[int, Any]], list[str]]:
    """The inputs with their index, each file once (the first naming kept; ``a.csv`` and
    ``./a.csv`` are one file), and a notice naming those named more than once, as a model
    named twice has."""
    kept: list[tuple[int, Any]] = []
    first: dict[str, str] = {}  # each file's key: its first naming
    repeated: list[str] = []
    folders: dict[str, str] = {}  # each folder's real path, resolved once
    for index, item in enumerate(items):
        path = os.fspath(item) if isinstance(item, (str, os.PathLike)) else "-"
        key = path if path == "-" or "://" in path else _real_path(path, folders)
        if key == "-" or key not in first:
            first.setdefault(key, path)
            kept.append((index, item))
        elif first[key] not in repeated:
            repeated.append(first[key])
    names = ", ".join(map(repr, repeated))
    if len(repeated) > 1:
        return kept, [f"files {names} are named more than once; each is evaluated once"]
    return kept, [f"file {names} is named more than once; it is evaluated once"] if repeated else []


def _real_path(path: str, folders: dict[str, str]) -> str:
    """``os.path.realpath(path)``, its folder's resolved once (``folders``): the real path
    of a file that is not a link is its folder's joined with its name (500 files of one
    folder: one lstat each, not one per component)."""
    folder, name = os.path.split(path)
    if name in ("", ".", "..") or os.path.islink(path):
        return os.path.realpath(path)
    real = folders.get(folder)
    if real is None:
        real = folders[folder] = os.path.realpath(folder or os.curdir)
    return os.path.join(real, name)


def as_list(inputs: Any) -> list[Any]:
    if isinstance(inputs, (str, os.PathLike)):
        return [inputs]
    from .reading.frames import is_frame

    if is_frame(inputs):
        return [inputs]
    return list(inputs)
