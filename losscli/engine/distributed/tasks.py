"""What runs on a Dask worker: a partition read by losscli's own readers and folded by the
local engine's :class:`~..fold.PartFold`, partials merged, CSV rows counted.

The job (the input's :class:`~..run.Work` and the run's options) travels as bytes pickled
by the client and is unpickled here only after the run's plugin files are loaded, so
that the losses they define (and the kinds of their statistics) resolve to the same
module on the worker. A losscli error raised here comes back as a :class:`Failed`, which
the client raises again as the error it was (its message and exit code unchanged).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import field
from typing import Any

import pyarrow as pa

from ...errors import LossCliError, PluginFailure
from ...reading.ahead import ReadAhead
from ...records import datarecord
from ..fold import PartFold
from ..partial import Partial
from ..run import Options, Work, read_part

_JOBS: dict[str, tuple[Work, Options]] = {}  # a worker's jobs, unpickled once each


@datarecord(frozen=True)
class Partition:
    """Rows of one part of an input: a whole file, some row groups of a Parquet file, or
    an in-memory table; ``first_row`` its first row in its part, ``position`` in its input."""

    index: int  # its place among the input's partitions (reading order)
    part: str  # the part's name (a file, a shard, an in-memory table)
    part_index: int  # the part's place among the input's parts
    first_row: int = 0
    position: int = 0
    row_groups: tuple[int, ...] | None = None
    rows: int | None = None  # its rows, where the footer tells them
    reading: tuple[str | None, str | None, str, str] = (None, None, "utf8", ".")  # format, dialect


@datarecord(frozen=True)
class Job:
    """A job as shipped: its key, the pickled (work, options), the plugin files to load."""

    key: str
    payload: bytes
    plugins: tuple[tuple[str, bytes], ...] = ()

    @classmethod
    def of(cls, work: Work, options: Options, plugins: tuple[tuple[str, bytes], ...]) -> Job:
        payload = pickle.dumps((work, options), protocol=pickle.HIGHEST_PROTOCOL)
        return cls(hashlib.sha256(payload).hexdigest(), payload, plugins)

    def unpacked(self) -> tuple[Work, Options]:
        found = _JOBS.get(self.key)
        if found is None:
            load_plugins(self.plugins)
            if len(_JOBS) > 16:
                _JOBS.clear()
            found = _JOBS[self.key] = pickle.loads(self.payload)
        return found


@datarecord
class Failed:
    """A losscli error raised on a worker, as data: its class, message and attributes."""

    kind: type[LossCliError]
    message: str
    state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, exc: LossCliError) -> Failed:
        return cls(type(exc), str(exc), dict(vars(exc)))

    def error(self) -> LossCliError:
        """The error as it was raised (built without its own ``__init__``)."""
        error = self.kind.__new__(self.kind)
        Exception.__init__(error, self.message)
        vars(error).update(self.state)
        return error


@datarecord
class Folded:
    """A partition's (or several partitions') partial, or the first error among them:
    ``failed`` with the index of the partition that raised it."""

    partial: Partial | None
    no_bootstrap: str = ""  # why the optional bootstrap was left out ('' if not)
    failed: tuple[int, int, Failed] | None = None  # (part index, partition index, error)


def fold_partitions(job: Job, partitions: tuple[Partition, ...], *tables: Any) -> Folded:
    """Partitions folded in order into one partial (``tables``: their rows, for an
    in-memory input). On an error, the problems of the parts folded before it come along
    (a local run would have raised theirs first)."""
    fold: PartFold | None = None
    partition = partitions[0]
    try:
        work, options = job.unpacked()
        threads = max(1, options.threads)
        pool = ThreadPoolExecutor(threads) if threads > 1 else None
        rows = tables or (None,) * len(partitions)
        streams = (
            (p, functools.partial(_read, work, p, table))
            for p, table in zip(partitions, rows, strict=True)
        )
        try:
            fold = PartFold(work, options, pool, threads, position=partition.position)
            with ReadAhead(streams, readers=threads) as ahead:  # the next files, read ahead
                for partition, batches in ahead:
                    fold.position = partition.position
                    fold.part(partition.part, batches, first_row=partition.first_row)
            total = fold.settled()
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
    except LossCliError as exc:
        where = (partition.part_index, partition.index, Failed.of(exc))
        if fold is None:
            return Folded(None, failed=where)
        problems = Partial.empty(fold.total.keys)
        problems.problems = dict(fold.total.problems)
        return Folded(problems, failed=where)
    return Folded(total, fold.guard.no_bootstrap)


def _read(work: Work, partition: Partition, table: Any) -> Any:
    """The batches of one partition, on a reading thread."""
    return read_part(work, _opened(partition, table))


def _opened(partition: Partition, table: Any) -> Any:
    """The partition's source, opened here by losscli's readers from its name."""
    from ...inputs import reopen
    from ...reading import TableSource

    if table is not None:  # an Arrow table's slice, or a pandas partition of a Dask DataFrame
        if not isinstance(table, pa.Table):
            table = pa.Table.from_pandas(table, preserve_index=False)
        return TableSource(partition.part, table)
    source = reopen(partition.part, partition.reading)
    if partition.row_groups is not None:
        source.row_groups = list(partition.row_groups)  # type: ignore[attr-defined]
    return source


def merge_folded(*folded: Folded) -> Folded:
    """Several partitions' partials merged (the first error, in reading order, kept)."""
    failed = [f.failed for f in folded if f.failed is not None]
    first = min(failed, key=lambda f: (f[0], f[1])) if failed else None
    partials = [f.partial for f in folded if f.partial is not None]
    no_bootstrap = next((f.no_bootstrap for f in folded if f.no_bootstrap), "")
    if no_bootstrap:
        for found in partials:
            found.bootstrap = None
    if not partials:
        return Folded(None, no_bootstrap, first)
    total = partials[0]
    for other in partials[1:]:
        total = total.merge(other)
    return Folded(total, no_bootstrap, first)


def count_rows(partition: Partition, column: str) -> int | Failed:
    """The data rows of a CSV file, as losscli's reader reads them (``column`` as text)."""
    try:
        source = _opened(partition, None)
        return sum(batch.num_rows for batch in source.batches([column], ()))
    except LossCliError as exc:
        return Failed.of(exc)


def load_plugins(plugins: tuple[tuple[str, bytes], ...]) -> None:
    """The run's plugin files, run here under the module names the client gave them, so
    that their functions and classes unpickle: from their path where it holds the same
    file (a cluster on this machine), else from the shipped text. The losses arrive with
    the job, so a plugin's registrations are not kept: a worker serves many runs, whose
    plugins may well reuse a loss name."""
    for path, text in plugins:
        name = "losscli_plugin_" + "".join(c if c.isalnum() else "_" for c in path)
        if name not in sys.modules:
            _load(name, path, path if _holds(path, text) else _copy(path, text))


def _holds(path: str, text: bytes) -> bool:
    if not os.path.isfile(path):
        return False
    with open(path, "rb") as file:
        return file.read() == text


def _copy(path: str, text: bytes) -> str:
    """The shipped text of ``path``, written to a directory of this worker's own."""
    copy = os.path.join(tempfile.mkdtemp(prefix="losscli-plugin-"), os.path.basename(path))
    with open(copy, "wb") as file:
        file.write(text)
    return copy


def _load(name: str, path: str, where: str) -> None:
    """The plugin file at ``where`` run as module ``name`` (its failures are the plugin
    ``path``'s, as on the client), the loss registry as it was before."""
    from ...define import origin
    from ...losses import REGISTRY
    from ...plugins import _run

    spec = importlib.util.spec_from_file_location(name, where)
    if spec is None or spec.loader is None:
        raise PluginFailure(f"{path}: not a Python file that can be loaded as a plugin")
    module = importlib.util.module_from_spec(spec)
    before = dict(REGISTRY)
    try:
        with origin(f"plugin {path}"):
            _run(f"plugin {path}", lambda: spec.loader.exec_module(module))
    finally:
        REGISTRY.clear()
        REGISTRY.update(before)
    sys.modules[name] = module
