"""The benchmark's data: generated once with numpy + pyarrow, cached outside the repository.

Every kind of data is built from the same seeded chunks of 1M rows, so the first 10M rows of
the 50M-row file are the 10M-row file, and the grouped and split data sets hold the same
y_true / y_pred values as the regression file of the same size.

* regression, N rows: y_true, y_pred, region (1,000 keys), weight; Parquet and CSV (Parquet
  only for the big data);
* groups, N rows × G groups: y_true, y_pred (as regression) and item, an int64 id with G
  distinct values, every one with rows; Parquet;
* files: 500 Parquet files of 2,000 rows each (the first 1M regression rows), one directory;
* classification, N rows, 10 classes: label, p_0..p_9 (rows sum to 1), z_0..z_9 (logits);
* a 10-row regression CSV for the start-up time.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

DATA_VERSION = "v1"  # bump when the generated data changes, so old caches are not reused
SEED = 20240601
CHUNK_ROWS = 1_000_000
N_REGIONS = 1_000
N_CLASSES = 10
N_FILES = 500
FILE_ROWS = 2_000
# Item ids are spread out (k * stride + base), as real ids are, so that no tool can use them
# as array positions: every tool has to find the distinct values.
ITEM_STRIDE = 7_919
ITEM_BASE = 1_000_000

Make = Callable[[np.random.Generator, int], pa.Table]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rows_label(rows: int) -> str:
    for div, unit in ((1_000_000, "M"), (1_000, "k")):
        if rows >= div and rows % div == 0:
            return f"{rows // div}{unit}"
    return str(rows)


# ---------------------------------------------------------------------------------------------
# Generators


@functools.cache
def region_names() -> pa.Array:
    return pa.array([f"region_{i:03d}" for i in range(N_REGIONS)])


def regression_chunk(rng: np.random.Generator, n: int) -> pa.Table:
    y_true = rng.lognormal(4.0, 1.0, n)  # positive, so MAPE is defined on every row
    return pa.table(
        {
            "y_true": y_true,
            "y_pred": y_true * rng.lognormal(0.0, 0.2, n),
            "region": pc.take(region_names(), pa.array(rng.integers(0, N_REGIONS, n))),
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


def chunks(rows: int, make: Make) -> Iterator[pa.Table]:
    for i, start in enumerate(range(0, rows, CHUNK_ROWS)):
        rng = np.random.default_rng([SEED, i])
        yield make(rng, min(CHUNK_ROWS, rows - start))


def group_keys(rows: int, groups: int) -> np.ndarray:
    """`rows` item ids with `groups` distinct values, each of which has rows: drawn uniformly,
    then one row per group, at a random position, set to that group (a uniform draw alone
    leaves e^-10 of a million groups empty over 10M rows)."""
    if groups > rows:
        raise ValueError(f"{groups:,} groups need at least as many rows, not {rows:,}")
    rng = np.random.default_rng([SEED, rows, groups])
    codes = rng.integers(0, groups, rows)
    codes[rng.choice(rows, groups, replace=False)] = np.arange(groups)
    return codes * ITEM_STRIDE + ITEM_BASE


def grouped_chunks(rows: int, groups: int) -> Iterator[pa.Table]:
    """The regression rows' y_true and y_pred, with the item column beside them."""
    items = group_keys(rows, groups)
    starts = range(0, rows, CHUNK_ROWS)
    for start, table in zip(starts, chunks(rows, regression_chunk), strict=True):
        item = pa.array(items[start : start + table.num_rows])
        yield table.select(["y_true", "y_pred"]).append_column("item", item)


# ---------------------------------------------------------------------------------------------
# Writing, once: a file is renamed into place only when complete


def temporary(path: Path) -> Path:
    return path.with_name(path.name + ".tmp")


def table_writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter | pa_csv.CSVWriter:
    if path.suffix == ".parquet":
        return pq.ParquetWriter(temporary(path), schema)
    return pa_csv.CSVWriter(temporary(path), schema, write_options=_unquoted())


def _unquoted() -> pa_csv.WriteOptions:
    """No quotes, the header's included; pyarrow before 18 always quotes the header (the
    same table when read back)."""
    try:
        return pa_csv.WriteOptions(quoting_style="none", quoting_header="none")
    except TypeError:
        return pa_csv.WriteOptions(quoting_style="none")


def write_tables(paths: list[Path], tables: Iterator[pa.Table]) -> None:
    """Write the chunks to every path (each chunk a Parquet row group), in the suffix's format."""
    first = next(tables)
    with contextlib.ExitStack() as stack:
        writers = [stack.enter_context(table_writer(p, first.schema)) for p in paths]
        for table in itertools.chain([first], tables):
            for writer in writers:
                writer.write_table(table)
    for path in paths:
        temporary(path).rename(path)


def generate(what: str, paths: list[Path], write: Callable[[], None]) -> None:
    if all(p.exists() for p in paths):
        return
    log(f"generating {what} ...")
    start = time.perf_counter()
    write()
    log(f"  done in {time.perf_counter() - start:.0f} s")


def write_files(directory: Path) -> None:
    """N_FILES Parquet files of FILE_ROWS rows, the first N_FILES * FILE_ROWS regression rows."""
    tmp = temporary(directory)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    rows = pa.concat_tables(chunks(N_FILES * FILE_ROWS, regression_chunk))
    for k in range(N_FILES):
        pq.write_table(rows.slice(k * FILE_ROWS, FILE_ROWS), tmp / f"part-{k:03d}.parquet")
    tmp.rename(directory)


@dataclass(frozen=True)
class Data:
    """Where each data set lives (the paths say nothing of whether it exists yet), and
    `ensure_*` to generate one when it is missing."""

    root: Path

    def regression(self, rows: int) -> Path:
        """The stem: add .parquet or .csv."""
        return self.root / f"regression_{DATA_VERSION}_{rows}"

    def classification(self, rows: int) -> Path:
        return self.root / f"classification_{DATA_VERSION}_{rows}"

    def grouped(self, rows: int, groups: int) -> Path:
        return self.root / f"groups_{DATA_VERSION}_{rows}_{groups}.parquet"

    def files(self) -> Path:
        return self.root / f"files_{DATA_VERSION}_{N_FILES}x{FILE_ROWS}"

    def file_paths(self) -> list[Path]:
        return [self.files() / f"part-{k:03d}.parquet" for k in range(N_FILES)]

    def tiny_csv(self) -> Path:
        return self.regression(10).with_suffix(".csv")

    def ensure_regression(self, rows: int, csv: bool = True) -> None:
        stem = self.regression(rows)
        paths = [stem.with_suffix(s) for s in ((".parquet", ".csv") if csv else (".parquet",))]
        self.make_root()
        generate(
            f"{stem.name} ({rows:,} rows)",
            paths,
            lambda: write_tables(paths, chunks(rows, regression_chunk)),
        )

    def ensure_classification(self, rows: int) -> None:
        stem = self.classification(rows)
        paths = [stem.with_suffix(".parquet"), stem.with_suffix(".csv")]
        self.make_root()
        generate(
            f"{stem.name} ({rows:,} rows)",
            paths,
            lambda: write_tables(paths, chunks(rows, classification_chunk)),
        )

    def ensure_grouped(self, rows: int, groups: int) -> None:
        path = self.grouped(rows, groups)
        self.make_root()
        generate(
            f"{path.name} ({rows:,} rows, {groups:,} groups)",
            [path],
            lambda: write_tables([path], grouped_chunks(rows, groups)),
        )

    def ensure_files(self) -> None:
        self.make_root()
        generate(
            f"{self.files().name} ({N_FILES} files of {FILE_ROWS:,} rows)",
            [self.files()],
            lambda: write_files(self.files()),
        )

    def make_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
