"""The Dask engine's cases (`--only dask`), and its fixed costs measured in-process.

As whole processes (the family): `--engine dask` with a LocalCluster of 1 and 2 workers
against the local engine with `--threads 1` and `--threads 2`, on the regression Parquet
data at N rows (default 10M) and at the big rows (50M), overall and per group; each
dask run includes starting and stopping its LocalCluster.

In-process (`python bench/dask_cases.py`, printed as Markdown for BENCHMARKS.md): the
fixed cost of starting a LocalCluster and of connecting a client to a running one, the
scheduler's overhead per task (no-op tasks, and losscli's own task on a 100-row
partition), and the cost of merging two partials (and pickling one: what moves between
workers) at 10k, 100k and 1M groups, and with the bootstrap's replicate sums. Each
figure is a median of several runs, CPU time of this process beside wall time.
"""

from __future__ import annotations

import os
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cases import LOSSCLI_T1, LOSSCLI_T2, Commands, Family, reg_work, regression_case
from data import Data
from measure import Case

DASK_W1 = "losscli --engine dask --workers 1"
DASK_W2 = "losscli --engine dask --workers 2"


def dask_family(cmd: Commands, data: Data, rows: tuple[int, ...]) -> Family:
    """The Dask engine against the local one, on the regression Parquet data."""
    cases: list[Case] = []
    for count in rows:
        path = str(data.regression(count).with_suffix(".parquet"))
        for grouped in (False, True):
            group = ("region",) if grouped else ()
            work = reg_work("Parquet", grouped, count)
            base = regression_case(cmd, "losscli", work, path, group)
            for tool, extra in (
                (LOSSCLI_T1, ("--threads", "1")),
                (LOSSCLI_T2, ("--threads", "2")),
                (DASK_W1, ("--engine", "dask", "--workers", "1")),
                (DASK_W2, ("--engine", "dask", "--workers", "2")),
            ):
                cases.append(Case(work, tool, (*base.argv, *extra), keys=base.keys))

    def prepare() -> None:
        for count in rows:
            data.ensure_regression(count, csv=False)

    return Family("dask", cases, prepare)


def timed(step: Callable[[], Any], runs: int = 5) -> tuple[float, float]:
    """Median wall and CPU seconds (this process: user + sys) of ``step``."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu, wall = time.process_time(), time.perf_counter()
        step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def cluster_costs(distributed: Any) -> list[tuple[str, float, float]]:
    """Starting a 1-worker LocalCluster (and closing it); connecting to a running one."""

    def start() -> None:
        with distributed.LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0"):
            pass

    found = [("LocalCluster of 1 worker process: start and close", *timed(start, runs=3))]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as c:

        def connect() -> None:
            distributed.Client(c.scheduler_address, set_as_default=False).close()

        found.append(("a client connecting to a running scheduler (and closing)", *timed(connect)))
        with distributed.Client(c, set_as_default=False) as client:
            found += task_costs(client)
    return found


def task_costs(client: Any, tasks: int = 1000) -> list[tuple[str, float, float]]:
    """The scheduler's round trip per task, of a no-op and of losscli's partition task."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    def noop() -> None:
        client.gather(client.map(int, range(tasks), pure=False))

    wall, cpu = timed(noop, runs=3)
    found = [(f"no-op task, per task ({tasks:,} on 2 workers)", wall / tasks, cpu / tasks)]
    directory = Path(tempfile.mkdtemp(prefix="losscli-bench-dask-"))
    rng = np.random.default_rng(0)
    for i in range(200):
        table = pa.table({"y_true": rng.normal(size=100), "y_pred": rng.normal(size=100)})
        pq.write_table(table, directory / f"part-{i:03}.parquet")
    import losscli

    def run() -> None:
        losscli.evaluate(str(directory), engine="dask", scheduler=client, losses="mse")

    wall, cpu = timed(run, runs=3)
    found.append(("losscli partition task, per 100-row file (200 files)", wall / 200, cpu / 200))
    return found


def merge_costs(
    groups: tuple[int, ...] = (10_000, 100_000, 1_000_000),
) -> list[tuple[str, float, float]]:
    """Merging two partials with ``groups`` keys each (the same keys), and pickling one."""
    found = []
    for count in groups:
        left, right = partials(count, resamples=0)
        found.append(
            (
                f"merge two partials of {count:,} groups (mse, mae)",
                *timed(lambda left=left, right=right: left.merge(right)),
            )
        )
        size = len(pickle.dumps(left))
        wall, cpu = timed(lambda left=left: pickle.loads(pickle.dumps(left)))
        found.append((f"pickle + unpickle one ({size / 2**20:.1f} MiB)", wall, cpu))
    left, right = partials(10_000, resamples=200)
    found.append(
        (
            "merge two partials of 10,000 groups, bootstrap of 200",
            *timed(lambda: left.merge(right).settle()),
        )
    )
    return found


def task_path(path: str) -> list[tuple[str, float, float]]:
    """A worker's task on a whole Parquet file (all its row groups, in this process)
    against the local engine's run of it, both on one thread: what the Dask path adds per
    row, without the cluster."""
    import pyarrow.parquet as pq

    import losscli
    from losscli.engine.distributed.tasks import Job, Partition, fold_partitions
    from losscli.engine.run import plan_work
    from losscli.reading import open_source

    options = _options(("y_pred",), (), ("mse", "mape"), resamples=0)
    work = plan_work(open_source(path), options)
    groups = tuple(range(pq.ParquetFile(path).metadata.num_row_groups))
    job = Job.of(work, options, ())
    partition = Partition(0, path, 0, row_groups=groups)
    rows = pq.ParquetFile(path).metadata.num_rows
    local = timed(lambda: losscli.evaluate(path, pred="y_pred", losses="mse,mape", threads=1), 3)
    task = timed(lambda: fold_partitions(job, (partition,)), 3)
    return [
        (f"local engine, {rows:,} rows (mse, mape), one thread", *local),
        ("the Dask task's fold of the same rows, in-process", *task),
    ]


def _options(
    preds: tuple[str, ...], group_by: tuple[str, ...], names: tuple[str, ...], resamples: int
) -> Any:
    from losscli.api import uncertainty_settings
    from losscli.engine.run import Options
    from losscli.losses import Params, resolve_losses

    losses = tuple(resolve_losses(list(names)))
    ci = None if not resamples else 0.95
    return Options(
        label="y_true", preds=preds, probs=(), logits=(), weight=None, group_by=group_by,
        losses=losses, always_shown=frozenset(), params=Params(), drop_na=False,
        mape_zero="skip", renormalize=False, progress=None,
        uncertainty=uncertainty_settings(ci, method="bootstrap", resamples=max(resamples, 2),
            seed=0, block_rows=1, compare=False, adjust="holm", losses=losses),
    )  # fmt: skip


def partials(groups: int, resamples: int) -> tuple[Any, Any]:
    """Two partials of ``groups`` keys, folded by the engine from 2 rows per key each."""
    import numpy as np
    import pyarrow as pa

    from losscli.engine.fold import PartFold
    from losscli.engine.run import plan_work, read_part
    from losscli.reading.frames import FrameSource

    options = _options(("y_pred",), ("g",), ("mse", "mae"), resamples)
    rng = np.random.default_rng(0)
    made = []
    for half in range(2):
        keys = np.tile(np.arange(groups), 2)
        table = pa.table(
            {"y_true": rng.normal(size=keys.size), "y_pred": rng.normal(size=keys.size), "g": keys}
        )
        source = FrameSource(f"half {half}", table)
        work = plan_work(source, options)
        fold = PartFold(work, options, None, 1, position=half * keys.size)
        fold.part(source.name, read_part(work, source))
        made.append(fold.settled())
    return made[0], made[1]


def main() -> None:
    try:
        import distributed
    except ImportError:
        sys.exit("the Dask cases need losscli[dask]")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    big = Path.home() / ".cache/losscli-bench/regression_v1_10000000.parquet"
    rows = [*cluster_costs(distributed), *merge_costs()]
    if len(sys.argv) > 1 or big.exists():
        rows += task_path(sys.argv[1] if len(sys.argv) > 1 else str(big))
    print("| what | wall | CPU (this process) |\n|---|---:|---:|")
    for what, wall, cpu in rows:
        print(f"| {what} | {_shown(wall)} | {_shown(cpu)} |")


def _shown(seconds: float) -> str:
    return f"{seconds * 1000:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


if __name__ == "__main__":
    main()
