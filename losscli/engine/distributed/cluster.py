"""The Dask cluster a run uses: a scheduler it is given (an address, a ``Client`` or a
cluster object), or a ``LocalCluster`` of worker processes it starts and shuts down."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...errors import EnvironmentFailure, UsageError
from ...records import datarecord

ENV_SCHEDULER = "DASK_SCHEDULER_ADDRESS"
MISSING = (
    "--engine dask needs Dask and distributed, which are not installed: pip install 'losscli[dask]'"
)


@datarecord(frozen=True)
class Cluster:
    """Where a distributed run runs: ``scheduler`` (an address such as
    ``tcp://10.0.0.5:8786``, a ``distributed.Client``, a cluster object, or None for the
    ``DASK_SCHEDULER_ADDRESS`` variable or else a ``LocalCluster`` of ``workers``
    processes, default the machine's cores), reached within ``connect_timeout`` seconds."""

    scheduler: Any = None
    workers: int | None = None
    connect_timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise UsageError(f"workers must be 1 or more, not {self.workers}")
        if not self.connect_timeout > 0:
            raise UsageError(f"the connect timeout must be positive, not {self.connect_timeout}")


def require_dask() -> Any:
    """The ``distributed`` module, or an environment error naming the extra to install."""
    try:
        import distributed
    except ImportError as exc:
        raise EnvironmentFailure(MISSING) from exc
    return distributed


@contextmanager
def connected(cluster: Cluster) -> Iterator[Any]:
    """A ``distributed.Client`` for the run; a cluster started here is shut down after."""
    distributed = require_dask()
    given = cluster.scheduler
    if given is None:
        given = os.environ.get(ENV_SCHEDULER) or None
    if isinstance(given, distributed.Client):
        yield given
        return
    if given is None:
        with _local_cluster(distributed, cluster.workers) as client:
            yield client
        return
    client = _connect(distributed, given, cluster.connect_timeout)
    try:
        yield client
    finally:
        client.close()


def _connect(distributed: Any, scheduler: Any, timeout: float) -> Any:
    """A client of ``scheduler``, or a one-line environment error once ``timeout`` passes."""
    address = getattr(scheduler, "scheduler_address", scheduler)
    try:
        return distributed.Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EnvironmentFailure(
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s ({reason}); "
            "check the address and that the scheduler runs, raise --connect-timeout, or "
            "leave --scheduler out to start a cluster on this machine"
        ) from None


@contextmanager
def _local_cluster(distributed: Any, workers: int | None) -> Iterator[Any]:
    """A ``LocalCluster`` of ``workers`` single-threaded worker processes on this machine,
    closed when the run ends (also on an error or an interrupt)."""
    count = workers or os.cpu_count() or 1
    cluster = distributed.LocalCluster(
        n_workers=count,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    try:
        client = distributed.Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()
