"""The sample files are what sample_data/generate.py writes, byte for byte, and the weekly
demand sample has what the README's walk-through relies on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def test_generate_py_writes_every_sample_file_byte_for_byte(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SAMPLES / "generate.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    kept = sorted(p.name for p in SAMPLES.glob("*.csv"))
    assert sorted(p.name for p in tmp_path.iterdir()) == kept
    assert "weekly_demand.csv" in kept and "weekly_demand_history.csv" in kept
    for name in kept:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name


def test_weekly_demand_is_two_years_of_40_series_under_1_5_mb() -> None:
    history = pd.read_csv(SAMPLES / "weekly_demand_history.csv")
    evaluated = pd.read_csv(SAMPLES / "weekly_demand.csv")
    assert list(history.columns) == ["date", "store", "item", "sales"]
    assert list(evaluated.columns) == [
        "date", "store", "item", "sales", "forecast_a", "forecast_b",
        "forecast_a_q10", "forecast_a_q50", "forecast_a_q90",
    ]  # fmt: skip
    for frame, first, last in (
        (history, "2024-12-30", "2025-12-28"),  # 2025-W01 … 2025-W52
        (evaluated, "2025-12-29", "2026-12-27"),  # 2026-W01 … 2026-W52
    ):
        assert (frame["date"].min(), frame["date"].max()) == (first, last)
        assert frame.groupby(["store", "item"]).size().tolist() == [364] * 40
    for name in ("weekly_demand.csv", "weekly_demand_history.csv"):
        assert (SAMPLES / name).stat().st_size < 1_500_000


def test_weekly_demand_has_zero_sales_days_and_weekly_seasonality() -> None:
    evaluated = pd.read_csv(SAMPLES / "weekly_demand.csv", parse_dates=["date"])
    zeros = (evaluated["sales"] == 0).groupby(evaluated["item"]).mean()
    assert zeros["batteries"] > 0.5 and zeros["bread"] == 0  # a slow mover, a fast one
    by_day = evaluated.groupby(evaluated["date"].dt.day_of_week)["sales"].mean()
    assert by_day[5] > 1.4 * by_day[6]  # Saturday's sales against Sunday's


def test_forecast_b_runs_40_percent_high_from_2026_w30_only() -> None:
    evaluated = pd.read_csv(SAMPLES / "weekly_demand.csv")
    after = evaluated["date"] >= "2026-07-20"  # the Monday of 2026-W30
    ratio = evaluated["forecast_b"] / evaluated["forecast_a"]
    before_b = (evaluated["forecast_b"] - evaluated["sales"]).abs()[~after].mean()
    before_a = (evaluated["forecast_a"] - evaluated["sales"]).abs()[~after].mean()
    assert before_b < before_a  # forecast_b is the better one until it drifts
    np.testing.assert_allclose(np.median(ratio[after]) / np.median(ratio[~after]), 1.4, atol=0.02)
