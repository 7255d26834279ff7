"""Where chunks are computed: one of ``--threads`` is the reading thread, so chunks are
computed by the others, on the folding thread itself when that leaves one (``--threads 2``
on 2 cores: one thread reading, one computing). The values never depend on it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import write_table

import losscli
from losscli import evaluate
from losscli.losses import Batch, Custom, Direction, Loss, Task
from losscli.losses.shapes import Sums
from losscli.reading import parquet_source

SEEN: list[str] = []  # the thread each block's statistics were made on


def _recorded(b: Batch) -> dict[str, Any]:
    SEEN.append(threading.current_thread().name)
    return {"below": (b.err < 0).astype(float)}


def _share_below(s: Sums) -> np.ndarray:
    return s["below"] / s["n"]


WHERE = Loss(
    name="share_below",
    aliases=(),
    description="the share of rows below their prediction",
    formula="#{y < ŷ} / n",
    tasks=(Task.REGRESSION,),
    direction=Direction.LOWER,
    shape=Custom(_recorded, _share_below),
)


@pytest.fixture
def four_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Parquet file read as four chunks large enough for the kernel's pool."""
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 1 << 14)
    rng = np.random.default_rng(3)
    y = rng.normal(0.0, 1.0, 4 << 14)
    frame = pd.DataFrame({"y_true": y, "y_pred": y + rng.normal(0.0, 1.0, len(y))})
    frame["g"] = rng.integers(0, 5, len(y))
    return write_table(frame, tmp_path / "four.parquet")


@pytest.mark.parametrize(("threads", "on_pool"), [(1, False), (2, False), (3, True)])
def test_two_threads_are_one_reading_and_one_computing(
    four_chunks: Path, threads: int, on_pool: bool
) -> None:
    """With --threads 2 every chunk is computed on the folding thread beside the reading
    one (a second kernel thread only took the reader's core); from 3 on, on the kernel's
    pool. The values are the same for any count."""
    losscli.register(WHERE)
    try:
        SEEN.clear()
        result = evaluate(str(four_chunks), losses="mse,share_below", group_by="g", threads=threads)
        assert len(SEEN) >= 4
        assert all(name.startswith("losscli-kernel") for name in SEEN) is on_pool
        assert not any(name.startswith("losscli-kernel") for name in SEEN) is not on_pool
        one = evaluate(str(four_chunks), losses="mse,share_below", group_by="g", threads=1)
        assert result.to_dict() == one.to_dict()
    finally:
        losscli.unregister("share_below")


def test_under_the_bootstrap_every_thread_computes_chunks(four_chunks: Path) -> None:
    """A kernel that resamples computes far more than the reader decodes: with --threads 2
    its chunks go to the kernel's pool (the row bootstrap, B = 200, 1M rows: 3.4 -> 2.5 s
    on 2 cores), and the values are the bits of --threads 1."""
    losscli.register(WHERE)
    try:
        SEEN.clear()
        options: dict[str, Any] = {"losses": "mse,share_below", "group_by": "g", "ci": 0.95}
        options |= {"ci_method": "bootstrap", "resamples": 20}
        result = evaluate(str(four_chunks), threads=2, **options)
        assert len(SEEN) >= 4 and all(name.startswith("losscli-kernel") for name in SEEN)
        assert result.to_dict() == evaluate(str(four_chunks), threads=1, **options).to_dict()
    finally:
        losscli.unregister("share_below")


def test_threads_help_says_one_reads_and_n_minus_1_compute_chunks(run: Any) -> None:
    """--help says what the fold does with N threads: one of them reads, chunks are
    computed by N−1 (engine/fold.py's ``computing``), and the values do not depend on it."""
    helped = " ".join(run("evaluate", "--help").stdout.split())
    start = helped.index("--threads")
    text = helped[start : helped.index("--max-memory", start)]
    assert "one reads while N-1 compute chunks" in text
    assert "all N under the bootstrap" in text
    assert "a large CSV or JSON result is formatted on up to N, at most 4" in text
    assert "values do not depend on it" in text
