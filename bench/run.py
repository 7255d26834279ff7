"""Benchmark losscli against the alternatives, each run as a whole process.

Run it with `make bench` (or `make bench BENCH_ARGS="--rows 1000000 --runs 3"` for a quick run).

The data is generated once with numpy + pyarrow and cached outside the repository, in
$LOSSCLI_BENCH_DIR (default ~/.cache/losscli-bench):

* regression, N rows (default 10M) and 1M rows: y_true, y_pred, region (1,000 keys), weight;
* classification, 1M rows, 10 classes: label, p_0..p_9 (rows sum to 1), z_0..z_9 (logits);
* a 10-row regression CSV for the start-up time.

Every case runs as its own process, a few times; the table shows the median wall time and the
peak resident memory (from /usr/bin/time, or getrusage(RUSAGE_CHILDREN) in a tiny wrapper).
The "floor" is pyarrow reading just the needed columns and computing nothing.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import io
import itertools
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

DATA_VERSION = "v1"  # bump when the generated data changes, so old caches are not reused
CHUNK_ROWS = 1_000_000
N_REGIONS = 1_000
N_CLASSES = 10
MB = 1_000_000  # the memory column and the 150 MB target use decimal megabytes

FLOOR = "floor (pyarrow)"
LOSSCLI = "losscli"
POLARS = "polars"
DUCKDB = "duckdb"
PANDAS = "pandas+sklearn"
RIVALS = (POLARS, DUCKDB, PANDAS)

# ---------------------------------------------------------------------------------------------
# The competitors, as `python -c` scripts. Each takes the file (and optional group column) as
# arguments, and prints its result as CSV so that the results can be compared.

FLOOR_SCRIPT = """
import sys
path, cols = sys.argv[1], sys.argv[2].split(",")
if path.endswith(".parquet"):
    import pyarrow.parquet as pq
    batches = pq.ParquetFile(path).iter_batches(columns=cols)
else:
    import pyarrow.csv as pv
    batches = pv.open_csv(path, convert_options=pv.ConvertOptions(include_columns=cols))
for _ in batches:
    pass
"""

POLARS_SCRIPT = """
import sys
import polars as pl
path, group = sys.argv[1], sys.argv[2:]
lf = pl.scan_parquet(path) if path.endswith(".parquet") else pl.scan_csv(path)
err = pl.col("y_pred") - pl.col("y_true")
aggs = [(err**2).mean().alias("mse"), (100 * (err / pl.col("y_true")).abs().mean()).alias("mape")]
out = lf.group_by(group).agg(aggs).sort(group) if group else lf.select(aggs)
sys.stdout.write(out.collect().write_csv())
"""

DUCKDB_SCRIPT = """
import sys
import duckdb
path, group = sys.argv[1], sys.argv[2:]
reader = "read_parquet" if path.endswith(".parquet") else "read_csv"
source = reader + "('" + path.replace("'", "''") + "')"
keys = ", ".join(group)
sql = (
    "SELECT " + (keys + ", " if keys else "")
    + "avg(pow(y_pred - y_true, 2)) AS mse, 100 * avg(abs(y_pred - y_true) / abs(y_true)) AS mape"
    + " FROM " + source
    + (" GROUP BY " + keys + " ORDER BY " + keys if keys else "")
)
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")  # it would draw on stdout
rel = con.sql(sql)
print(",".join(rel.columns))
for row in rel.fetchall():
    print(",".join(str(v) for v in row))
"""

PANDAS_SCRIPT = """
import sys
import pandas as pd
from sklearn.metrics import mean_absolute_percentage_error, mean_squared_error
path, group = sys.argv[1], sys.argv[2:]
cols = ["y_true", "y_pred", *group]
if path.endswith(".parquet"):
    df = pd.read_parquet(path, columns=cols)
else:
    df = pd.read_csv(path, usecols=cols)
def losses(d):
    mse = mean_squared_error(d["y_true"], d["y_pred"])
    mape = 100 * mean_absolute_percentage_error(d["y_true"], d["y_pred"])
    return f"{mse!r},{mape!r}"
if group:
    print(f"{group[0]},mse,mape")
    for key, d in df.groupby(group[0]):
        print(f"{key},{losses(d)}")
else:
    print("mse,mape")
    print(losses(df))
"""

SKLEARN_LOG_LOSS_SCRIPT = """
import sys
import pandas as pd
from sklearn.metrics import log_loss
path, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
cols = ["label", *(f"{prefix}_{k}" for k in range(n))]
df = pd.read_parquet(path, columns=cols) if path.endswith(".parquet") else pd.read_csv(path)
probs = df[cols[1:]].to_numpy()
if prefix == "z":
    from scipy.special import softmax
    probs = softmax(probs, axis=1)
print("cross_entropy")
print(repr(log_loss(df["label"], probs, labels=list(range(n)))))
"""

# A stand-in for /usr/bin/time: runs the command as its only child and writes
# "<wall seconds> <peak RSS KiB>" to the file named first.
RUSAGE_WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as f:
    f.write(f"{wall} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
sys.exit(rc)
"""


# ---------------------------------------------------------------------------------------------
# Data


def rows_label(rows: int) -> str:
    for div, unit in ((1_000_000, "M"), (1_000, "k")):
        if rows >= div and rows % div == 0:
            return f"{rows // div}{unit}"
    return str(rows)


def regression_chunk(rng: np.random.Generator, n: int, regions: pa.Array) -> pa.Table:
    y_true = rng.lognormal(4.0, 1.0, n)  # positive, so MAPE is defined on every row
    return pa.table(
        {
            "y_true": y_true,
            "y_pred": y_true * rng.lognormal(0.0, 0.2, n),
            "region": pc.take(regions, pa.array(rng.integers(0, N_REGIONS, n))),
            "weight": rng.random(n),
        }
    )


def classification_chunk(rng: np.random.Generator, n: int) -> pa.Table:
    label = rng.integers(0, N_CLASSES, n)
    logits = rng.normal(0.0, 1.0, (n, N_CLASSES))
    logits[np.arange(n), label] += 2.0
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = exp / exp.sum(axis=1, keepdims=True)
    columns: dict[str, object] = {"label": label}
    columns |= {f"p_{k}": probs[:, k] for k in range(N_CLASSES)}
    columns |= {f"z_{k}": logits[:, k] for k in range(N_CLASSES)}
    return pa.table(columns)


def chunks(rows: int, make: Callable[[np.random.Generator, int], pa.Table]) -> Iterator[pa.Table]:
    for i, start in enumerate(range(0, rows, CHUNK_ROWS)):
        rng = np.random.default_rng([20240601, i])
        yield make(rng, min(CHUNK_ROWS, rows - start))


def write_both(stem: Path, tables: Iterator[pa.Table]) -> None:
    """Write the chunks to stem.parquet and stem.csv, renamed into place only when complete."""
    tmp_pq, tmp_csv = stem.with_suffix(".parquet.tmp"), stem.with_suffix(".csv.tmp")
    first = next(tables)
    options = pa_csv.WriteOptions(quoting_style="none", quoting_header="none")
    with (
        pq.ParquetWriter(tmp_pq, first.schema) as pq_writer,
        pa_csv.CSVWriter(tmp_csv, first.schema, write_options=options) as csv_writer,
    ):
        for table in itertools.chain([first], tables):
            pq_writer.write_table(table)
            csv_writer.write_table(table)
    tmp_pq.rename(stem.with_suffix(".parquet"))
    tmp_csv.rename(stem.with_suffix(".csv"))


def ensure(stem: Path, rows: int, make: Callable[[np.random.Generator, int], pa.Table]) -> Path:
    if not (stem.with_suffix(".parquet").exists() and stem.with_suffix(".csv").exists()):
        log(f"generating {stem.name} ({rows:,} rows) ...")
        start = time.perf_counter()
        write_both(stem, chunks(rows, make))
        log(f"  done in {time.perf_counter() - start:.0f} s")
    return stem


@dataclass(frozen=True)
class Data:
    regression: Path  # stems: add .parquet / .csv
    regression_1m: Path
    classification: Path
    tiny_csv: Path


def prepare_data(data_dir: Path, rows: int, cls_rows: int) -> Data:
    data_dir.mkdir(parents=True, exist_ok=True)
    regions = pa.array([f"region_{i:03d}" for i in range(N_REGIONS)])

    def regression(rng: np.random.Generator, n: int) -> pa.Table:
        return regression_chunk(rng, n, regions)

    def reg_stem(n: int) -> Path:
        return ensure(data_dir / f"regression_{DATA_VERSION}_{n}", n, regression)

    tiny = reg_stem(10).with_suffix(".csv")
    cls = ensure(
        data_dir / f"classification_{DATA_VERSION}_{cls_rows}", cls_rows, classification_chunk
    )
    return Data(reg_stem(rows), reg_stem(1_000_000), cls, tiny)


# ---------------------------------------------------------------------------------------------
# Measuring


@dataclass(frozen=True)
class Case:
    work: str
    tool: str
    argv: tuple[str, ...]


@dataclass
class Measurement:
    case: Case
    seconds: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)
    output: str = ""  # stdout of the last run
    error: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.seconds) and not self.error

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds) if self.seconds else math.nan

    @property
    def peak_mb(self) -> float:
        return max(self.peak_kib) * 1024 / MB if self.peak_kib else math.nan


def usr_bin_time_works() -> bool:
    if not Path("/usr/bin/time").exists():
        return False
    with tempfile.NamedTemporaryFile() as out:
        probe = ["/usr/bin/time", "-f", "%M", "-o", out.name, "true"]
        done = subprocess.run(probe, capture_output=True)
        return done.returncode == 0 and Path(out.name).read_text().strip().isdigit()


class Runner:
    """Runs one command as a process and reports (wall seconds, peak RSS KiB, stdout)."""

    def __init__(self, timeout: float, env: dict[str, str]) -> None:
        self.use_time = usr_bin_time_works()
        self.timeout = timeout
        self.env = env
        self.how = (
            "/usr/bin/time -f %M"
            if self.use_time
            else "getrusage(RUSAGE_CHILDREN) in a wrapper process"
        )

    def run(self, argv: tuple[str, ...]) -> tuple[float, int, str]:
        with tempfile.NamedTemporaryFile(mode="r") as report:
            if self.use_time:
                prefix = ["/usr/bin/time", "-f", "%M", "-o", report.name, "--"]
            else:
                prefix = [sys.executable, "-c", RUSAGE_WRAPPER, report.name]
            start = time.perf_counter()
            done = subprocess.run(
                [*prefix, *argv], capture_output=True, text=True, timeout=self.timeout, env=self.env
            )
            wall = time.perf_counter() - start
            if done.returncode != 0:
                raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip()[-2000:]}")
            last = report.read().strip().splitlines()[-1].split()
        if not self.use_time:
            wall = float(last[0])
        return wall, int(last[-1]), done.stdout


def child_env(data_dir: Path) -> dict[str, str]:
    """The environment of the measured processes: bytecode is cached, as on a user's machine,
    but in the data directory (a sandbox may set PYTHONDONTWRITEBYTECODE, which would make
    every run compile losscli afresh, and the cache is better kept out of the repository)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(data_dir / "pycache")
    return env


def measure(cases: list[Case], runner: Runner, runs: int, warmup: int) -> list[Measurement]:
    """Runs every case `warmup` + `runs` times, round-robin so that drift hits all alike."""
    results = [Measurement(case) for case in cases]
    for round_ in range(-warmup, runs):
        for m in results:
            if m.error:
                continue
            try:
                wall, kib, out = runner.run(m.case.argv)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                m.error = str(exc)
                log(f"  {m.case.work} | {m.case.tool}: FAILED {m.error}")
                continue
            if round_ >= 0:
                m.seconds.append(wall)
                m.peak_kib.append(kib)
                m.output = out
            tag = "warm-up" if round_ < 0 else f"run {round_ + 1}/{runs}"
            log(f"  {m.case.work} | {m.case.tool} | {tag}: {wall:.3f} s, {kib / 1024:.0f} MiB")
    return results


# ---------------------------------------------------------------------------------------------
# The cases


@dataclass(frozen=True)
class Commands:
    python: str
    losscli: str
    losscli_flags: tuple[str, ...]  # e.g. --no-progress, when losscli has it

    def losscli_cmd(self, *args: str) -> tuple[str, ...]:
        return (self.losscli, *args, *self.losscli_flags)

    def script(self, script: str, *args: str) -> tuple[str, ...]:
        return (self.python, "-c", script, *args)


def make_commands() -> Commands:
    bindir = Path(sys.executable).parent
    losscli = str(bindir / "losscli") if (bindir / "losscli").exists() else "losscli"
    help_text = subprocess.run(
        [losscli, "evaluate", "--help"], capture_output=True, text=True, check=True
    ).stdout
    flags = ("--no-progress",) if "--no-progress" in help_text else ()
    return Commands(sys.executable, losscli, flags)


def reg_work(fmt: str, grouped: bool, rows: int) -> str:
    return f"{fmt} {'per group' if grouped else 'overall'} ({rows_label(rows)})"


REG_KINDS = (("Parquet", False), ("Parquet", True), ("CSV", False), ("CSV", True))


def regression_cases(cmd: Commands, stem: Path, rows: int, rivals: bool) -> list[Case]:
    cases = []
    for fmt, grouped in REG_KINDS:
        path = str(stem.with_suffix(f".{fmt.lower()}"))
        group = ("region",) if grouped else ()
        work = reg_work(fmt, grouped, rows)
        cols = ",".join(("y_true", "y_pred", *group))
        losscli_args = [
            "evaluate",
            path,
            "-l",
            "y_true",
            "-p",
            "y_pred",
            "-m",
            "mse,mape",
            "-f",
            "csv",
        ] + (["-g", "region"] if grouped else [])
        cases += [
            Case(work, FLOOR, cmd.script(FLOOR_SCRIPT, path, cols)),
            Case(work, LOSSCLI, cmd.losscli_cmd(*losscli_args)),
        ]
        if rivals:
            cases += [
                Case(work, POLARS, cmd.script(POLARS_SCRIPT, path, *group)),
                Case(work, DUCKDB, cmd.script(DUCKDB_SCRIPT, path, *group)),
                Case(work, PANDAS, cmd.script(PANDAS_SCRIPT, path, *group)),
            ]
    return cases


CI_VARIANTS = (
    ("losscli --ci (normal)", ("--ci",)),
    (
        "losscli --ci bootstrap, B=1000, 1000-row blocks",
        ("--ci", "--ci-method", "bootstrap", "--resamples", "1000", "--block-rows", "1000"),
    ),
    (
        "losscli --ci bootstrap, B=200, rows",
        ("--ci", "--ci-method", "bootstrap", "--resamples", "200"),
    ),
)


def ci_work(rows: int) -> str:
    return f"intervals, Parquet per group ({rows_label(rows)})"


def ci_cases(cmd: Commands, stem: Path, rows: int, per_row: bool) -> list[Case]:
    """The cost of --ci against the same run without it (per-row bootstrap only at 1M)."""
    path = str(stem.with_suffix(".parquet"))
    base = (
        "evaluate",
        path,
        "-l",
        "y_true",
        "-p",
        "y_pred",
        "-m",
        "mse,mape",
        "-g",
        "region",
        "-f",
        "csv",
    )
    cases = [Case(ci_work(rows), LOSSCLI, cmd.losscli_cmd(*base))]
    for tool, flags in CI_VARIANTS:
        if "rows" in tool and not per_row:
            continue
        cases.append(Case(ci_work(rows), tool, cmd.losscli_cmd(*base, *flags)))
    return cases


def cls_work(fmt: str, prefix: str, rows: int) -> str:
    kind = "probs" if prefix == "p" else "logits"
    return f"{fmt} 10-class {kind} ({rows_label(rows)})"


def classification_cases(cmd: Commands, stem: Path, rows: int) -> list[Case]:
    cases = []
    for fmt in ("Parquet", "CSV"):
        path = str(stem.with_suffix(f".{fmt.lower()}"))
        for prefix in ("p", "z"):
            work = cls_work(fmt, prefix, rows)
            cols = ",".join(["label", *(f"{prefix}_{k}" for k in range(N_CLASSES))])
            args = [
                "evaluate",
                path,
                "--probs",
                f"{prefix}_*",
                "-l",
                "label",
                "-m",
                "cross_entropy",
                "-f",
                "csv",
            ]
            if prefix == "z":
                args.append("--from-logits")
            cases += [
                Case(work, FLOOR, cmd.script(FLOOR_SCRIPT, path, cols)),
                Case(work, LOSSCLI, cmd.losscli_cmd(*args)),
                Case(
                    work, PANDAS, cmd.script(SKLEARN_LOG_LOSS_SCRIPT, path, prefix, str(N_CLASSES))
                ),
            ]
    return cases


STARTUP_VERSION = "start-up: --version"
STARTUP_TINY = "start-up: 10-row CSV"


def startup_cases(cmd: Commands, tiny_csv: Path) -> list[Case]:
    python_floor = Case("", "floor (python -c pass)", cmd.script("pass"))
    tiny = cmd.losscli_cmd(
        "evaluate", str(tiny_csv), "-l", "y_true", "-p", "y_pred", "-m", "mse,mape", "-f", "csv"
    )
    return [
        Case(STARTUP_VERSION, python_floor.tool, python_floor.argv),
        Case(STARTUP_VERSION, LOSSCLI, (cmd.losscli, "--version")),
        Case(STARTUP_TINY, python_floor.tool, python_floor.argv),
        Case(STARTUP_TINY, LOSSCLI, tiny),
    ]


# ---------------------------------------------------------------------------------------------
# Results: do the tools agree, the table, the targets


def parse_result(output: str, metrics: tuple[str, ...]) -> dict[str, tuple[float, ...]]:
    """{group key ("" for overall): metric values} from a tool's CSV output."""
    rows = list(csv.DictReader(io.StringIO(output)))
    if not rows:
        return {}
    bookkeeping = {"file", "pred", "n", "scope"}
    key_cols = [
        c
        for c in rows[0]
        if c not in {*metrics, *bookkeeping} and not c.endswith(("_low", "_high"))
    ]
    return {
        ",".join(row[c] for c in key_cols): tuple(float(row[m]) for m in metrics) for row in rows
    }


def disagreements(results: list[Measurement], rel_tol: float = 1e-6) -> list[str]:
    problems = []
    for work, group in by_work(results).items():
        mine = group.get(LOSSCLI)
        if mine is None or not mine.ok:
            continue
        metrics = ("cross_entropy",) if "class" in work else ("mse", "mape")
        if work.startswith("start-up"):
            continue
        try:
            expected = parse_result(mine.output, metrics)
        except (KeyError, ValueError) as exc:
            problems.append(f"{work}: cannot read the output of losscli ({exc!r})")
            continue
        for tool, m in group.items():
            if tool in (LOSSCLI, FLOOR) or not m.ok:
                continue
            try:
                theirs = parse_result(m.output, metrics)
            except (KeyError, ValueError) as exc:
                problems.append(f"{work}: cannot read the output of {tool} ({exc!r})")
                continue
            for key, values in theirs.items():
                got = expected.get(key)
                if got is None or not all(
                    math.isclose(a, b, rel_tol=rel_tol) for a, b in zip(got, values, strict=True)
                ):
                    problems.append(
                        f"{work}: {tool} says {key or 'overall'} = {values}, losscli {got}"
                    )
                    break
    return problems


def by_work(results: list[Measurement]) -> dict[str, dict[str, Measurement]]:
    works: dict[str, dict[str, Measurement]] = {}
    for m in results:
        works.setdefault(m.case.work, {})[m.case.tool] = m
    return works


def fmt_ratio(num: float, den: float) -> str:
    return f"{num / den:.2f}x" if den and not math.isnan(num) and not math.isnan(den) else ""


def table(results: list[Measurement]) -> str:
    header = ("work", "tool", "median s", "min-max s", "peak MB", "x floor", "x best rival")
    lines = []
    for work, group in by_work(results).items():
        floor = next((m for t, m in group.items() if t.startswith("floor") and m.ok), None)
        rivals = [m.median_s for t, m in group.items() if t in RIVALS and m.ok]
        for tool, m in group.items():
            if not m.ok:
                lines.append((work, tool, "FAILED", "", "", "", ""))
                continue
            lines.append(
                (
                    work,
                    tool,
                    f"{m.median_s:.3f}",
                    f"{min(m.seconds):.2f}-{max(m.seconds):.2f}",
                    f"{m.peak_mb:.0f}",
                    fmt_ratio(m.median_s, floor.median_s) if floor else "",
                    fmt_ratio(m.median_s, min(rivals)) if tool == LOSSCLI and rivals else "",
                )
            )
            work = ""  # the work is named once per block
    widths = [max(len(row[i]) for row in (header, *lines)) for i in range(len(header))]
    out = []
    for n, row in enumerate((header, *lines)):
        if n > 1 and row[0]:
            out.append("")
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


@dataclass(frozen=True)
class Target:
    name: str
    met: bool | None  # None: could not be judged (a run failed)
    detail: str


class Targets:
    """The targets from the issue, judged on the medians (and peaks) measured."""

    def __init__(self, results: list[Measurement], rows: int, cls_rows: int) -> None:
        self.works = by_work(results)
        self.rows = rows
        self.cls_rows = cls_rows
        self.found: list[Target] = []

    def get(self, work: str, tool: str) -> Measurement | None:
        m = self.works.get(work, {}).get(tool)
        return m if m is not None and m.ok else None

    def add(self, name: str, check: Callable[[], tuple[bool, str]]) -> None:
        try:
            met, detail = check()
        except LookupError as missing:
            self.found.append(Target(name, None, f"not measured: {missing}"))
            return
        self.found.append(Target(name, met, detail))

    def seconds(self, work: str, tool: str) -> float:
        m = self.get(work, tool)
        if m is None:
            raise LookupError(f"{work} / {tool}")
        return m.median_s

    def peak(self, work: str, tool: str) -> float:
        m = self.get(work, tool)
        if m is None:
            raise LookupError(f"{work} / {tool}")
        return m.peak_mb

    def vs_floor(self, work: str, limit: float) -> tuple[bool, str]:
        mine, floor = self.seconds(work, LOSSCLI), self.seconds(work, FLOOR)
        return mine <= limit * floor, (
            f"losscli {mine:.3f} s = {mine / floor:.2f}x floor {floor:.3f} s (limit {limit}x)"
        )

    def vs_rivals(self, work: str, rivals: tuple[str, ...]) -> tuple[bool, str]:
        mine = self.seconds(work, LOSSCLI)
        theirs = {r: self.seconds(work, r) for r in rivals}
        detail = ", ".join(f"{r} {s:.3f} s" for r, s in theirs.items())
        return all(mine <= s for s in theirs.values()), f"losscli {mine:.3f} s; {detail}"

    def under(self, work: str, limit: float) -> tuple[bool, str]:
        mine = self.seconds(work, LOSSCLI)
        return mine <= limit, f"losscli {mine:.3f} s (limit {limit:g} s)"

    def memory(self) -> tuple[bool, str]:
        peaks = {
            reg_work(f, g, n): self.peak(reg_work(f, g, n), LOSSCLI)
            for n in {self.rows, 1_000_000}
            for f, g in REG_KINDS
        }
        worst = max(peaks, key=peaks.__getitem__)
        return peaks[worst] <= 150, f"highest: {worst} {peaks[worst]:.0f} MB (limit 150 MB)"

    def memory_flat(self) -> tuple[bool, str]:
        parts, ok = [], True
        for fmt, grouped in REG_KINDS:
            big = self.peak(reg_work(fmt, grouped, self.rows), LOSSCLI)
            small = self.peak(reg_work(fmt, grouped, 1_000_000), LOSSCLI)
            ratio = max(big, small) / min(big, small)
            ok &= ratio <= 1.2
            parts.append(
                f"{fmt} {'per group' if grouped else 'overall'} "
                f"{small:.0f} -> {big:.0f} MB ({ratio:.2f}x)"
            )
        return ok, "; ".join(parts)

    def ci_cost(self, rows: int, tool: str, limit: float) -> tuple[bool, str]:
        plain, ci = self.seconds(ci_work(rows), LOSSCLI), self.seconds(ci_work(rows), tool)
        return ci <= limit * plain, f"{ci:.3f} s vs {plain:.3f} s ({ci / plain:.2f}x)"

    def logits(self, fmt: str, budget: float) -> tuple[bool, str]:
        logits = self.seconds(cls_work(fmt, "z", self.cls_rows), LOSSCLI)
        probs = self.seconds(cls_work(fmt, "p", self.cls_rows), LOSSCLI)
        return logits <= 1.5 * budget, (
            f"losscli {logits:.3f} s (limit 1.5 x {budget:g} s = "
            f"{1.5 * budget:g} s; {logits / probs:.2f}x the "
            f"probabilities run)"
        )

    def judge(self) -> list[Target]:
        n, c = self.rows, self.cls_rows
        self.add(
            "Parquet overall <= 1.3x floor",
            lambda: self.vs_floor(reg_work("Parquet", False, n), 1.3),
        )
        self.add(
            "Parquet overall no slower than polars and DuckDB",
            lambda: self.vs_rivals(reg_work("Parquet", False, n), (POLARS, DUCKDB)),
        )
        self.add(
            "Parquet per group no slower than DuckDB",
            lambda: self.vs_rivals(reg_work("Parquet", True, n), (DUCKDB,)),
        )
        self.add("CSV overall <= 1.2x floor", lambda: self.vs_floor(reg_work("CSV", False, n), 1.2))
        self.add(
            "CSV per group no slower than polars",
            lambda: self.vs_rivals(reg_work("CSV", True, n), (POLARS,)),
        )
        self.add("losscli peak memory <= 150 MB (regression)", self.memory)
        self.add(f"peak memory {rows_label(n)} vs 1M rows within 20%", self.memory_flat)
        self.add(
            "classification Parquet <= 0.4 s", lambda: self.under(cls_work("Parquet", "p", c), 0.4)
        )
        self.add("classification CSV <= 0.8 s", lambda: self.under(cls_work("CSV", "p", c), 0.8))
        self.add(
            "classification logits Parquet <= 1.5x budget", lambda: self.logits("Parquet", 0.4)
        )
        self.add("classification logits CSV <= 1.5x budget", lambda: self.logits("CSV", 0.8))
        self.add("--version <= 0.1 s", lambda: self.under(STARTUP_VERSION, 0.1))
        for tool, limit, rows in (
            (CI_VARIANTS[0][0], 1.25, n),
            (CI_VARIANTS[1][0], 3.0, n),
            (CI_VARIANTS[2][0], 10.0, 1_000_000),
        ):
            self.add(
                f"{tool} <= {limit:g}x plain ({rows_label(rows)})",
                lambda tool=tool, limit=limit, rows=rows: self.ci_cost(rows, tool, limit),
            )
        self.add("10-row CSV <= 0.35 s", lambda: self.under(STARTUP_TINY, 0.35))
        return self.found


def targets_report(targets: list[Target]) -> str:
    marks = {True: "MET   ", False: "MISSED", None: "?     "}
    lines = [f"{marks[t.met]}  {t.name}: {t.detail}" for t in targets]
    met = sum(t.met is True for t in targets)
    lines.append(f"{met} of {len(targets)} targets met")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Environment and main


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


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    default_dir = os.environ.get("LOSSCLI_BENCH_DIR", str(Path.home() / ".cache/losscli-bench"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows",
        type=int,
        default=10_000_000,
        help="rows of the regression data (default 10,000,000)",
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
        help="run only the works whose name contains TEXT (repeatable; e.g. 'start-up', "
        "'CSV per group'); targets of works left out are shown as not measured",
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.cls_rows < 1 or args.runs < 1 or args.warmup < 0:
        parser.error("--rows, --cls-rows and --runs must be positive, --warmup not negative")
    return args


def all_cases(cmd: Commands, data: Data, rows: int, cls_rows: int) -> list[Case]:
    cases = regression_cases(cmd, data.regression, rows, rivals=True)
    if rows != 1_000_000:  # for the memory target: losscli at 1M rows as well
        cases += regression_cases(cmd, data.regression_1m, 1_000_000, rivals=False)
    cases += ci_cases(cmd, data.regression, rows, per_row=rows <= 1_000_000)
    if rows != 1_000_000:
        cases += ci_cases(cmd, data.regression_1m, 1_000_000, per_row=True)
    cases += classification_cases(cmd, data.classification, cls_rows)
    cases += startup_cases(cmd, data.tiny_csv)
    return cases


def selected(cases: list[Case], only: list[str] | None) -> list[Case]:
    if not only:
        return cases
    wanted = [text.lower() for text in only]
    return [c for c in cases if any(text in c.work.lower() for text in wanted)]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def print_report(
    args: argparse.Namespace, cmd: Commands, runner: Runner, results: list[Measurement], loads: str
) -> None:
    print(f"machine:  {machine()}")
    print(f"versions: {versions()}")
    print(
        f"data:     {args.data_dir} ({args.rows:,} regression rows, {args.cls_rows:,} "
        "classification rows)"
    )
    print(
        f"runs:     median of {args.runs} (after {args.warmup} warm-up, round-robin); "
        f"peak RSS via {runner.how}; MB = 10^6 bytes"
    )
    print(f"load:     1/5/15-min load average {loads}")
    if cmd.losscli_flags:
        print(f"losscli:  run with {' '.join(cmd.losscli_flags)}")
    print()
    print(table(results))
    print()
    problems = disagreements(results)
    if problems:
        print("results: DISAGREEMENTS\n  " + "\n  ".join(problems))
    else:
        print("results: every tool agrees with losscli (relative tolerance 1e-6)")
    print()
    print(targets_report(Targets(results, args.rows, args.cls_rows).judge()))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data_dir = args.data_dir.expanduser()
    data = prepare_data(data_dir, args.rows, args.cls_rows)
    cmd = make_commands()
    runner = Runner(args.timeout, child_env(data_dir))
    cases = selected(all_cases(cmd, data, args.rows, args.cls_rows), args.only)
    if not cases:
        log(f"no work matches --only {args.only}")
        return 2
    log(f"{len(cases)} cases x ({args.warmup} warm-up + {args.runs} runs); load {load()}")
    before = load()
    results = measure(cases, runner, args.runs, args.warmup)
    print_report(args, cmd, runner, results, f"{before} before, {load()} after")
    return 1 if any(not m.ok for m in results) else 0


if __name__ == "__main__":
    sys.exit(main())
