"""Many groups: a chunk's rows are coded against its fold's keys, as the fold's own ids, on
the folding thread, and absorbing the chunk adds its sums there by index
(engine/keys.py ``KeySet.chunk``, engine/fold.py). Where the fold knows more keys than a
chunk has rows, the chunk keeps its distinct ids. No value depends on it, nor on threads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import write_table

from losscli import evaluate
from losscli.engine.keys import KeySet
from losscli.reading import parquet_source

STRIDE = 7_919  # keys spread too far for a dense table: the fold's hash memo


@pytest.fixture
def many_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[pd.DataFrame, Path]:
    """60,000 rows of 30,000 integer keys, read in batches of 16,384 rows."""
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 1 << 14)
    rng = np.random.default_rng(5)
    rows = 60_000
    y = rng.normal(10.0, 2.0, rows)
    frame = pd.DataFrame({"y_true": y, "y_pred": y + rng.normal(0.0, 1.0, rows)})
    frame["w"] = rng.uniform(0.5, 2.0, rows)
    frame["item"] = rng.integers(0, 30_000, rows) * STRIDE + 1_000_000
    return frame, write_table(frame, tmp_path / "many.parquet")


@pytest.mark.parametrize("threads", [1, 3])
def test_many_groups_coded_as_the_folds_ids_give_the_oracles_values(
    many_groups: tuple[pd.DataFrame, Path], threads: int
) -> None:
    """Per group and overall, weighted MSE and MAE equal a pandas group-by to 1e-12 when the
    fold knows more keys than a chunk has rows (chunks keep their distinct ids), on one
    thread or on the kernel's pool (chunks coded before they are computed)."""
    frame, path = many_groups
    result = evaluate(
        str(path), losses="mse,mae", weight="w", group_by="item", threads=threads
    ).to_pandas()
    e = frame.y_true - frame.y_pred
    work = frame.assign(sq=frame.w * e**2, ab=frame.w * e.abs())
    sums = work.groupby("item")[["sq", "ab", "w"]].sum()
    groups = result[result.scope == "group"].set_index("item").sort_index()
    assert groups.index.tolist() == sums.index.tolist()
    np.testing.assert_allclose(groups.mse, sums.sq / sums.w, rtol=1e-12)
    np.testing.assert_allclose(groups.mae, sums.ab / sums.w, rtol=1e-12)
    assert groups.n.tolist() == work.groupby("item").size().tolist()
    overall = result[result.scope == "overall"].iloc[0]
    assert overall.mse == pytest.approx(work.sq.sum() / work.w.sum(), rel=1e-12)


def test_a_chunk_among_more_keys_than_rows_keeps_its_distinct_ids() -> None:
    """A chunk whose fold knows more keys than it has rows holds its distinct ids: each row's
    code names its key's id there, and no id twice."""
    keys = KeySet(["item"])
    keys.codes([pa.array(np.arange(1_000) * STRIDE)])  # 1,000 keys known
    ids = keys.codes([pa.array(np.array([5, 3, 5, 1_001, 3]) * STRIDE)])
    chunk = keys.chunk(ids)
    assert chunk.at is not None and chunk.codes is not None
    assert chunk.size == 3 == len(set(chunk.at.tolist()))
    assert chunk.at[chunk.codes].tolist() == ids.tolist()
    few = KeySet(["item"])
    coded = few.chunk(few.codes([pa.array([7, 8, 7])]))  # as many keys as rows, or fewer
    assert coded.at is not None and coded.at.tolist() == [0, 1] and coded.size == few.size
