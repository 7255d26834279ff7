"""--per-class: a row per class and the averages after every row of a classifier, equal to
scikit-learn's classification_report (with weights, per group, binary and multi-class,
absent classes, zero_division=nan), and the chosen losses defined per class equal to
scikit-learn's one-vs-rest scores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import write_table
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    classification_report,
    roc_auc_score,
)
from test_classifiers import CLASSES, binary_frame, multiclass_frame, probs

from losscli import evaluate
from losscli.engine.per_class import AVERAGE_NONE, NOT_PER_CLASS
from losscli.errors import EnvironmentFailure

REL = 1e-12
REPORT = ("precision", "recall", "f1")
AVERAGE_ROWS = ("accuracy", "macro avg", "weighted avg")


def close(got: float, want: float, where: str = "") -> None:
    """Equal to 1e-12 (relative); NaN equals NaN."""
    if np.isnan(want):
        assert np.isnan(got), where
    else:
        assert got == pytest.approx(want, rel=REL, abs=1e-15), where


def report_of(
    y: np.ndarray, predicted: np.ndarray, names: list[str], w: np.ndarray | None
) -> dict[str, Any]:
    """sklearn's report over every class (absent ones too, as losscli lists them)."""
    return classification_report(
        y,
        predicted,
        labels=list(range(len(names))),
        target_names=names,
        output_dict=True,
        zero_division=np.nan,
        sample_weight=w,
    )


def class_block(table: pd.DataFrame, group: Any = None, column: str = "g") -> pd.DataFrame:
    """The class and average rows of one group (None: the rows over all groups)."""
    if column not in table:
        return table.set_index("class")
    rows = table[table[column].isna()] if group is None else table[table[column] == group]
    return rows.set_index("class")


def assert_report(rows: pd.DataFrame, report: dict[str, Any], names: list[str]) -> None:
    """Class rows and the averages equal to classification_report(output_dict=True)."""
    assert list(rows.index) == [*names, *AVERAGE_ROWS]
    assert list(rows.scope) == ["class"] * len(names) + ["average"] * 3
    for name in [*names, "macro avg", "weighted avg"]:
        for loss, field in zip(REPORT, ("precision", "recall", "f1-score"), strict=True):
            close(rows.loc[name, loss], report[name][field], f"{name} {loss}")
        close(rows.loc[name, "support"], report[name]["support"], f"{name} support")
    for loss in REPORT:  # single-label data: the micro averages are the accuracy
        close(rows.loc["accuracy", loss], report["accuracy"], f"accuracy {loss}")
    close(rows.loc["accuracy", "support"], report["macro avg"]["support"])


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("logits", [False, True])
def test_multiclass_class_rows_equal_sklearns_classification_report(
    seed: int, weighted: bool, logits: bool
) -> None:
    """Per group (sklearn on each group's rows) and over all groups, with and without
    weights, from probabilities and from logits (the predicted class is the same)."""
    df = multiclass_frame(seed)
    columns = {"logits": "z_*"} if logits else {"probs": "p_*"}
    weight = "w" if weighted else None
    result = evaluate(df, label="species", group_by="g", weight=weight, per_class=True, **columns)
    table = result.per_class
    predicted = probs(df).argmax(axis=1)
    for group in [None, "a", "b", "c"]:
        rows = df.index if group is None else df.index[df.g == group]
        w = df.w.to_numpy()[rows] if weighted else None
        report = report_of(df.pos.to_numpy()[rows], predicted[rows], CLASSES, w)
        assert_report(class_block(table, group), report, CLASSES)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("logits", [False, True])
def test_binary_class_rows_are_named_0_and_1_and_equal_sklearns_report(
    seed: int, logits: bool
) -> None:
    """Binary data: two class rows, the negative (0) and the positive class (1), predicted
    positive where p > 0.5 (from logits, z > 0); weighted, per group."""
    df = binary_frame(seed)
    pred = {"logits": "z"} if logits else {"pred": "y_pred"}
    result = evaluate(df, group_by="g", weight="w", per_class=True, **pred)
    table = result.per_class
    predicted = (df.y_pred > 0.5).to_numpy().astype(int)
    for group in [None, "a", "b", "c"]:
        rows = df.index if group is None else df.index[df.g == group]
        report = report_of(
            df.y_true.to_numpy()[rows].astype(int), predicted[rows], ["0", "1"], df.w[rows]
        )
        assert_report(class_block(table, group), report, ["0", "1"])


def test_absent_classes_have_no_values_and_the_averages_leave_them_out() -> None:
    """A class with no true rows in a group (its recall is 0/0) and one never predicted
    (its precision is 0/0) are NaN, as zero_division=nan; a class neither true nor
    predicted has support 0 and no values; the averages skip them as sklearn's."""
    df = multiclass_frame(4, n=300)
    in_a = df.g == "a"
    df.loc[in_a & (df.species == "owl"), "species"] = "cat"  # owl: neither true nor predicted
    df.loc[in_a, "p_owl"] = 0.0
    df.loc[:, "p_fox"] = 0.0  # fox is never predicted
    df.loc[(df.g == "b") & (df.species == "fox"), "species"] = "dog"  # no true fox in b
    p = df[[f"p_{c}" for c in CLASSES]].to_numpy()
    df[[f"p_{c}" for c in CLASSES]] = p / p.sum(axis=1, keepdims=True)
    result = evaluate(df, label="species", probs="p_*", group_by="g", weight="w", per_class=True)
    table = result.per_class
    p = df[[f"p_{c}" for c in CLASSES]].to_numpy()
    assert (p.argmax(axis=1) != CLASSES.index("fox")).all()
    pos = df.species.map({c: k for k, c in enumerate(CLASSES)}).to_numpy()
    for group in [None, "a", "b", "c"]:
        rows = df.index if group is None else df.index[df.g == group]
        report = report_of(pos[rows], p.argmax(axis=1)[rows], CLASSES, df.w[rows])
        assert_report(class_block(table, group), report, CLASSES)
    rows = class_block(table, "a")
    assert rows.loc["owl", "support"] == 0 and np.isnan(rows.loc["owl", "recall"])


@pytest.mark.parametrize("seed", [0, 1])
def test_roc_auc_brier_accuracy_and_ece_per_class_are_one_vs_rest(seed: int) -> None:
    """Class k's roc_auc, brier and accuracy are sklearn's on "the label is k" against
    p_k (accuracy: against "predicted k"), weighted; ECE is the binary ECE of p_k; the
    macro and weighted averages are roc_auc_score(multi_class="ovr")'s."""
    df = multiclass_frame(seed)
    w = df.w.to_numpy()
    losses = "roc_auc,brier,accuracy,ece:bins=10"
    result = evaluate(df, label="species", probs="p_*", weight="w", losses=losses, per_class=True)
    rows = class_block(result.per_class)
    p, predicted = probs(df), probs(df).argmax(axis=1)
    for k, name in enumerate(CLASSES):
        truth = (df.pos == k).to_numpy()
        close(rows.loc[name, "roc_auc"], roc_auc_score(truth, p[:, k], sample_weight=w))
        close(rows.loc[name, "brier"], brier_score_loss(truth, p[:, k], sample_weight=w))
        close(rows.loc[name, "accuracy"], accuracy_score(truth, predicted == k, sample_weight=w))
        close(rows.loc[name, "ece:bins=10"], binary_ece(truth, p[:, k], w, bins=10))
    for average in ("macro", "weighted"):
        want = roc_auc_score(df.pos, p, multi_class="ovr", average=average, sample_weight=w)
        close(rows.loc[f"{average} avg", "roc_auc"], want)
    close(rows.loc["accuracy", "accuracy"], accuracy_score(df.pos, predicted, sample_weight=w))
    assert np.isnan(rows.loc["accuracy", "roc_auc"])


def binary_ece(truth: np.ndarray, p: np.ndarray, w: np.ndarray, bins: int) -> float:
    """Σ_bins |Σw·(y − p)| / Σw over equal-width bins of p (the last also p = 1)."""
    index = np.clip(np.floor(p * bins), 0, bins - 1)
    gaps = [np.sum(w[index == j] * (truth[index == j] - p[index == j])) for j in range(bins)]
    return float(np.sum(np.abs(gaps)) / np.sum(w))


def test_binary_roc_auc_brier_and_accuracy_per_class_are_one_vs_rest() -> None:
    """Binary: class 1 scores p, class 0 scores 1 − p; both are the binary scores."""
    df = binary_frame(2)
    w, y, p = df.w.to_numpy(), df.y_true.to_numpy(), df.y_pred.to_numpy()
    result = evaluate(df, weight="w", losses="roc_auc,brier,accuracy", per_class=True)
    rows = class_block(result.per_class)
    for name, truth, score in (("0", y == 0, 1 - p), ("1", y == 1, p)):
        close(rows.loc[name, "roc_auc"], roc_auc_score(truth, score, sample_weight=w))
        close(rows.loc[name, "brier"], brier_score_loss(truth, score, sample_weight=w))
        close(rows.loc[name, "accuracy"], accuracy_score(truth, score > 0.5, sample_weight=w))


def test_precision_average_none_gives_the_class_rows_of_per_class() -> None:
    """-m precision:average=none is no longer refused: it asks for the class rows, its own
    rows have no value (a note says where its values are), and its class rows are those of
    --per-class's precision."""
    df = multiclass_frame(5)
    options = {"label": "species", "probs": "p_*", "weight": "w", "group_by": "g"}
    none = evaluate(df, losses="precision:average=none,recall", **options)
    report = evaluate(df, losses="precision,recall", per_class=True, **options)
    assert none.losses[:2] == ["precision:average=none", "recall"]
    frame = none.frame
    parent = ~frame.classes.present
    assert np.isnan(frame.losses["precision:average=none"].values[parent]).all()
    assert set(frame.losses["precision:average=none"].notes[parent]) == {AVERAGE_NONE}
    got = frame.losses["precision:average=none"].values[~parent]
    want = report.frame.losses["precision"].values[report.frame.classes.present]
    np.testing.assert_allclose(got, want, rtol=REL)
    assert list(none.frame.classes.name) == list(report.frame.classes.name)


def test_class_rows_follow_their_parent_row_in_label_order() -> None:
    """Every group row and the overall row is followed by its classes (in the class
    columns' order) and the three averages; n is the parent's, its support its weight."""
    df = multiclass_frame(6)
    result = evaluate(df, label="species", probs="p_*", group_by="g", weight="w", per_class=True)
    frame = result.frame
    width = len(CLASSES) + 3
    assert len(frame) == 4 * (1 + width)
    parents = np.flatnonzero(~frame.classes.present)
    assert parents.tolist() == [0, 1 + width, 2 * (1 + width), 3 * (1 + width)]
    assert list(frame.scopes()[: 1 + width]) == ["group"] + ["class"] * 4 + ["average"] * 3
    assert list(frame.classes.name[1 : 1 + width]) == [*CLASSES, *AVERAGE_ROWS]
    assert frame.overall[-width - 1 :].all() and frame.grand.sum() == 1
    for start in parents:
        assert (frame.n[start : start + 1 + width] == frame.n[start]).all()
        group = frame.group(int(start))
        w = df.w if group is None else df.w[df.g == group["g"]]
        close(frame.support[start], float(w.sum()))


def test_a_loss_not_defined_per_class_is_noted_in_one_warning_line() -> None:
    """Cross-entropy has no value per class: its class and average rows are NaN with the
    note "not defined per class", which standard error says once per file and model."""
    df = multiclass_frame(7)
    result = evaluate(df, label="species", probs="p_*", group_by="g", per_class=True)
    column = result.frame.losses["cross_entropy"]
    rows = result.frame.classes.present
    assert np.isnan(column.values[rows]).all() and set(column.notes[rows]) == {NOT_PER_CLASS}
    lines = [line for line in result.warnings if "cross_entropy" in line]
    assert len(lines) == 1 and NOT_PER_CLASS in lines[0]
    counted = f"; on {int(rows.sum())} class and average rows"  # counted, not listed as groups
    assert lines[0].endswith(counted) and "groups" not in lines[0]


def test_a_regression_model_has_no_class_rows() -> None:
    """--per-class on regression data: the rows as without it (precision, recall and F1,
    added for classifiers, do not apply and are left out)."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"y_true": rng.normal(5, 2, 50), "y_pred": rng.normal(5, 2, 50)})
    result = evaluate(df, per_class=True)
    plain = evaluate(df)
    assert result.losses == plain.losses and len(result.frame) == len(plain.frame)
    assert result.per_class.empty


@pytest.mark.parametrize("threads", [1, 3])
def test_class_rows_do_not_depend_on_chunks_or_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    """A file read in chunks of 64 rows by 1 or 3 threads gives the class rows of one
    chunk to 1e-12 (the counts, the rank tables and the bins per class all merge)."""
    from losscli.reading import parquet_source

    df = multiclass_frame(8, n=1_000)
    path = write_table(df, tmp_path / "animals.parquet")
    options = {
        "label": "species",
        "probs": "p_*",
        "group_by": "g",
        "weight": "w",
        "losses": "roc_auc,brier,ece,accuracy",
        "per_class": True,
    }
    whole = evaluate(str(path), threads=1, **options).per_class
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 64)
    chunked = evaluate(str(path), threads=threads, **options).per_class
    pd.testing.assert_frame_equal(whole, chunked, rtol=REL)


def test_per_class_sums_are_charged_to_the_memory_budget() -> None:
    """The sums per class grow with the groups and are charged to --max-memory as the
    diagrams' bins: 3,000 groups × 15 bins × 4 classes of ECE against 256K is refused,
    naming --per-class."""
    df = multiclass_frame(9, n=6_000)
    df["g"] = np.arange(len(df)) // 2
    options = {"label": "species", "probs": "p_*", "group_by": "g", "losses": "ece"}
    with pytest.raises(EnvironmentFailure, match="--per-class"):
        evaluate(df, per_class=True, max_memory="256K", **options)
    assert len(evaluate(df, per_class=True, max_memory="64M", **options).frame) > 6_000


def test_the_command_line_writes_the_class_rows_in_json(run: Any, tmp_path: Path) -> None:
    """losscli evaluate --per-class -f json: after the model's row, one per class and the
    averages, equal to sklearn's report on sample_data/animals.csv; the config key
    per-class = true does the same."""
    args = ("evaluate", "sample_data/animals.csv", "-l", "species", "--probs", "p_*")
    done = run(*args, "--per-class", "-f", "json", "-m", "accuracy")
    assert done.exit_code == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    df = pd.read_csv("sample_data/animals.csv")
    names = ["cat", "dog", "fox"]
    p = df[[f"p_{c}" for c in names]].to_numpy()
    pos = df.species.map({c: k for k, c in enumerate(names)}).to_numpy()
    report = report_of(pos, p.argmax(axis=1), names, None)
    assert len(rows) == 1 + len(names) + 3
    for row, name in zip(rows[1:], [*names, *AVERAGE_ROWS], strict=True):
        want = report[name] if name != "accuracy" else dict.fromkeys(REPORT, report[name])
        close(row["metrics"]["precision"], want["precision"], name)
        close(row["metrics"]["f1"], want["f1-score" if name != "accuracy" else "f1"], name)
    config = tmp_path / "losscli.toml"
    config.write_text("per-class = true\n")
    again = run(*args, "--config", str(config), "-f", "json", "-m", "accuracy")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["rows"] == rows


def test_a_chosen_threshold_moves_that_losss_class_rows() -> None:
    """precision:threshold=0.3 on binary data: its class rows are sklearn's report at
    p > 0.3; the added recall and F1 keep 0.5."""
    df = binary_frame(3)
    result = evaluate(df, weight="w", losses="precision:threshold=0.3", per_class=True)
    rows = class_block(result.per_class)
    y = df.y_true.to_numpy().astype(int)
    for threshold, loss in ((0.3, "precision:threshold=0.3"), (0.5, "recall")):
        predicted = (df.y_pred > threshold).to_numpy().astype(int)
        report = report_of(y, predicted, ["0", "1"], df.w)
        for name in ("0", "1", "macro avg", "weighted avg"):
            close(rows.loc[name, loss], report[name][loss.split(":")[0]], f"{name} {loss}")


@pytest.mark.parametrize("weighted", [False, True])
def test_average_precision_per_class_is_one_vs_rest_binary_and_multiclass(weighted: bool) -> None:
    """average_precision on class rows: each class's against the rest, as scikit-learn's
    average_precision_score gives it; a binary model's class 0 scores 1 − p (its table read
    from the other end), class 1 scores p."""
    rng = np.random.default_rng(11)
    n = 300
    y = rng.integers(0, 2, n)
    p = np.clip(rng.random(n) * 0.6 + y * 0.3, 0, 1).round(2)  # ties across both classes
    w = rng.random(n) + 0.2 if weighted else np.ones(n)
    two = pd.DataFrame({"y": y, "p": p, "w": w})
    got = evaluate(two, label="y", pred="p", weight="w", losses="ap", per_class=True).per_class
    want = [
        average_precision_score(1 - y, 1 - p, sample_weight=w),
        average_precision_score(y, p, sample_weight=w),
    ]
    np.testing.assert_allclose(got["average_precision"][:2], want, rtol=REL)
    labels = rng.integers(0, 3, n)
    scores = rng.dirichlet(np.ones(3), n)
    many = pd.DataFrame({"y": labels, "w": w, **{f"p_{k}": scores[:, k] for k in range(3)}})
    got = evaluate(many, label="y", probs="p_*", weight="w", losses="ap", per_class=True).per_class
    want = [average_precision_score(labels == k, scores[:, k], sample_weight=w) for k in range(3)]
    np.testing.assert_allclose(got["average_precision"][:3], want, rtol=REL)


def test_class_rows_under_ci_say_they_have_no_interval_not_too_few_rows() -> None:
    """--ci with --per-class: the model's own rows have intervals; class and average rows
    have none and say so, in the typed rows and in JSON alike (never "too few rows")."""
    df = multiclass_frame(9)
    result = evaluate(df, label="species", probs="p_*", per_class=True, losses="brier", ci=0.95)
    frame = result.frame
    rows = frame.classes.present
    column = frame.losses["brier"]
    assert not np.isnan(column.bound("low")[~rows]).any()
    valued = rows & ~np.isnan(column.values)  # (the accuracy row has no Brier value)
    assert set(column.interval_why()[valued]) == {"no interval on class and average rows"}
    first = int(np.flatnonzero(valued)[0])
    interval = frame.row(first).intervals["brier"]
    assert interval.why == "no interval on class and average rows"


def test_classifier_options_on_a_run_without_a_classifier_say_nothing_was_added() -> None:
    """--per-class, --confusion and --thresholds on regression models add nothing: a notice
    says so (they were silently ignored); beside a classifier, none."""
    rng = np.random.default_rng(2)
    y = rng.normal(10, 1, 50)
    regression = pd.DataFrame({"y": y, "p": y + rng.normal(0, 1, 50)})
    found = evaluate(
        regression, label="y", pred="p", per_class=True, confusion=True, thresholds="auto"
    )
    assert (
        "--per-class and --confusion and --thresholds: no model of this run is a classifier, "
        "so nothing was added"
    ) in found.notices
    labels = rng.integers(0, 2, 50)
    binary = pd.DataFrame({"y": labels, "p": np.clip(labels * 0.4 + rng.uniform(0, 0.6, 50), 0, 1)})
    quiet = evaluate(binary, label="y", pred="p", per_class=True)
    assert not any("no model of this run is a classifier" in n for n in quiet.notices)
