"""--period's rollups merged by value: a group's row over all periods is its row without
--period and a period's row over all groups the row of a run grouped by period (values
and intervals); losses of other kinds of statistic (R²'s moments, ROC-AUC's rank tables)
equal scikit-learn's per period and rollup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import write_table
from test_periods import TZ, Key, calendar_starts, frame

from losscli import evaluate
from losscli.result.keys import NO_PERIOD


def _by_key(df: pd.DataFrame, starts: np.ndarray, score: Any) -> dict[Key, float]:
    """``score(part)`` per (group, period), per group, per period and overall."""
    df = df.assign(start=starts)
    out: dict[Key, float] = {
        (g, int(s)): score(part) for (g, s), part in df.groupby(["g", "start"])
    }
    out.update({(g, None): score(part) for g, part in df.groupby("g")})
    out.update({(None, int(s)): score(part) for s, part in df.groupby("start")})
    out[(None, None)] = score(df)
    return out


def _values(result: Any, loss: str) -> dict[Key, float]:
    f = result.frame
    return {
        (
            None if f.overall[i] else f.keys["g"][i],
            None if f.period.start[i] == NO_PERIOD else int(f.period.start[i]),
        ): f.losses[loss].values[i]
        for i in range(len(f))
    }


def test_r2_roc_auc_and_cross_entropy_per_period_equal_scikit_learn(tmp_path: Path) -> None:
    from sklearn.metrics import log_loss, r2_score, roc_auc_score

    df = frame(seed=13, rows=1200)
    rng = np.random.default_rng(13)
    df["b"] = (rng.uniform(size=len(df)) < 0.4).astype(float)
    df["q"] = np.clip(0.4 + 0.3 * (df.b - 0.4) + rng.normal(0, 0.2, len(df)), 0.01, 0.99)
    path = write_table(df, tmp_path / "t.parquet")
    common = {"weight": "w", "group_by": "g", "period": "when:Q", "tz": TZ}
    local = df.when.dt.tz_convert(TZ).dt.tz_localize(None)
    starts = calendar_starts(local, "Q", TZ)
    r2 = evaluate(str(path), label="y", pred="p", losses="r2", **common)
    want = _by_key(df, starts, lambda d: r2_score(d.y, d.p, sample_weight=d.w))
    got = _values(r2, "r2")
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-10), key
    scored = evaluate(str(path), label="b", pred="q", losses="roc_auc,cross_entropy", **common)
    for loss, oracle_of in (
        ("roc_auc", lambda d: roc_auc_score(d.b, d.q, sample_weight=d.w)),
        ("cross_entropy", lambda d: log_loss(d.b, d.q, sample_weight=d.w)),
    ):
        got, want = _values(scored, loss), _by_key(df, starts, oracle_of)
        for key, value in want.items():
            assert got[key] == pytest.approx(value, rel=1e-10), (loss, key)


@pytest.mark.parametrize(
    "stats",
    [{"ci": 0.9}, {"ci": 0.9, "ci_method": "bootstrap", "resamples": 40, "block_rows": 3}],
)
def test_rollups_equal_the_rows_of_runs_keyed_by_group_alone_and_by_period_alone(
    tmp_path: Path, stats: dict[str, Any]
) -> None:
    """A group's row over all periods is the group's row without --period; a period's row
    over all groups is the row of a run grouped by the period: values and intervals (the
    bootstrap's replicate sums merged by value as well)."""
    df = frame(seed=14, rows=800)
    df["g"] = np.random.default_rng(14).integers(0, 20, len(df)).astype(str)  # 40 rows each
    local = df.when.dt.tz_convert(TZ).dt.tz_localize(None)
    df["month"] = calendar_starts(local, "M", TZ)
    path = write_table(df, tmp_path / "t.parquet")
    options = {"label": "y", "pred": "p", "weight": "w", "losses": "mse,mae,r2", **stats}
    both = evaluate(str(path), group_by="g", period="when:M", tz=TZ, **options)
    groups = evaluate(str(path), group_by="g", **options)
    months = evaluate(str(path), group_by="month", **options)
    f = both.frame
    assert f.period is not None
    over_periods = ~f.period.present
    by_month = f.overall & f.period.present
    assert f.keys["g"].take(over_periods).tolist() == [*groups.frame.keys["g"].tolist()[:-1], None]
    assert f.period.start[by_month].tolist() == months.frame.keys["month"].tolist()[:-1]
    for name in ("mse", "mae", "r2"):
        for field in ("values", "low", "high"):
            mine = getattr(f.losses[name], field)
            np.testing.assert_allclose(
                mine[over_periods], getattr(groups.frame.losses[name], field), rtol=1e-12
            )
            np.testing.assert_allclose(
                mine[by_month], getattr(months.frame.losses[name], field)[:-1], rtol=1e-12
            )
