"""roc_auc: equal to scikit-learn's roc_auc_score, streamed, grouped and merged exactly; score
bins with a stated error bound beyond the memory budget; DeLong's interval and paired
comparison for binary data (tests/test_delong*.py), none for multi-class."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import (
    binary,
    merged_in_orders,
    multiclass,
    paired_in_bins,
    write_table,
)
from sklearn.metrics import roc_auc_score

from losscli.engine import delong, ranks
from losscli.losses import Params
from losscli.testing import CLASSES, KernelHarness

UNDEFINED = (
    "not defined: needs rows of both kinds, positive and negative (multi-class: for every class)"
)


def auc_of(harness: KernelHarness, partial: Any) -> list[float | None]:
    return [m["roc_auc"] for m in harness.metrics(partial)]


def test_binary_equals_sklearn() -> None:
    y, p, _ = binary()
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False)
    (got,) = auc_of(harness, harness.partial(y, p))
    assert got == pytest.approx(roc_auc_score(y, p), rel=1e-9)


def test_weighted_binary_equals_sklearn() -> None:
    y, p, w = binary()
    harness = KernelHarness(["auc"], task="binary")
    (got,) = auc_of(harness, harness.partial(y, p, w))
    assert got == pytest.approx(roc_auc_score(y, p, sample_weight=w), rel=1e-9)


def test_tied_scores_count_half() -> None:
    y, p, w = binary()
    tied = np.round(p, 1)  # eleven distinct scores, many ties across both classes
    harness = KernelHarness(["roc_auc"], task="binary")
    (got,) = auc_of(harness, harness.partial(y, tied, w))
    assert got == pytest.approx(roc_auc_score(y, tied, sample_weight=w), rel=1e-9)


def test_every_score_tied_is_one_half() -> None:
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False)
    (got,) = auc_of(harness, harness.partial([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3]))
    assert got == 0.5


def test_logits_rank_as_logits_even_where_the_sigmoid_rounds_to_one() -> None:
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    logits = np.array([40.0, 41.0, -3.0, 2.0, 45.0, 0.5])  # σ(40) = σ(41) = 1.0 in float64
    logit_params = Params(from_logits=True)
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False, params=logit_params)
    (got,) = auc_of(harness, harness.partial(y, logits))
    assert got == pytest.approx(roc_auc_score(y, logits), rel=1e-9)
    assert got == 8 / 9


def test_multiclass_is_the_one_vs_rest_macro_average() -> None:
    y, p, w = multiclass()
    harness = KernelHarness(["roc_auc"], task="multiclass")
    (got,) = auc_of(harness, harness.partial(y, p, w))
    want = roc_auc_score(y, p, multi_class="ovr", average="macro", sample_weight=w)
    assert got == pytest.approx(want, rel=1e-9)


def test_group_rows_equal_each_group_alone_and_the_overall_row_pools_them() -> None:
    y, p, w = binary(600)
    g = np.random.default_rng(5).choice(["a", "b", "c"], len(y))
    harness = KernelHarness(["roc_auc"], task="binary", grouped=True)
    rows = harness.rows(harness.partial(y, p, w, g))
    assert [row.group for row in rows] == [{"g": "a"}, {"g": "b"}, {"g": "c"}, None]
    for row in rows[:-1]:
        assert row.group is not None
        mine = g == row.group["g"]
        alone = harness.rows(harness.partial(y[mine], p[mine], w[mine], g[mine]))[-1]
        assert row.metrics["roc_auc"] == pytest.approx(alone.metrics["roc_auc"], rel=1e-13)
        want = roc_auc_score(y[mine], p[mine], sample_weight=w[mine])
        assert row.metrics["roc_auc"] == pytest.approx(want, rel=1e-9)
    assert rows[-1].metrics["roc_auc"] == pytest.approx(
        roc_auc_score(y, p, sample_weight=w), rel=1e-9
    )


def test_a_light_group_after_a_heavy_one_keeps_its_digits() -> None:
    y, p, w = binary(400, seed=8)
    heavy = np.arange(400) < 200  # sorted first: key ids follow first appearance
    w = np.where(heavy, 1e12, w)
    g = np.where(heavy, "heavy", "light")
    harness = KernelHarness(["roc_auc"], task="binary", grouped=True)
    light = harness.rows(harness.partial(y, p, w, g))[1]
    assert light.group == {"g": "light"}
    want = roc_auc_score(y[~heavy], p[~heavy], sample_weight=w[~heavy])
    assert light.metrics["roc_auc"] == pytest.approx(want, rel=1e-12)


def test_grouped_multiclass_equals_sklearn_per_group() -> None:
    y, p, w = multiclass(900)
    g = np.random.default_rng(6).choice(["x", "y"], len(y))
    harness = KernelHarness(["roc_auc"], task="multiclass", grouped=True)
    rows = harness.rows(harness.partial(y, p, w, g))
    for row, mine in zip(rows, [g == "x", g == "y", np.ones(len(y), bool)], strict=True):
        want = roc_auc_score(
            y[mine], p[mine], multi_class="ovr", average="macro", sample_weight=w[mine]
        )
        assert row.metrics["roc_auc"] == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_chunks_folded_or_merged_in_any_order_equal_the_whole(task: str) -> None:
    y, p, w = binary(1000) if task == "binary" else multiclass(1000)
    g = np.random.default_rng(7).choice(["a", "b"], len(y))
    harness = KernelHarness(["roc_auc"], task=task, grouped=True)
    whole = auc_of(harness, harness.partial(y, p, w, g))
    merged = merged_in_orders(harness, y, p, w, g, cuts=[0, 3, 250, 251, 600, 1000])
    for got in (auc_of(harness, partial) for partial in merged):
        assert got == pytest.approx(whole, rel=1e-12)


def test_a_long_fold_sorts_absorbed_chunks_in_once_they_match_the_table() -> None:
    y, p, w = binary(2000, seed=9)
    harness = KernelHarness(["roc_auc"], task="binary")
    folded = harness.empty()
    for a in range(0, 2000, 40):
        folded.absorb(harness.partial(y[a : a + 40], p[a : a + 40], w[a : a + 40]))
        (store,) = [v for (_, _, stat), v in folded.states.items() if stat.kind == ranks.RANKS]
        assert store.table is not None
        assert sum(map(len, store.pending)) < len(store.table)  # never more than doubled
    (got,) = auc_of(harness, folded)
    assert got == pytest.approx(roc_auc_score(y, p, sample_weight=w), rel=1e-9)


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_an_empty_chunk_changes_nothing(task: str) -> None:
    y, p, w = binary(50) if task == "binary" else multiclass(50)
    harness = KernelHarness(["roc_auc"], task=task)
    whole = harness.partial(y, p, w)
    with_empty = whole.merge(harness.partial(y[:0], p[:0], w[:0]))
    assert auc_of(harness, with_empty) == auc_of(harness, whole)


def test_a_group_with_one_class_only_is_not_defined() -> None:
    y = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
    p = np.array([0.9, 0.4, 0.3, 0.6, 0.7])
    g = np.array(["all positive", "all positive", "mixed", "mixed", "mixed"])
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False, grouped=True)
    alone, mixed, overall = harness.rows(harness.partial(y, p, g=g))
    assert alone.metrics["roc_auc"] is None
    assert alone.notes["roc_auc"] == UNDEFINED
    assert mixed.metrics["roc_auc"] == 0.5  # 0.6 beats 0.3 and loses to 0.7
    assert overall.metrics["roc_auc"] == pytest.approx(roc_auc_score(y, p), rel=1e-12)


def test_a_multiclass_group_missing_a_class_is_not_defined() -> None:
    y, p, _ = multiclass(300)
    y = np.where(np.arange(300) < 100, np.where(y == 2, 0, y), y)  # no class 2 in "a"
    g = np.where(np.arange(300) < 100, "a", "b")
    harness = KernelHarness(["roc_auc"], task="multiclass", weighted=False, grouped=True)
    a, b, _ = harness.rows(harness.partial(y, p, g=g))
    assert a.metrics["roc_auc"] is None
    assert a.notes["roc_auc"] == UNDEFINED
    want = roc_auc_score(y[100:], p[100:], multi_class="ovr", average="macro")
    assert b.metrics["roc_auc"] == pytest.approx(want, rel=1e-9)


def test_labels_outside_the_unit_interval_make_it_not_applicable() -> None:
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False)
    (row,) = harness.rows(harness.partial([0.0, 1.0, 2.0], [0.2, 0.8, 0.5]))
    assert row.metrics["roc_auc"] is None
    assert row.notes["roc_auc"] == "not applicable: labels or probabilities outside [0, 1]"


# -- the memory budget: score bins and their error bound ---------------------------------


def bound_in(note: str) -> float:
    return float(note.rsplit("within ", 1)[1].split(" ")[0])


def test_within_the_budget_the_value_is_exact_and_has_no_note(monkeypatch: Any) -> None:
    y, p = paired_in_bins()
    monkeypatch.setattr(ranks, "BUDGET", len(p))
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False)
    (row,) = harness.rows(harness.partial(y, p))
    assert row.metrics["roc_auc"] == pytest.approx(roc_auc_score(y, p), rel=1e-9)
    assert "roc_auc" not in row.notes


def test_beyond_the_budget_scores_are_binned_within_the_stated_bound(monkeypatch: Any) -> None:
    y, p = paired_in_bins()
    exact = roc_auc_score(y, p)
    monkeypatch.setattr(ranks, "BUDGET", len(p) - 1)
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False)
    (row,) = harness.rows(harness.partial(y, p))
    note = row.notes["roc_auc"]
    assert note.startswith(
        "from 2^20 score bins (more distinct scores than the memory budget): within "
    )
    assert note.endswith(" of the exact value")
    bins = np.floor(p * 2**20)
    pos = np.bincount(np.unique(bins, return_inverse=True)[1], weights=y)
    neg = np.bincount(np.unique(bins, return_inverse=True)[1], weights=1 - y)
    bound = 0.5 * np.sum(pos * neg) / (y.sum() * (1 - y).sum())
    assert bound <= bound_in(note) <= bound * 1.1  # two digits, rounded up
    assert abs(row.metrics["roc_auc"] - exact) <= bound
    assert row.metrics["roc_auc"] != exact  # binning did lose the order inside some bins


def test_binned_chunks_merge_to_the_binned_whole(monkeypatch: Any) -> None:
    y, p = paired_in_bins()
    monkeypatch.setattr(ranks, "BUDGET", 6000)  # each chunk fits; their union does not
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False)
    whole = harness.rows(harness.partial(y, p))[0]
    folded = harness.empty()
    for a in range(0, len(y), 1000):
        folded.absorb(harness.partial(y[a : a + 1000], p[a : a + 1000], first_row=a))
    merged = harness.rows(folded)[0]
    assert merged.metrics["roc_auc"] == pytest.approx(whole.metrics["roc_auc"], rel=1e-12)
    assert merged.notes["roc_auc"] == whole.notes["roc_auc"]
    assert merged.notes["roc_auc"].startswith("from 2^20 score bins")


def test_binned_partials_merged_in_any_order_agree(monkeypatch: Any) -> None:
    y, p = paired_in_bins()
    monkeypatch.setattr(ranks, "BUDGET", 6000)
    harness = KernelHarness(["roc_auc"], task="binary", weighted=False)
    a, b, c, d = (harness.partial(y[i::4], p[i::4]) for i in range(4))
    trees = [
        a.merge(b).merge(c.merge(d)),
        d.merge(c.merge(b.merge(a))),
        c.merge(a).merge(d).merge(b),
    ]
    first, *others = (harness.rows(tree)[0] for tree in trees)
    for row in others:
        assert row.metrics["roc_auc"] == pytest.approx(first.metrics["roc_auc"], rel=1e-12)
        assert row.notes == first.notes
    assert first.notes["roc_auc"].startswith("from 2^20 score bins")


def test_smooth_data_binned_at_2_20_stays_within_1e_4(monkeypatch: Any) -> None:
    y, p, w = binary(20_000, seed=11)
    monkeypatch.setattr(ranks, "BUDGET", len(p) - 1)
    harness = KernelHarness(["roc_auc"], task="binary")
    (row,) = harness.rows(harness.partial(y, p, w))
    exact = roc_auc_score(y, p, sample_weight=w)
    assert row.notes["roc_auc"].startswith("from 2^20 score bins")
    assert bound_in(row.notes["roc_auc"]) <= 1e-4
    assert abs(row.metrics["roc_auc"] - exact) <= bound_in(row.notes["roc_auc"])


@pytest.mark.parametrize("task", ["binary", "multiclass", "logits"])
def test_coarser_bins_when_fine_ones_overflow_keep_their_bound(monkeypatch: Any, task: str) -> None:
    rng = np.random.default_rng(12)
    if task == "multiclass":
        y, p, w = multiclass(3000, seed=12)
        want = roc_auc_score(y, p, multi_class="ovr", average="macro", sample_weight=w)
    else:
        y, p, w = binary(3000, seed=12)
        if task == "logits":
            p = rng.normal(0, 3, len(y))
        want = roc_auc_score(y, p, sample_weight=w)
    monkeypatch.setattr(ranks, "BUDGET", 500)  # 2^8 bins per class fit, 2^12 do not
    harness = KernelHarness(
        ["roc_auc"],
        task="binary" if task == "logits" else task,
        params=Params(from_logits=task == "logits"),
    )
    (row,) = harness.rows(harness.partial(y, p, w))
    note = row.notes["roc_auc"]
    assert note.startswith("from 2^8 score bins")
    assert abs(row.metrics["roc_auc"] - want) <= bound_in(note)


# -- the command line: -m all, intervals and comparisons --------------------------------


def scored(tmp_path: Path) -> tuple[pd.DataFrame, Path]:
    y, p, w = binary(300, seed=21)
    rng = np.random.default_rng(22)
    frame = pd.DataFrame(
        {
            "y": y.astype(int),
            "good": p,
            "noisy": np.clip(p + rng.normal(0, 0.3, len(p)), 0, 1),
            "w": w,
            "g": rng.choice(["u", "v"], len(p)),
        }
    )
    return frame, write_table(frame, tmp_path / "scored.csv")


def test_all_losses_on_binary_data_include_roc_auc(run: Any, tmp_path: Path) -> None:
    frame, path = scored(tmp_path)
    options = ["-l", "y", "-p", "good", "-w", "w", "-g", "g", "-m", "all", "-f", "json"]
    result = run("evaluate", str(path), *options)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    for row in rows:
        mine = frame if row["group"] is None else frame[frame.g == row["group"]["g"]]
        want = roc_auc_score(mine.y, mine.good, sample_weight=mine.w)
        assert row["metrics"]["roc_auc"] == pytest.approx(want, rel=1e-9)


def test_all_losses_on_multiclass_data_include_roc_auc(run: Any, tmp_path: Path) -> None:
    y, p, _ = multiclass(300, seed=23)
    names = ["cat", "dog", "fox"]
    frame = pd.DataFrame({"label": [names[int(k)] for k in y]})
    for k, name in enumerate(names):
        frame[f"p_{name}"] = p[:, k]
    path = write_table(frame, tmp_path / "animals.csv")
    options = ["-l", "label", "--probs", "p_cat,p_dog,p_fox", "-m", "all", "-f", "json"]
    result = run("evaluate", str(path), *options)
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    want = roc_auc_score(y, p, multi_class="ovr", average="macro")
    assert row["metrics"]["roc_auc"] == pytest.approx(want, rel=1e-9)


def test_multiclass_roc_auc_has_no_interval_and_says_why(run: Any, tmp_path: Path) -> None:
    """Binary ROC-AUC has DeLong's interval (tests/test_delong.py); the one-vs-rest mean of
    multi-class data has none, and the JSON and the table's note say why."""
    y, p, _ = multiclass(300, seed=23)
    frame = pd.DataFrame({"label": [str(int(k)) for k in y]})
    for k in range(CLASSES):
        frame[f"p_{k}"] = p[:, k]
    path = write_table(frame, tmp_path / "classes.csv")
    args = [
        "evaluate",
        str(path),
        "-l",
        "label",
        "--probs",
        "p_0,p_1,p_2",
        "-m",
        "auc,cross_entropy",
    ]
    document = json.loads(run(*args, "--ci", "-f", "json").stdout)
    (row,) = document["rows"]
    why = delong.MULTICLASS
    assert row["intervals"]["roc_auc"] == {"low": None, "high": None, "se": None, "why": why}
    assert row["intervals"]["cross_entropy"]["low"] is not None
    table = run(*args, "--ci", "-f", "table").stdout
    assert "[—]¹" in table
    assert f"¹ roc_auc: {why[:40]}" in table


def test_compare_includes_binary_roc_auc(run: Any, tmp_path: Path) -> None:
    _, path = scored(tmp_path)
    result = run(
        "evaluate", str(path), "-l", "y", "-p", "good", "-p", "noisy", "-m", "roc_auc,mse",
        "--compare", "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert {c["loss"] for c in document["comparisons"]} == {"mse", "roc_auc"}
    assert all(row["metrics"]["roc_auc"] is not None for row in document["rows"])
