"""Replicate rank tables under --ci-method bootstrap: each replicate's ROC-AUC and average
precision equal scikit-learn's with the bootstrap's own row weights (per row and per block
of rows, weighted, per group, binary and multi-class one-vs-rest); the intervals are the
percentiles of those, identical whatever the chunks, threads and file format, and
reproducible by seed; past --max-memory ROC-AUC keeps DeLong's interval and average
precision has none, each saying why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import binary, multiclass, write_table
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import label_binarize

from losscli.api import evaluate
from losscli.engine.bootstrap.rank_tables import RankReplicates, replicate_values
from losscli.engine.bootstrap.weights import poisson_weights
from losscli.engine.intervals import percentile_interval
from losscli.losses import get_loss
from losscli.reading import csv_source, source
from losscli.result import CiSettings
from losscli.testing import CLASSES, KernelHarness

B = 40
SEED = 7


def _replicates(harness: KernelHarness, partial: Any, loss: str, keys: int) -> np.ndarray:
    """(keys + 1) × B: each group's replicate values, then all groups pooled."""
    (store,) = [s for (_, names), s in partial.bootstrap.ranks.items() if loss in names]
    assert [len(names) for _, names in partial.bootstrap.ranks] == [3]  # one table, shared
    shape = get_loss(loss).shape
    found = RankReplicates(store, np.arange(keys), keys)
    return replicate_values(found, shape.finalize, precision=loss != "roc_auc")


def _oracle(y: np.ndarray, p: np.ndarray, w: np.ndarray, loss: str) -> float:
    if loss == "roc_auc":
        return float(roc_auc_score(y, p, sample_weight=w, multi_class="ovr", average="macro"))
    if p.ndim == 2:  # one-vs-rest, macro or micro
        onehot = label_binarize(y, classes=np.arange(CLASSES))
        average = "micro" if loss.endswith("micro") else "macro"
        return float(average_precision_score(onehot, p, sample_weight=w, average=average))
    return float(average_precision_score(y, p, sample_weight=w))


@pytest.mark.parametrize("task", ["binary", "multiclass"])
@pytest.mark.parametrize("block_rows", [1, 4])
def test_each_replicate_equals_scikit_learn_with_the_bootstraps_row_weights(
    task: str, block_rows: int
) -> None:
    """Replicate b of a group is the loss of its rows weighed by w × v(unit, b), v the
    Poisson weights every other loss's bootstrap gives the row's unit."""
    n = 240
    y, p, w = multiclass(n, seed=3) if task == "multiclass" else binary(n, seed=3)
    if task == "binary":
        p = np.round(p, 2)  # ties: sklearn's handling of them too
    g = np.array(["a", "b", "c"])[np.arange(n) % 3]
    ci = CiSettings(0.95, "bootstrap", resamples=B, seed=SEED, unit_rows=block_rows)
    losses = ["roc_auc", "average_precision", "average_precision:average=micro"]
    harness = KernelHarness(losses, task=task, grouped=True, ci=ci)
    partial = harness.partial(y, p, w, g)
    v = poisson_weights(SEED, np.arange(n) // block_rows, B)
    for loss in losses:
        got = _replicates(harness, partial, loss, 3)
        for b in (0, 1, 17, B - 1):
            for k, group in enumerate("abc"):
                rows = g == group
                want = _oracle(y[rows], p[rows], (v[:, b] * w)[rows], loss)
                assert got[k, b] == pytest.approx(want, rel=1e-12, abs=1e-12), (loss, b, group)
            assert got[3, b] == pytest.approx(_oracle(y, p, v[:, b] * w, loss), rel=1e-12)


def _frame(n: int = 600, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pd.DataFrame(
        {
            "y": y,
            "a": np.round(np.clip(rng.random(n) * 0.6 + y * 0.3, 0, 1), 3),
            "b": np.round(np.clip(rng.random(n) * 0.8 + y * 0.1, 0, 1), 3),
            "w": rng.uniform(0.5, 2.0, n),
            "g": rng.integers(0, 3, n).astype(str),
        }
    )


COMMON: dict[str, Any] = {
    "label": "y", "pred": ["a", "b"], "weight": "w", "losses": "roc_auc,ap", "ci": 0.9,
    "ci_method": "bootstrap", "resamples": B, "seed": SEED,
}  # fmt: skip


def _oracle_replicates(df: pd.DataFrame, model: str, loss: str, groups: list[Any]) -> np.ndarray:
    """(groups × B): scikit-learn's value of each group's rows under each resample."""
    v = poisson_weights(SEED, np.arange(len(df)), B)
    y, p, w = df.y.to_numpy(), df[model].to_numpy(), df.w.to_numpy()
    return np.array(
        [[_oracle(y[r], p[r], (v[:, b] * w)[r], loss) for b in range(B)] for r in groups]
    )


def test_intervals_are_the_percentiles_of_scikit_learns_replicates() -> None:
    """The interval is the bootstrap's percentile interval of the replicates (per group
    and overall), the comparison's that of the replicates' paired differences."""
    df = _frame()
    result = evaluate(df, group_by="g", compare="b", **COMMON)
    groups = [(df.g == k).to_numpy() for k in sorted(df.g.unique())] + [
        np.ones(len(df), dtype=bool)
    ]
    for loss in ("roc_auc", "average_precision"):
        replicates = {m: _oracle_replicates(df, m, loss, groups) for m in ("a", "b")}
        rows = [r for r in result.rows if r.pred == "a"]
        low, high, se = percentile_interval(replicates["a"], 0.9)
        for k, row in enumerate(rows):
            interval = row.intervals[loss]
            assert (interval.low, interval.high, interval.se) == pytest.approx(
                (low[k], high[k], se[k]), rel=1e-12
            )
            assert interval.method == "bootstrap" and not interval.why
        low, high, se = percentile_interval(replicates["a"] - replicates["b"], 0.9)
        found = [c for c in result.comparisons if c.loss == loss]
        assert len(found) == 4
        for k, c in enumerate(found):
            assert (c.low, c.high, c.se) == pytest.approx((low[k], high[k], se[k]), rel=1e-12)


def _intervals(result: Any) -> list[Any]:
    rows = [
        (r.pred, r.metrics[loss], r.intervals[loss].low, r.intervals[loss].high)
        for r in result.rows
        for loss in ("roc_auc", "average_precision")
    ]
    deltas = [(c.pred, c.loss, c.delta, c.low, c.high, c.p_value) for c in result.comparisons]
    return rows + deltas


def test_chunks_threads_and_file_formats_give_identical_intervals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    df = _frame(900, seed=6)
    options: dict[str, Any] = {**COMMON, "group_by": "g", "compare": "b", "block_rows": 3}
    whole = _intervals(evaluate(df, threads=1, **options))
    csv, parquet = write_table(df, tmp_path / "t.csv"), write_table(df, tmp_path / "t.parquet")
    for threads, chunk, data in ((3, 100, df), (1, 37, str(csv)), (2, 250, str(parquet))):
        monkeypatch.setattr(source, "TABLE_BATCH_ROWS", chunk)
        monkeypatch.setattr(csv_source, "BLOCK_BYTES", 4096)
        got = _intervals(evaluate(data, threads=threads, **options))
        assert len(got) == len(whole)
        for mine, want in zip(got, whole, strict=True):
            assert mine[:2] == want[:2]
            assert mine[2:] == pytest.approx(want[2:], rel=1e-12, abs=1e-15)


def test_the_same_seed_gives_the_same_intervals_and_another_seed_others() -> None:
    df = _frame(400, seed=8)
    first, again = (_intervals(evaluate(df, **COMMON)) for _ in range(2))
    assert first == again
    other = _intervals(evaluate(df, **{**COMMON, "seed": SEED + 1}))
    assert [row[2:] for row in other] != [row[2:] for row in first]


def test_past_max_memory_roc_auc_keeps_delongs_interval_and_ap_has_none_saying_why(
    run: Any, tmp_path: Path
) -> None:
    """4,000 distinct scores × 1,000 resamples (32 MB) do not fit 8 MiB: ROC-AUC's interval
    and paired test are DeLong's (JSON ``method``), average precision has neither; each
    says why."""
    rng = np.random.default_rng(9)
    n = 4000
    y = rng.integers(0, 2, n)
    df = pd.DataFrame({"y": y, "a": rng.random(n) * 0.7 + y * 0.3, "b": rng.random(n)})
    options: dict[str, Any] = {"label": "y", "pred": ["a", "b"], "losses": "roc_auc,ap", "ci": 0.95}
    small = evaluate(df, ci_method="bootstrap", max_memory="8M", compare="b", **options)
    normal = evaluate(df, compare="b", **options)
    for got, want in zip(small.rows, normal.rows, strict=True):
        auc, ref = got.intervals["roc_auc"], want.intervals["roc_auc"]
        assert (auc.low, auc.high, auc.se) == (ref.low, ref.high, ref.se)
        assert auc.method == "delong"
        assert auc.why.startswith("DeLong's normal interval: its replicate rank tables were left")
        assert "--max-memory" in auc.why
        ap = got.intervals["average_precision"]
        assert ap.low is None and ap.why.startswith("no interval: its replicate rank tables")
    assert [c.method for c in small.comparisons] == ["delong paired"]
    assert any(
        "average_precision has no paired comparison (its replicate rank tables were left out"
        in notice
        for notice in small.notices
    )
    path = write_table(df, tmp_path / "t.csv")
    args = ["-l", "y", "-p", "a", "-m", "roc_auc,ap", "--ci", "--ci-method", "bootstrap"]
    done = run("evaluate", str(path), *args, "--max-memory", "8M", "-f", "json")
    assert done.exit_code == 0, done.stderr
    (row,) = json.loads(done.stdout)["rows"]
    assert row["intervals"]["roc_auc"]["method"] == "delong"
    kept = run("evaluate", str(path), *args, "--resamples", "50", "-f", "json")
    (row,) = json.loads(kept.stdout)["rows"]
    assert "method" not in row["intervals"]["roc_auc"]  # the run's own: the bootstrap
    assert row["intervals"]["average_precision"]["low"] is not None


def test_delta_average_precision_checks_are_judged_under_the_bootstrap() -> None:
    df = _frame(500, seed=10)
    options: dict[str, Any] = {**COMMON, "compare": "b"}
    better = evaluate(df, checks=["delta:average_precision>=0"], **options)
    assert not better.failures
    worse = evaluate(df, checks=["delta:average_precision<=0"], **options)
    assert [f.loss for f in worse.failures] == ["average_precision"]


def test_period_rollups_merge_the_replicate_tables_by_value(tmp_path: Path) -> None:
    """--period's rollups: a group's row over all periods has the interval of the group's
    row without --period, a period's row over all groups that of a run grouped by period."""
    from test_periods import TZ, calendar_starts, frame

    df = frame(seed=15, rows=600)
    rng = np.random.default_rng(15)
    df["b"] = (rng.uniform(size=len(df)) < 0.4).astype(float)
    df["q"] = np.round(np.clip(0.4 + 0.3 * (df.b - 0.4) + rng.normal(0, 0.2, len(df)), 0, 1), 2)
    df["g"] = rng.integers(0, 4, len(df)).astype(str)
    df["month"] = calendar_starts(df.when.dt.tz_convert(TZ).dt.tz_localize(None), "M", TZ)
    path = write_table(df, tmp_path / "t.parquet")
    options: dict[str, Any] = {**COMMON, "label": "b", "pred": "q"}
    both = evaluate(str(path), group_by="g", period="when:M", tz=TZ, **options)
    groups = evaluate(str(path), group_by="g", **options)
    months = evaluate(str(path), group_by="month", **options)
    f = both.frame
    assert f.period is not None
    over_periods, by_month = ~f.period.present, f.overall & f.period.present
    for name in ("roc_auc", "average_precision"):
        for field in ("values", "low", "high"):
            mine = getattr(f.losses[name], field)
            assert not np.isnan(mine[over_periods]).all()
            np.testing.assert_allclose(
                mine[over_periods], getattr(groups.frame.losses[name], field), rtol=1e-12
            )
            np.testing.assert_allclose(
                mine[by_month], getattr(months.frame.losses[name], field)[:-1], rtol=1e-12
            )
