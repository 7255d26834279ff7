"""average_precision (ap, pr_auc): equal to scikit-learn's average_precision_score, from the
rank tables ROC-AUC keeps (weights, ties, groups, chunks, threads, multi-class averages);
past the memory budget, the value of score bins with the range the exact value lies in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import binary, merged_in_orders, multiclass, paired_in_bins, write_table
from sklearn.metrics import average_precision_score

from losscli.api import evaluate
from losscli.engine import ranks
from losscli.engine.rank_precision import table_sums
from losscli.engine.ranks import table_of_rows
from losscli.errors import UsageError
from losscli.losses import Params, Ranks
from losscli.losses.ranking import average_precision_per_class
from losscli.reading import csv_source
from losscli.testing import CLASSES, KernelHarness

AP = "average_precision"  # the column of its aliases too


def ap_of(harness: KernelHarness, partial: Any, name: str = AP) -> list[Any]:
    return [m[name] for m in harness.metrics(partial)]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("alias", ["average_precision", "ap", "pr_auc"])
def test_binary_equals_sklearn(alias: str, weighted: bool) -> None:
    y, p, w = binary()
    harness = KernelHarness([alias], task="binary", weighted=weighted)
    (got,) = ap_of(harness, harness.partial(y, p, w if weighted else None))
    want = average_precision_score(y, p, sample_weight=w if weighted else None)
    assert got == pytest.approx(want, rel=1e-12)


def test_tied_scores_enter_together_as_sklearn_counts_them() -> None:
    y, p, w = binary(600, seed=1)
    tied = np.round(p, 1)  # eleven distinct scores, both kinds at each
    harness = KernelHarness(["average_precision"], task="binary")
    (got,) = ap_of(harness, harness.partial(y, tied, w))
    assert got == pytest.approx(average_precision_score(y, tied, sample_weight=w), rel=1e-12)


def test_hand_computed_example() -> None:
    """scikit-learn's docstring example: (1/2)·1 + (1/2)·(2/3) = 0.8333…"""
    harness = KernelHarness(["ap"], task="binary", weighted=False)
    (got,) = ap_of(harness, harness.partial([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]))
    assert got == pytest.approx(5 / 6, rel=1e-15)


def test_logits_rank_as_logits() -> None:
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    logits = np.array([40.0, 41.0, -3.0, 2.0, 45.0, 0.5])  # σ(40) = σ(41) = 1.0 in float64
    harness = KernelHarness(["ap"], task="binary", weighted=False, params=Params(from_logits=True))
    (got,) = ap_of(harness, harness.partial(y, logits))
    assert got == pytest.approx(average_precision_score(y, logits), rel=1e-12)


@pytest.mark.parametrize("average", ["macro", "weighted", "micro"])
def test_multiclass_is_one_vs_rest_averaged_as_sklearn(average: str) -> None:
    y, p, w = multiclass(600)
    name = "average_precision" if average == "macro" else f"average_precision:average={average}"
    harness = KernelHarness([name], task="multiclass")
    (got,) = ap_of(harness, harness.partial(y, p, w), name)
    want = average_precision_score(y, p, average=average, sample_weight=w)
    assert got == pytest.approx(want, rel=1e-12)


def test_per_class_values_are_sklearns_average_none() -> None:
    y, p, w = multiclass(500, seed=4)
    table = table_of_rows(None, Ranks(p, y[:, None] == np.arange(CLASSES)), w)
    (got,) = average_precision_per_class(table_sums(table, 1))
    want = average_precision_score(y, p, average=None, sample_weight=w)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_group_rows_equal_sklearn_per_group_and_the_overall_row_pools_them() -> None:
    y, p, w = binary(900, seed=2)
    g = np.random.default_rng(5).choice(["a", "b", "c"], len(y))
    harness = KernelHarness(["ap"], task="binary", grouped=True)
    rows = harness.rows(harness.partial(y, p, w, g))
    for row in rows:
        mine = np.ones(len(y), bool) if row.group is None else g == row.group["g"]
        want = average_precision_score(y[mine], p[mine], sample_weight=w[mine])
        assert row.metrics[AP] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_chunks_folded_or_merged_in_any_order_equal_the_whole(task: str) -> None:
    y, p, w = binary(1000) if task == "binary" else multiclass(1000)
    g = np.random.default_rng(7).choice(["a", "b"], len(y))
    harness = KernelHarness(["ap", "ap:average=micro"], task=task, grouped=True)
    whole = harness.metrics(harness.partial(y, p, w, g))
    merged = merged_in_orders(harness, y, p, w, g, cuts=[0, 3, 250, 251, 600, 1000])
    for got in (harness.metrics(partial) for partial in merged):
        for mine, want in zip(got, whole, strict=True):
            for name in want:
                assert mine[name] == pytest.approx(want[name], rel=1e-12)


def test_no_positive_row_is_not_defined_and_all_positive_is_one() -> None:
    y = np.array([0.0, 0.0, 1.0, 1.0])
    p = np.array([0.2, 0.7, 0.4, 0.9])
    g = np.array(["none", "none", "all", "all"])
    harness = KernelHarness(["ap"], task="binary", weighted=False, grouped=True)
    every, none, overall = harness.rows(harness.partial(y, p, g=g))
    assert every.metrics[AP] == 1.0
    assert none.metrics[AP] is None
    assert none.notes[AP].startswith("not defined: needs rows with a positive label")
    assert overall.metrics[AP] == pytest.approx(average_precision_score(y, p), rel=1e-12)


# -- the memory budget: score bins and the range of the exact value ----------------------


def range_in(note: str) -> tuple[float, float]:
    low, high = note.rsplit("[", 1)[1].rstrip("]").split(", ")
    return float(low), float(high)


def orderings_in_bins(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """scikit-learn's AP of the best ordering inside each 2^20 bin (its positives tied at the
    top) and of the worst (its negatives on top, its positives one by one below)."""
    bins = np.floor(p * 2**20)
    best = np.where(y == 1, bins + 0.9, bins + 0.1)
    rank = np.arange(len(y)) / (2 * len(y))  # distinct positions inside the bin
    worst = np.where(y == 1, bins + 0.1 + rank, bins + 0.8)
    return (
        average_precision_score(y, best, sample_weight=w),
        average_precision_score(y, worst, sample_weight=w),
    )


def test_within_the_budget_the_value_is_exact_and_has_no_note(monkeypatch: Any) -> None:
    y, p = paired_in_bins()
    monkeypatch.setattr(ranks, "BUDGET", len(p))
    harness = KernelHarness(["ap"], task="binary", weighted=False)
    (row,) = harness.rows(harness.partial(y, p))
    assert row.metrics[AP] == pytest.approx(average_precision_score(y, p), rel=1e-12)
    assert AP not in row.notes


def test_beyond_the_budget_the_value_is_approximate_and_the_exact_lies_in_its_range(
    monkeypatch: Any,
) -> None:
    y, p = paired_in_bins()
    w = np.random.default_rng(8).uniform(0.5, 2.0, len(y))
    exact = average_precision_score(y, p, sample_weight=w)
    monkeypatch.setattr(ranks, "BUDGET", len(p) - 1)
    harness = KernelHarness(["ap"], task="binary")
    (row,) = harness.rows(harness.partial(y, p, w))
    note = row.notes[AP]
    assert note.startswith(
        "approximate: from 2^20 score bins (more distinct scores than the memory budget); "
        "the exact value lies in ["
    )
    low, high = range_in(note)
    assert low <= exact <= high
    value = row.metrics[AP]
    assert value is not None and low <= value <= high
    best, worst = orderings_in_bins(y, p, w)
    assert low <= worst < best <= high  # every ordering inside the bins lies in the range
    assert high == pytest.approx(best, abs=1e-4)  # the best ordering is the upper end


def test_the_bounds_are_the_best_ordering_exactly_and_below_the_worst(monkeypatch: Any) -> None:
    y, p = paired_in_bins(800, seed=9)
    w = np.random.default_rng(9).uniform(0.5, 2.0, len(y))
    monkeypatch.setattr(ranks, "BUDGET", len(p) - 1)
    table = table_of_rows(None, Ranks(p, y == 1), w)
    assert table.bits == 20
    sums = table_sums(table, 1)
    low, high = (float(sums[k][0, 0] / sums["pos"][0, 0]) for k in ("ap_low", "ap_high"))
    best, worst = orderings_in_bins(y, p, w)
    assert high == pytest.approx(best, rel=1e-12)
    assert low <= worst


@pytest.mark.parametrize("average", ["macro", "weighted", "micro"])
def test_binned_multiclass_keeps_the_exact_value_in_range(monkeypatch: Any, average: str) -> None:
    y, p, w = multiclass(3000, seed=12)
    exact = average_precision_score(y, p, average=average, sample_weight=w)
    monkeypatch.setattr(ranks, "BUDGET", 500)  # 2^8 bins per class fit, 2^12 do not
    name = AP if average == "macro" else f"{AP}:average={average}"
    harness = KernelHarness([f"ap:average={average}"], task="multiclass")
    (row,) = harness.rows(harness.partial(y, p, w))
    note = row.notes[name]
    assert note.startswith("approximate: from 2^8 score bins")
    low, high = range_in(note)
    assert low <= exact <= high
    value = row.metrics[name]
    assert value is not None and low <= value <= high


def test_binned_chunks_merge_to_the_binned_whole(monkeypatch: Any) -> None:
    y, p = paired_in_bins()
    monkeypatch.setattr(ranks, "BUDGET", 4000)  # each chunk fits; their union does not
    harness = KernelHarness(["ap"], task="binary", weighted=False)
    whole = harness.rows(harness.partial(y, p))[0]
    folded = harness.empty()
    for a in range(0, len(y), 1000):
        folded.absorb(harness.partial(y[a : a + 1000], p[a : a + 1000], first_row=a))
    merged = harness.rows(folded)[0]
    assert merged.metrics[AP] == pytest.approx(whole.metrics[AP], rel=1e-12)
    assert merged.notes[AP] == whole.notes[AP]


# -- the command line and the API: files, groups, chunks, threads -------------------------


def scored(tmp_path: Path) -> tuple[pd.DataFrame, Path]:
    y, p, w = binary(3000, seed=21)
    rng = np.random.default_rng(22)
    frame = pd.DataFrame(
        {"y": y.astype(int), "p": np.round(p, 3), "w": w, "g": rng.choice(["u", "v"], len(p))}
    )
    return frame, write_table(frame, tmp_path / "scored.csv")


def test_chunks_and_threads_give_the_same_values_as_sklearn_per_group(
    tmp_path: Path, monkeypatch: Any
) -> None:
    frame, path = scored(tmp_path)
    values = []
    for block, threads in ((csv_source.BLOCK_BYTES, 1), (997, 1), (997, 3)):
        monkeypatch.setattr(csv_source, "BLOCK_BYTES", block)
        result = evaluate(
            [str(path)], label="y", pred="p", weight="w", group_by="g", losses="ap",
            threads=threads,
        )  # fmt: skip
        values.append([row.metrics[AP] for row in result.rows])
        for row in result.rows:
            mine = frame if row.group is None else frame[frame.g == row.group["g"]]
            want = average_precision_score(mine.y, mine.p, sample_weight=mine.w)
            assert row.metrics[AP] == pytest.approx(want, rel=1e-12)
    assert values[1] == pytest.approx(values[0], rel=1e-12)
    assert values[2] == pytest.approx(values[0], rel=1e-12)


def test_the_command_line_shows_it_higher_is_better(run: Any, tmp_path: Path) -> None:
    frame, path = scored(tmp_path)
    args = ["evaluate", str(path), "-l", "y", "-p", "p", "-m", "pr_auc,roc_auc", "-f", "json"]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    want = average_precision_score(frame.y, frame.p)
    assert row["metrics"]["average_precision"] == pytest.approx(want, rel=1e-12)
    catalog = run("losses", "-f", "json")
    assert catalog.exit_code == 0, catalog.stderr
    (entry,) = [e for e in json.loads(catalog.stdout) if e["loss"] == "average_precision"]
    assert entry["better"] == "higher"


def test_average_precision_is_never_given_rocs_delong_interval_or_test() -> None:
    """--ci and --compare beside roc_auc: average precision has no interval (a note says
    why) and no comparison (a notice says why), never DeLong's numbers of ROC-AUC; a
    ``delta:average_precision`` check is refused before reading."""
    rng = np.random.default_rng(2)
    n = 400
    y = rng.integers(0, 2, n)
    frame = pd.DataFrame({"y": y, "a": np.clip(rng.random(n) * 0.6 + y * 0.3, 0, 1)})
    frame["b"] = rng.random(n)
    result = evaluate(frame, label="y", pred=["a", "b"], losses="roc_auc,ap", ci=0.95, compare="b")
    table = result.to_pandas()
    assert table["average_precision_low"].isna().all() and table["roc_auc_low"].notna().all()
    assert [c.loss for c in result.comparisons] == ["roc_auc"]
    assert any("average_precision has no paired comparison" in n for n in result.notices)
    want = average_precision_score(y, frame.a)
    assert table["average_precision"][0] == pytest.approx(want, rel=1e-12)
    with pytest.raises(UsageError, match="paired difference of average_precision"):
        evaluate(
            frame, label="y", pred=["a", "b"], losses="ap", compare="b",
            checks=["delta:average_precision>=0"],
        )  # fmt: skip
