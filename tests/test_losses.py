"""Exactness of every regression loss, through ``losscli.api.evaluate`` on DataFrames.

Reference values come from scikit-learn where it has the loss, otherwise from a
direct NumPy formula written here independently of ``losscli.losses``.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.typing import ArrayLike
from sklearn.metrics import (
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_log_error,
    r2_score,
    root_mean_squared_error,
)

from losscli.api import evaluate
from losscli.errors import InputError
from losscli.testing import KernelHarness

SEEDS = [0, 1, 2, 7, 12345]
REL = 1e-9
N_ROWS = 500


# ---------------------------------------------------------------- helpers


def frame(y: ArrayLike, p: ArrayLike, w: ArrayLike | None = None, **extra: Any) -> pd.DataFrame:
    data: dict[str, Any] = {
        "y_true": np.asarray(y, dtype=float),
        "y_pred": np.asarray(p, dtype=float),
    }
    if w is not None:
        data["w"] = np.asarray(w, dtype=float)
    data.update(extra)
    return pd.DataFrame(data)


def overall(df: pd.DataFrame, losses: str | list[str], weighted: bool = False, **kwargs: Any):
    """The overall row of evaluating ``df``."""
    result = evaluate(
        df, label="y_true", pred="y_pred", weight="w" if weighted else None, losses=losses, **kwargs
    )
    row = result.rows[-1]
    assert row.group is None
    return row


def value(df: pd.DataFrame, loss: str, weighted: bool = False, **kwargs: Any) -> float:
    got = overall(df, loss, weighted, **kwargs).metrics[loss]
    assert got is not None, f"{loss} unexpectedly undefined"
    return got


def random_data(seed: int, kind: str = "any") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, predictions and weights (weights in (0, 5], some exactly 0)."""
    rng = np.random.default_rng(seed)
    if kind == "positive_labels":  # MAPE: labels bounded away from 0, either sign
        y = rng.uniform(0.5, 20.0, N_ROWS) * rng.choice([-1.0, 1.0], N_ROWS)
        p = y + rng.normal(0.0, 2.0, N_ROWS)
    elif kind == "non_negative":  # MSLE
        y = rng.exponential(3.0, N_ROWS)
        p = np.abs(y + rng.normal(0.0, 1.0, N_ROWS))
        y[:3] = 0.0  # exact zeros are allowed
        p[3:5] = 0.0
    else:
        y = rng.normal(5.0, 3.0, N_ROWS)
        p = y + rng.normal(0.3, 1.5, N_ROWS)
    w = rng.uniform(0.0, 5.0, N_ROWS)
    w[rng.choice(N_ROWS, 10, replace=False)] = 0.0
    return y, p, w


# ------------------------------------------------------- agreement with sklearn

SKLEARN = {
    "mse": (mean_squared_error, "any", 1.0),
    "rmse": (root_mean_squared_error, "any", 1.0),
    "mae": (mean_absolute_error, "any", 1.0),
    "mape": (mean_absolute_percentage_error, "positive_labels", 100.0),
    "msle": (mean_squared_log_error, "non_negative", 1.0),
    "r2": (r2_score, "any", 1.0),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loss", sorted(SKLEARN))
def test_agrees_with_sklearn(loss: str, weighted: bool, seed: int) -> None:
    reference, kind, scale = SKLEARN[loss]
    y, p, w = random_data(seed, kind)
    expected = scale * reference(y, p, sample_weight=w if weighted else None)
    assert value(frame(y, p, w), loss, weighted) == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize("seed", SEEDS)
def test_all_losses_at_once_agree_with_one_at_a_time(seed: int) -> None:
    """Shared statistics (w, w_abs_err, …) are not double counted when losses are combined."""
    y, p, w = random_data(seed, "non_negative")
    y = y + 0.5  # keep MAPE clear of zero labels
    df = frame(y, p, w)
    together = overall(df, "all", weighted=True).metrics
    for name, got in together.items():
        assert got == pytest.approx(value(df, name, weighted=True), rel=1e-12), name


def test_weights_are_not_ignored() -> None:
    y, p, w = random_data(3)
    df = frame(y, p, w)
    assert value(df, "mse", weighted=True) != pytest.approx(value(df, "mse"), rel=1e-6)


# --------------------------------------------------- losses without sklearn


def weighted_mean(term: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * term) / np.sum(w))


def ref_smape(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    den = np.abs(y) + np.abs(p)
    term = np.zeros_like(y)
    nz = den != 0
    term[nz] = 2.0 * np.abs(y[nz] - p[nz]) / den[nz]
    return 100.0 * weighted_mean(term, w)


def ref_wape(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    return 100.0 * float(np.sum(w * np.abs(y - p)) / np.sum(w * np.abs(y)))


def ref_huber(y: np.ndarray, p: np.ndarray, w: np.ndarray, delta: float = 1.0) -> float:
    a = np.abs(y - p)
    term = np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))
    return weighted_mean(term, w)


def ref_log_cosh(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    return weighted_mean(np.log(np.cosh(y - p)), w)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    ("loss", "reference", "kwargs"),
    [
        ("smape", ref_smape, {}),
        ("wape", ref_wape, {}),
        ("huber", ref_huber, {}),
        ("huber:delta=0.5", lambda y, p, w: ref_huber(y, p, w, 0.5), {}),
        ("huber:delta=3", lambda y, p, w: ref_huber(y, p, w, 3.0), {}),
        ("log_cosh", ref_log_cosh, {}),
    ],
    ids=["smape", "wape", "huber", "huber_delta_0.5", "huber_delta_3", "log_cosh"],
)
def test_agrees_with_numpy_formula(
    loss: str, reference: Any, kwargs: dict[str, Any], weighted: bool, seed: int
) -> None:
    y, p, w = random_data(seed)
    # rows where label and prediction are both 0 count as 0 in sMAPE
    y[:4] = 0.0
    p[:2] = 0.0
    expected = reference(y, p, w if weighted else np.ones_like(y))
    assert value(frame(y, p, w), loss, weighted, **kwargs) == pytest.approx(expected, rel=REL)


def test_smape_both_zero_counts_as_zero_and_other_rows_as_formula() -> None:
    # rows: (0, 0) → 0; (0, 2) → 200; (1, 3) → 100; (-2, 2) → 200
    df = frame([0.0, 0.0, 1.0, -2.0], [0.0, 2.0, 3.0, 2.0])
    assert value(df, "smape") == pytest.approx(500.0 / 4, rel=1e-12)


def test_wape_hand_computed() -> None:
    # Σ|e| = 1 + 2 + 0.5 = 3.5, Σ|y| = 2 + 4 + 1 = 7 → 50 %
    df = frame([2.0, -4.0, 1.0], [1.0, -2.0, 1.5])
    assert value(df, "wape") == pytest.approx(50.0, rel=1e-12)
    # weights: Σw|e| = 2·1 + 0 + 1·0.5 = 2.5, Σw|y| = 4 + 0 + 1 = 5 → 50 %
    df["w"] = [2.0, 0.0, 1.0]
    assert value(df, "wape", weighted=True) == pytest.approx(50.0, rel=1e-12)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        # torch.nn.HuberLoss(delta=1.0)(input=[0, .5, 1, 2, -3], target=0):
        # [0, .125, .5, 1.5, 2.5] → mean 0.925
        (1.0, 0.925),
        # torch.nn.HuberLoss(delta=0.5): [0, .125, .375, .875, 1.375] → mean 0.55
        (0.5, 0.55),
    ],
)
def test_huber_matches_torch_hand_values(delta: float, expected: float) -> None:
    df = frame([0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.5, 1.0, 2.0, -3.0])
    column = "huber" if delta == 1.0 else f"huber:delta={delta:g}"
    assert value(df, column) == pytest.approx(expected, rel=1e-12)
    # --huber-delta is the same loss, named the same way: a baseline never mixes two δ
    assert overall(df, "huber", huber_delta=delta).metrics[column] == pytest.approx(expected)


def test_huber_alias_smooth_l1_and_default_delta() -> None:
    df = frame([0.0, 0.0], [0.5, 3.0])  # ½·0.25 = 0.125 and 1·(3 − 0.5) = 2.5
    assert value(df, "huber") == pytest.approx((0.125 + 2.5) / 2, rel=1e-12)
    assert overall(df, "smooth_l1").metrics["huber"] == pytest.approx(1.3125, rel=1e-12)


# ------------------------------------------------------------ golden values


def test_founding_article_golden_values() -> None:
    df = frame([1, 1, 2, 2, 4], [0.6, 1.29, 1.99, 2.69, 3.4])
    metrics = overall(df, ["mse", "mape"]).metrics
    assert metrics["mse"] == pytest.approx(0.21606, rel=1e-12)
    assert metrics["mape"] == pytest.approx(23.8, rel=1e-12)


def test_founding_article_default_losses() -> None:
    df = frame([1, 1, 2, 2, 4], [0.6, 1.29, 1.99, 2.69, 3.4])
    row = evaluate(df).rows[-1]
    assert row.n == 5
    assert row.metrics["mse"] == pytest.approx(0.21606, rel=1e-12)
    assert row.metrics["mape"] == pytest.approx(23.8, rel=1e-12)


# ------------------------------------------------------------- R² stability


def big_offset_data(n: int = 10_000, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = 1e9 + rng.normal(0.0, 1.0, n)
    p = y + rng.normal(0.0, 0.3, n)
    return y, p


def assert_r2_close(got: float | None, expected: float) -> None:
    """R² to rel 1e-9, and the unexplained share 1 − R² (SSE/SST) to rel 1e-9 as well."""
    assert got is not None
    assert got == pytest.approx(expected, rel=1e-9)
    assert 1.0 - got == pytest.approx(1.0 - expected, rel=1e-9)


def test_r2_stable_with_large_offset() -> None:
    y, p = big_offset_data()
    expected = r2_score(y, p)
    assert 0.5 < expected < 0.99  # the case is not trivially near 1
    assert_r2_close(value(frame(y, p), "r2"), expected)


def test_r2_stable_with_large_offset_weighted() -> None:
    y, p = big_offset_data(seed=5)
    w = np.random.default_rng(5).uniform(0.0, 3.0, len(y))
    expected = r2_score(y, p, sample_weight=w)
    assert_r2_close(value(frame(y, p, w), "r2", weighted=True), expected)


@pytest.mark.parametrize("bounds", [[0, 1, 2, 3000, 3001, 9999], [0, 17, 4096, 8191], [0, 5000]])
def test_r2_stable_in_chunks(bounds: list[int]) -> None:
    y, p = big_offset_data()
    w = np.ones_like(y)
    edges = [*bounds, len(y)]
    harness = KernelHarness(["r2", "mse"])
    total = harness.empty()
    for lo, hi in pairwise(edges):
        total.absorb(harness.partial(y[lo:hi], p[lo:hi], w[lo:hi], first_row=lo))
    (row,) = harness.rows(total)
    assert row.notes == {}
    assert_r2_close(row.metrics["r2"], r2_score(y, p))
    assert row.metrics["mse"] == pytest.approx(mean_squared_error(y, p), rel=1e-9)


def grouped_big_offset_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y, p = big_offset_data()
    g = np.random.default_rng(9).choice(["a", "b", "c"], len(y))
    # shift one group so groups differ in mean: the pooled spread must include that
    y = np.where(g == "c", y + 3.0, y)
    p = np.where(g == "c", p + 3.0, p)
    return y, p, g


def test_r2_stable_per_group_rows() -> None:
    y, p, g = grouped_big_offset_data()
    result = evaluate(frame(y, p, g=g), group_by="g", losses="r2")
    assert [row.group for row in result.rows] == [{"g": "a"}, {"g": "b"}, {"g": "c"}, None]
    for row in result.rows[:-1]:
        assert row.group is not None
        key = row.group["g"]
        assert_r2_close(row.metrics["r2"], r2_score(y[g == key], p[g == key]))
        assert row.n == int(np.sum(g == key))
    assert result.rows[-1].n == len(y)


def test_r2_stable_overall_row_of_grouped_evaluation() -> None:
    y, p, g = grouped_big_offset_data()
    grouped = evaluate(frame(y, p, g=g), group_by="g", losses="r2").rows[-1]
    assert grouped.group is None
    assert_r2_close(grouped.metrics["r2"], r2_score(y, p))


def test_r2_stable_per_group_in_chunks() -> None:
    """Groups spread over several adds: per-key moments merged chunk by chunk."""
    y, p = big_offset_data()
    codes = np.random.default_rng(10).integers(0, 3, len(y))
    harness = KernelHarness(["r2"], grouped=True)
    total = harness.empty()
    g = np.array(["a", "b", "c"])[codes]
    for lo, hi in [(0, 2500), (2500, 2501), (2501, 7000), (7000, len(y))]:
        total.absorb(harness.partial(y[lo:hi], p[lo:hi], np.ones(hi - lo), g[lo:hi]))
    metrics = harness.metrics(total)
    for key in range(3):
        mask = codes == key
        assert_r2_close(metrics[key]["r2"], r2_score(y[mask], p[mask]))


# ------------------------------------------------------------- R² edge cases


@pytest.mark.parametrize("constant", [2.0, -5.0, 0.0, 1024.0])
def test_r2_constant_labels_perfect_predictions_is_one(constant: float) -> None:
    y = np.full(6, constant)
    assert r2_score(y, y) == 1.0
    assert value(frame(y, y), "r2") == 1.0


@pytest.mark.parametrize("constant", [2.0, -5.0, 0.0, 1024.0])
def test_r2_constant_labels_imperfect_predictions_is_zero(constant: float) -> None:
    y = np.full(6, constant)
    p = y + np.array([0.5, -1.0, 0.0, 2.0, 0.25, 1.0])
    assert r2_score(y, p) == 0.0
    assert value(frame(y, p), "r2") == 0.0


def test_r2_single_row_is_undefined_with_note() -> None:
    row = overall(frame([3.0], [2.5]), ["r2", "mse"])
    assert row.metrics["r2"] is None
    assert "fewer than 2 rows" in row.notes["r2"]
    assert row.metrics["mse"] == pytest.approx(0.25, rel=1e-12)
    assert "mse" not in row.notes


def test_r2_zero_weight_rows_only() -> None:
    """Rows of weight 0 count for nothing: one positively weighted row is a constant label."""
    df = frame([1.0, 5.0, 3.0], [0.0, 9.0, 2.0], [0.0, 0.0, 2.0])
    row = overall(df, ["r2", "mse"], weighted=True)
    assert row.metrics["r2"] == 0.0
    assert row.metrics["mse"] == pytest.approx(1.0)


def test_r2_group_with_only_zero_weights_is_undefined() -> None:
    df = frame(
        [1.0, 5.0, 2.0, 3.0, 4.0],
        [3.0, 0.0, 2.0, 3.5, 4.0],
        [0.0, 0.0, 1.0, 1.0, 2.0],
        g=["a", "a", "b", "b", "b"],
    )
    rows = evaluate(df, weight="w", group_by="g", losses=["mse", "r2"]).rows
    assert rows[0].group == {"g": "a"}
    assert rows[0].metrics["mse"] is None
    assert rows[1].metrics["r2"] == pytest.approx(
        r2_score([2.0, 3.0, 4.0], [2.0, 3.5, 4.0], sample_weight=[1.0, 1.0, 2.0]), rel=1e-12
    )
    assert rows[0].metrics["r2"] is None
    assert "r2" in rows[0].notes


def test_r2_hand_computed() -> None:
    # ȳ = 2, SST = 1 + 0 + 1 = 2, SSE = 0.25 + 0 + 0.25 = 0.5 → R² = 0.75
    assert value(frame([1.0, 2.0, 3.0], [1.5, 2.0, 2.5]), "r2") == pytest.approx(0.75, rel=1e-12)


# ------------------------------------------------------------------ log-cosh


@pytest.mark.parametrize("errors", [[1000.0], [-1000.0], [1000.0, -1000.0], [710.0, -800.0]])
def test_log_cosh_large_errors_finite(errors: list[float]) -> None:
    e = np.array(errors)
    got = value(frame(np.zeros_like(e), -e), "log_cosh")
    assert math.isfinite(got)
    assert got == pytest.approx(float(np.mean(np.abs(e))) - math.log(2.0), rel=1e-12)


def test_log_cosh_small_errors() -> None:
    e = np.array([0.0, 1e-4, -0.5, 3.0])
    expected = float(np.mean(np.log(np.cosh(e))))
    assert value(frame(e, np.zeros_like(e)), "log_cosh") == pytest.approx(expected, rel=1e-9)


# ---------------------------------------------------------------------- MAPE


def test_mape_leaves_zero_labels_out_of_mape_only() -> None:
    rng = np.random.default_rng(4)
    y = rng.uniform(1.0, 10.0, 50)
    p = y + rng.normal(0.0, 1.0, 50)
    y[[3, 17]] = 0.0
    nonzero = y != 0
    row = overall(frame(y, p), ["mse", "mape"])
    assert row.metrics["mape"] == pytest.approx(
        100.0 * mean_absolute_percentage_error(y[nonzero], p[nonzero]), rel=1e-9
    )
    assert row.metrics["mse"] == pytest.approx(mean_squared_error(y, p), rel=1e-9)
    assert row.notes["mape"] == "2 rows with label 0 left out"
    assert "mse" not in row.notes
    assert row.n == 50


def test_mape_zero_labels_weighted() -> None:
    y = np.array([0.0, 2.0, 4.0, 0.0, 5.0])
    p = np.array([1.0, 1.0, 5.0, 3.0, 5.0])
    w = np.array([7.0, 1.0, 3.0, 2.0, 4.0])
    # over the non-zero rows: (1·0.5 + 3·0.25 + 4·0) / (1 + 3 + 4) = 1.25 / 8
    row = overall(frame(y, p, w), ["mape", "mse"], weighted=True)
    assert row.metrics["mape"] == pytest.approx(100.0 * 1.25 / 8, rel=1e-12)
    assert row.metrics["mse"] == pytest.approx(mean_squared_error(y, p, sample_weight=w), rel=1e-12)
    assert row.notes["mape"] == "2 rows with label 0 left out"


def test_mape_single_zero_label_note_is_singular() -> None:
    row = overall(frame([0.0, 2.0], [1.0, 1.0]), "mape")
    assert row.metrics["mape"] == pytest.approx(50.0, rel=1e-12)
    assert row.notes["mape"] == "1 row with label 0 left out"


def test_mape_all_labels_zero_is_undefined() -> None:
    row = overall(frame([0.0, 0.0], [1.0, 1.0]), ["mape", "mse"])
    assert row.metrics["mape"] is None
    assert row.notes["mape"] == "2 rows with label 0 left out"
    assert row.metrics["mse"] == 1.0


def test_mape_zero_error_policy_raises() -> None:
    df = frame([1.0, 2.0, 0.0, 4.0, 0.0], [1.0, 2.0, 3.0, 4.0, 5.0])
    with pytest.raises(InputError) as info:
        evaluate(df, losses=["mse", "mape"], mape_zero="error")
    message = str(info.value)
    assert "'y_true'" in message
    assert "row 3" in message
    assert "2 zero labels" in message
    # without zeros the error policy is harmless
    clean = frame([1.0, 2.0], [1.5, 2.0])
    assert overall(clean, "mape", mape_zero="error").metrics["mape"] == pytest.approx(25.0)


# ---------------------------------------------------------------------- MSLE


@pytest.mark.parametrize(
    ("y", "p"), [([0.0, -1.0, 2.0], [0.0, 1.0, 2.0]), ([0.0, 1.0, 2.0], [0.5, -3.0, 2.0])]
)
def test_msle_at_or_below_minus_one_is_not_applicable(y: list[float], p: list[float]) -> None:
    row = overall(frame(y, p), ["msle", "mse"])
    assert row.metrics["msle"] is None
    assert "≤ −1" in row.notes["msle"]
    assert row.metrics["mse"] is not None


def test_msle_between_minus_one_and_zero_is_scored() -> None:
    y, p = np.array([-0.5, 0.0, 3.0]), np.array([0.0, -0.25, 1.0])
    expected = float(np.mean((np.log1p(y) - np.log1p(p)) ** 2))
    row = overall(frame(y, p), "msle")
    assert row.metrics["msle"] == pytest.approx(expected, rel=1e-12)
    assert "msle" not in row.notes
