"""Brier, precision, recall, F1, balanced and top-k accuracy, ECE, hinge, KL and focal loss:
scikit-learn as the oracle (a NumPy formula where it has none), binary and multi-class."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from conftest import assert_matches_reference, write_table
from scipy.special import rel_entr
from sklearn.metrics import (
    balanced_accuracy_score,
    brier_score_loss,
    f1_score,
    hinge_loss,
    precision_score,
    recall_score,
    top_k_accuracy_score,
)

from losscli import evaluate

CLASSES = ["cat", "dog", "fox", "owl"]
Reference = Callable[[pd.DataFrame, "np.ndarray | None"], float]


def binary_frame(seed: int, n: int = 400) -> pd.DataFrame:
    """0/1 labels, probabilities, their logits, weights and a group column."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 2.0, n)
    p = 1.0 / (1.0 + np.exp(-z))
    return pd.DataFrame(
        {
            "y_true": (rng.random(n) < p).astype(float),
            "y_pred": p,
            "z": z,
            "w": rng.uniform(0.0, 3.0, n),
            "g": rng.choice(list("abc"), n),
        }
    )


def multiclass_frame(seed: int, n: int = 400, classes: list[str] = CLASSES) -> pd.DataFrame:
    """Class labels (names and positions), soft labels, probabilities, logits, weights."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 1.5, (n, len(classes)))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = rng.integers(0, len(classes), n)
    soft = rng.dirichlet(np.ones(len(classes)), n)
    frame = pd.DataFrame(
        {
            "species": np.array(classes)[labels],
            "pos": labels,
            "w": rng.uniform(0.0, 2.0, n),
            "g": rng.choice(list("abc"), n),
        }
    )
    for k, name in enumerate(classes):
        frame[f"p_{name}"] = probs[:, k]
        frame[f"z_{name}"] = logits[:, k]
        frame[f"s_{name}"] = soft[:, k]
    return frame


def probs(df: pd.DataFrame, prefix: str = "p_") -> np.ndarray:
    return df[[c for c in df.columns if c.startswith(prefix)]].to_numpy()


def check_binary(spec: str, reference: Reference, seed: int, **options) -> None:
    assert_matches_reference(binary_frame(seed), spec, reference, **options)


def check_multiclass(spec: str, reference: Reference, seed: int, **options) -> None:
    options = {"label": "species", "probs": "p_*", **options}
    assert_matches_reference(multiclass_frame(seed), spec, reference, **options)


# --------------------------------------------------------------------- Brier


@pytest.mark.parametrize("seed", [0, 1])
def test_brier_agrees_with_sklearn(seed: int) -> None:
    check_binary(
        "brier", lambda df, w: brier_score_loss(df.y_true, df.y_pred, sample_weight=w), seed
    )
    check_multiclass(
        "brier",
        lambda df, w: brier_score_loss(df.pos, probs(df), labels=range(4), sample_weight=w),
        seed,
    )


def test_brier_of_two_class_columns_is_the_binary_score() -> None:
    df = binary_frame(3)
    two = pd.DataFrame({"label": df.y_true.astype(int), "q_0": 1 - df.y_pred, "q_1": df.y_pred})
    columns = evaluate(two, probs="q_*", losses="brier").rows[-1].metrics["brier"]
    one = evaluate(df, losses="brier").rows[-1].metrics["brier"]
    assert columns == pytest.approx(one, rel=1e-12)
    assert one == pytest.approx(brier_score_loss(df.y_true, df.y_pred), rel=1e-12)


# --------------------------------------------- precision, recall, F1, balanced


SCORES = {"precision": precision_score, "recall": recall_score, "f1": f1_score}


@pytest.mark.parametrize("seed", [0])
@pytest.mark.parametrize("threshold", [None, 0.3])
@pytest.mark.parametrize("average", [None, "macro", "micro", "weighted"])
@pytest.mark.parametrize("loss", sorted(SCORES))
def test_binary_scores_agree_with_sklearn(loss, average, threshold, seed) -> None:
    spec = ":".join(
        [loss]
        + ([f"threshold={threshold}"] if threshold else [])
        + ([f"average={average}"] if average else [])
    )
    cut = threshold or 0.5

    def reference(df: pd.DataFrame, w: np.ndarray | None) -> float:
        return SCORES[loss](
            df.y_true,
            df.y_pred > cut,
            sample_weight=w,
            average=average or "binary",
            zero_division=np.nan,
        )

    check_binary(spec, reference, seed)
    check_binary(spec, reference, seed, pred="z", from_logits=True)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("average", [None, "macro", "micro", "weighted"])
@pytest.mark.parametrize("loss", sorted(SCORES))
def test_multiclass_scores_agree_with_sklearn(loss, average, seed) -> None:
    """Without average= (binary), class columns are averaged as macro."""

    def reference(df: pd.DataFrame, w: np.ndarray | None) -> float:
        return SCORES[loss](
            df.pos,
            probs(df).argmax(axis=1),
            sample_weight=w,
            average=average or "macro",
            zero_division=np.nan,
        )

    check_multiclass(f"{loss}:average={average}" if average else loss, reference, seed)


def test_zero_division_is_no_value_with_its_reason() -> None:
    """Where scikit-learn's default zero_division gives 0 with a warning, the value is —."""
    df = pd.DataFrame({"y_true": [0.0, 0.0, 1.0], "y_pred": [0.1, 0.2, 0.3]})
    (row,) = evaluate(df, losses="precision,recall,f1").rows
    assert row.metrics == {"precision": None, "recall": 0.0, "f1": 0.0}
    assert row.notes == {
        "precision": "not defined: no row predicted positive (or no row with positive weight)"
    }
    negatives = pd.DataFrame({"y_true": [0.0, 0.0], "y_pred": [0.1, 0.2]})
    (row,) = evaluate(negatives, losses="recall,f1,f1:average=macro").rows
    assert row.metrics == {"recall": None, "f1": None, "f1:average=macro": 1.0}
    assert f1_score([0, 0], [0, 0], average="macro", zero_division=np.nan) == 1.0


def test_macro_leaves_out_classes_whose_score_is_undefined() -> None:
    """dog is never predicted: its precision is 0/0, and macro averages the other two."""
    df = pd.DataFrame(
        {
            "label": ["cat", "dog", "fox", "fox"],
            "p_cat": [0.8, 0.6, 0.1, 0.1],
            "p_dog": [0.1, 0.3, 0.1, 0.2],
            "p_fox": [0.1, 0.1, 0.8, 0.7],
        }
    )
    (row,) = evaluate(df, probs="p_*", losses="precision").rows
    assert row.metrics["precision"] == pytest.approx((0.5 + 1.0) / 2, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_balanced_accuracy_agrees_with_sklearn(seed: int) -> None:
    check_binary(
        "balanced_accuracy",
        lambda df, w: balanced_accuracy_score(df.y_true, df.y_pred > 0.5, sample_weight=w),
        seed,
    )
    check_binary(
        "balanced_accuracy:threshold=0.7",
        lambda df, w: balanced_accuracy_score(df.y_true, df.y_pred > 0.7, sample_weight=w),
        seed,
    )
    check_multiclass(
        "balanced_accuracy",
        lambda df, w: balanced_accuracy_score(df.pos, probs(df).argmax(axis=1), sample_weight=w),
        seed,
    )


# -------------------------------------------------------------- top-k accuracy


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("k", [None, 1, 3])
def test_top_k_accuracy_agrees_with_sklearn(k: int | None, seed: int) -> None:
    spec = f"top_k_accuracy:k={k}" if k else "top_k_accuracy"

    def reference(df: pd.DataFrame, w: np.ndarray | None) -> float:
        return top_k_accuracy_score(df.pos, probs(df), k=k or 2, labels=range(4), sample_weight=w)

    check_multiclass(spec, reference, seed)
    check_multiclass(spec, reference, seed, probs="z_*", from_logits=True)


def test_top_k_breaks_ties_as_sklearn() -> None:
    df = pd.DataFrame(
        {"label": [0, 1, 2], "a": [0.25, 0.25, 0.5], "b": [0.25, 0.25, 0.0], "c": [0.5, 0.5, 0.5]}
    )
    got = evaluate(df, probs="a,b,c", losses="top_k:k=2").rows[-1].metrics["top_k_accuracy"]
    scores = df[["a", "b", "c"]].to_numpy()
    assert got == top_k_accuracy_score(df.label, scores, k=2) == pytest.approx(2 / 3)
    every = evaluate(df, probs="a,b,c", losses="top_k:k=5").rows[-1].metrics
    assert every == {"top_k_accuracy:k=5": 1.0}


# ----------------------------------------------------------------------- ECE


def numpy_ece(confidence: np.ndarray, outcome: np.ndarray, w: np.ndarray, bins: int) -> float:
    """Σ over bins of (bin weight / total weight)·|mean outcome − mean confidence|."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for j in range(bins):
        inside = (confidence >= edges[j]) & (
            (confidence < edges[j + 1]) if j < bins - 1 else (confidence <= 1.0)
        )
        if w[inside].sum() > 0:
            gap = np.average(outcome[inside], weights=w[inside]) - np.average(
                confidence[inside], weights=w[inside]
            )
            total += w[inside].sum() / w.sum() * abs(gap)
    return total


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("bins", [None, 5, 20])
def test_ece_agrees_with_numpy(bins: int | None, seed: int) -> None:
    spec = f"ece:bins={bins}" if bins else "ece"

    def binary(df: pd.DataFrame, w: np.ndarray | None) -> float:
        weights = np.ones(len(df)) if w is None else w
        return numpy_ece(df.y_pred.to_numpy(), df.y_true.to_numpy(), weights, bins or 15)

    def top_label(df: pd.DataFrame, w: np.ndarray | None) -> float:
        weights = np.ones(len(df)) if w is None else w
        p = probs(df)
        right = (p.argmax(axis=1) == df.pos.to_numpy()).astype(float)
        return numpy_ece(p.max(axis=1), right, weights, bins or 15)

    check_binary(spec, binary, seed)
    check_multiclass(spec, top_label, seed)


def test_ece_by_hand() -> None:
    """Bins [0, .5) and [.5, 1]: |(0 + 1) − (.2 + .4)| + |(1 + 1) − (.6 + 1)| over 4 rows."""
    df = pd.DataFrame({"y_true": [0.0, 1.0, 1.0, 1.0], "y_pred": [0.2, 0.4, 0.6, 1.0]})
    (row,) = evaluate(df, losses="ece:bins=2").rows
    assert row.metrics["ece:bins=2"] == pytest.approx((0.4 + 0.4) / 4, rel=1e-12)


# --------------------------------------------------------------------- hinge


@pytest.mark.parametrize("seed", [0, 1])
def test_hinge_agrees_with_sklearn(seed: int) -> None:
    check_binary(
        "hinge",
        lambda df, w: hinge_loss(df.y_true, df.z, sample_weight=w),
        seed,
        pred="z",
        from_logits=True,
    )
    check_multiclass(
        "hinge",
        lambda df, w: hinge_loss(df.pos, probs(df, "z_"), labels=range(4), sample_weight=w),
        seed,
        probs="z_*",
        from_logits=True,
    )


def test_hinge_on_probabilities_says_to_pass_scores(run, tmp_path) -> None:
    path = write_table(binary_frame(0, n=20), tmp_path / "b.csv")
    result = run("evaluate", str(path), "-m", "hinge,brier", "-f", "json")
    doc = json.loads(result.stdout)
    assert doc["rows"][0]["metrics"]["hinge"] is None
    assert doc["warnings"] == [
        f"{path}, y_pred: hinge: not applicable: needs decision scores, not probabilities; "
        "pass the scores as logits with --from-logits"
    ]


# -------------------------------------------------------- KL divergence, focal


def soft_kl(df: pd.DataFrame, w: np.ndarray | None) -> float:
    return float(np.average(rel_entr(probs(df, "s_"), probs(df)).sum(axis=1), weights=w))


def binary_kl(df: pd.DataFrame, w: np.ndarray | None) -> float:
    y, p = df.y_true.to_numpy(), df.y_pred.to_numpy()
    return float(np.average(rel_entr(y, p) + rel_entr(1 - y, 1 - p), weights=w))


@pytest.mark.parametrize("seed", [0, 1])
def test_kl_divergence_agrees_with_scipy(seed: int) -> None:
    check_binary("kl_divergence", binary_kl, seed)
    soft = binary_frame(seed)
    soft["y_true"] = np.random.default_rng(seed).uniform(0, 1, len(soft))
    assert_matches_reference(soft, "kl", binary_kl)
    check_multiclass("kl_divergence", soft_kl, seed, label="s_*")
    check_multiclass("kl_divergence", soft_kl, seed, label="s_*", probs="z_*", from_logits=True)


def numpy_focal(y: np.ndarray, p: np.ndarray, w: np.ndarray | None, gamma: float) -> float:
    """−Σ_k y_k·(1 − p_k)^γ·log p_k per row (binary: the two classes p and 1 − p)."""
    if y.ndim == 1:
        y, p = np.column_stack([1 - y, y]), np.column_stack([1 - p, p])
    return float(np.average(-(y * (1 - p) ** gamma * np.log(p)).sum(axis=1), weights=w))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("gamma", [None, 0.5, 5.0])
def test_focal_agrees_with_numpy(gamma: float | None, seed: int) -> None:
    spec = f"focal:gamma={gamma}" if gamma is not None else "focal"
    g = 2.0 if gamma is None else gamma
    check_binary(spec, lambda df, w: numpy_focal(df.y_true.values, df.y_pred.values, w, g), seed)
    check_multiclass(
        spec, lambda df, w: numpy_focal(probs(df, "s_"), probs(df), w, g), seed, label="s_*"
    )


def test_focal_with_gamma_0_is_cross_entropy() -> None:
    for frame, options in (
        (binary_frame(2), {}),
        (binary_frame(2), {"pred": "z", "from_logits": True}),
        (multiclass_frame(2), {"label": "species", "probs": "p_*"}),
        (multiclass_frame(2), {"label": "s_*", "probs": "z_*", "from_logits": True}),
    ):
        metrics = evaluate(frame, losses="focal:gamma=0,ce", **options).rows[-1].metrics
        assert metrics["focal:gamma=0"] == pytest.approx(metrics["cross_entropy"], rel=1e-12)


def test_focal_down_weights_easy_rows() -> None:
    """An easy row (p_t = 0.9) loses a factor (0.1)² = 100; a hard one (0.1) only 1/0.81."""
    df = pd.DataFrame({"y_true": [1.0, 1.0], "y_pred": [0.9, 0.1]})
    rows = [evaluate(df.iloc[[i]], losses="focal,ce").rows[0].metrics for i in (0, 1)]
    assert rows[0]["focal"] == pytest.approx(0.01 * rows[0]["cross_entropy"], rel=1e-12)
    assert rows[1]["focal"] == pytest.approx(0.81 * rows[1]["cross_entropy"], rel=1e-12)


# ------------------------------------------------------------------- -m all


@pytest.mark.parametrize(
    ("kind", "options", "header"),
    [
        (
            "regression",
            [],
            "mse,rmse,mae,mape,smape,wape,msle,huber,log_cosh,r2,pinball,poisson_deviance,"
            "gamma_deviance,tweedie_deviance,max_error,bias,abs_bias",
        ),
        (
            "binary",
            [],
            "mse,cross_entropy,accuracy,brier,precision,recall,f1,balanced_accuracy,ece,"
            "kl_divergence,focal,roc_auc,average_precision",
        ),
        (
            "binary",
            ["-p", "z", "--from-logits"],
            "mse,cross_entropy,accuracy,brier,precision,recall,f1,balanced_accuracy,ece,hinge,"
            "kl_divergence,focal,roc_auc,average_precision",
        ),
        (
            "multiclass",
            ["-l", "species", "--probs", "p_*"],
            "mse,cross_entropy,accuracy,brier,precision,recall,f1,balanced_accuracy,"
            "top_k_accuracy,ece,kl_divergence,focal,roc_auc,average_precision",
        ),
        (
            "multiclass",
            ["-l", "species", "--probs", "z_*", "--from-logits"],
            "mse,cross_entropy,accuracy,brier,precision,recall,f1,balanced_accuracy,"
            "top_k_accuracy,ece,hinge,kl_divergence,focal,roc_auc,average_precision",
        ),
    ],
)
def test_all_shows_the_losses_made_for_the_task(run, tmp_path, kind, options, header) -> None:
    frames = {
        "regression": binary_frame(0, n=30).assign(y_true=lambda d: 1 + 5 * d.y_pred),
        "binary": binary_frame(0, n=30),
        "multiclass": multiclass_frame(0, n=30),
    }
    path = write_table(frames[kind].drop(columns=["w", "g"]), tmp_path / "d.csv")
    result = run("evaluate", str(path), *options, "-m", "all", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    first, row = result.stdout.splitlines()
    assert first == f"file,pred,scope,n,{header}"
    assert all(row.split(",")[4:])  # every loss shown has a value
