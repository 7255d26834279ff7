"""--thresholds: per file, model and group of a binary model, precision, recall, F1,
false-positive rate and predicted-positive share at each threshold (p > t), from the rank
tables, equal to scikit-learn's curves at thresholds between distinct scores; the chosen
threshold per objective; every output; chunks, threads, logits and score bins."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import write_table
from sklearn.metrics import precision_recall_curve, roc_curve

from losscli.api import evaluate
from losscli.engine import ranks
from losscli.reading import csv_source
from losscli.render.json_rows import json_pieces
from losscli.result.thresholds import ThresholdSpec


def scored(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = np.round(rng.uniform(size=n), 3)  # ties: about a thousand distinct scores
    return pd.DataFrame(
        {
            "y": (rng.uniform(size=n) < p).astype(int),
            "p": p,
            "w": rng.uniform(0.0, 3.0, n),
            "g": rng.choice(["a", "b", "c"], n),
        }
    )


def between(scores: np.ndarray, count: int = 25, seed: int = 1) -> np.ndarray:
    """``count`` thresholds, each halfway between two neighbouring distinct scores."""
    distinct = np.unique(scores)
    mids = (distinct[1:] + distinct[:-1]) / 2
    return np.sort(np.random.default_rng(seed).choice(mids, count, replace=False))


def sklearn_at(y: np.ndarray, p: np.ndarray, w: np.ndarray, t: float) -> dict[str, float] | None:
    """scikit-learn's curves at the lowest score above t (score ≥ s there is p > t) of a
    row with weight; None where no such row is."""
    precision, recall, cuts = precision_recall_curve(y, p, sample_weight=w)
    fpr, tpr, roc_cuts = roc_curve(y, p, sample_weight=w, drop_intermediate=False)
    if not np.any((p > t) & (w > 0)):
        return None
    s = np.min(p[(p > t) & (w > 0)])
    i, k = int(np.flatnonzero(cuts == s)[0]), int(np.flatnonzero(roc_cuts == s)[0])
    assert tpr[k] == pytest.approx(recall[i], rel=1e-12)
    f1 = 2 * precision[i] * recall[i] / (precision[i] + recall[i])
    return {"precision": precision[i], "recall": recall[i], "f1": f1, "fpr": fpr[k]}


def test_equals_sklearns_curves_between_distinct_scores_weighted_per_group() -> None:
    frame = scored()
    cuts = between(frame.p.to_numpy())
    result = evaluate(
        frame, label="y", pred="p", weight="w", group_by="g", losses="log_loss",
        thresholds=list(cuts),
    )  # fmt: skip
    rows = result.thresholds.rows
    assert [r.group for r in rows] == [{"g": "a"}, {"g": "b"}, {"g": "c"}, None]
    for row in rows:
        mine = frame if row.group is None else frame[frame.g == row.group["g"]]
        y, p, w = mine.y.to_numpy(), mine.p.to_numpy(), mine.w.to_numpy()
        assert [t["threshold"] for t in row.thresholds] == pytest.approx(list(cuts), rel=0)
        checked = 0
        for got in row.thresholds:
            want = sklearn_at(y, p, w, got["threshold"])
            if want is None:
                assert got["precision"] is None and got["predicted_positive"] == 0
                continue
            checked += 1
            for name, value in want.items():
                assert got[name] == pytest.approx(value, rel=1e-9), name
            share = w[p > got["threshold"]].sum() / w.sum()
            assert got["predicted_positive"] == pytest.approx(share, rel=1e-9)
        assert checked > 20


def test_precision_is_null_where_nothing_is_predicted_positive() -> None:
    frame = scored(300)
    result = evaluate(frame, label="y", pred="p", losses="log_loss", thresholds="0.5,1")
    (row,) = result.thresholds.rows
    top = row.thresholds[-1]
    assert top["threshold"] == 1.0
    assert top["precision"] is None
    assert top["recall"] == 0.0 and top["fpr"] == 0.0 and top["predicted_positive"] == 0.0
    assert top["f1"] == 0.0  # 2·TP / (TP + FP + P): defined while there are positives


def brute(frame: pd.DataFrame, t: float, objective: str) -> float:
    """The objective at t, counted row by row."""
    y, p, w = frame.y.to_numpy(), frame.p.to_numpy(), frame.w.to_numpy()
    hit = p > t
    tp, fp = w[hit & (y == 1)].sum(), w[hit & (y == 0)].sum()
    pos, neg = w[y == 1].sum(), w[y == 0].sum()
    if objective == "f1":
        return 2 * tp / (tp + fp + pos)
    if objective == "youden":
        return tp / pos - fp / neg
    return -(1 * fp + 5 * (pos - tp)) / (pos + neg)


@pytest.mark.parametrize("objective", ["f1", "youden", "cost:fp=1,fn=5"])
def test_the_chosen_threshold_maximises_the_objective(objective: str) -> None:
    frame = scored(1500, seed=3)
    cuts = [round(x, 2) for x in np.arange(0.05, 1.0, 0.05)]
    result = evaluate(
        frame, label="y", pred="p", weight="w", losses="log_loss", thresholds=cuts,
        thresholds_objective=objective,
    )  # fmt: skip
    (row,) = result.thresholds.rows
    kind = objective.split(":")[0]
    values = [brute(frame, t, kind) for t in cuts]
    assert row.chosen is not None
    assert row.chosen["threshold"] == cuts[int(np.argmax(values))]
    assert sum(t["chosen"] for t in row.thresholds) == 1
    if kind != "f1":
        shown = [t[kind] for t in row.thresholds]
        sign = 1 if kind == "youden" else -1
        assert shown == pytest.approx([sign * v for v in values], rel=1e-9)


def test_auto_takes_at_most_100_distinct_score_quantiles_for_every_group() -> None:
    frame = scored(5000, seed=4)
    result = evaluate(
        frame, label="y", pred="p", weight="w", group_by="g", losses="log_loss",
        thresholds="auto",
    )  # fmt: skip
    rows = result.thresholds.rows
    cuts = [t["threshold"] for t in rows[-1].thresholds]
    assert 50 < len(cuts) <= 100 and cuts == sorted(set(cuts))
    assert set(cuts) <= set(frame.p)  # each a score
    for row in rows:  # every group judged at the model's thresholds
        assert [t["threshold"] for t in row.thresholds] == cuts
    w, p = frame.w.to_numpy(), frame.p.to_numpy()
    share = [w[p <= t].sum() / w.sum() for t in cuts]  # weighted quantiles at (i + ½)%
    assert share[0] >= 0.005 and share[-1] >= 0.995
    overall = rows[-1].thresholds
    for got in overall[::10]:
        assert got["f1"] == pytest.approx(brute(frame, got["threshold"], "f1"), rel=1e-9)


def test_chunks_and_threads_give_identical_tables(tmp_path: Path, monkeypatch: Any) -> None:
    frame = scored(3000, seed=5)
    paths = [str(write_table(frame, tmp_path / name)) for name in ("a.csv", "b.csv")]
    tables = []
    for block, threads in ((csv_source.BLOCK_BYTES, 1), (1500, 1), (1500, 3)):
        monkeypatch.setattr(csv_source, "BLOCK_BYTES", block)
        result = evaluate(
            paths, label="y", pred="p", weight="w", group_by="g",
            losses="ap", thresholds="auto", threads=threads,
        )  # fmt: skip
        tables.append(result.thresholds.to_pandas())
    assert len(tables[0]) == 2 * 4 * 100
    for other in tables[1:]:
        pd.testing.assert_frame_equal(other, tables[0], rtol=1e-12)


def test_logits_are_judged_at_the_probability_threshold() -> None:
    frame = scored(800, seed=6)
    p = frame.p.clip(0.001, 0.999)
    frame["z"] = np.log(p) - np.log1p(-p)
    frame["p"] = 1 / (1 + np.exp(-frame.z))
    cuts = list(between(frame.p.to_numpy(), 10))
    from_logits = evaluate(
        frame, label="y", logits="z", weight="w", losses="log_loss", thresholds=cuts
    )
    plain = evaluate(frame, label="y", pred="p", weight="w", losses="log_loss", thresholds=cuts)
    (a,), (b,) = from_logits.thresholds.rows, plain.thresholds.rows
    for x, y in zip(a.thresholds, b.thresholds, strict=True):
        assert x["f1"] == pytest.approx(y["f1"], rel=1e-12)
        assert x["fpr"] == pytest.approx(y["fpr"], rel=1e-12)


def test_binned_tables_count_bins_from_their_lower_edge(monkeypatch: Any) -> None:
    """Past the memory budget: at a bin edge t, the bins at or above it are p ≥ t, so the
    values are exact wherever no score sits on the edge; the block says they are bins."""
    rng = np.random.default_rng(7)
    p = rng.uniform(size=4000)
    frame = pd.DataFrame({"y": (rng.uniform(size=4000) < p).astype(int), "p": p})
    monkeypatch.setattr(ranks, "BUDGET", 1000)  # 2^8 bins fit
    edges = [k / 2**8 for k in (13, 64, 128, 200)]
    result = evaluate(frame, label="y", pred="p", losses="log_loss", thresholds=edges)
    (row,) = result.thresholds.rows
    assert row.binned
    for got in row.thresholds:
        assert got["f1"] == pytest.approx(brute(frame.assign(w=1.0), got["threshold"], "f1"))


def test_a_regression_model_has_none_and_multiclass_is_a_usage_error(
    run: Any, tmp_path: Path
) -> None:
    frame = scored(200)
    frame["q"] = 1 - frame.p
    path = write_table(frame, tmp_path / "two.csv")
    args = ["evaluate", str(path), "-l", "y", "--probs", "p,q", "--thresholds", "0.5"]
    result = run(*args)
    assert result.exit_code == 2
    assert "--thresholds: model" in result.stderr and "multi-class" in result.stderr
    regression = evaluate(frame, label="w", pred="p", losses="mse", thresholds="0.5")
    assert regression.thresholds.rows == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--thresholds", "0.2,x"], "is no probability in [0, 1]"),
        (["--thresholds", "1.5"], "is no probability in [0, 1]"),
        (["--thresholds", "0.5", "--thresholds-objective", "cost:fp=-1"], "each a number ≥ 0"),
        (["--thresholds", "0.5", "--thresholds-objective", "accuracy"], "write f1, youden"),
        (["--table", "thresholds", "-f", "csv"], "--table thresholds needs --thresholds"),
        (["--thresholds-objective", "youden"], "chooses among --thresholds"),
    ],
)
def test_bad_threshold_options_are_usage_errors(
    run: Any, tmp_path: Path, args: list[str], message: str
) -> None:
    path = write_table(scored(50), tmp_path / "s.csv")
    result = run("evaluate", str(path), "-l", "y", "-p", "p", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_every_output_carries_them(run: Any, tmp_path: Path) -> None:
    frame = scored(600, seed=8)
    path = write_table(frame, tmp_path / "s.csv")
    base = ["evaluate", str(path), "-l", "y", "-p", "p", "-w", "w", "-g", "g", "-m", "ap"]
    asked = ["--thresholds", "0.2,0.4,0.6"]
    api = evaluate(
        str(path), label="y", pred="p", weight="w", group_by="g", losses="ap",
        thresholds="0.2,0.4,0.6",
    ).thresholds.to_pandas()  # fmt: skip
    assert list(api.columns) == [
        "file", "pred", "scope", "g", "threshold", "precision", "recall", "f1", "fpr",
        "predicted_positive", "chosen",
    ]  # fmt: skip
    assert len(api) == 4 * 3
    csv = pd.read_csv(io.StringIO(run(*base, *asked, "--table", "thresholds", "-f", "csv").stdout))
    pd.testing.assert_frame_equal(csv.drop(columns="g"), api.drop(columns="g"), rtol=1e-15)
    tsv = run(*base, *asked, "--table", "thresholds", "-f", "tsv").stdout
    assert tsv.splitlines()[0].split("\t") == list(api.columns)
    out = tmp_path / "t.parquet"
    assert run(*base, *asked, "--table", "thresholds", "-o", str(out)).exit_code == 0
    parquet = pq.read_table(out).to_pandas()
    assert parquet.threshold.tolist() == api.threshold.tolist()
    assert parquet.chosen.tolist() == api.chosen.tolist()
    document = json.loads(run(*base, *asked, "-f", "json").stdout)
    for row in document["rows"]:
        assert [t["threshold"] for t in row["thresholds"]] == [0.2, 0.4, 0.6]
        assert sum(t["chosen"] for t in row["thresholds"]) == 1
    table = json.loads(run(*base, *asked, "--table", "thresholds", "-f", "json").stdout)
    assert len(table["thresholds"]) == 12
    shown = run(*base, *asked, "-f", "table").stdout
    assert "Thresholds of p: predicted positive where p > t; best f1" in shown
    assert "  overall: t = " in shown
    markdown = run(*base, *asked, "-f", "markdown").stdout
    assert "```text\nThresholds of p:" in markdown
    grid = run(*base, *asked, "-f", "table", "--table", "thresholds").stdout
    assert grid.count("chosen") == 1 + 4  # the header, and one per row


def test_streamed_json_equals_the_document(tmp_path: Path) -> None:
    frame = scored(400, seed=9)
    result = evaluate(
        frame, label="y", pred="p", group_by="g", losses="ap", thresholds="0.3,0.7",
        thresholds_objective="youden",
    )  # fmt: skip
    text = "".join(json_pieces(result, 2))
    expected = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
    assert text == expected + "\n"


def test_a_spec_sorts_and_deduplicates_its_thresholds() -> None:
    spec = ThresholdSpec.of("0.5, 0.1,0.5", "cost:fp=2,fn=3")
    assert spec is not None and spec.values == (0.1, 0.5)
    assert spec.objective.text() == "cost:fp=2,fn=3"
    assert ThresholdSpec.of(None) is None


def test_the_readme_example_is_the_real_output(run: Any, monkeypatch: Any) -> None:
    root = Path(__file__).parent.parent
    monkeypatch.chdir(root)  # the example's paths are the repository's
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Average precision and thresholds", 1)[1]
    example = section.split("```console\n", 1)[1].split("```", 1)[0]
    command, shown = example.split("\n", 1)
    args = command.removeprefix("$ losscli ").split()
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    lines = [line.rstrip() for line in result.stdout.strip("\n").splitlines()]
    assert lines == shown.strip("\n").splitlines()
