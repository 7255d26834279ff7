"""The guard of #21 and #22: the new options add no Python per block.

Each option's run is made in-process (the CLI through click's runner, ``--threads 1``) over the
same generated rows twice: read in chunks of SMALL_CHUNK rows and in one chunk, while every
Python-level call (``call`` and ``c_call`` events, NumPy's included; every thread's) is
counted with ``sys.setprofile``. The difference divided by the difference in chunks is the
calls per chunk (a chunk of SMALL_CHUNK rows is one kernel block). The option's calls per
chunk minus the plain run's are what the option adds per block: they must stay a fixed small
number (BUDGET), which a loop over rows, scores, classes, keys or periods in Python would
break. A second size (the rows doubled, as many chunks) checks that the calls per chunk do
not grow with the rows in a chunk. Counts, not times: the same on a loaded machine.

Run alone: ``python bench/call_guard.py [--rows N] [--only NAME]``; exit 1 past the budget.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SMALL_CHUNK = 1_000
# Python-level calls per block an option may add over the plain run: about the plain kernel's
# own (350-520), measured 2026-12-06 (BENCHMARKS.md, run 11) with a margin; --per-class files
# statistics per class (2 here), each looked up and added per block, so it has its own.
BUDGET = 450
BUDGETS = {"--per-class": 1_400}
GROWTH = 4  # calls per chunk more with twice the rows per chunk: none but the odd branch
QUANTILES = "q10=0.1,q50=0.5,q90=0.9"
CLS = ("-l", "y", "-p", "p", "-m", "cross_entropy,roc_auc")
REG = ("-l", "y_true", "-p", "y_pred", "-m", "mse,mape")
# name: (data, arguments); "plain" runs are what the others are judged against
OPTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "classifier plain": ("binary", CLS),
    "--per-class": ("binary", (*CLS, "--per-class")),
    "--confusion": ("binary", (*CLS, "--confusion")),
    "--thresholds auto": ("binary", (*CLS, "--thresholds", "auto")),
    "-m average_precision": ("binary", ("-l", "y", "-p", "p", "-m", "cross_entropy,roc_auc,ap")),
    "--ci (DeLong)": ("binary", (*CLS, "--ci", "0.95")),
    "regression plain": ("regression", REG),
    "--period date:W": ("regression", (*REG, "--period", "date:W")),
    "-g g --period date:W": ("regression", (*REG, "-g", "g", "--period", "date:W")),
    "--quantiles, mqloss": ("regression", ("-l", "y_true", "--quantiles", QUANTILES)),
}
PLAIN = {"binary": "classifier plain", "regression": "regression plain"}
SKIPPED = ("threading.py", "queue.py", "concurrent/futures", "selectors.py")


def binary_table(rows: int, seed: int = 21) -> pa.Table:
    """Labels drawn from their scores (many distinct scores: the rank tables' worst case),
    a group column of 5 values and a date over two years."""
    rng = np.random.default_rng(seed)
    p = rng.beta(2.0, 3.0, rows)
    return pa.table(
        {
            "y": (rng.uniform(size=rows) < p).astype(np.int8),
            "p": p,
            "g": pa.array(rng.integers(0, 5, rows).astype(str)),
            "date": dates(rng, rows),
        }
    )


def regression_table(rows: int, seed: int = 22) -> pa.Table:
    """Values, a point forecast and three quantile columns, a group column and a date."""
    rng = np.random.default_rng(seed)
    y = rng.gamma(2.0, 10.0, rows)
    noise = rng.normal(0.0, 3.0, rows)
    return pa.table(
        {
            "y_true": y,
            "y_pred": y + noise,
            "q10": y + noise - 4.0,
            "q50": y + noise,
            "q90": y + noise + 4.0,
            "g": pa.array(rng.integers(0, 5, rows).astype(str)),
            "date": dates(rng, rows),
        }
    )


def dates(rng: np.random.Generator, rows: int) -> pa.Array:
    """Timestamps (seconds) over two years, in time order, as a forecast's rows are."""
    start = np.datetime64("2025-01-01T00:00:00", "s").astype(np.int64)
    seconds = np.sort(rng.integers(0, 2 * 365 * 86_400, rows)) + start
    return pa.array(seconds, pa.timestamp("s"))


MAKERS: dict[str, Callable[[int], pa.Table]] = {
    "binary": binary_table,
    "regression": regression_table,
}


def write(table: pa.Table, path: Path) -> Path:
    pq.write_table(table, path, row_group_size=len(table))  # one row group: chunks by BATCH_ROWS
    return path


class CallCounter:
    """Counts Python-level calls (functions and C functions) in every thread while on, leaving
    out the threads' own waiting (threading, queues, futures), whose loops follow scheduling."""

    def __init__(self) -> None:
        self._count = itertools.count()

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event in ("call", "c_call") and not frame.f_code.co_filename.endswith(SKIPPED):
            next(self._count)

    def __enter__(self) -> CallCounter:
        threading.setprofile(self)
        sys.setprofile(self)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)
        threading.setprofile(None)

    @property
    def calls(self) -> int:
        return int(repr(self._count)[6:-1])  # count(n): the next value, the calls so far


def run_counted(path: Path, args: tuple[str, ...], chunk_rows: int) -> int:
    """Python-level calls of one in-process run of `losscli evaluate`, read in chunks of
    ``chunk_rows`` rows."""
    from click.testing import CliRunner

    from losscli.cli.main import main
    from losscli.reading import parquet_source

    argv = ["evaluate", str(path), *args, "--threads", "1", "-f", "json", "--no-progress"]
    saved = parquet_source.BATCH_ROWS
    parquet_source.BATCH_ROWS = chunk_rows
    try:
        with CallCounter() as counter:
            done = CliRunner().invoke(main, argv, catch_exceptions=False)
    finally:
        parquet_source.BATCH_ROWS = saved
    if done.exit_code != 0:
        raise RuntimeError(f"losscli {' '.join(argv)}: exit {done.exit_code}: {done.output}")
    return counter.calls


@dataclass(frozen=True)
class PerChunk:
    name: str
    calls: float  # Python-level calls per chunk of SMALL_CHUNK rows (one block)
    growth: float  # calls per chunk more when a chunk has twice the rows (0: none)


def per_chunk(paths: tuple[Path, Path], args: tuple[str, ...], rows: int, name: str) -> PerChunk:
    """The calls per chunk: over ``rows`` rows, (calls in chunks of SMALL_CHUNK − calls in
    chunks of 4 × SMALL_CHUNK) / the chunks fewer; the growth: over twice the rows (the other
    path) in as many chunks, the calls more per chunk. One uncounted run first (an option's
    modules are imported on first use). Every chunk is one kernel block (SMALL_CHUNK × 4 is
    under the block's rows for up to 3 columns)."""
    run_counted(paths[1], args, 2 * SMALL_CHUNK)
    chunked = run_counted(paths[0], args, SMALL_CHUNK)
    fewer = run_counted(paths[0], args, 4 * SMALL_CHUNK)
    doubled = run_counted(paths[1], args, 2 * SMALL_CHUNK)
    chunks = -(-rows // SMALL_CHUNK)
    per = (chunked - fewer) / (chunks - -(-rows // (4 * SMALL_CHUNK)))
    return PerChunk(name, per, (doubled - chunked) / chunks)


def measure_calls(directory: Path, rows: int, names: list[str]) -> dict[str, PerChunk]:
    """Each named option's (and its plain run's) calls per chunk, over ``rows`` rows (and
    twice as many for the growth)."""
    paths = {
        kind: tuple(write(make(n), directory / f"{kind}_{n}.parquet") for n in (rows, 2 * rows))
        for kind, make in MAKERS.items()
    }
    wanted = sorted({*names, *(PLAIN[OPTIONS[n][0]] for n in names)}, key=list(OPTIONS).index)
    return {n: per_chunk(paths[OPTIONS[n][0]], OPTIONS[n][1], rows, n) for n in wanted}


def judged(found: dict[str, PerChunk]) -> list[tuple[str, float, float, bool]]:
    """(option, calls per chunk, added over its plain run, within the budget)."""
    lines = []
    for name, got in found.items():
        plain = found[PLAIN[OPTIONS[name][0]]]
        added = got.calls - plain.calls
        ok = added <= BUDGETS.get(name, BUDGET) and abs(got.growth) <= GROWTH
        lines.append((name, got.calls, added, ok))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, default=16_000, help="rows (default 16,000: one block unchunked)"
    )
    parser.add_argument("--only", action="append", help="options whose name contains TEXT")
    args = parser.parse_args(argv)
    names = [n for n in OPTIONS if not args.only or any(t in n for t in args.only)]
    with tempfile.TemporaryDirectory() as directory:
        found = measure_calls(Path(directory), args.rows, names)
    print(f"Python-level calls per chunk of {SMALL_CHUNK:,} rows: the option's, added over")
    print(f"the plain run's (budget), more per chunk with twice the rows (at most {GROWTH})")
    lines = judged(found)
    for name, calls, added, ok in lines:
        growth, budget = found[name].growth, BUDGETS.get(name, BUDGET)
        verdict = "ok" if ok else "OVER"
        print(
            f"{name:22} {calls:8.1f} {added:+8.1f} (<= {budget:4})",
            f"growth {growth:+6.1f}  {verdict}",
        )
    return 0 if all(ok for *_, ok in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
