"""Cross-entropy, accuracy and Brier score: scikit-learn as the oracle, every label form, errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_table
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss

from losscli import evaluate
from losscli.errors import InputError, UsageError
from losscli.losses.softmax import row_extreme, row_sum

CLASSES = ["cat", "dog", "fox", "owl"]


def overall(result, loss: str) -> float:
    return result.rows[-1].metrics[loss]


def binary_frame(seed: int, n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, n)
    p[:3] = [0.0, 1.0, 0.5]  # clipping and the threshold
    return pd.DataFrame(
        {"y_true": (rng.random(n) < p).astype(float), "y_pred": p, "w": rng.uniform(0, 3, n)}
    )


def multiclass_frame(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, (n, len(CLASSES)))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = rng.integers(0, len(CLASSES), n)
    frame = pd.DataFrame(
        {
            "species": np.array(CLASSES)[labels],
            "pos": labels,
            "w": rng.uniform(0, 2, n),
            "site": rng.choice(["a", "b", "c"], n),
        }
    )
    for k, name in enumerate(CLASSES):
        frame[f"p_{name}"] = probs[:, k]
        frame[f"z_{name}"] = logits[:, k]
        frame[f"y_{name}"] = (labels == k).astype(float)
    return frame


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_agrees_with_sklearn(seed: int, weighted: bool) -> None:
    df = binary_frame(seed)
    w = df.w if weighted else None
    result = evaluate(df, weight="w" if weighted else None, losses="cross_entropy,accuracy,mse")
    assert overall(result, "cross_entropy") == pytest.approx(
        log_loss(df.y_true, df.y_pred, sample_weight=w), rel=1e-9
    )
    assert overall(result, "accuracy") == pytest.approx(
        accuracy_score(df.y_true, df.y_pred > 0.5, sample_weight=w), rel=1e-12
    )
    assert overall(result, "mse") == pytest.approx(
        brier_score_loss(df.y_true, df.y_pred, sample_weight=w), rel=1e-9
    )


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_agrees_with_sklearn(seed: int, weighted: bool) -> None:
    df = multiclass_frame(seed)
    probs = df[[f"p_{c}" for c in CLASSES]].to_numpy()
    w = df.w if weighted else None
    result = evaluate(
        df, label="species", probs="p_*", weight="w" if weighted else None, losses="ce,acc,mse"
    )
    assert overall(result, "cross_entropy") == pytest.approx(
        log_loss(df.pos, probs, labels=range(4), sample_weight=w), rel=1e-9
    )
    assert overall(result, "accuracy") == pytest.approx(
        accuracy_score(df.pos, probs.argmax(axis=1), sample_weight=w), rel=1e-12
    )
    onehot = np.eye(4)[df.pos]
    expected_mse = np.average(((probs - onehot) ** 2).mean(axis=1), weights=w)
    assert overall(result, "mse") == pytest.approx(expected_mse, rel=1e-9)


def test_a_wrong_clip_would_be_caught() -> None:
    df = pd.DataFrame({"y_true": [1.0, 0.0], "y_pred": [0.0, 1.0]})
    eps = np.finfo(float).eps
    assert overall(evaluate(df, losses="ce"), "cross_entropy") == pytest.approx(-math.log(eps))
    assert overall(evaluate(df, losses="ce", eps=1e-7), "cross_entropy") == pytest.approx(
        -math.log(1e-7), rel=1e-6
    )


def test_binary_logits_agree_with_probabilities_and_survive_extremes() -> None:
    rng = np.random.default_rng(5)
    z = rng.normal(0, 3, 300)
    y = (rng.random(300) < 0.5).astype(float)
    from_logits = evaluate(
        pd.DataFrame({"y_true": y, "y_pred": z}), losses="ce,acc,mse", from_logits=True
    )
    from_probs = evaluate(
        pd.DataFrame({"y_true": y, "y_pred": 1 / (1 + np.exp(-z))}), losses="ce,acc,mse"
    )
    for loss in ("cross_entropy", "accuracy", "mse"):
        assert overall(from_logits, loss) == pytest.approx(overall(from_probs, loss), rel=1e-9)
    extreme = pd.DataFrame({"y_true": [1.0, 0.0, 1.0, 0.0], "y_pred": [1000.0, -1000, -1000, 1000]})
    result = evaluate(extreme, losses="ce,acc", from_logits=True)
    assert overall(result, "cross_entropy") == pytest.approx((0 + 0 + 1000 + 1000) / 4)
    assert overall(result, "accuracy") == 0.5


def test_multiclass_logits_agree_with_softmax_and_survive_extremes() -> None:
    df = multiclass_frame(3)
    logits = df[[f"z_{c}" for c in CLASSES]].to_numpy()
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    result = evaluate(df, label="species", probs="z_*", from_logits=True, losses="ce,acc")
    assert overall(result, "cross_entropy") == pytest.approx(
        log_loss(df.pos, softmax, labels=range(4)), rel=1e-9
    )
    extreme = pd.DataFrame({"label": ["a", "b"], "s_a": [1000.0, 1000.0], "s_b": [-1000.0, 0.0]})
    result = evaluate(extreme, probs="s_*", from_logits=True, losses="ce")
    assert overall(result, "cross_entropy") == pytest.approx((0 + 1000) / 2)


def test_article_golden_value_through_the_cli(run, tmp_path: Path) -> None:
    path = write_table(
        pd.DataFrame(
            {
                "y_0": [0],
                "y_1": [1],
                "y_2": [0],
                "y_3": [0],
                "p_0": [0.1],
                "p_1": [0.3],
                "p_2": [0.4],
                "p_3": [0.2],
            }
        ),
        tmp_path / "onehot.csv",
    )
    result = run("evaluate", str(path), "-l", "y_*", "--probs", "p_*", "-f", "json")
    (row,) = json.loads(result.stdout)["rows"]
    assert row["pred"] == "p_*"
    assert row["metrics"]["cross_entropy"] == pytest.approx(-math.log(0.3), rel=1e-12)
    assert round(row["metrics"]["cross_entropy"], 4) == 1.2040
    listed = run(
        "evaluate",
        str(path),
        "-l",
        "y_0,y_1,y_2,y_3",
        "--probs",
        "p_0,p_1,p_2,p_3",
        "-m",
        "ce",
        "-f",
        "csv",
    )
    where, value = listed.stdout.splitlines()[1].rsplit(",", 1)
    assert where == f'{path},"p_0,p_1,p_2,p_3",overall,1'
    assert float(value) == pytest.approx(-math.log(0.3), rel=1e-15)  # libm may differ by an ulp


@pytest.mark.parametrize(
    "label_column",
    [
        "species",  # the part after the shared prefix
        "pos",  # 0-based positions
        "full",
    ],  # full column names
)
def test_every_class_label_form_gives_the_same_value(run, tmp_path: Path, label_column) -> None:
    df = multiclass_frame(7)
    df["full"] = "p_" + df.species
    path = write_table(df, tmp_path / "mc.parquet")
    doc = json.loads(
        run(
            "evaluate", str(path), "-l", label_column, "--probs", "p_*", "-m", "ce", "-f", "json"
        ).stdout
    )
    probs = df[[f"p_{c}" for c in CLASSES]].to_numpy()
    assert doc["rows"][0]["metrics"]["cross_entropy"] == pytest.approx(
        log_loss(df.pos, probs, labels=range(4)), rel=1e-9
    )


def test_positions_when_names_do_not_match(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"label": [0, 2, 1], "cat": [0.8, 0.1, 0.2], "dog": [0.1, 0.1, 0.7], "fox": [0.1, 0.8, 0.1]}
    )
    result = evaluate(df, probs="cat,dog,fox", losses="acc")
    assert overall(result, "accuracy") == 1.0


def test_one_hot_labels_from_a_glob_and_soft_labels() -> None:
    df = multiclass_frame(11)
    result = evaluate(df, label="y_*", probs="p_*", losses="ce")
    probs = df[[f"p_{c}" for c in CLASSES]].to_numpy()
    assert overall(result, "cross_entropy") == pytest.approx(
        log_loss(df.pos, probs, labels=range(4)), rel=1e-9
    )
    soft = pd.DataFrame({"y_a": [0.25], "y_b": [0.75], "p_a": [0.5], "p_b": [0.5]})
    assert overall(
        evaluate(soft, label="y_*", probs="p_*", losses="ce"), "cross_entropy"
    ) == pytest.approx(math.log(2))


def test_true_false_labels_in_csv(run, tmp_path: Path) -> None:
    path = tmp_path / "churn.csv"
    path.write_text("churned,p\ntrue,0.9\nfalse,0.2\nTrue,0.6\nfalse,0.7\n")
    doc = json.loads(run("evaluate", str(path), "-l", "churned", "-p", "p", "-f", "json").stdout)
    metrics = doc["rows"][0]["metrics"]
    assert list(metrics) == ["mse", "cross_entropy"]  # the defaults that apply to binary data
    assert metrics["cross_entropy"] == pytest.approx(
        log_loss([1, 0, 1, 0], [0.9, 0.2, 0.6, 0.7]), rel=1e-12
    )


def test_groups_and_weights_on_multiclass(run, tmp_path: Path) -> None:
    df = multiclass_frame(13)
    path = write_table(df, tmp_path / "mc.csv")
    doc = json.loads(
        run(
            "evaluate",
            str(path),
            "-l",
            "species",
            "--probs",
            "p_*",
            "-g",
            "site",
            "-w",
            "w",
            "-m",
            "ce",
            "-f",
            "json",
        ).stdout
    )
    assert [r["group"] for r in doc["rows"]] == [{"site": "a"}, {"site": "b"}, {"site": "c"}, None]
    for row in doc["rows"][:-1]:
        part = df[df.site == row["group"]["site"]]
        probs = part[[f"p_{c}" for c in CLASSES]].to_numpy()
        assert row["metrics"]["cross_entropy"] == pytest.approx(
            log_loss(part.pos, probs, labels=range(4), sample_weight=part.w), rel=1e-9
        )


def test_defaults_follow_the_task(run, tmp_path: Path) -> None:
    regression = write_table(
        pd.DataFrame({"y_true": [3.0, 5], "y_pred": [2.5, 5]}), tmp_path / "r.csv"
    )
    assert run("evaluate", str(regression), "-f", "csv").stdout.startswith(
        "file,pred,scope,n,mse,mape\n"
    )
    multiclass = write_table(multiclass_frame(1), tmp_path / "m.csv")
    header = run("evaluate", str(multiclass), "-l", "species", "--probs", "p_*", "-f", "csv")
    assert header.stdout.startswith("file,pred,scope,n,mse,cross_entropy\n")


def test_named_cross_entropy_on_regression_data_is_a_dash_with_reason(run, tmp_path) -> None:
    path = write_table(pd.DataFrame({"y_true": [3.0, 5], "y_pred": [2.5, 5]}), tmp_path / "r.csv")
    md = run("evaluate", str(path), "-m", "mse,ce", "-f", "markdown").stdout
    assert "| 2 | 0.12500 | —¹ |" in md
    assert "¹ cross_entropy: not applicable: labels or probabilities outside \\[0, 1\\]" in md


def test_mape_on_multiclass_is_not_applicable(run, tmp_path: Path) -> None:
    path = write_table(multiclass_frame(2), tmp_path / "m.csv")
    doc = json.loads(
        run(
            "evaluate", str(path), "-l", "species", "--probs", "p_*", "-m", "mape,ce", "-f", "json"
        ).stdout
    )
    assert doc["rows"][0]["metrics"]["mape"] is None
    assert "p_*: mape: not applicable to multi-class predictions" in doc["warnings"][0]


def test_rows_not_summing_to_one(run, tmp_path: Path) -> None:
    df = pd.DataFrame({"label": ["a", "b", "a"], "p_a": [0.5, 0.2, 0.6], "p_b": [0.5, 0.7, 0.2]})
    path = write_table(df, tmp_path / "sum.csv")
    result = run("evaluate", str(path), "--probs", "p_*")
    assert result.exit_code == 3
    assert result.stderr == (
        f"losscli: error: {path}: columns 'p_*' have 2 rows whose probabilities do not sum to 1 "
        "(first at data row 2: 0.8999999999999999). Rows must sum to 1 within 0.0001. "
        "If the columns hold logits, name them with --logits (or pass --from-logits); "
        "to divide each row by its sum, pass --renormalize.\n"
    )
    fixed = run("evaluate", str(path), "--probs", "p_*", "--renormalize", "-m", "ce", "-f", "csv")
    expected = -(math.log(0.5) + math.log(0.7 / 0.9) + math.log(0.6 / 0.8)) / 3
    assert float(fixed.stdout.splitlines()[1].split(",")[-1]) == pytest.approx(expected)


def test_probabilities_outside_the_unit_interval(run, tmp_path: Path) -> None:
    df = pd.DataFrame({"label": ["a", "b"], "p_a": [1.5, 0.2], "p_b": [-0.5, 0.8]})
    result = run("evaluate", str(write_table(df, tmp_path / "o.csv")), "--probs", "p_*")
    assert result.exit_code == 3
    assert (
        "columns 'p_*' have 1 row with a probability outside [0, 1] (first at data row 1: -0.5)"
        in result.stderr
    )
    assert "name them with --logits (or pass --from-logits)" in result.stderr


def test_a_label_matching_no_class_column(run, tmp_path: Path) -> None:
    df = pd.DataFrame({"label": ["a", "b", "zebra"], "p_a": [1.0, 0, 0.5], "p_b": [0.0, 1, 0.5]})
    result = run("evaluate", str(write_table(df, tmp_path / "l.csv")), "--probs", "p_*")
    assert result.exit_code == 3
    assert (
        "column 'label', data row 3: label 'zebra' matches no class column. The class columns "
        "are 'p_a', 'p_b'" in result.stderr
    )


def test_class_column_mistakes() -> None:
    df = pd.DataFrame({"label": ["a"], "p_a": [1.0], "y_a": [1.0], "y_b": [0.0], "p_b": [0.0]})
    with pytest.raises(InputError, match="names 1 column"):
        evaluate(df, probs="p_a")
    with pytest.raises(InputError, match="2 label columns but 3 class columns"):
        evaluate(df.assign(p_c=0.0), label="y_*", probs="p_*")
    with pytest.raises(UsageError, match="not both"):
        evaluate(df, pred="p_a", probs="p_*")


def test_pred_and_probs_together_is_a_usage_error(run, tmp_path: Path) -> None:
    path = write_table(multiclass_frame(0), tmp_path / "m.csv")
    result = run("evaluate", str(path), "-p", "p_cat", "--probs", "p_*")
    assert result.exit_code == 2


def test_each_model_matches_labels_to_its_own_columns(run, tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text(
        "species,a_cat,a_dog,b_dog,b_cat\ncat,0.9,0.1,0.1,0.9\n"
        "dog,0.2,0.8,0.8,0.2\ncat,0.7,0.3,0.3,0.7\n"
    )
    out = run(
        "evaluate",
        str(path),
        "-l",
        "species",
        "--probs",
        "a_*",
        "--probs",
        "b_*",
        "-m",
        "ce,acc",
        "-f",
        "csv",
    ).stdout.splitlines()
    a, b = (line.split(",")[-2:] for line in out[1:])
    assert a == b
    assert float(a[1]) == 1.0
    three = tmp_path / "three.csv"
    three.write_text("species,a_cat,a_dog,b_cat,b_dog,b_fox\ncat,0.9,0.1,0.8,0.1,0.1\n")
    assert (
        run(
            "evaluate", str(three), "-l", "species", "--probs", "a_*", "--probs", "b_*", "-m", "acc"
        ).exit_code
        == 0
    )


def test_one_hot_labels_pair_with_classes_by_name_and_stay_in_range(run, tmp_path) -> None:
    path = tmp_path / "oh.csv"
    path.write_text("y_b,y_a,p_a,p_b\n1,0,0.9,0.1\n1,0,0.8,0.2\n")
    glob = run("evaluate", str(path), "-l", "y_*", "--probs", "p_*", "-m", "ce", "-f", "csv")
    listed = run(
        "evaluate", str(path), "-l", "y_a,y_b", "--probs", "p_a,p_b", "-m", "ce", "-f", "csv"
    )
    value = listed.stdout.splitlines()[1].split(",")[-1]
    assert glob.stdout.splitlines()[1].split(",")[-1] == value
    assert float(value) == pytest.approx(-(math.log(0.1) + math.log(0.2)) / 2)
    bad = tmp_path / "bad.csv"
    bad.write_text("y_a,y_b,p_a,p_b\n2,-1,0.9,0.1\n")
    result = run("evaluate", str(bad), "-l", "y_*", "--probs", "p_*")
    assert result.exit_code == 3
    assert "columns 'y_a,y_b' have 1 row with a label outside [0, 1]" in result.stderr


def test_drop_na_drops_rows_without_a_class_label(run, tmp_path: Path) -> None:
    path = tmp_path / "na.csv"
    path.write_text("species,p_cat,p_dog\ncat,0.9,0.1\n,0.5,0.5\ndog,0.2,0.8\n")
    failed = run("evaluate", str(path), "-l", "species", "--probs", "p_*")
    assert failed.exit_code == 3
    assert (
        "column 'species' has 1 missing or non-finite value (first at data row 2" in failed.stderr
    )
    dropped = run(
        "evaluate",
        str(path),
        "-l",
        "species",
        "--probs",
        "p_*",
        "--drop-na",
        "-m",
        "acc",
        "-f",
        "csv",
    )
    assert dropped.exit_code == 0
    assert dropped.stdout.splitlines()[1].endswith(",2,1.0")
    assert "1 of 3 rows dropped" in dropped.stderr


def test_row_numbers_after_dropped_rows_are_the_file_rows(run, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("species,p_cat,p_dog\ncat,,0.1\ncat,0.9,0.1\ndog,0.2,0.9\n")
    result = run("evaluate", str(path), "-l", "species", "--probs", "p_*", "--drop-na")
    assert "(first at data row 3: 1.1" in result.stderr


def test_mape_zero_error_only_where_mape_is_shown(run, tmp_path: Path) -> None:
    binary = tmp_path / "b.csv"
    binary.write_text("y_true,y_pred\n0,0.2\n1,0.9\n")
    assert run("evaluate", str(binary), "--mape-zero", "error").exit_code == 0
    assert run("evaluate", str(binary), "--mape-zero", "error", "-m", "mape").exit_code == 3
    onehot = tmp_path / "o.csv"
    onehot.write_text("y_a,y_b,p_a,p_b\n1,0,0.9,0.1\n")
    assert (
        run(
            "evaluate", str(onehot), "-l", "y_*", "--probs", "p_*", "--mape-zero", "error"
        ).exit_code
        == 0
    )


def test_ambiguous_class_labels_fail_whatever_the_chunking(tmp_path, monkeypatch) -> None:
    from losscli.reading import csv_source

    rows = "".join(
        f"{k},{','.join('1' if j == k - 1 else '0' for j in range(3))}\n" for k in (1, 2, 3) * 40
    )
    path = tmp_path / "c.csv"
    path.write_text("label,c_1,c_2,c_3\n" + rows + "0,1,0,0\n")
    for block in (1 << 20, 200):
        monkeypatch.setattr(csv_source, "BLOCK_BYTES", block)
        with pytest.raises(InputError, match="labels '1' and '0' both name the class column"):
            evaluate(str(path), probs="c_*", losses="acc")


@pytest.mark.parametrize("classes", [1, 2, 3, 7, 8, 9, 10, 16, 17, 100, 128, 129, 300])
def test_row_reductions_equal_numpys_to_the_bit(classes: int) -> None:
    """Row sums, maxima and minima taken column by column are NumPy's along the rows,
    bit for bit (the sum follows NumPy's pairwise order), so the log-softmax and the
    probability checks keep their values exactly."""
    rng = np.random.default_rng(classes)
    matrix = np.exp(rng.normal(0.0, 4.0, (2000, classes)))
    assert np.array_equal(row_sum(matrix), matrix.sum(axis=1))
    assert np.array_equal(row_sum(matrix[5:1500]), matrix[5:1500].sum(axis=1))
    assert np.array_equal(row_extreme(matrix, np.maximum), matrix.max(axis=1))
    assert np.array_equal(row_extreme(matrix, np.minimum), matrix.min(axis=1))
