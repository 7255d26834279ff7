"""Pinball loss, Tweedie deviances and max error: scikit-learn as the oracle, domains, grammar."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from conftest import assert_matches_reference, write_table
from sklearn.metrics import (
    max_error,
    mean_gamma_deviance,
    mean_pinball_loss,
    mean_poisson_deviance,
    mean_tweedie_deviance,
)

from losscli import evaluate
from losscli.errors import UsageError


def forecast_frame(seed: int, kind: str, n: int = 300) -> pd.DataFrame:
    """Labels and forecasts in a deviance's domain, weights, and a group column."""
    rng = np.random.default_rng(seed)
    y = rng.gamma(2.0, 3.0, n)
    if kind == "counts":  # Poisson, 1 ≤ power < 2: zero labels allowed
        y = rng.poisson(3.0, n).astype(float)
    elif kind == "real":  # power < 0: labels of either sign
        y = rng.normal(2.0, 3.0, n)
    p = np.abs(y) * rng.lognormal(0.0, 0.3, n) + 0.1
    return pd.DataFrame(
        {"y_true": y, "y_pred": p, "w": rng.uniform(0.0, 3.0, n), "g": rng.choice(list("abc"), n)}
    )


def sk(
    metric: Callable[..., float], **kwargs: float
) -> Callable[[pd.DataFrame, np.ndarray], float]:
    """A scikit-learn metric as a reference of (rows, weights)."""
    return lambda df, w: metric(df.y_true, df.y_pred, sample_weight=w, **kwargs)


CASES = [
    ("pinball", "real", sk(mean_pinball_loss, alpha=0.5)),
    ("pinball:q=0.9", "real", sk(mean_pinball_loss, alpha=0.9)),
    ("quantile:q=0.1", "real", sk(mean_pinball_loss, alpha=0.1)),
    ("poisson_deviance", "counts", sk(mean_poisson_deviance)),
    ("gamma_deviance", "positive", sk(mean_gamma_deviance)),
    ("tweedie_deviance", "real", sk(mean_tweedie_deviance, power=0.0)),
    ("tweedie_deviance:power=-0.5", "real", sk(mean_tweedie_deviance, power=-0.5)),
    ("tweedie_deviance:power=1", "counts", sk(mean_tweedie_deviance, power=1.0)),
    ("tweedie_deviance:power=1.5", "counts", sk(mean_tweedie_deviance, power=1.5)),
    ("tweedie_deviance:power=2", "positive", sk(mean_tweedie_deviance, power=2.0)),
    ("tweedie_deviance:power=3", "positive", sk(mean_tweedie_deviance, power=3.0)),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("spec", "kind", "reference"), CASES, ids=[c[0] for c in CASES])
def test_agrees_with_sklearn(spec: str, kind: str, reference, seed: int) -> None:
    assert_matches_reference(forecast_frame(seed, kind), spec, reference)


def weighted_max_error(df: pd.DataFrame, w: np.ndarray | None) -> float:
    """sklearn's max_error over the rows of positive weight (a zero weight drops a row)."""
    keep = np.ones(len(df), dtype=bool) if w is None else w > 0
    return max_error(df.y_true[keep], df.y_pred[keep])


@pytest.mark.parametrize("seed", [0, 1])
def test_max_error_agrees_with_sklearn_and_ignores_zero_weights(seed: int) -> None:
    df = forecast_frame(seed, "real")
    df.loc[df.index[::10], "w"] = 0.0
    df.loc[df.index[::10], "y_pred"] = 1e6  # the largest errors, all without weight
    assert_matches_reference(df, "max_error", weighted_max_error)
    assert evaluate(df, losses="max_error").rows[-1].metrics["max_error"] > 9e5


def test_tweedie_power_0_is_mse_and_1_and_2_are_poisson_and_gamma() -> None:
    df = forecast_frame(4, "counts")
    df = df[df.y_true > 0]
    metrics = (
        evaluate(
            df,
            losses="tweedie_deviance,mse,tweedie:power=1,poisson,tweedie:power=2,gamma_deviance",
        )
        .rows[-1]
        .metrics
    )
    assert metrics["tweedie_deviance"] == pytest.approx(metrics["mse"], rel=1e-12)
    assert metrics["tweedie_deviance:power=1"] == metrics["poisson_deviance"]
    assert metrics["tweedie_deviance:power=2"] == metrics["gamma_deviance"]


def test_domain_rules_are_not_applicable_notes() -> None:
    df = pd.DataFrame(
        {"y_true": [0.0, 2.0, -1.0, 3.0], "y_pred": [1.0, 2.5, 1.0, 3.0], "g": list("aabb")}
    )
    rows = evaluate(
        df,
        group_by="g",
        losses="poisson_deviance,gamma_deviance,tweedie:power=-1,tweedie:power=1.5",
    ).rows
    a, b, overall = (row.notes for row in rows)
    assert a == {
        "gamma_deviance": "not applicable: labels or predictions ≤ 0 (the loss needs y > 0 "
        "and ŷ > 0)"
    }
    assert b["poisson_deviance"] == (
        "not applicable: labels < 0 or predictions ≤ 0 (the loss needs y ≥ 0 and ŷ > 0)"
    )
    assert b["tweedie_deviance:power=1.5"] == b["poisson_deviance"]
    assert rows[0].metrics["poisson_deviance"] == pytest.approx(
        mean_poisson_deviance([0.0, 2.0], [1.0, 2.5]), rel=1e-12
    )
    assert rows[1].metrics["tweedie_deviance:power=-1"] == pytest.approx(
        mean_tweedie_deviance([-1.0, 3.0], [1.0, 3.0], power=-1), rel=1e-12
    )
    assert overall.keys() == {"poisson_deviance", "gamma_deviance", "tweedie_deviance:power=1.5"}
    nonpositive = pd.DataFrame({"y_true": [1.0, 2.0], "y_pred": [0.0, 2.0]})
    (row,) = evaluate(nonpositive, losses="tweedie:power=-2").rows
    assert row.metrics == {"tweedie_deviance:power=-2": None}
    assert row.notes == {
        "tweedie_deviance:power=-2": "not applicable: predictions ≤ 0 (the loss needs ŷ > 0)"
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "tweedie_deviance:power=0.5",
            "tweedie_deviance:power=0.5: power must be ≤ 0 or ≥ 1 "
            "(no Tweedie distribution has a power between 0 and 1)",
        ),
        ("pinball:q=1.5", "pinball:q=1.5: q must lie in [0, 1]"),
        ("pinball:alpha=0.5", "pinball: no parameter 'alpha' (parameters: q)"),
    ],
)
def test_bad_parameters_are_usage_errors(spec: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        evaluate(forecast_frame(0, "real"), losses=spec)
    assert str(caught.value) == message


def test_several_quantiles_in_one_run_through_the_cli(run, tmp_path) -> None:
    df = forecast_frame(5, "real", n=50)
    path = write_table(df, tmp_path / "q.csv")
    result = run("evaluate", str(path), "-m", "pinball:q=0.1,pinball,pinball:q=0.9", "-f", "csv")
    assert result.exit_code == 0
    header, line = result.stdout.splitlines()
    assert header == "file,pred,scope,n,pinball:q=0.1,pinball,pinball:q=0.9"
    values = [float(v) for v in line.split(",")[-3:]]
    for value, q in zip(values, (0.1, 0.5, 0.9), strict=True):
        assert value == pytest.approx(mean_pinball_loss(df.y_true, df.y_pred, alpha=q), rel=1e-12)


def test_a_bad_parameter_on_the_command_line_is_exit_2(run, tmp_path) -> None:
    path = write_table(forecast_frame(0, "real", n=5), tmp_path / "f.csv")
    result = run("evaluate", str(path), "-m", "mse,tweedie:power=0.5")
    assert result.exit_code == 2
    assert result.stderr == (
        "losscli: error: invalid value for '-m' / '--loss': tweedie_deviance:power=0.5: power "
        "must be ≤ 0 or ≥ 1 (no Tweedie distribution has a power between 0 and 1)\n"
        "losscli: error: Try 'losscli evaluate -h' for help.\n"
    )


def test_a_row_of_weight_0_never_counts_even_when_its_term_overflows() -> None:
    """ŷ = 1e-308 makes the Gamma deviance of that row overflow; with weight 0 it drops out."""
    df = pd.DataFrame({"y_true": [2.0, 1.0, 3.0], "y_pred": [1e-308, 1.5, 2.0], "w": [0.0, 1, 2]})
    got = evaluate(df, weight="w", losses="gamma_deviance").rows[-1].metrics["gamma_deviance"]
    rest = df.iloc[1:]
    assert got == pytest.approx(
        mean_gamma_deviance(rest.y_true, rest.y_pred, sample_weight=rest.w), rel=1e-12
    )
