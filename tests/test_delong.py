"""ROC-AUC's interval: DeLong's variance from the placement tables, equal to the O(n²)
textbook oracle (unweighted exactly, weighted in the stated form), on a published
example, per group, chunked and merged in any order; clipped, widened where binned, none
for multi-class (saying why), and covering the truth 93–97% of the time."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import folded_and_merged
from scipy.stats import norm, rankdata
from test_roc_auc import binary, multiclass, scored

from losscli.api import evaluate
from losscli.engine import delong, ranks
from losscli.engine.budget import MemoryBudget
from losscli.reading import source
from losscli.result import CiSettings
from losscli.testing import KernelHarness

NORMAL = CiSettings(0.95, "normal")
Z = norm.ppf(0.975)


def oracle(y: np.ndarray, s: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float]:
    """(AUC, Var) by DeLong's definition, over every (positive, negative) pair: each side's
    placements are a weighted mean with n_eff = (Σw)²/Σw² (unweighted: S10/m + S01/n)."""
    w = np.ones(len(y)) if w is None else w
    pos, neg = y >= 0.5, y < 0.5
    psi = (s[pos][:, None] > s[neg][None, :]) + 0.5 * (s[pos][:, None] == s[neg][None, :])
    wp, wn = w[pos], w[neg]
    v10, v01 = psi @ wn / wn.sum(), wp @ psi / wp.sum()
    auc = float(wp @ v10 / wp.sum())

    def side(weights: np.ndarray, v: np.ndarray) -> float:
        total = weights.sum()
        n_eff = total**2 / (weights**2).sum()
        return float(n_eff / (n_eff - 1) * (weights**2 @ (v - auc) ** 2) / total**2)

    return auc, side(wp, v10) + side(wn, v01)


def textbook(y: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """DeLong (1988) unweighted, by midranks (Sun & Xu 2014): V10 = (R − R⁺)/n per positive,
    V01 = 1 − (R − R⁻)/m per negative, Var = S10/m + S01/n with divisors m − 1, n − 1."""
    pos, neg = s[y >= 0.5], s[y < 0.5]
    m, n = len(pos), len(neg)
    both = rankdata(np.r_[pos, neg])
    v10 = (both[:m] - rankdata(pos)) / n
    v01 = 1 - (both[m:] - rankdata(neg)) / m
    auc = float(v10.mean())
    return auc, float(np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n)


def interval_of(harness: KernelHarness, partial: Any) -> list[tuple[Any, ...]]:
    return [
        (row.metrics["roc_auc"], row.intervals["roc_auc"].low, row.intervals["roc_auc"].high,
         row.intervals["roc_auc"].se)
        for row in harness.rows(partial)
    ]  # fmt: skip


def test_unweighted_interval_equals_the_textbook_delong_variance() -> None:
    y, p, _ = binary(500, seed=3)
    tied = np.round(p, 2)  # ties across both classes
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False, ci=NORMAL)
    ((auc, low, high, se),) = interval_of(harness, harness.partial(y, tied))
    want_auc, want_var = textbook(y, tied)
    assert oracle(y, tied)[1] == pytest.approx(want_var, rel=1e-12)  # the two oracles agree
    assert auc == pytest.approx(want_auc, rel=1e-12)
    assert se == pytest.approx(np.sqrt(want_var), rel=1e-12)
    assert (low, high) == pytest.approx((auc - Z * se, auc + Z * se), rel=1e-12)


def test_hanley_mcneil_ratings_give_the_published_area_and_delongs_variance() -> None:
    """Hanley & McNeil (1982), Radiology 143:29, Table 1: CT ratings 1–5 of 58 normal and
    51 abnormal patients; published area 0.893 (Wilcoxon), SE 0.032 by their
    approximation, which DeLong's exact variance (0.0307) is close to."""
    normal = np.repeat([1, 2, 3, 4, 5], [33, 6, 6, 11, 2])
    abnormal = np.repeat([1, 2, 3, 4, 5], [3, 2, 2, 11, 33])
    y = np.r_[np.zeros(len(normal)), np.ones(len(abnormal))]
    s = np.r_[normal, abnormal] / 5
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False, ci=NORMAL)
    ((auc, _, _, se),) = interval_of(harness, harness.partial(y, s))
    assert round(auc, 4) == 0.8932
    assert se == pytest.approx(np.sqrt(textbook(y, s)[1]), rel=1e-12)
    assert se == pytest.approx(0.032, abs=0.0015)


def test_weighted_interval_equals_the_oracle_in_the_stated_weighted_form() -> None:
    y, p, w = binary(400, seed=4)
    tied = np.round(p, 2)
    harness = KernelHarness(["roc_auc"], task="binary", ci=NORMAL)
    ((auc, low, high, se),) = interval_of(harness, harness.partial(y, tied, w))
    want_auc, want_var = oracle(y, tied, w)
    assert auc == pytest.approx(want_auc, rel=1e-12)
    assert se == pytest.approx(np.sqrt(want_var), rel=1e-12)
    assert (low, high) == pytest.approx((auc - Z * se, auc + Z * se), rel=1e-12)


def test_a_weight_of_two_is_not_two_rows() -> None:
    y, p, _ = binary(200, seed=5)
    harness = KernelHarness(["roc_auc"], task="binary", ci=NORMAL)
    ((_, _, _, twice),) = interval_of(harness, harness.partial(y, p, np.full(len(y), 2.0)))
    plain = KernelHarness(["roc_auc"], task="binary", weighted=False, ci=NORMAL)
    ((_, _, _, once),) = interval_of(plain, plain.partial(y, p))
    doubled = np.repeat(np.arange(len(y)), 2)
    ((_, _, _, rows_twice),) = interval_of(plain, plain.partial(y[doubled], p[doubled]))
    assert twice == pytest.approx(once, rel=1e-12)  # a constant weight changes nothing
    assert rows_twice < once  # twice the rows is more evidence


def test_group_rows_equal_the_oracle_and_chunks_merged_in_any_order_are_identical() -> None:
    y, p, w = binary(900, seed=6)
    p = np.round(p, 2)
    g = np.random.default_rng(7).choice(["a", "b", "c"], len(y))
    harness = KernelHarness(["roc_auc"], task="binary", grouped=True, ci=NORMAL)
    whole = interval_of(harness, harness.partial(y, p, w, g))
    for (auc, _, _, se), name in zip(whole, ["a", "b", "c", None], strict=True):
        mine = np.ones(len(y), bool) if name is None else g == name
        want_auc, want_var = oracle(y[mine], p[mine], w[mine])
        assert (auc, se) == pytest.approx((want_auc, np.sqrt(want_var)), rel=1e-12)
    cuts = [0, 5, 300, 301, 700, 900]
    chunks = [
        harness.partial(y[a:b], p[a:b], w[a:b], g[a:b], first_row=a)
        for a, b in itertools.pairwise(cuts)
    ]
    for partial in folded_and_merged(harness, chunks):
        for mine, want in zip(interval_of(harness, partial), whole, strict=True):
            assert mine == pytest.approx(want, rel=1e-12)


def test_a_perfect_ranking_has_a_zero_width_interval_at_one_and_none_exceeds_the_unit() -> None:
    y = np.array([0, 0, 0, 1, 1, 1.0])
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False, ci=NORMAL)
    ((auc, low, high, se),) = interval_of(
        harness, harness.partial(y, [0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    )
    assert (auc, low, high, se) == (1.0, 1.0, 1.0, 0.0)
    nearly = [0.1, 0.2, 0.75, 0.7, 0.8, 0.9]  # one pair out of order: AUC 8/9, wide interval
    ((auc, low, high, _),) = interval_of(harness, harness.partial(y, nearly))
    assert auc == pytest.approx(8 / 9) and high == 1.0 and 0 <= low < auc


def test_one_positive_row_has_no_interval() -> None:
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False, ci=NORMAL)
    ((auc, low, high, se),) = interval_of(harness, harness.partial([0, 0, 1.0], [0.1, 0.5, 0.3]))
    assert auc == 0.5 and low is None and high is None and se is None


def test_multiclass_has_no_interval_and_says_why() -> None:
    y, p, w = multiclass(300)
    harness = KernelHarness(["roc_auc"], task="multiclass", ci=NORMAL)
    (row,) = harness.rows(harness.partial(y, p, w))
    assert row.metrics["roc_auc"] is not None
    interval = row.intervals["roc_auc"]
    assert interval.low is None and interval.why == delong.MULTICLASS


def test_from_score_bins_the_interval_is_widened_by_the_stated_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    y, p, w = binary(3000, seed=12)
    monkeypatch.setattr(ranks, "BUDGET", 500)  # 2^8 bins
    harness = KernelHarness(["roc_auc"], task="binary", ci=NORMAL)
    (row,) = harness.rows(harness.partial(y, p, w))
    assert row.notes["roc_auc"].startswith("from 2^8 score bins")
    binned = np.minimum(np.floor(p * 2**8), 2**8 - 1)
    auc, var = oracle(y, binned, w)  # the binned scores' AUC and variance
    pos, neg = y >= 0.5, y < 0.5
    same = binned[pos][:, None] == binned[neg][None, :]
    bound = 0.5 * (w[pos] @ same @ w[neg]) / (w[pos].sum() * w[neg].sum())
    interval = row.intervals["roc_auc"]
    assert row.metrics["roc_auc"] == pytest.approx(auc, rel=1e-12)
    assert interval.se == pytest.approx(np.sqrt(var), rel=1e-12)
    half = Z * np.sqrt(var) + bound
    assert (interval.low, interval.high) == pytest.approx((auc - half, auc + half), rel=1e-12)


def test_coverage_by_simulation_is_near_95_percent() -> None:
    """2,000 seeded data sets of 150 rows as 2,000 groups of one run, binormal scores of true
    AUC Φ(1/√2) with weights independent of them: the 95% intervals cover it 93–97%."""
    rng = np.random.default_rng(2024)
    sets, rows = 2000, 150
    y = (rng.uniform(size=(sets, rows)) < 0.35).astype(float)
    score = rng.normal(size=(sets, rows)) + y
    w = rng.uniform(0.2, 3.0, (sets, rows))
    g = np.repeat(np.arange(sets).astype(str), rows)
    harness = KernelHarness(["roc_auc"], task="binary", grouped=True, ci=NORMAL)
    partial = harness.partial(y.ravel(), 1 / (1 + np.exp(-score.ravel())), w.ravel(), g)
    truth = norm.cdf(1 / np.sqrt(2))
    found = interval_of(harness, partial)[:-1]
    assert len(found) == sets
    covered = np.mean([low <= truth <= high for _, low, high, _ in found])
    assert 0.93 <= covered <= 0.97, covered


def test_the_bootstrap_method_past_the_memory_budget_gives_delongs_interval_with_a_note() -> None:
    """Under the bootstrap, ROC-AUC's interval comes from its replicate rank tables
    (tests/test_bootstrap_ranks.py); where those do not fit --max-memory, DeLong's."""
    y, p, w = binary(300, seed=8)
    normal = KernelHarness(["roc_auc"], task="binary", ci=NORMAL)
    (want,) = normal.rows(normal.partial(y, p, w))
    tight = MemoryBudget(200_000)  # 300 scores × 100 resamples × 8 bytes do not fit
    boot = KernelHarness(["roc_auc"], task="binary", ci=CiSettings(0.95, "bootstrap"), budget=tight)
    (row,) = boot.rows(boot.partial(y, p, w))
    got, expected = row.intervals["roc_auc"], want.intervals["roc_auc"]
    assert (got.low, got.high, got.se) == (expected.low, expected.high, expected.se)
    assert got.method == "delong"
    assert got.why.startswith("DeLong's normal interval: its replicate rank tables were left out")


# -- the command line and the API --------------------------------------------------------


def test_ci_gives_roc_auc_an_interval_in_json_and_the_table(run: Any, tmp_path: Path) -> None:
    frame, path = scored(tmp_path)
    args = ["evaluate", str(path), "-l", "y", "-p", "good", "-w", "w", "-m", "auc,mse", "--ci"]
    (row,) = json.loads(run(*args, "-f", "json").stdout)["rows"]
    auc, var = oracle(frame.y.to_numpy(float), frame.good.to_numpy(), frame.w.to_numpy())
    got = row["intervals"]["roc_auc"]
    assert got["se"] == pytest.approx(np.sqrt(var), rel=1e-9)
    assert (got["low"], got["high"]) == pytest.approx(
        (auc - Z * np.sqrt(var), auc + Z * np.sqrt(var)), rel=1e-9
    )
    table = run(*args, "-f", "table").stdout
    assert f"[{got['low']:.4f}" in table or f"[{got['low']:.3f}" in table
    assert "95% intervals (normal: t, delta method, Wilson, DeLong)" in table


def test_threads_and_chunk_sizes_give_identical_intervals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame, _ = scored(tmp_path)
    big = frame.sample(6000, replace=True, random_state=1).reset_index(drop=True)
    jitter = np.random.default_rng(2).normal(0, 0.01, len(big))
    big["good"] = np.clip(np.round(big.good + jitter, 4), 0, 1)
    common: dict[str, Any] = {
        "label": "y", "pred": "good", "weight": "w", "group_by": "g", "losses": "auc"
    }  # fmt: skip

    def intervals(threads: int) -> list[Any]:
        rows = evaluate(big, ci=95, threads=threads, **common).rows
        return [(r.metrics["roc_auc"], r.intervals["roc_auc"].low, r.intervals["roc_auc"].se)
                for r in rows]  # fmt: skip

    whole = intervals(1)
    for threads, chunk in ((3, 500), (1, 77)):
        monkeypatch.setattr(source, "TABLE_BATCH_ROWS", chunk)
        for got, want in zip(intervals(threads), whole, strict=True):
            assert got == pytest.approx(want, rel=1e-12)
