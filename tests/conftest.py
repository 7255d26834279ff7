"""Shared fixtures: the founding article's worked example, written in every input format."""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from losscli.cli import main

ARTICLE = pd.DataFrame({"y_true": [1.0, 1, 2, 2, 4], "y_pred": [0.6, 1.29, 1.99, 2.69, 3.4]})
ARTICLE_MSE = 0.21606
ARTICLE_MAPE = 23.8


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` in the format its suffix names (csv, tsv, parquet, and compressed CSV)."""
    name = path.name
    if name.endswith((".parquet", ".pq")):
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
        return path
    text = df.to_csv(index=False, sep="\t" if ".tsv" in name else ",").encode()
    openers: dict[str, Callable[[Path], bytes]] = {
        ".gz": lambda p: gzip.compress(text),
        ".bz2": lambda p: bz2.compress(text),
        ".xz": lambda p: lzma.compress(text),
    }
    if name.endswith(".zst"):
        with pa.CompressedOutputStream(str(path), "zstd") as out:
            out.write(text)
        return path
    path.write_bytes(openers.get(path.suffix, lambda p: text)(path))
    return path


@pytest.fixture
def article_csv(tmp_path: Path) -> Path:
    return write_table(ARTICLE, tmp_path / "article.csv")


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the CLI in-process; standard error is kept apart from standard output."""

    def invoke(*args: str, input: bytes | str | None = None) -> Result:
        return CliRunner().invoke(
            main, list(args), input=input, catch_exceptions=False, prog_name="losscli"
        )

    return invoke
