"""The CSV readers that can hand Arrow record batches to losscli's kernel, measured.

Each reader streams the columns a run needs (``y_true``, ``y_pred`` as float64; with
``--group``, ``region`` as text too) from a CSV file and does nothing with them: the
floor a losscli run on that reader cannot go under. Every variant runs as its own
process, with one or two threads, round-robin (so that other load on the machine hits
every variant alike); the table shows the medians of wall time and of CPU time
(user + sys, from ``wait4``) and the highest peak RSS. ``losscli`` rows run the real
command (``evaluate -m mse -m mape -f csv``) with ``--threads``.

    .venv/bin/python bench/csv_readers.py ~/.cache/losscli-bench/regression_v1_10000000.csv \
        --runs 5 [--group] [--only pyarrow]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# The readers, as `python -c` scripts: argv = path, threads, columns (comma-separated),
# then the group column(s) among them (read as text).
PYARROW = """
import sys
import pyarrow as pa, pyarrow.csv as pv
path, threads, cols, block = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), int(sys.argv[4])
groups = sys.argv[5:]
pa.set_cpu_count(threads)
text = pa.dictionary(pa.int32(), pa.string())
types = {c: text if c in groups else pa.float64() for c in cols}
reader = pv.open_csv(
    path,
    read_options=pv.ReadOptions(block_size=block << 20, use_threads=threads > 1),
    convert_options=pv.ConvertOptions(include_columns=cols, column_types=types),
)
for batch in reader:
    pass
"""

# losscli's own reader of a large file: pyarrow's threaded reader over slices of whole lines.
SLICES = """
import sys
import pyarrow as pa, pyarrow.csv as pv
from losscli.reading.csv_slices import SlicedRead
path, threads, cols, groups = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), sys.argv[5:]
pa.set_cpu_count(threads)
text = pa.dictionary(pa.int32(), pa.string())
types = {c: text if c in groups else pa.float64() for c in cols}
convert = pv.ConvertOptions(include_columns=cols, column_types=types)
names = pv.open_csv(path).schema.names
for batch in SlicedRead(path, names, parse=pv.ParseOptions(), convert=convert, block=1 << 20):
    pass
"""

POLARS = """
import os, sys
os.environ["POLARS_MAX_THREADS"] = sys.argv[2]
import polars as pl
path, cols, groups = sys.argv[1], sys.argv[3].split(","), sys.argv[5:]
types = {c: pl.String if c in groups else pl.Float64 for c in cols}
frame = pl.scan_csv(path, schema_overrides=types).select(cols)
for chunk in frame.collect_batches():
    for batch in chunk.to_arrow().to_batches():
        pass
"""

DUCKDB = """
import sys
import duckdb
path, threads, cols, rows = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), int(sys.argv[4])
groups = sys.argv[5:]
con = duckdb.connect(config={"threads": threads})
types = {c: "VARCHAR" if c in groups else "DOUBLE" for c in cols}
relation = con.read_csv(path, dtype=types).select(*cols)
for batch in relation.to_arrow_reader(rows):
    pass
"""

LOSSCLI_MAIN = "from losscli.cli import run; sys.argv[0] = 'losscli'; run()"
LOSSCLI = ("evaluate", "-m", "mse", "-m", "mape", "-f", "csv", "--no-progress")


@dataclass
class Variant:
    name: str
    argv: list[str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)
    error: str = ""


def variants(path: str, group: bool, only: str, base: str | None) -> list[Variant]:
    py = sys.executable
    cols = "y_true,y_pred" + (",region" if group else "")
    groups = ["region"] if group else []
    found: list[Variant] = []
    for threads in ("1", "2"):
        for block in ("1", "4", "16"):
            argv = [py, "-c", PYARROW, path, threads, cols, block, *groups]
            found.append(Variant(f"pyarrow {block} MiB blocks, {threads} thread(s)", argv))
        argv = [py, "-c", SLICES, path, threads, cols, "0", *groups]
        found.append(Variant(f"pyarrow read_csv in slices, {threads} thread(s)", argv))
        argv = [py, "-c", POLARS, path, threads, cols, "0", *groups]
        found.append(Variant(f"polars collect_batches, {threads} thread(s)", argv))
        argv = [py, "-c", DUCKDB, path, threads, cols, str(1 << 17), *groups]
        found.append(Variant(f"duckdb to_arrow_reader, {threads} thread(s)", argv))
        losscli = str(Path(py).with_name("losscli"))
        grouping = ["-g", "region"] if group else []
        argv = [losscli, *LOSSCLI[:1], path, *LOSSCLI[1:], "--threads", threads, *grouping]
        found.append(Variant(f"losscli, --threads {threads}", argv))
        if base:  # the package in ``base`` run instead of the installed one
            argv = [
                py,
                "-c",
                f"import sys; sys.path.insert(0, {base!r}); {LOSSCLI_MAIN}",
                *argv[1:],
            ]
            found.append(Variant(f"losscli of --base, --threads {threads}", argv))
    return [v for v in found if only in v.name]


def run_once(variant: Variant, env: dict[str, str]) -> None:
    start = time.perf_counter()
    process = subprocess.Popen(
        variant.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        variant.error = process.stderr.read().decode()[-400:] if process.stderr else "failed"
        return
    variant.wall.append(wall)
    variant.cpu.append(usage.ru_utime + usage.ru_stime)
    variant.peak_kib.append(usage.ru_maxrss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--group", action="store_true", help="read the region column as well")
    parser.add_argument("--only", default="", help="the variants whose name contains this")
    parser.add_argument("--base", help="a directory holding another losscli package, run too")
    args = parser.parse_args()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    found = variants(args.path, args.group, args.only, args.base)
    for variant in found:  # warm-up: the file in the page cache, bytecode compiled
        run_once(variant, env)
        variant.wall, variant.cpu, variant.peak_kib = [], [], []
    for _ in range(args.runs):
        for variant in found:
            if not variant.error:
                run_once(variant, env)
    with open("/proc/loadavg") as load:
        print(f"{args.path}, {args.runs} runs, load average {load.read().split()[:3]}")
    print(
        f"{'variant':44} {'wall s':>7} {'min-max':>11} {'CPU s':>6} {'min-max':>11} {'peak MB':>8}"
    )
    for v in found:
        if v.error:
            print(f"{v.name:44} failed: {v.error.strip().splitlines()[-1]}")
            continue
        print(
            f"{v.name:44} {statistics.median(v.wall):7.3f} {min(v.wall):5.2f}-{max(v.wall):5.2f} "
            f"{statistics.median(v.cpu):6.2f} {min(v.cpu):5.2f}-{max(v.cpu):5.2f} "
            f"{max(v.peak_kib) * 1024 / 1e6:8.0f}"
        )


if __name__ == "__main__":
    main()
