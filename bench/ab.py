"""Two source trees of losscli against each other, in the same minutes, as whole processes.

On a noisy machine a change smaller than the run-to-run spread cannot be read from two
benchmark runs taken apart; alternating the trees round by round can (BENCHMARKS.md runs
18 and 19). Each tree runs from this venv with ``PYTHONPATH`` pointing at it, so only the
code differs; the processes are run and timed as ``make bench`` runs them
(:mod:`measure`). Prints, per case, each tree's median wall time (min–max) and CPU (user +
sys), and whether their results were the same bytes in the last round.

    python bench/ab.py --tree base=/tmp/base --tree main=. --runs 5 --only 1Mgroups
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cases import REGRESSION_ARGS
from data import Data
from measure import Case, Runner, child_env, measure

PLAIN = (*REGRESSION_ARGS, "--no-progress", "-f", "csv")
BOOTSTRAP = ("--ci", "--ci-method", "bootstrap", "--resamples")


def cases(data: Data) -> dict[str, tuple[str, ...]]:
    """The bench's files (``bench/run.py`` makes them), each with its arguments."""
    ten, one = data.regression(10_000_000), data.regression(1_000_000)
    grouped = ("-g", "region")
    return {
        "1Mgroups": (str(data.grouped(10_000_000, 1_000_000)), *PLAIN, "-g", "item"),
        "100kgroups": (str(data.grouped(10_000_000, 100_000)), *PLAIN, "-g", "item"),
        "csv": (f"{ten}.csv", *PLAIN),
        "csv_g": (f"{ten}.csv", *PLAIN, *grouped),
        "pq50_g": (f"{data.regression(50_000_000)}.parquet", *PLAIN, *grouped),
        "dataset": (str(data.files()), *PLAIN),
        "perfile": (*map(str, data.file_paths()), *PLAIN),
        "start": (str(data.tiny_csv()), *PLAIN),
        "plain10M": (f"{ten}.parquet", *PLAIN, *grouped),
        "block10M": (f"{ten}.parquet", *PLAIN, *grouped, *BOOTSTRAP, "1000",
                     "--block-rows", "1000"),
        "plain1M": (f"{one}.parquet", *PLAIN, *grouped),
        "rows1M": (f"{one}.parquet", *PLAIN, *grouped, *BOOTSTRAP, "200"),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", required=True, help="NAME=PATH, twice")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", action="append", help="a case's name; repeatable")
    parser.add_argument("--timeout", type=float, default=600.0)
    options = parser.parse_args(argv)
    trees = dict(t.split("=", 1) for t in options.tree)
    data = Data(Path(os.environ.get("LOSSCLI_BENCH_DIR", Path.home() / ".cache/losscli-bench")))
    table = cases(data)
    evaluate = (sys.executable, "-m", "losscli", "evaluate")
    chosen = [
        Case(case, name, ("env", f"PYTHONPATH={Path(tree).resolve()}", *evaluate, *table[case]))
        for case in options.only or table
        for name, tree in trees.items()
    ]
    runner = Runner(options.timeout, child_env(data.root))
    done = measure(chosen, runner, options.runs, warmup=1)
    for case in dict.fromkeys(m.case.work for m in done):
        mine = [m for m in done if m.case.work == case]
        cells = [
            f"{m.case.tool} {m.median_s:.3f} s ({min(m.seconds):.3f}-{max(m.seconds):.3f}),"
            f" CPU {m.median_cpu_s:.3f} s"
            for m in mine
        ]
        same = len({m.result() for m in mine}) == 1
        print(f"{case:10s} " + " | ".join(cells) + f" | same bytes: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
