"""--confusion: the weighted confusion matrix per file, model and group equals scikit-learn's
``confusion_matrix(labels=…, sample_weight=w, normalize=…)`` on each group's rows, whatever
the chunking, threads and files; --threshold is the binary matrix's and precision's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import write_table
from scipy.special import expit, softmax
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score

from losscli import evaluate
from losscli.engine.budget import OverBudget
from losscli.errors import UsageError
from losscli.reading import csv_source, parquet_source, source

REL = 1e-12
CLASSES = ("cat", "dog", "fox", "owl")


def animals(seed: int, n: int = 2000) -> pd.DataFrame:
    """Four classes, two models of probabilities and one of logits, weights, two group
    columns; some rows tie between classes (the first predicted, as argmax)."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 4, n)
    z = rng.normal(0, 1.5, (n, 4)) + 1.2 * np.eye(4)[label]
    p = softmax(z, axis=1)
    q = softmax(z * 0.5 + rng.normal(0, 1, (n, 4)), axis=1)
    q[::13] = 0.25  # ties everywhere: class 0 predicted
    q[5::13, :2] = 0.4  # a tie of the first two
    q[5::13, 2:] = 0.1
    frame = pd.DataFrame({"species": np.array(CLASSES)[label]})
    for k, name in enumerate(CLASSES):
        frame[f"p_{name}"] = p[:, k]
        frame[f"q_{name}"] = q[:, k]
        frame[f"z_{name}"] = z[:, k]
    frame["w"] = rng.uniform(0, 3, n)
    frame["site"] = rng.choice(["forest", "meadow", "village"], n)
    frame["year"] = rng.choice([2024, 2025], n)
    return frame


def churn(seed: int, n: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.normal(0, 1.5, n)
    y = (rng.uniform(size=n) < expit(score + rng.normal(0, 1, n))).astype(int)
    return pd.DataFrame(
        {
            "churned": y,
            "p": np.round(expit(score), 2),  # rounded: rows exactly at a threshold
            "score": score,
            "w": rng.uniform(0, 2, n),
            "plan": rng.choice(["basic", "plus"], n),
        }
    )


def groups_of(frame: pd.DataFrame, by: list[str]) -> list[tuple[dict[str, Any] | None, Any]]:
    """(group, its rows) per group in key order, then (None, every row)."""
    out: list[tuple[dict[str, Any] | None, Any]] = []
    for key, rows in frame.groupby(by, sort=True) if by else []:
        values = key if isinstance(key, tuple) else (key,)
        out.append((dict(zip(by, values, strict=True)), rows))
    return [*out, (None, frame)]


def same_group(found: dict[str, Any] | None, want: dict[str, Any] | None) -> bool:
    if found is None or want is None:
        return found is want
    return {k: str(v) for k, v in found.items()} == {k: str(v) for k, v in want.items()}


def assert_matrices(result: Any, frame: pd.DataFrame, by: list[str], want: Any) -> None:
    """Each row's matrix equals ``want(rows)`` of its group's rows (per model)."""
    matrices = result.confusion
    assert matrices
    for matrix in matrices:
        matching = [rows for g, rows in groups_of(frame, by) if same_group(matrix.group, g)]
        assert len(matching) == 1, matrix.group
        expected = want(matching[0], matrix.pred, matrix.normalize)
        np.testing.assert_allclose(matrix.matrix, expected, rtol=REL, atol=1e-300)


def reference(probs: str, weighted: bool) -> Any:
    """scikit-learn's matrix of a multi-class model whose columns start with ``probs``."""

    def want(rows: pd.DataFrame, pred: str, normalize: str | None) -> np.ndarray:
        columns = [f"{probs}{c}" for c in CLASSES]
        predicted = rows[columns].to_numpy().argmax(axis=1)
        true = rows.species.map({c: k for k, c in enumerate(CLASSES)}).to_numpy()
        weight = rows.w.to_numpy() if weighted else None
        return confusion_matrix(
            true, predicted, labels=range(4), sample_weight=weight, normalize=normalize
        )

    return want


@pytest.mark.parametrize("normalize", [None, "true", "pred", "all"])
@pytest.mark.parametrize("weighted", [True, False])
def test_the_matrix_equals_sklearns_confusion_matrix_per_group(
    normalize: str | None, weighted: bool
) -> None:
    frame = animals(1)
    result = evaluate(
        frame,
        label="species",
        probs="q_*",
        weight="w" if weighted else None,
        group_by=["site", "year"],
        losses="accuracy",
        confusion=True,
        confusion_normalize=normalize,
    )
    assert len(result.confusion) == 7  # 6 groups and the overall row
    assert result.confusion[0].classes == CLASSES
    assert result.confusion[0].normalize == normalize
    assert_matrices(result, frame, ["site", "year"], reference("q_", weighted))
    overall = result.confusion[-1]
    if normalize is None:  # the diagonal's share is the accuracy
        accuracy = result.frame.losses["accuracy"].values[-1]
        assert np.trace(overall.counts) / overall.counts.sum() == pytest.approx(accuracy, REL)


def test_argmax_ties_predict_the_first_class() -> None:
    """Equal probabilities predict the first of them, as NumPy's and scikit-learn's argmax."""
    frame = pd.DataFrame(
        {
            "label": ["b", "c", "a"],
            "p_a": [0.5, 0.4, 0.2],
            "p_b": [0.5, 0.2, 0.4],
            "p_c": [0.0, 0.4, 0.4],
        }
    )
    result = evaluate(frame, label="label", probs="p_*", losses="accuracy", confusion=True)
    counts = result.confusion[0].counts
    # true b, predicted a (a = b); true c, predicted a (a = c); true a, predicted b (b = c)
    assert counts.tolist() == [[0, 1, 0], [1, 0, 0], [1, 0, 0]]


@pytest.mark.parametrize("threshold", [0.0, 0.2, 0.37, 0.5, 0.61, 1.0])
def test_binary_matrix_and_precision_recall_f1_use_the_threshold(threshold: float) -> None:
    """p > T predicts 1 (rows at T exactly predict 0); precision, recall and F1 predict the
    same way and are named with their threshold, unless it is the default."""
    frame = churn(2)
    result = evaluate(
        frame,
        label="churned",
        pred="p",
        weight="w",
        group_by="plan",
        losses="precision,recall,f1",
        confusion=True,
        threshold=threshold,
    )
    suffix = "" if threshold == 0.5 else f":threshold={threshold:g}"
    assert result.losses == [f"precision{suffix}", f"recall{suffix}", f"f1{suffix}"]
    for i, (group, rows) in enumerate(groups_of(frame, ["plan"])):
        matrix = result.confusion[i]
        assert same_group(matrix.group, group) and matrix.threshold == threshold
        assert matrix.classes == ("0", "1")
        predicted = (rows.p > threshold).astype(int)
        want = confusion_matrix(rows.churned, predicted, labels=[0, 1], sample_weight=rows.w)
        np.testing.assert_allclose(matrix.counts, want, rtol=REL)
        for name, score in (("precision", precision_score), ("recall", recall_score)):
            expected = score(rows.churned, predicted, sample_weight=rows.w, zero_division=np.nan)
            found = result.frame.losses[f"{name}{suffix}"].values[i]
            np.testing.assert_allclose(found, expected, rtol=REL)
        f1 = f1_score(rows.churned, predicted, sample_weight=rows.w, zero_division=np.nan)
        np.testing.assert_allclose(result.frame.losses[f"f1{suffix}"].values[i], f1, rtol=REL)


def test_a_loss_that_names_its_threshold_keeps_it() -> None:
    frame = churn(3)
    result = evaluate(
        frame, label="churned", pred="p", losses="precision:threshold=0.7,recall", threshold=0.3
    )
    assert result.losses == ["precision:threshold=0.7", "recall:threshold=0.3"]
    predicted = frame.p > 0.7
    want = precision_score(frame.churned, predicted)
    assert result.frame.losses["precision:threshold=0.7"].values[-1] == pytest.approx(want, REL)


def test_a_check_judges_the_loss_at_the_threshold() -> None:
    """--check recall>=… with --threshold judges recall at that threshold: a low threshold
    recalls more."""
    frame = churn(4)
    low = evaluate(frame, label="churned", pred="p", checks=["recall>=0.9"], threshold=0.05)
    high = evaluate(frame, label="churned", pred="p", checks=["recall>=0.9"])
    assert not low.failures and high.failures
    assert low.checks[0].loss == "recall:threshold=0.05"


def test_a_check_naming_the_default_threshold_beside_threshold_is_refused() -> None:
    """``--check precision:threshold=0.5…`` with ``--threshold 0.3``: the column precision is
    at 0.3, so judging it would be judging another threshold than the one named: exit 2,
    never a silent verdict at 0.3. A threshold other than the default is its own column."""
    frame = churn(4)
    with pytest.raises(UsageError, match="names the default threshold"):
        evaluate(
            frame, label="churned", pred="p", losses="precision", threshold=0.3,
            checks=["precision:threshold=0.5>=0.6"],
        )  # fmt: skip
    kept = evaluate(
        frame, label="churned", pred="p", losses="precision", threshold=0.3,
        checks=["precision:threshold=0.7>=0"],
    )  # fmt: skip
    assert kept.checks[0].loss == "precision:threshold=0.7"
    assert kept.checks[0].value == pytest.approx(precision_score(frame.churned, frame.p > 0.7))


def test_logits_predict_through_the_sigmoid_and_the_softmax() -> None:
    binary = churn(5)
    result = evaluate(
        binary, label="churned", logits="score", losses="log_loss", confusion=True, threshold=0.3
    )
    predicted = (expit(binary.score) > 0.3).astype(int)
    want = confusion_matrix(binary.churned, predicted, labels=[0, 1])
    np.testing.assert_array_equal(result.confusion[0].counts, want)
    many = animals(6)
    result = evaluate(many, label="species", logits="z_*", weight="w", confusion=True)
    assert_matrices(result, many, [], reference("z_", True))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize(("rows", "threads"), [(7, 1), (97, 2), (1000, 4)])
def test_matrices_do_not_depend_on_chunking_or_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, rows: int, threads: int
) -> None:
    frame = animals(7, 1500)
    path = write_table(frame, tmp_path / f"data.{fmt}")
    options = {"label": "species", "probs": "p_*", "weight": "w", "group_by": "site"}
    whole = evaluate(frame, confusion=True, **options)
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", rows)
    monkeypatch.setattr(source, "TABLE_BATCH_ROWS", rows)
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 200 + rows * 10)
    chunked = evaluate(str(path), threads=threads, confusion=True, **options)
    assert len(chunked.confusion) == len(whole.confusion) == 4
    for mine, theirs in zip(whole.confusion, chunked.confusion, strict=True):
        assert mine.group == theirs.group
        np.testing.assert_allclose(theirs.counts, mine.counts, rtol=REL)
    assert_matrices(chunked, frame, ["site"], reference("p_", True))


def test_several_files_and_models_each_have_their_matrices(tmp_path: Path) -> None:
    frames = [animals(8, 700), animals(9, 500)]
    paths = [write_table(f, tmp_path / f"part{i}.parquet") for i, f in enumerate(frames)]
    result = evaluate(
        [str(p) for p in paths],
        label="species",
        probs=["p_*", "q_*"],
        group_by="site",
        confusion=True,
        confusion_normalize="true",
    )
    assert [(m.file, m.pred) for m in result.confusion[::4]] == [
        (str(paths[0]), "p_*"),
        (str(paths[0]), "q_*"),
        (str(paths[1]), "p_*"),
        (str(paths[1]), "q_*"),
    ]
    for index, frame in enumerate(frames):
        for model, prefix in (("p_*", "p_"), ("q_*", "q_")):
            rows = [m for m in result.confusion if m.file == str(paths[index]) and m.pred == model]
            for matrix, (group, part) in zip(rows, groups_of(frame, ["site"]), strict=True):
                assert same_group(matrix.group, group)
                want = reference(prefix, False)(part, model, "true")
                np.testing.assert_allclose(matrix.matrix, want, rtol=REL)


def test_a_regression_model_has_no_matrix() -> None:
    frame = pd.DataFrame({"y": [1.0, 2.5, 3.0], "p": [1.1, 2.0, 3.3]})
    result = evaluate(frame, label="y", pred="p", confusion=True)
    assert result.confusion == []
    assert "confusion" not in result.to_dict()["rows"][0]


def test_no_matrices_unless_asked() -> None:
    result = evaluate(churn(10, 50), label="churned", pred="p")
    assert result.frame.confusion is None and result.confusion == []


def test_the_matrices_are_charged_to_the_memory_budget(run: Any, tmp_path: Path) -> None:
    """50 classes keep 2,500 sums per group: 400 groups (8 MB) are refused under 1M, naming
    --confusion (the command line exits 4); with room, the run goes on."""
    rng = np.random.default_rng(11)
    n, k = 2000, 50
    frame = pd.DataFrame(rng.dirichlet(np.ones(k), n), columns=[f"p_{j}" for j in range(k)])
    frame["label"] = rng.integers(0, k, n)
    frame["g"] = np.arange(n) // 5
    options = {"label": "label", "probs": "p_*", "group_by": "g", "losses": "accuracy"}
    with pytest.raises(OverBudget) as refused:
        evaluate(frame, confusion=True, max_memory="1M", **options)
    message = str(refused.value)
    assert "the bins of --confusion (2,500 floats per group)" in message
    assert "leave out --confusion" in message
    assert len(evaluate(frame, confusion=True, max_memory="64M", **options).confusion) == 401
    path = write_table(frame, tmp_path / "many.parquet")
    args = ("evaluate", str(path), "-l", "label", "--probs", "p_*", "-g", "g", "--confusion")
    refused = run(*args, "--max-memory", "1M")
    assert refused.exit_code == 4 and "leave out --confusion" in " ".join(refused.stderr.split())
    assert run(*args, "--max-memory", "64M", "-f", "csv").exit_code == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"confusion_normalize": "rows"}, "confusion_normalize is one of true, pred, all"),
        ({"threshold": 1.5}, "the threshold must lie in [0, 1]"),
    ],
)
def test_bad_confusion_settings_are_usage_errors(options: dict[str, Any], message: str) -> None:
    from losscli.errors import UsageError

    with pytest.raises(UsageError, match=message.replace("[", r"\[")):
        evaluate(churn(12, 20), label="churned", pred="p", **options)


def test_drop_na_and_one_hot_labels_give_sklearns_matrix_of_the_rows_kept() -> None:
    """--drop-na leaves a row out of the matrix as out of every loss; one-hot (soft) label
    columns name the true class by their largest entry."""
    frame = animals(13, 600)
    for name in CLASSES:
        frame[f"y_{name}"] = (frame.species == name).astype(float)
    frame.loc[frame.index[::11], "p_dog"] = np.nan
    result = evaluate(
        frame, label="y_*", probs="p_*", weight="w", group_by="site", drop_na=True, confusion=True
    )
    kept = frame.dropna(subset=["p_dog"])
    assert int(result.frame.n[-1]) == len(kept) < len(frame)
    assert_matrices(result, kept, ["site"], reference("p_", True))


def test_threshold_on_a_multiclass_model_says_it_changes_nothing_there() -> None:
    """--threshold with multi-class data: the values are the argmax's, as without it, and a
    notice says the threshold moves binary models only (never a silent no-op)."""
    many = animals(6)
    plain = evaluate(many, label="species", probs="p_*", losses="f1")
    moved = evaluate(many, label="species", probs="p_*", losses="f1", threshold=0.3)
    assert moved.frame.losses["f1:threshold=0.3"].values.tolist() == (
        plain.frame.losses["f1"].values.tolist()
    )
    assert any("moves one-column (binary) models only" in n for n in moved.notices)
    assert not any("--threshold" in n for n in plain.notices)
