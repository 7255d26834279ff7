"""--period on the Dask engine: the local engine's rows, periods, values, intervals (normal
and bootstrap) and comparisons, with every file cut into several partitions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import write_table
from test_periods import TZ, frame

from losscli import evaluate

pytest.importorskip("distributed")


@pytest.fixture(autouse=True)
def small_partitions(monkeypatch: pytest.MonkeyPatch) -> None:
    from losscli.engine.distributed import partitions

    monkeypatch.setattr(partitions, "PARTITION_ROWS", 250)


def same_frames(local: Any, dask: Any) -> None:
    a, b = local.frame, dask.frame
    assert a.period is not None and b.period is not None
    assert (a.period.start == b.period.start).all() and (a.period.end == b.period.end).all()
    assert a.period.label.tolist() == b.period.label.tolist()
    assert a.file.tolist() == b.file.tolist() and a.pred.tolist() == b.pred.tolist()
    assert (a.n == b.n).all() and (a.overall == b.overall).all()
    assert a.keys["g"].tolist() == b.keys["g"].tolist()
    for name, column in a.losses.items():
        for field, values in column.arrays().items():
            if values.dtype == object:
                assert values.tolist() == getattr(b.losses[name], field).tolist()
            else:
                np.testing.assert_allclose(getattr(b.losses[name], field), values, rtol=1e-12)
    assert len(local.comparisons) == len(dask.comparisons)
    for x, y in zip(local.comparisons, dask.comparisons, strict=True):
        assert (x.pred, x.loss, x.group, x.period) == (y.pred, y.loss, y.group, y.period)
        for name in ("delta", "low", "high"):
            assert getattr(y, name) == pytest.approx(getattr(x, name), rel=1e-12)


@pytest.mark.parametrize(
    "stats",
    [
        {"ci": 0.9},
        {"ci": 0.9, "ci_method": "bootstrap", "resamples": 30, "seed": 3, "block_rows": 5},
    ],
)
def test_period_rows_are_the_local_engines_on_dask(
    tmp_path: Path, dask_client: Any, stats: dict[str, Any]
) -> None:
    df = frame(rows=900, seed=21)
    paths = [
        str(write_table(df.assign(q=df.p + 0.5), tmp_path / "t.parquet")),
        str(write_table(df.assign(q=df.p - 0.5, when=df.when.astype(str)), tmp_path / "t.csv")),
    ]
    options: dict[str, Any] = {
        "label": "y", "pred": ["p", "q"], "weight": "w", "group_by": "g",
        "losses": "mse,mae,r2", "period": "when:M", "tz": TZ, "compare": True, **stats,
    }  # fmt: skip
    local = evaluate(paths, threads=1, **options)
    dask = evaluate(paths, engine="dask", scheduler=dask_client, threads=1, **options)
    same_frames(local, dask)
