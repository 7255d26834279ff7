"""The cases: what each tool is asked to do, grouped in families that `--only` can name, each
with the data it needs (generated only when one of its cases is run)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from data import FILE_ROWS, N_CLASSES, N_FILES, Data, rows_label
from measure import Case
from rivals import (
    DUCKDB_SCRIPT,
    FLOOR_SCRIPT,
    PANDAS_SCRIPT,
    POLARS_SCRIPT,
    SKLEARN_LOG_LOSS_SCRIPT,
)

FLOOR = "floor (pyarrow)"
FLOOR_WRITING = "floor (pyarrow, + writing the result)"
LOSSCLI = "losscli"
LOSSCLI_T1 = "losscli --threads 1"
LOSSCLI_T2 = "losscli --threads 2"
THREADED = ((LOSSCLI_T1, "1"), (LOSSCLI_T2, "2"))
LOSSCLI_JSON = "losscli (JSON)"
POLARS = "polars"
DUCKDB = "duckdb"
PANDAS = "pandas+sklearn"
RIVALS = (POLARS, DUCKDB, PANDAS)
MILLION = 1_000_000

REGRESSION_ARGS = ("-l", "y_true", "-p", "y_pred", "-m", "mse,mape")


@dataclass(frozen=True)
class Commands:
    python: str
    losscli: str
    losscli_flags: tuple[str, ...]  # e.g. --no-progress, when losscli has it

    def losscli_cmd(self, *args: str) -> tuple[str, ...]:
        return (self.losscli, *args, *self.losscli_flags)

    def script(self, script: str, *args: str) -> tuple[str, ...]:
        return (self.python, "-c", script, *args)


def reader_settings(
    columns: tuple[str, ...], text: tuple[str, ...] = (), write: tuple[str, int] | None = None
) -> str:
    """The floor script's settings (rivals.FLOOR_SCRIPT): losscli's own reader settings, read
    from losscli.reading, so that the floor streams as losscli does whatever they become.
    ``text``: the group columns read as dictionary codes; ``write``: (dest, rows) of a result
    to write as well."""
    from losscli.reading import csv_slices, csv_source, parquet_source

    numeric = len(columns) - len(text)
    return json.dumps(
        {
            "columns": list(columns),
            "text": list(text),
            "batch_rows": parquet_source.batch_rows(numeric),
            "buffer_bytes": parquet_source.READ_BUFFER_BYTES,
            "pre_buffer": False,
            "arrow_threads": parquet_source.ARROW_THREADS,
            "block_bytes": csv_source.BLOCK_BYTES,
            "slice_min_bytes": csv_slices.MIN_FILE_BYTES,  # larger CSV files: read in slices
            "write": list(write) if write else None,
        }
    )


def floor_case(
    cmd: Commands,
    work: str,
    columns: tuple[str, ...],
    *paths: str,
    text: tuple[str, ...] = (),
    write: tuple[str, int] | None = None,
) -> Case:
    settings = reader_settings(columns, text, write)
    tool = FLOOR_WRITING if write else FLOOR
    return Case(work, tool, cmd.script(FLOOR_SCRIPT, settings, *paths))


def threaded_cases(work: str, argv: tuple[str, ...], keys: tuple[str, ...] = ()) -> list[Case]:
    """losscli's case run with --threads 1 and --threads 2 (#18: two threads never slower)."""
    return [Case(work, tool, (*argv, "--threads", n), keys=keys) for tool, n in THREADED]


def make_commands() -> Commands:
    bindir = Path(sys.executable).parent
    losscli = str(bindir / "losscli") if (bindir / "losscli").exists() else "losscli"
    help_text = subprocess.run(
        [losscli, "evaluate", "--help"], capture_output=True, text=True, check=True
    ).stdout
    flags = ("--no-progress",) if "--no-progress" in help_text else ()
    return Commands(sys.executable, losscli, flags)


@dataclass(frozen=True)
class Sizes:
    rows: int  # regression rows (and the rows of the grouped data)
    big_rows: int  # the big regression data, Parquet only; 0: none
    cls_rows: int
    group_counts: tuple[int, ...]


@dataclass(frozen=True)
class Family:
    """Cases measured together (`--only NAME` runs them all), and how to make their data."""

    name: str
    cases: list[Case]
    prepare: Callable[[], None]


# ---------------------------------------------------------------------------------------------
# Regression: overall and per group (region, 1,000 values), Parquet and CSV


def reg_work(fmt: str, grouped: bool, rows: int) -> str:
    return f"{fmt} {'per group' if grouped else 'overall'} ({rows_label(rows)})"


REG_KINDS = (("Parquet", False), ("Parquet", True), ("CSV", False), ("CSV", True))
PARQUET_KINDS = REG_KINDS[:2]
ALL_TOOLS = (FLOOR, LOSSCLI, LOSSCLI_T1, LOSSCLI_T2, POLARS, DUCKDB, PANDAS)


def regression_case(cmd: Commands, tool: str, work: str, path: str, group: tuple[str, ...]) -> Case:
    if tool == FLOOR:
        return floor_case(cmd, work, ("y_true", "y_pred", *group), path, text=group)
    if tool.startswith(LOSSCLI):
        group_flags = ("-g", *group) if group else ()
        argv = cmd.losscli_cmd("evaluate", path, *REGRESSION_ARGS, "-f", "csv", *group_flags)
        threads = dict(THREADED).get(tool)
        return Case(work, tool, (*argv, "--threads", threads) if threads else argv, keys=group)
    script = {POLARS: POLARS_SCRIPT, DUCKDB: DUCKDB_SCRIPT}.get(tool)
    if script is not None:
        return Case(work, tool, cmd.script(script, path, "-", *group), keys=group)
    return Case(work, tool, cmd.script(PANDAS_SCRIPT, path, *group), keys=group)


def regression_cases(
    cmd: Commands,
    stem: Path,
    rows: int,
    kinds: tuple[tuple[str, bool], ...],
    tools: tuple[str, ...],
) -> list[Case]:
    cases = []
    for fmt, grouped in kinds:
        path = str(stem.with_suffix(f".{fmt.lower()}"))
        group = ("region",) if grouped else ()
        work = reg_work(fmt, grouped, rows)
        cases += [regression_case(cmd, tool, work, path, group) for tool in tools]
    return cases


def regression_family(cmd: Commands, data: Data, rows: int) -> Family:
    """Every tool at `rows`; losscli and the floor at 1M rows as well (is memory flat?)."""
    cases = regression_cases(cmd, data.regression(rows), rows, REG_KINDS, ALL_TOOLS)
    if rows != MILLION:
        cases += regression_cases(
            cmd, data.regression(MILLION), MILLION, REG_KINDS, (FLOOR, LOSSCLI)
        )

    def prepare() -> None:
        data.ensure_regression(rows)
        data.ensure_regression(MILLION)

    return Family("regression", cases, prepare)


def big_family(cmd: Commands, data: Data, big_rows: int) -> Family:
    """Parquet at 50M rows (by default): pandas left out, it would need gigabytes."""
    cases = regression_cases(
        cmd,
        data.regression(big_rows),
        big_rows,
        PARQUET_KINDS,
        (FLOOR, LOSSCLI, LOSSCLI_T1, LOSSCLI_T2, POLARS, DUCKDB),
    )
    return Family("big", cases, lambda: data.ensure_regression(big_rows, csv=False))


# ---------------------------------------------------------------------------------------------
# Many groups: an int64 item column with 1k..1M values, every tool writing CSV to a file


def groups_work(groups: int, rows: int) -> str:
    return f"{rows_label(groups)} groups, Parquet to a file ({rows_label(rows)})"


def groups_cases(
    cmd: Commands, data: Data, rows: int, groups: int, out_dir: Path, json: bool
) -> list[Case]:
    path = str(data.grouped(rows, groups))
    work = groups_work(groups, rows)

    def to_file(tool: str, suffix: str, command: Callable[[str], tuple[str, ...]]) -> Case:
        slug = "-".join(tool.replace("(", "").replace(")", "").split())
        dest = out_dir / f"groups-{groups}-{slug}.{suffix}"
        return Case(work, tool, command(str(dest)), keys=("item",), writes=dest)

    def losscli(dest: str) -> tuple[str, ...]:
        return cmd.losscli_cmd("evaluate", path, *REGRESSION_ARGS, "-g", "item", "-o", dest)

    floor_dest = str(out_dir / f"groups-{groups}-floor.csv")
    cases = [
        floor_case(cmd, work, ("y_true", "y_pred", "item"), path, write=(floor_dest, groups)),
        to_file(LOSSCLI, "csv", losscli),
        *(
            to_file(tool, "csv", lambda d, n=n: (*losscli(d), "--threads", n))
            for tool, n in THREADED
        ),
        to_file(POLARS, "csv", lambda dest: cmd.script(POLARS_SCRIPT, path, dest, "item")),
        to_file(DUCKDB, "csv", lambda dest: cmd.script(DUCKDB_SCRIPT, path, dest, "item")),
    ]
    if json:
        cases.append(to_file(LOSSCLI_JSON, "json", losscli))
    return cases


def groups_family(cmd: Commands, data: Data, sizes: Sizes, out_dir: Path) -> Family:
    """Every group count; the largest also with JSON output for losscli."""
    largest = max(sizes.group_counts)
    cases = [
        case
        for groups in sizes.group_counts
        for case in groups_cases(cmd, data, sizes.rows, groups, out_dir, json=groups == largest)
    ]

    def prepare() -> None:
        for groups in sizes.group_counts:
            data.ensure_grouped(sizes.rows, groups)

    return Family("groups", cases, prepare)


# ---------------------------------------------------------------------------------------------
# Many small files: one row set per file, or one dataset


FILES_PER_FILE = f"{N_FILES} Parquet files, rows per file ({rows_label(N_FILES * FILE_ROWS)})"
FILES_DATASET = f"{N_FILES} Parquet files, one dataset ({rows_label(N_FILES * FILE_ROWS)})"


def files_family(cmd: Commands, data: Data) -> Family:
    """losscli gets the files as arguments (as a shell expands dir/*.parquet) for rows per
    file, the directory for one dataset; DuckDB and polars read the glob (grouped by file
    name for rows per file); the floor reads the files one after another in both, as losscli
    reads a dataset's shards."""
    paths = [str(p) for p in data.file_paths()]
    directory = str(data.files())
    glob = str(data.files() / "*.parquet")
    cols = ("y_true", "y_pred")
    key = ("file",)
    per_file_argv = cmd.losscli_cmd("evaluate", *paths, *REGRESSION_ARGS, "-f", "csv")
    dataset_argv = cmd.losscli_cmd("evaluate", directory, *REGRESSION_ARGS, "-f", "csv")
    per_file = [
        floor_case(cmd, FILES_PER_FILE, cols, *paths),
        Case(FILES_PER_FILE, LOSSCLI, per_file_argv, keys=key),
        *threaded_cases(FILES_PER_FILE, per_file_argv, keys=key),
        Case(FILES_PER_FILE, POLARS, cmd.script(POLARS_SCRIPT, glob, "-", "file"), keys=key),
        Case(FILES_PER_FILE, DUCKDB, cmd.script(DUCKDB_SCRIPT, glob, "-", "file"), keys=key),
    ]
    dataset = [
        floor_case(cmd, FILES_DATASET, cols, directory),
        Case(FILES_DATASET, LOSSCLI, dataset_argv),
        *threaded_cases(FILES_DATASET, dataset_argv),
        Case(FILES_DATASET, POLARS, cmd.script(POLARS_SCRIPT, glob, "-")),
        Case(FILES_DATASET, DUCKDB, cmd.script(DUCKDB_SCRIPT, glob, "-")),
    ]
    return Family("files", per_file + dataset, data.ensure_files)


# ---------------------------------------------------------------------------------------------
# The cost of intervals (issue 10)


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
    base = ("evaluate", path, *REGRESSION_ARGS, "-g", "region", "-f", "csv")
    keys = ("region",)
    cases = [Case(ci_work(rows), LOSSCLI, cmd.losscli_cmd(*base), keys=keys)]
    for tool, flags in CI_VARIANTS:
        if "rows" in tool and not per_row:
            continue
        cases.append(Case(ci_work(rows), tool, cmd.losscli_cmd(*base, *flags), keys=keys))
    return cases


def intervals_family(cmd: Commands, data: Data, rows: int) -> Family:
    cases = ci_cases(cmd, data.regression(rows), rows, per_row=rows <= MILLION)
    if rows != MILLION:
        cases += ci_cases(cmd, data.regression(MILLION), MILLION, per_row=True)

    def prepare() -> None:
        data.ensure_regression(rows)
        data.ensure_regression(MILLION)

    return Family("intervals", cases, prepare)


# ---------------------------------------------------------------------------------------------
# Classification, 10 classes: probabilities and logits


def cls_work(fmt: str, prefix: str, rows: int) -> str:
    kind = "probs" if prefix == "p" else "logits"
    return f"{fmt} 10-class {kind} ({rows_label(rows)})"


def classification_family(cmd: Commands, data: Data, rows: int) -> Family:
    stem = data.classification(rows)
    metrics = ("cross_entropy",)
    cases = []
    for fmt in ("Parquet", "CSV"):
        path = str(stem.with_suffix(f".{fmt.lower()}"))
        for prefix in ("p", "z"):
            work = cls_work(fmt, prefix, rows)
            cols = ("label", *(f"{prefix}_{k}" for k in range(N_CLASSES)))
            args = ["evaluate", path, "--probs", f"{prefix}_*", "-l", "label"]
            args += ["-m", "cross_entropy", "-f", "csv"]
            if prefix == "z":
                args.append("--from-logits")
            sklearn = cmd.script(SKLEARN_LOG_LOSS_SCRIPT, path, prefix, str(N_CLASSES))
            cases += [
                floor_case(cmd, work, cols, path),
                Case(work, LOSSCLI, cmd.losscli_cmd(*args), metrics=metrics),
                Case(work, PANDAS, sklearn, metrics=metrics),
            ]
    return Family("classification", cases, lambda: data.ensure_classification(rows))


# ---------------------------------------------------------------------------------------------
# Start-up


STARTUP_VERSION = "start-up: --version"
STARTUP_TINY = "start-up: 10-row CSV"


def startup_family(cmd: Commands, data: Data) -> Family:
    python_floor = "floor (python -c pass)"
    tiny = cmd.losscli_cmd("evaluate", str(data.tiny_csv()), *REGRESSION_ARGS, "-f", "csv")
    cases = [  # nothing to compare: no metrics
        Case(STARTUP_VERSION, python_floor, cmd.script("pass"), metrics=()),
        Case(STARTUP_VERSION, LOSSCLI, (cmd.losscli, "--version"), metrics=()),
        Case(STARTUP_TINY, python_floor, cmd.script("pass"), metrics=()),
        Case(STARTUP_TINY, LOSSCLI, tiny, metrics=()),
    ]
    return Family("start-up", cases, lambda: data.ensure_regression(10))


def all_families(cmd: Commands, data: Data, sizes: Sizes, out_dir: Path) -> list[Family]:
    families = [regression_family(cmd, data, sizes.rows)]
    if sizes.big_rows:
        families.append(big_family(cmd, data, sizes.big_rows))
    if sizes.group_counts:
        families.append(groups_family(cmd, data, sizes, out_dir))
    families += [
        files_family(cmd, data),
        intervals_family(cmd, data, sizes.rows),
        classification_family(cmd, data, sizes.cls_rows),
        startup_family(cmd, data),
    ]
    from dask_cases import dask_family  # --engine dask against the local engine (#19)

    families.append(dask_family(cmd, data, tuple(r for r in (sizes.rows, sizes.big_rows) if r)))
    return families
