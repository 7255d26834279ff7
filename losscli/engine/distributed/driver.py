"""The inputs' evaluation on a Dask cluster: per input, the local engine's fold mapped over
its partitions on the workers, the partials merged in a tree there, the last few merged
and finalized here by the local engine's :func:`~..input_result.finish`.

Nothing is computed differently: a partition is read by losscli's readers on a worker
and folded by :class:`~..fold.PartFold` from its first row's position, so row numbers
in messages and the bootstrap's units are the local engine's. Errors are too: the first
in reading order wins, and a part's bad values are counted over all its partitions
before they are raised, as a local run raises them at the end of the part.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable
from dataclasses import replace
from typing import Any

from ...errors import EnvironmentFailure
from ..guard import FoldGuard
from ..input_result import SourceResult, finish
from ..keys import KeySet
from ..partial import Partial
from ..run import Options, Work, plan_work
from .cluster import Cluster, connected
from .partitions import partitions, tasks
from .tasks import Folded, Job, fold_partitions, merge_folded

FAN_IN = 8  # partials merged by one task of the tree


def evaluate_on_cluster(
    sources: Iterable[Any],
    options: Options,
    cluster: Cluster,
    reading: tuple[Any, ...],
) -> Generator[SourceResult, None, None]:
    """Each input's result, in the given order, computed on ``cluster``. ``reading``:
    (input format, delimiter, encoding, decimal), with which the workers open each part."""
    with connected(cluster) as client:
        shipped = _plugin_files()
        for source in sources:
            work = plan_work(source, options)
            yield _evaluated(client, source, work, options, shipped, reading)


def _evaluated(
    client: Any,
    source: Any,
    work: Work,
    options: Options,
    shipped: tuple[tuple[str, bytes], ...],
    reading: tuple[Any, ...],
) -> SourceResult:
    """One input: its partitions folded and merged on the workers, finished here."""
    job = Job.of(work, replace(options, progress=None), shipped)
    found, tables = partitions(client, source, work, options, reading)
    futures: list[Any] = []
    try:
        [job_future] = client.scatter([job], broadcast=True, hash=False)
        futures = [
            client.submit(
                fold_partitions,
                job_future,
                tuple(found[i] for i in chosen),
                *(tables[i] for i in chosen if tables[i] is not None),
                pure=False,
            )
            for chosen in tasks(found)
        ]
        level = futures
        while len(level) > FAN_IN:
            level = [
                client.submit(merge_folded, *level[i : i + FAN_IN], pure=False)
                for i in range(0, len(level), FAN_IN)
            ]
        _report(client, futures, source.name, options)
        folded = merge_folded(*_gathered(client, level))
    except BaseException:
        client.cancel(futures)
        raise
    parts = [part.name for part in source.parts()]
    total = _checked(folded, parts, work)
    guard = FoldGuard(work.spec, Partial.empty(total.keys), options.budget)
    guard.total, guard.no_bootstrap = total, folded.no_bootstrap
    return finish(work, parts, total, options, guard)


def _report(client: Any, futures: list[Any], name: str, options: Options) -> None:
    """Progress, in partitions done (each as its share of the input), as they finish."""
    if options.progress is None or not futures:
        return
    from distributed import as_completed

    for done, _ in enumerate(as_completed(futures, loop=client.loop), start=1):
        options.progress(name, done, len(futures), "partitions")


def _gathered(client: Any, futures: list[Any]) -> list[Folded]:
    """The futures' results; a worker lost for good, or the scheduler, is the environment's."""
    from distributed import KilledWorker
    from distributed.comm.core import CommClosedError

    try:
        return list(client.gather(futures))
    except (KilledWorker, CommClosedError) as exc:
        raise EnvironmentFailure(
            f"the Dask cluster failed the run: {type(exc).__name__}: {exc}; check the "
            "workers' logs (memory, a worker killed repeatedly)"
        ) from None


def _checked(folded: Folded, parts: list[str], work: Work) -> Partial:
    """The merged partial, or the error a local run would have stopped at: parts in order,
    an error raised inside one before the bad values it counts."""
    total = folded.partial
    if total is None:
        total = Partial.empty(KeySet(work.plan.group_by, work.spec.empty_is_missing))
    for index, name in enumerate(parts):
        if folded.failed is not None and folded.failed[0] == index:
            raise folded.failed[2].error()
        if name in total.problems:
            total.problems[name].raise_if_failed()
    return total.settle()


def _plugin_files() -> tuple[tuple[str, bytes], ...]:
    """The plugin files this process loaded (absolute paths) with their text, to ship."""
    from sys import modules

    plugins = modules.get("losscli.plugins")
    if plugins is None:
        return ()
    shipped = []
    for path in sorted(plugins._loaded):
        if os.path.isfile(path):
            with open(path, "rb") as file:
                shipped.append((path, file.read()))
    return tuple(shipped)
