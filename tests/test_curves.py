"""--curves: the ROC and precision-recall curves read from ROC-AUC's rank tables equal
scikit-learn's roc_curve and precision_recall_curve (weighted, one-vs-rest) on the whole
data, per group, whatever the chunking and threads; thinned for drawing, they keep their
end points, and the AUC and average precision come from every point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_table
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_curve

from losscli import evaluate
from losscli.engine import ranks
from losscli.reading import csv_source, parquet_source, source
from losscli.result import EvaluationResult
from losscli.result.curves import DRAWN, Curve, thinned


def binary(seed: int, n: int = 2000, decimals: int | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 3, n)
    return pd.DataFrame(
        {
            "y": (rng.uniform(size=n) < p).astype(int),
            "p": p if decimals is None else np.round(p, decimals),
            "q": np.round(np.clip(p + rng.normal(0, 0.2, n), 0, 1), 2),  # many ties
            "w": rng.uniform(0.2, 2.0, n),
            "g": rng.choice(["a", "b", "c"], n),
        }
    )


def multiclass(seed: int, n: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    logits = np.round(rng.normal(0, 1.5, (n, 3)), 1)  # rounded: tied scores
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    frame = pd.DataFrame({"label": rng.choice(["x", "y", "z"], n), "w": rng.uniform(0.5, 2, n)})
    for k, name in enumerate("xyz"):
        frame[f"p_{name}"] = probs[:, k]
    return frame


def rows(result: EvaluationResult) -> dict[tuple[str, str | None], int]:
    frame = result.frame
    return {
        (frame.pred[i], None if frame.overall[i] else frame.keys["g"][i]): i
        for i in range(len(frame))
    }


def assert_equals_sklearn(curve: Curve, y: np.ndarray, score: np.ndarray, w: np.ndarray) -> None:
    fpr, tpr, thresholds = roc_curve(y, score, sample_weight=w, drop_intermediate=False)
    mine = curve.roc()
    np.testing.assert_array_equal(mine[2], thresholds)
    np.testing.assert_allclose(mine[0], fpr, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(mine[1], tpr, rtol=1e-12, atol=1e-15)
    precision, recall, thresholds = precision_recall_curve(
        y, score, sample_weight=w, drop_intermediate=False
    )
    mine = curve.precision_recall()
    np.testing.assert_array_equal(mine[2], thresholds)
    np.testing.assert_allclose(mine[0], precision, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(mine[1], recall, rtol=1e-12, atol=1e-15)
    ap = average_precision_score(y, score, sample_weight=w)
    assert curve.average_precision == pytest.approx(ap, rel=1e-12, abs=1e-15)


def test_weighted_curves_equal_sklearns_per_group_and_overall() -> None:
    frame = binary(1)
    result = evaluate(
        frame, label="y", pred=["p", "q"], weight="w", group_by="g", losses="mse", curves=True
    )
    assert result.frame.curves is not None
    at = rows(result)
    for model in ("p", "q"):
        for group in ["a", "b", "c", None]:
            part = frame if group is None else frame[frame.g == group]
            (curve,) = result.frame.curves.curves(at[(model, group)])
            assert_equals_sklearn(curve, part.y.to_numpy(), part[model].to_numpy(), part.w)


def test_one_vs_rest_curves_equal_sklearns_for_every_class() -> None:
    frame = multiclass(2)
    result = evaluate(frame, label="label", probs="p_*", weight="w", curves=True)
    assert result.frame.curves is not None
    curves = result.frame.curves.curves(len(result.frame) - 1)
    assert [c.label for c in curves] == ["p_x", "p_y", "p_z"]
    for k, curve in zip("xyz", curves, strict=True):
        y = (frame.label == k).to_numpy().astype(int)
        assert_equals_sklearn(curve, y, frame[f"p_{k}"].to_numpy(), frame.w.to_numpy())


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize(("chunk", "threads"), [(7, 1), (97, 2), (1000, 4)])
def test_curves_do_not_depend_on_chunking_or_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, chunk: int, threads: int
) -> None:
    frame = binary(3, 1500)
    path = write_table(frame, tmp_path / f"data.{fmt}")
    kwargs = {"label": "y", "pred": "q", "weight": "w", "group_by": "g", "curves": True}
    whole = evaluate(frame, **kwargs)
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", chunk)
    monkeypatch.setattr(source, "TABLE_BATCH_ROWS", chunk)
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 200 + chunk * 10)
    chunked = evaluate(str(path), threads=threads, **kwargs)
    assert whole.frame.curves is not None and chunked.frame.curves is not None
    for i in range(len(whole.frame)):
        (a,) = whole.frame.curves.curves(i)
        (b,) = chunked.frame.curves.curves(i)
        np.testing.assert_array_equal(b.threshold, a.threshold)
        np.testing.assert_allclose(b.tps, a.tps, rtol=1e-12)
        np.testing.assert_allclose(b.fps, a.fps, rtol=1e-12)
        group = chunked.frame.group(i)
        part = frame if group is None else frame[frame.g == group["g"]]
        assert_equals_sklearn(b, part.y.to_numpy(), part.q.to_numpy(), part.w.to_numpy())


def test_the_area_under_the_drawn_roc_equals_roc_auc_when_not_thinned() -> None:
    frame = binary(4, decimals=2)  # at most 101 distinct scores: nothing to thin
    result = evaluate(frame, label="y", pred="p", weight="w", group_by="g", losses="roc_auc")
    curves = evaluate(
        frame, label="y", pred="p", weight="w", group_by="g", losses="roc_auc", curves=True
    ).frame.curves
    assert curves is not None
    for i in range(len(result.frame)):
        (curve,) = curves.curves(i)
        assert len(curve.threshold) + 1 <= DRAWN
        fpr, tpr = curve.thinned_roc()
        area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2)
        assert area == pytest.approx(result.frame.losses["roc_auc"].values[i], abs=1e-12)


def test_a_thinned_curve_keeps_its_end_points_and_its_auc_from_every_point() -> None:
    frame = binary(5, n=20_000)  # 20,000 distinct scores
    result = evaluate(frame, label="y", pred="p", losses="roc_auc", curves=True)
    assert result.frame.curves is not None
    (curve,) = result.frame.curves.curves(0)
    fpr, tpr = curve.thinned_roc()
    assert len(fpr) <= DRAWN and len(curve.threshold) > 10 * DRAWN
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert curve.auc == pytest.approx(result.frame.losses["roc_auc"].values[0], abs=1e-12)
    recall, precision = curve.thinned_precision_recall()
    full_precision, full_recall, _ = curve.precision_recall()
    assert len(recall) <= DRAWN
    assert (recall[0], precision[0]) == (full_recall[0], full_precision[0])
    assert (recall[-1], precision[-1]) == (0.0, 1.0)
    record = result.to_dict()["curves"][0]["curves"][0]
    assert record["roc_auc"] == curve.auc and record["thresholds"] == len(curve.threshold)
    assert len(record["roc"]["fpr"]) == len(fpr) <= DRAWN


def test_thinning_leaves_out_only_points_on_a_straight_line_first() -> None:
    x = np.array([0.0, 0.1, 0.2, 0.3, 0.3, 0.3, 1.0])
    y = np.array([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0])
    assert thinned(x, y).tolist() == [0, 3, 5, 6]
    many = np.sort(np.random.default_rng(6).uniform(size=1000))
    kept = thinned(many, np.sqrt(many), 50)
    assert len(kept) <= 50 and kept[0] == 0 and kept[-1] == 999


def test_curves_are_in_json_only_when_asked_and_only_for_classifiers() -> None:
    frame = binary(7, 300)
    frame["r"] = frame.p * 3
    plain = evaluate(frame, label="y", pred="p", losses="mse,roc_auc").to_dict()
    assert "curves" not in plain
    asked = evaluate(frame, label="y", pred="p", group_by="g", curves=True).to_dict()
    assert [(r["pred"], r["group"]) for r in asked["curves"]] == [
        ("p", {"g": "a"}),
        ("p", {"g": "b"}),
        ("p", {"g": "c"}),
        ("p", None),
    ]
    assert "roc_auc" not in asked["rows"][0]["metrics"]  # the curves' tables: no column
    regression = evaluate(frame.assign(y=frame.p * 2), label="y", pred="r", curves=True)
    assert regression.frame.curves is not None and regression.frame.curves.curves(0) == []
    assert regression.to_dict()["curves"] == []


def test_curves_read_roc_aucs_own_tables_where_it_is_a_loss() -> None:
    frame = binary(8, 500)
    own = evaluate(frame, label="y", pred="q", losses="roc_auc", curves=None)
    kept = evaluate(frame, label="y", pred="q", losses="mse", curves=True)
    assert evaluate(frame, label="y", pred="q", losses="mse", curves=None).frame.curves is None
    assert own.frame.curves is not None and kept.frame.curves is not None
    (a,), (b,) = own.frame.curves.curves(0), kept.frame.curves.curves(0)
    np.testing.assert_array_equal(a.tps, b.tps)
    assert a.auc == pytest.approx(own.frame.losses["roc_auc"].values[0], abs=1e-12)


def test_curves_beyond_the_memory_budget_come_from_score_bins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = binary(9, 3000)
    monkeypatch.setattr(ranks, "BUDGET", 500)
    result = evaluate(frame, label="y", pred="p", losses="roc_auc", curves=True)
    assert result.frame.curves is not None
    (curve,) = result.frame.curves.curves(0)
    assert curve.bits == ranks.FINEST_BITS - ranks.STEP_BITS * 3  # 2^8 bins fit 500 entries
    assert len(curve.threshold) <= 2**curve.bits
    binned = np.floor(frame.p.to_numpy() * 2**curve.bits) / 2**curve.bits
    assert_equals_sklearn(curve, frame.y.to_numpy(), binned, np.ones(len(frame)))
    assert curve.auc == pytest.approx(result.frame.losses["roc_auc"].values[0], abs=1e-12)
    assert result.to_dict()["curves"][0]["curves"][0]["score_bins"] == 2**curve.bits


def test_sorted_and_cut_rows_keep_their_own_curves() -> None:
    frame = binary(10, 900)
    result = evaluate(
        frame, label="y", pred=["p", "q"], group_by="g", losses="roc_auc", curves=True
    )
    ranked = result.ranked("roc_auc", 2)
    document = ranked.to_dict()
    assert len(document["curves"]) == len(document["rows"]) == 2 * 3
    for row, record in zip(document["rows"], document["curves"], strict=True):
        assert (record["pred"], record["group"]) == (row["pred"], row["group"])
        auc = record["curves"][0]["roc_auc"]
        assert auc == pytest.approx(row["metrics"]["roc_auc"], abs=1e-12)
