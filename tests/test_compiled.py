"""The compiled path for many groups (numba, losscli/engine/compiled.py): every value of the
NumPy path, bit for bit, over the whole loss registry, with groups, weights and chunks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import records, write_table

from losscli import evaluate
from losscli.engine import compiled
from losscli.reading import parquet_source, source

pytest.importorskip("numba", reason="the compiled path needs the 'fast' extra (numba)")


def both_paths(
    monkeypatch: pytest.MonkeyPatch, data: Any, **options: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The result's rows by the NumPy path (``LOSSCLI_JIT=0``) and by the compiled one
    (``LOSSCLI_JIT=1``: for any grouped run, whatever its size)."""
    monkeypatch.setenv(compiled.ENV, "0")
    numpy_rows = records(evaluate(data, **options))
    monkeypatch.setenv(compiled.ENV, "1")
    compiled_rows = records(evaluate(data, **options))
    assert compiled.loaded() is not None
    return numpy_rows, compiled_rows


def regression(n: int, keys: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.gamma(2.0, 3.0, n)
    y[::17] = 0.0  # zero labels: MAPE's flag
    return pd.DataFrame(
        {
            "y_true": y,
            "y_pred": y + rng.normal(0, 1.5, n),
            "w": rng.uniform(0, 3, n),
            "g": rng.integers(0, keys, n),
        }
    )


def classification(n: int, keys: int, classes: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(classes), n)
    frame = pd.DataFrame({f"p_{c}": p[:, c] for c in range(classes)})
    frame["y"] = [rng.choice(classes, p=row) for row in p]
    frame["w"] = rng.uniform(0, 2, n)
    frame["g"] = rng.integers(0, keys, n)
    return frame


@pytest.mark.parametrize("weight", [None, "w"])
@pytest.mark.parametrize("chunk", [7, 100_000])
def test_compiled_path_equals_numpy_path_over_the_registry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, weight: str | None, chunk: int
) -> None:
    """Every regression, binary and multi-class loss, per group, weighted or not, in chunks
    of 7 rows (more keys than a chunk's rows: its keys renumbered) or whole."""
    monkeypatch.setattr(source, "TABLE_BATCH_ROWS", chunk)
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", chunk)
    binary = classification(500, 40, 2).assign(y=lambda f: f["y"].astype(float))
    cases = [
        (regression(600, 50), {"label": "y_true", "pred": "y_pred", "losses": "all"}),
        (binary, {"label": "y", "pred": "p_1", "losses": "all"}),
        (classification(500, 30, 4), {"label": "y", "probs": "p_*", "losses": "all"}),
    ]
    for frame, options in cases:
        path = write_table(frame, tmp_path / "data.parquet")
        numpy_rows, compiled_rows = both_paths(
            monkeypatch, str(path), group_by="g", weight=weight, **options
        )
        assert len(numpy_rows) > 30
        assert compiled_rows == numpy_rows


def test_compiled_path_equals_numpy_path_with_intervals_and_a_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Normal intervals and a paired comparison (the co-moments, summed beside the
    compiled sums), and two models."""
    frame = regression(800, 20).assign(other=lambda f: f["y_pred"] * 1.1)
    options = {"label": "y_true", "pred": ["y_pred", "other"], "weight": "w", "group_by": "g"}
    numpy_rows, compiled_rows = both_paths(
        monkeypatch, frame, losses="mse,mae,mape,r2", ci=0.9, compare="y_pred", **options
    )
    assert compiled_rows == numpy_rows


def test_compiled_hash_look_up_equals_numpy_path_at_many_spread_keys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Integer keys spread too far for a dense table, about one a row: the fold's hash memo
    looked up and filled by the compiled loops, chunks' keys renumbered and scattered into
    the fold by them, as the NumPy path does, to the last bit (the overall row included)."""
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 20_000)
    rng = np.random.default_rng(5)
    frame = regression(70_000, 2).assign(g=rng.integers(0, 2**40, 70_000) // 3 * 3)
    frame.loc[::5, "g"] = frame["g"].iloc[1::5].to_numpy()[: len(frame.loc[::5])]
    path = write_table(frame, tmp_path / "spread.parquet")
    options = {"label": "y_true", "pred": "y_pred", "weight": "w", "group_by": "g"}
    numpy_rows, compiled_rows = both_paths(monkeypatch, str(path), losses="mse,mape", **options)
    assert len(numpy_rows) > 50_000
    assert compiled_rows == numpy_rows


def test_jit_switch_off_keeps_the_numpy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """``LOSSCLI_JIT=0`` (a JIT problem, or tests) never loads the compiled loops, however
    large the fold; unset, they are loaded only past the thresholds."""
    monkeypatch.setenv(compiled.ENV, "0")
    assert compiled.wanted(10**7, 10**10) is None
    assert compiled.loaded() is None
    monkeypatch.delenv(compiled.ENV)
    assert compiled.wanted(compiled.MIN_KEYS - 1, 10**10) is None
    assert compiled.wanted(10**7, compiled.MIN_ROWS - 1) is None
