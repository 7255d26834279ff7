"""Two source trees of losscli against each other, in the same minutes, as whole processes.

On a noisy machine a change smaller than the run-to-run spread cannot be read from two
benchmark runs taken apart; alternating the trees round by round can (BENCHMARKS.md runs
18 and 19). Each tree runs from this venv with ``PYTHONPATH`` pointing at it, so only the
code differs; compile both trees' bytecode first (``python -m compileall -q TREE/losscli``
without ``PYTHONDONTWRITEBYTECODE``). The first round warms up and is not counted. Prints,
per case, each tree's median wall time (min–max) and CPU (user + sys), and whether their
standard outputs were the same bytes in the last round.

    python bench/ab.py --tree base=/tmp/base --tree main=. --rounds 5 --only 1Mgroups
"""

from __future__ import annotations

import argparse
import glob
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(os.environ.get("LOSSCLI_BENCH_DIR", Path.home() / ".cache/losscli-bench"))
REGRESSION = ("-l", "y_true", "-p", "y_pred", "-m", "mse,mape", "--no-progress", "-f", "csv")
BOOTSTRAP = ("--ci", "--ci-method", "bootstrap", "--resamples")


def cases(data: Path) -> dict[str, list[str]]:
    """The bench's files (``bench/run.py`` makes them), each with its arguments."""
    files = sorted(glob.glob(str(data / "files_v1_500x2000" / "*.parquet")))
    big, small = data / "regression_v1_10000000", data / "regression_v1_1000000"
    return {
        "1Mgroups": [f"{data}/groups_v1_10000000_1000000.parquet", *REGRESSION, "-g", "item"],
        "100kgroups": [f"{data}/groups_v1_10000000_100000.parquet", *REGRESSION, "-g", "item"],
        "csv": [f"{big}.csv", *REGRESSION],
        "csv_g": [f"{big}.csv", *REGRESSION, "-g", "region"],
        "pq50_g": [f"{data}/regression_v1_50000000.parquet", *REGRESSION, "-g", "region"],
        "dataset": [f"{data}/files_v1_500x2000", *REGRESSION],
        "perfile": [*files, *REGRESSION],
        "start": [f"{data}/regression_v1_10.csv", *REGRESSION],
        "plain10M": [f"{big}.parquet", *REGRESSION, "-g", "region"],
        "block10M": [f"{big}.parquet", *REGRESSION, "-g", "region", *BOOTSTRAP, "1000",
                     "--block-rows", "1000"],
        "plain1M": [f"{small}.parquet", *REGRESSION, "-g", "region"],
        "rows1M": [f"{small}.parquet", *REGRESSION, "-g", "region", *BOOTSTRAP, "200"],
    }  # fmt: skip


def timed(tree: str, args: list[str]) -> tuple[float, float, bytes]:
    """One whole process of ``losscli evaluate`` from ``tree``: wall, CPU and its stdout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=tree, OPENBLAS_NUM_THREADS="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "losscli", "evaluate", *args], env=env, capture_output=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: exit {done.returncode}: {done.stderr.decode()[-500:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", required=True, help="NAME=PATH, twice")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", action="append", help="a case's name; repeatable")
    options = parser.parse_args(argv)
    trees = dict(t.split("=", 1) for t in options.tree)
    table = cases(DATA)
    chosen = options.only or list(table)
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    outputs: dict[tuple[str, str], bytes] = {}
    for round_ in range(options.rounds + 1):  # round 0 warms up
        order = list(trees.items()) if round_ % 2 else list(reversed(trees.items()))
        for name, tree in order:
            for case in chosen:
                wall, cpu, outputs[name, case] = timed(tree, table[case])
                if round_:
                    times.setdefault((name, case), []).append((wall, cpu))
    for case in chosen:
        cells = []
        for name in trees:
            walls, cpus = zip(*times[name, case], strict=True)
            cells.append(
                f"{name} {statistics.median(walls):.3f} s ({min(walls):.3f}-{max(walls):.3f}),"
                f" CPU {statistics.median(cpus):.3f} s"
            )
        same = len({outputs[name, case] for name in trees}) == 1
        print(f"{case:10s} " + " | ".join(cells) + f" | same bytes: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
