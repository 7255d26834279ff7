"""bias (signed, no better direction) and abs_bias (its size, lower is better): numpy as
the oracle, and every place a loss's direction matters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import assert_matches_reference, write_table

from losscli import evaluate
from losscli.errors import UsageError
from losscli.render.html.tables import best_cells
from losscli.testing import check_loss

SAMPLE = Path(__file__).parent.parent / "sample_data" / "model_comparison.csv"
TWO = ("evaluate", str(SAMPLE), "-p", "gbm", "-p", "baseline", "-g", "segment")


def biased_frame(seed: int, n: int = 400) -> pd.DataFrame:
    """Two forecasts, one biased up in group a and down in group c, weights, groups."""
    rng = np.random.default_rng(seed)
    g = rng.choice(list("abc"), n)
    y = rng.gamma(2.0, 5.0, n)
    shift = np.select([g == "a", g == "c"], [3.0, -2.0], 0.2)
    return pd.DataFrame(
        {
            "y_true": y,
            "y_pred": y + shift + rng.normal(0.0, 2.0, n),
            "other": y + rng.normal(0.5, 2.0, n),
            "w": rng.uniform(0.0, 3.0, n),
            "g": g,
        }
    )


def numpy_bias(df: pd.DataFrame, w: np.ndarray | None) -> float:
    return float(np.average(df.y_pred - df.y_true, weights=w))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("spec", ["bias", "mean_error", "abs_bias"])
def test_bias_is_the_weighted_mean_of_pred_minus_label(spec: str, seed: int) -> None:
    if spec == "abs_bias":
        assert_matches_reference(biased_frame(seed), spec, lambda df, w: abs(numpy_bias(df, w)))
    else:
        assert_matches_reference(biased_frame(seed), spec, numpy_bias)


def test_bias_and_abs_bias_pass_check_loss() -> None:
    check_loss("bias")
    check_loss("abs_bias")


def test_abs_bias_interval_is_the_image_of_bias_interval() -> None:
    """|·| of bias's interval: from 0 where it holds 0, else from its nearer end."""
    df = biased_frame(2)
    rows = evaluate(df, group_by="g", weight="w", losses="bias,abs_bias", ci=0.95).rows
    crossing = 0
    for row in rows:
        signed, size = row.intervals["bias"], row.intervals["abs_bias"]
        assert row.metrics["abs_bias"] == abs(row.metrics["bias"])
        assert signed.low is not None and signed.high is not None
        if signed.low <= 0 <= signed.high:
            crossing += 1
            assert size.low == 0.0
        else:
            assert size.low == pytest.approx(min(abs(signed.low), abs(signed.high)), rel=1e-15)
        assert size.high == pytest.approx(max(abs(signed.low), abs(signed.high)), rel=1e-15)
        assert size.se == pytest.approx(signed.se, rel=1e-15)
    assert 0 < crossing < len(rows)  # both cases are met


def test_bias_is_never_marked_best(run: Any) -> None:
    out = run(*TWO, "-m", "mse,bias", "-f", "markdown", "--no-chart").stdout
    lines = out.splitlines()
    header = lines[2].split("|")
    assert [cell.strip() for cell in header[3:7]] == [
        "mse ↓: gbm",
        "mse ↓: baseline",
        "bias: gbm",
        "bias: baseline",
    ]
    rows = [line.split("|") for line in lines[4:8]]
    assert all("★" in row[3] for row in rows)  # mse: gbm is best everywhere
    assert not any("★" in cell for row in rows for cell in row[5:7])
    result = evaluate(str(SAMPLE), pred=["gbm", "baseline"], group_by="segment", losses="bias")
    assert best_cells(result, result.frame) == set()
    alone = run(*TWO, "-m", "bias", "-f", "markdown", "--no-chart").stdout
    assert "best in" not in alone and "best by" not in alone  # no closing line ranks by bias
    assert "best in" in out  # mse still ranks the models


def test_max_regression_refuses_bias(run: Any, tmp_path: Path) -> None:
    baseline = tmp_path / "base.json"
    assert run(*TWO, "-m", "bias,abs_bias", "-f", "json", "-o", str(baseline)).exit_code == 0
    refused = run(*TWO, "-m", "bias", "--baseline", str(baseline), "--max-regression", "bias=0.1")
    assert refused.exit_code == 2
    assert "--max-regression 'bias=0.1': bias is signed" in refused.stderr
    assert "abs_bias" in refused.stderr
    allowed = run(
        *TWO, "-m", "bias", "--baseline", str(baseline), "--max-regression", "abs_bias=1000"
    )
    assert allowed.exit_code == 0, allowed.stderr
    with pytest.raises(UsageError, match="mean_error"):
        evaluate(str(SAMPLE), pred="gbm", losses="bias", max_regression="mean_error=1")


def test_delta_check_refuses_bias(run: Any) -> None:
    done = run(*TWO, "--compare", "--check", "delta:bias<1")
    assert done.exit_code == 2
    assert "bias is signed" in done.stderr


def test_check_judges_bias_as_signed() -> None:
    df = biased_frame(0)
    overall = evaluate(df, losses="bias").rows[-1].metrics["bias"]
    assert overall is not None and overall > 0
    passed = evaluate(df, losses="bias", checks=[f"overall:bias<{overall + 0.01}"])
    assert passed.failures == []
    above = evaluate(df, losses="bias", checks=[f"overall:bias>{-overall}"])
    assert above.failures == []
    below = evaluate(df, losses="bias", checks=[f"overall:bias<{-overall}"])
    assert len(below.failures) == 1
    groups = evaluate(df, group_by="g", losses="bias", checks=["bias>-1"])
    assert [groups.rows[f.row].group for f in groups.failures] == [{"g": "c"}]  # down by 2


def done_args(path: Path) -> tuple[str, ...]:
    return ("evaluate", str(path), "-g", "g", "-m", "bias")


def test_sort_by_bias_orders_groups_by_its_size(run: Any, tmp_path: Path) -> None:
    path = write_table(biased_frame(0), tmp_path / "b.csv")
    done = run("evaluate", str(path), "-g", "g", "-m", "bias", "--sort-by", "bias", "-f", "json")
    assert done.exit_code == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert [row["group"]["g"] for row in rows[:-1]] == ["a", "c", "b"]  # |3|, |−2|, |0.2|
    best = run(*done_args(path), "--sort-by", "bias", "--top", "-1", "-f", "markdown")
    assert "Group rows by \\|bias\\|, best first" in best.stdout  # markdown escapes |
    shown = [line for line in best.stdout.splitlines() if line.startswith("| ")]
    assert shown[1].startswith("| b |")  # after the header: b (|0.2|, the least biased)


def test_compare_gives_bias_no_verdict_and_says_why() -> None:
    df = biased_frame(0)
    result = evaluate(df, pred=["y_pred", "other"], losses="mse,bias,abs_bias", compare=True)
    assert {c.loss for c in result.comparisons} == {"mse", "abs_bias"}
    assert (
        "--compare: bias has no paired comparison (bias has no better direction, so no verdict)"
        in result.notices
    )


def test_the_catalog_says_bias_has_no_better_side(run: Any) -> None:
    listing = json.loads(run("losses", "-f", "json").stdout)
    better = {row["loss"]: row["better"] for row in listing}
    assert better["bias"] == "none"
    assert better["abs_bias"] == "lower"
