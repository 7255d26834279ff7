"""Shared fixtures: the founding article's worked example, written in every input format."""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from losscli.cli import main
from losscli.engine.batches import BatchBuilder
from losscli.engine.finalize import Finishing, result_rows
from losscli.engine.kernel import KernelSpec, evaluate_chunk
from losscli.engine.keys import KeySet
from losscli.engine.partial import Partial
from losscli.engine.resample import Resampling
from losscli.losses import Params, resolve_losses
from losscli.reading import plan_columns
from losscli.result import CiSettings, ResultRow

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


class KernelHarness:
    """The kernel on NumPy data: ``partial`` makes a chunk's partial, ``rows`` finalizes one.

    Columns: y (labels), p (predictions), w (weights, if given), g (group, if given).
    """

    def __init__(
        self,
        losses: Sequence[str] = ("all",),
        *,
        weighted: bool = True,
        grouped: bool = False,
        params: Params | None = None,
        ci: CiSettings | None = None,
        **spec: Any,
    ) -> None:
        columns = ["y", "p", *(["w"] if weighted else []), *(["g"] if grouped else [])]
        self.plan = plan_columns(
            "t", columns, "y", ["p"], "w" if weighted else None, ["g"] if grouped else []
        )
        self.losses = tuple(resolve_losses(losses))
        if ci is not None and ci.method == "bootstrap":
            spec.setdefault(
                "resampling", Resampling(ci.resamples or 100, ci.seed or 0, ci.block_rows or 1)
            )
        elif ci is not None:
            spec.setdefault("moments", True)
        self.spec = KernelSpec(self.plan, self.losses, **spec)
        self.ci = ci
        self.builder = BatchBuilder("t", self.plan, params or Params(), False)

    def partial(self, y: Any, p: Any, w: Any = None, g: Any = None, first_row: int = 0) -> Partial:
        data = {"y": np.asarray(y, dtype=float), "p": np.asarray(p, dtype=float)}
        if "w" in self.plan.numeric:
            data["w"] = np.asarray(w, dtype=float)
        if self.plan.group_by:
            data["g"] = pa.array(list(g), type=pa.string())
        batch = pa.record_batch(data)
        return evaluate_chunk(
            batch,
            spec=self.spec,
            builder=self.builder,
            part="t",
            first_row=first_row,
            position=first_row,
        )

    def empty(self) -> Partial:
        return Partial.empty(KeySet(self.plan.group_by))

    def rows(self, partial: Partial) -> list[ResultRow]:
        finishing = Finishing(self.losses, self.ci, self.spec.reference)
        return result_rows("t", partial, self.plan.models, finishing)[0]

    def metrics(self, partial: Partial) -> list[dict[str, float | None]]:
        return [row.metrics for row in self.rows(partial)]
