"""Benchmark losscli against the alternatives, each run as a whole process.

Run it with `make bench` (or `make bench BENCH_ARGS="--rows 1000000 --big-rows 0 --runs 3"`
for a quick run; `--only groups` for one family).

The data (data.py) is generated once with numpy + pyarrow and cached outside the
repository, in $LOSSCLI_BENCH_DIR (default ~/.cache/losscli-bench); only the data of the cases
asked for is generated. The cases (cases.py), in families that `--only` names:

* regression: Parquet and CSV, overall and per group (region, 1,000 values), N rows (default
  10M), against the floor, polars, DuckDB and pandas + scikit-learn; losscli at 1M rows too;
* big: Parquet overall and per group at 50M rows, against the floor, polars and DuckDB;
* groups: N rows grouped by an int64 column with 1k, 10k, 100k and 1M values, every tool
  writing CSV to a file (the largest count also JSON from losscli);
* files: 500 Parquet files of 2,000 rows, as rows per file and as one dataset;
* intervals: the cost of --ci; classification: 10 classes, probabilities and logits;
* options: a binary classifier plain and with --per-class, --confusion, --thresholds auto,
  average_precision, --ci (DeLong); a regression plain and with --period, -g with --period,
  --quantiles (mqloss); and the guard that they add no Python per block (call_guard.py);
* start-up: --version and a 10-row CSV.

Every case runs as its own process, a few times; the table shows the median wall time and the
peak resident memory (measure.py). The "floor" is the work no run can avoid: the imports and
the needed columns read with losscli's own reader settings, every value touched (rivals.py: a
large CSV file in losscli's own slices, as losscli reads it; in the groups cases, writing the
result too). Every tool's numbers are checked against
losscli's, and the targets of the issues judged on round-by-round ratios (gates.py), printed
as a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
import tempfile
from pathlib import Path

from cases import Family, Sizes, all_families, make_commands
from data import Data, log
from diagrams import diagrams_family  # the cost of --calibration and --residuals
from gates import Targets, targets_report
from html_report import html_report_case
from measure import Case, Measurement, Runner, child_env, measure
from option_costs import option_costs_family  # the new options' costs and the guard (#21, #22)
from report import agreement_report, table
from s3_cases import s3_family  # S3 (moto on loopback) against local disk (#19)

DEFAULT_GROUPS = "1000,10000,100000,1000000"


def versions() -> str:
    parts = [f"python {platform.python_version()}"]
    for dist in ("losscli", "numpy", "pyarrow", "polars", "duckdb", "pandas", "scikit-learn"):
        try:
            parts.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{dist} (not installed)")
    return ", ".join(parts)


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        mem = f", {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.1f} GiB"
    return f"{os.cpu_count()} CPUs ({cpu}){mem}"


def group_counts(text: str) -> tuple[int, ...]:
    return tuple(sorted({int(part) for part in text.split(",") if part.strip()}))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    default_dir = os.environ.get("LOSSCLI_BENCH_DIR", str(Path.home() / ".cache/losscli-bench"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows",
        type=int,
        default=10_000_000,
        help="rows of the regression and grouped data (default 10,000,000)",
    )
    parser.add_argument(
        "--big-rows",
        type=int,
        default=50_000_000,
        help="rows of the big Parquet data (default 50,000,000; 0: no big cases)",
    )
    parser.add_argument(
        "--groups",
        type=group_counts,
        metavar="N,N,...",
        help=f"distinct values of the int group column (default {DEFAULT_GROUPS}, those "
        "with 10 rows or more per group); the largest is also run with JSON output",
    )
    parser.add_argument(
        "--cls-rows",
        type=int,
        default=1_000_000,
        help="rows of the classification data (default 1,000,000)",
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument(
        "--warmup", type=int, default=1, help="untimed runs per case first (default 1)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(default_dir),
        help="where the data is cached (default $LOSSCLI_BENCH_DIR or ~/.cache/losscli-bench)",
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds per run at most")
    parser.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="run only a family (regression, big, groups, files, intervals, classification, "
        "options, start-up) or the works whose name contains TEXT (e.g. 'CSV per group', "
        "'1M groups'); repeatable; targets of works left out are shown as not measured",
    )
    args = parser.parse_args(argv)
    check_args(parser, args)
    return args


def check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.rows < 1 or args.cls_rows < 1 or args.runs < 1 or args.warmup < 0:
        parser.error("--rows, --cls-rows and --runs must be positive, --warmup not negative")
    if args.big_rows < 0 or 0 < args.big_rows <= args.rows:
        parser.error("--big-rows must be 0 (none) or more than --rows")
    if args.groups is None:
        default = group_counts(DEFAULT_GROUPS)
        args.groups = tuple(g for g in default if 10 * g <= args.rows)
    if any(g < 1 or g > args.rows for g in args.groups):
        parser.error("every --groups count must be between 1 and --rows (every group has rows)")


def selected(family: Family, only: list[str] | None) -> list[Case]:
    """The family's cases that --only asks for: all of them when it names the family."""
    if not only:
        return family.cases
    wanted = [text.lower() for text in only]
    if family.name in wanted:
        return family.cases
    return [c for c in family.cases if any(text in c.work.lower() for text in wanted)]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def print_report(
    args: argparse.Namespace,
    sizes: Sizes,
    runner: Runner,
    results: list[Measurement],
    loads: str,
    losscli_flags: tuple[str, ...],
) -> bool:
    """Prints the report; returns whether every tool agreed with losscli."""
    print(f"machine:  {machine()}")
    print(f"versions: {versions()}")
    print(
        f"data:     {args.data_dir} ({sizes.rows:,} regression rows, {sizes.big_rows:,} big "
        f"Parquet rows, {sizes.cls_rows:,} classification rows; int groups: "
        f"{', '.join(f'{g:,}' for g in sizes.group_counts)})"
    )
    print(
        f"runs:     median of {args.runs} (after {args.warmup} warm-up, round-robin); "
        f"peak RSS via {runner.how}; MB = 10^6 bytes"
    )
    print(f"load:     1/5/15-min load average {loads}")
    if losscli_flags:
        print(f"losscli:  run with {' '.join(losscli_flags)}")
    print(
        "groups:   every tool writes CSV to a file (losscli -o x.csv, DuckDB COPY ... TO, "
        "polars write_csv); losscli (JSON): -o x.json"
    )
    print()
    print(table(results))
    print()
    agreement, agreed = agreement_report(results)
    print(agreement)
    print()
    print(targets_report(Targets(results, sizes).judge()))
    return agreed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = Data(args.data_dir.expanduser())
    data.make_root()
    sizes = Sizes(args.rows, args.big_rows, args.cls_rows, args.groups)
    cmd = make_commands()
    runner = Runner(args.timeout, child_env(data.root))
    with tempfile.TemporaryDirectory(prefix="results-", dir=data.root) as out_dir:
        cases = []
        families = [
            *all_families(cmd, data, sizes, Path(out_dir)),
            diagrams_family(cmd, data, sizes.rows),
            s3_family(cmd, data, sizes.rows),
            option_costs_family(cmd, data, sizes.rows, Path(__file__).with_name("call_guard.py")),
        ]
        for family in families:
            chosen = selected(family, args.only)
            if chosen:
                family.prepare()
                cases += chosen
        if not cases:
            log(f"no work matches --only {args.only}")
            return 2
        log(f"{len(cases)} cases x ({args.warmup} warm-up + {args.runs} runs); load {load()}")
        before = load()
        results = measure(cases, runner, args.runs, args.warmup)
        loads = f"{before} before, {load()} after"
        agreed = print_report(args, sizes, runner, results, loads, cmd.losscli_flags)
    print(html_report_case(args.only))
    return 0 if agreed and all(m.ok for m in results) else 1


if __name__ == "__main__":
    sys.exit(main())
