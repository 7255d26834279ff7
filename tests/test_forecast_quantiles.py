"""Quantile forecasts (--quantiles): pinball per level, mqloss, coverage and the interval
score, against utilsforecast, numpy and the formulas by hand; errors and naming."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import assert_matches_reference, write_table
from test_readme import block, shell
from utilsforecast import losses as uf

from losscli import evaluate
from losscli.engine.intervals import wilson
from losscli.errors import UsageError
from losscli.reading import csv_source

LEVELS = (0.1, 0.5, 0.9)
SPEC = "sales_q10=0.1,sales_q50=0.5,sales_q90=0.9"


def quantile_frame(seed: int, n: int = 300) -> pd.DataFrame:
    """Labels, a quantile forecast at LEVELS (crossing now and then), weights, groups."""
    rng = np.random.default_rng(seed)
    y = rng.gamma(2.0, 5.0, n)
    centre = y + rng.normal(0.0, 3.0, n)
    spread = rng.uniform(-0.5, 5.0, n)  # below 0: the quantiles cross
    return pd.DataFrame(
        {
            "y_true": y,
            "sales_q10": centre - spread,
            "sales_q50": centre,
            "sales_q90": centre + 1.3 * spread,
            "point": centre + 0.7,
            "w": rng.uniform(0.0, 3.0, n),
            "g": rng.choice(list("abcd"), n),
        }
    )


def uf_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The rows as utilsforecast takes them: one series (unique_id), the label y, and the
    80% interval's bounds under its names."""
    return pd.DataFrame(
        {
            "unique_id": 0,
            "y": df.y_true.to_numpy(),
            "m-q10": df.sales_q10.to_numpy(),
            "m-q50": df.sales_q50.to_numpy(),
            "m-q90": df.sales_q90.to_numpy(),
            "m-lo-80": df.sales_q10.to_numpy(),
            "m-hi-80": df.sales_q90.to_numpy(),
        }
    )


def mqloss_reference(df: pd.DataFrame, w: np.ndarray | None) -> float:
    """utilsforecast's mqloss unweighted; with weights the same per-row term, weighed."""
    if w is None:
        models = {"m": ["m-q10", "m-q50", "m-q90"]}
        return float(uf.mqloss(uf_frame(df), models, np.array(LEVELS))["m"].iloc[0])
    q = np.array(LEVELS)
    e = df.y_true.to_numpy()[:, None] - df[["sales_q10", "sales_q50", "sales_q90"]].to_numpy()
    return float(np.average(np.maximum(e * q, e * (q - 1)).mean(axis=1), weights=w))


def coverage_reference(df: pd.DataFrame, w: np.ndarray | None) -> float:
    if w is None:
        return float(uf.coverage(uf_frame(df), ["m"], 80)["m"].iloc[0])
    inside = (df.sales_q10 <= df.y_true) & (df.y_true <= df.sales_q90)
    return float(np.average(inside, weights=w))


def interval_score_reference(df: pd.DataFrame, w: np.ndarray | None) -> float:
    """(u − l) + (2/α)(l − y)·1[y < l] + (2/α)(y − u)·1[y > u], α = 0.2, row by row."""
    alpha = 1 - (0.9 - 0.1)
    scores = []
    for y, low, high in zip(df.y_true, df.sales_q10, df.sales_q90, strict=True):
        score = high - low
        if y < low:
            score += 2 / alpha * (low - y)
        if y > high:
            score += 2 / alpha * (y - high)
        scores.append(score)
    return float(np.average(scores, weights=w))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    ("spec", "reference"),
    [
        ("mqloss", mqloss_reference),
        ("coverage:lower=0.1:upper=0.9", coverage_reference),
        ("interval_score:lower=0.1:upper=0.9", interval_score_reference),
    ],
    ids=["mqloss", "coverage", "interval_score"],
)
def test_quantile_losses_equal_utilsforecast_and_the_formula(
    spec: str, reference: Any, seed: int
) -> None:
    """Per group, overall, weighted and not, each group alone and read in chunks of 7 rows."""
    assert_matches_reference(quantile_frame(seed), spec, reference, quantiles=SPEC)


def test_mqloss_equals_utilsforecast_per_series() -> None:
    """utilsforecast's mqloss per unique_id is the group rows' (its ids: our groups)."""
    df = quantile_frame(3)
    frame = uf_frame(df).assign(unique_id=df.g.to_numpy())
    want = uf.mqloss(frame, {"m": ["m-q10", "m-q50", "m-q90"]}, np.array(LEVELS))
    cover = uf.coverage(frame, ["m"], 80)
    rows = evaluate(df, quantiles=SPEC, group_by="g", losses="mqloss,coverage:lower=0.1:upper=0.9")
    got = {row.group["g"]: row.metrics for row in rows.rows[:-1]}
    for g, value in zip(want.unique_id, want.m, strict=True):
        assert got[g]["mqloss"] == pytest.approx(value, rel=1e-9, abs=1e-15)
    for g, value in zip(cover.unique_id, cover.m, strict=True):
        assert got[g]["coverage:lower=0.1:upper=0.9"] == pytest.approx(value, rel=1e-9)


def test_interval_score_by_hand_on_three_rows() -> None:
    """α = 0.2: inside [2, 6] scores 4; y = 1 below it 4 + 10·1 = 14; y = 9 above it
    4 + 10·3 = 34; their mean is 52/3."""
    df = pd.DataFrame({"y_true": [4.0, 1.0, 9.0], "lo": [2.0] * 3, "hi": [6.0] * 3})
    row = evaluate(df, quantiles="lo=0.1,hi=0.9", losses="interval_score:lower=0.1:upper=0.9").rows[
        -1
    ]
    assert row.metrics["interval_score:lower=0.1:upper=0.9"] == pytest.approx(52 / 3, rel=1e-15)


def test_coverage_counts_the_bounds_as_inside() -> None:
    df = pd.DataFrame({"y_true": [2.0, 6.0, 1.0, 7.0], "lo": [2.0] * 4, "hi": [6.0] * 4})
    row = evaluate(df, quantiles="lo=0.05,hi=0.95", losses="coverage:lower=0.05:upper=0.95")
    assert row.rows[-1].metrics["coverage:lower=0.05:upper=0.95"] == 0.5


def test_each_levels_pinball_equals_pinball_of_that_column() -> None:
    """pinball:q=0.1 of the quantile model is the existing pinball:q=0.1 of its q10 column."""
    df = quantile_frame(5)
    quantile = evaluate(df, quantiles=SPEC, group_by="g", weight="w").frame
    for level, column in zip(LEVELS, ["sales_q10", "sales_q50", "sales_q90"], strict=True):
        name = "pinball" if level == 0.5 else f"pinball:q={level}"
        point = evaluate(df, pred=column, group_by="g", weight="w", losses=name).frame
        assert np.array_equal(quantile.losses[name].values, point.losses[name].values)


def test_quantiles_imply_their_losses_and_name_the_model_after_the_prefix() -> None:
    result = evaluate(quantile_frame(0), quantiles=SPEC)
    assert result.preds == ["sales"]
    assert result.losses == [
        "pinball:q=0.1",
        "pinball",
        "pinball:q=0.9",
        "mqloss",
        "coverage:lower=0.1:upper=0.9",
        "interval_score:lower=0.1:upper=0.9",
    ]


def test_a_named_quantile_model_beside_a_point_model() -> None:
    df = quantile_frame(0).rename(columns={"sales_q10": "lo", "sales_q90": "hi"})
    result = evaluate(df, pred="point", quantiles="gbm:lo=0.1,hi=0.9", losses="mae,pinball:q=0.1")
    rows = {row.pred: row for row in result.rows}
    assert set(rows) == {"point", "gbm"}
    assert rows["gbm"].metrics["mae"] is None
    assert rows["gbm"].notes["mae"].startswith("not applicable to a quantile forecast")
    assert rows["point"].metrics["pinball:q=0.1"] is not None
    unnamed = evaluate(df, quantiles="lo=0.1,hi=0.9", losses="mqloss")
    assert unnamed.preds == ["lo,hi"]


def test_results_do_not_depend_on_chunks_or_threads(tmp_path: Path) -> None:
    df = quantile_frame(7, n=2000)
    path = write_table(df, tmp_path / "q.csv")
    options: dict[str, Any] = {"quantiles": SPEC, "group_by": "g", "weight": "w", "ci": 0.9}
    whole = evaluate(str(path), threads=1, **options).frame
    chunks: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_source, "BLOCK_BYTES", 2048)  # about 20 rows a chunk
        progress = lambda *report: chunks.append(1)  # noqa: E731
        chunked = evaluate(str(path), threads=3, progress=progress, **options).frame
    assert len(chunks) > 50
    for name, column in whole.losses.items():
        other = chunked.losses[name]
        for part in ("values", "low", "high"):
            a, b = getattr(column, part), getattr(other, part)
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-15, err_msg=f"{name} {part}")


def test_coverage_has_wilsons_interval() -> None:
    df = quantile_frame(2)
    row = evaluate(df, quantiles=SPEC, losses="coverage:lower=0.1:upper=0.9", ci=0.95).rows[-1]
    inside = ((df.sales_q10 <= df.y_true) & (df.y_true <= df.sales_q90)).mean()
    low, high = wilson(np.array([inside]), np.array([float(len(df))]), 1.959963984540054)
    interval = row.intervals["coverage:lower=0.1:upper=0.9"]
    assert (interval.low, interval.high) == pytest.approx((low[0], high[0]), rel=1e-9)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"quantiles": "q10=1.5,q90=0.9"}, "'q10' is '1.5'"),
        ({"quantiles": "q10=0,q90=0.9"}, "strictly between 0 and 1"),
        ({"quantiles": "q10=0.1"}, "two or more columns"),
        ({"quantiles": "q10=0.1,q90=0.1"}, "level 0.1 is named twice"),
        ({"pred": "point", "losses": "mqloss"}, "mqloss scores quantile forecasts"),
        ({"pred": "point", "losses": "coverage:lower=0.1:upper=0.9"}, "no model has quantiles"),
        ({"quantiles": SPEC, "losses": "coverage"}, "coverage:lower=L:upper=U"),
        ({"quantiles": SPEC, "losses": "coverage:lower=0.2:upper=0.9"}, "level 0.2 and 0.9"),
        ({"quantiles": SPEC, "losses": "interval_score:lower=0.1:upper=0.5"}, "central"),
        ({"quantiles": SPEC, "losses": "coverage:lower=0.9:upper=0.1"}, "must be below upper"),
        ({"quantiles": SPEC, "losses": "pinball:q=0.3"}, "no --quantiles model has a column at"),
    ],
)
def test_bad_quantiles_are_usage_errors_naming_them(options: dict[str, Any], named: str) -> None:
    df = quantile_frame(0).rename(columns={"sales_q10": "q10", "sales_q90": "q90"})
    with pytest.raises(UsageError, match=re.escape(named)):
        evaluate(df, **options)


def test_a_missing_quantile_column_is_an_input_error_naming_it(run: Any, tmp_path: Path) -> None:
    path = write_table(quantile_frame(0), tmp_path / "q.csv")
    result = run("evaluate", str(path), "--quantiles", "sales_q10=0.1,sales_q95=0.95")
    assert result.exit_code == 3
    assert "no quantile column 'sales_q95'" in result.stderr


def test_the_command_line_and_the_config_key(run: Any, tmp_path: Path) -> None:
    path = write_table(quantile_frame(0), tmp_path / "q.csv")
    args = ["evaluate", str(path), "-g", "g", "-f", "json"]
    typed = run(*args, "--quantiles", SPEC)
    assert typed.exit_code == 0, typed.stderr
    (tmp_path / "losscli.toml").write_text(f'quantiles = ["{SPEC}"]\n')
    configured = run(*args, "--config", str(tmp_path / "losscli.toml"))
    assert configured.exit_code == 0, configured.stderr
    assert json.loads(configured.stdout)["rows"] == json.loads(typed.stdout)["rows"]
    bad = run(*args, "--quantiles", "sales_q10=10,sales_q90=90")
    assert bad.exit_code == 2
    assert "--quantiles" in bad.stderr and "sales_q10" in bad.stderr


@pytest.mark.parametrize(
    "first_line",
    [
        "$ losscli evaluate sample_data/demand_forecast.csv -g region -m bias,abs_bias,mae",
        "$ losscli evaluate sample_data/demand_forecast.csv -g region -f table \\",
    ],
)
def test_the_readme_bias_and_quantile_examples_are_the_real_output(first_line: str) -> None:
    example = block("console", first_line).splitlines()
    command: list[str] = []
    while not command or command[-1].endswith("\\"):
        command.append(example.pop(0).removeprefix("$ "))
    root = Path(__file__).parent.parent
    done = shell("\n".join(command), root)
    assert done.returncode == 0, done.stderr
    assert [line.rstrip() for line in done.stdout.rstrip().splitlines()] == example


def test_compare_pairs_a_level_across_point_and_quantile_models_and_says_why_not_others() -> None:
    df = quantile_frame(0)
    result = evaluate(
        df, pred="point", quantiles=SPEC, losses="mae,pinball:q=0.1,mqloss", compare=True
    )
    assert {(c.pred, c.loss) for c in result.comparisons} == {("sales", "pinball:q=0.1")}
    for name in ("mae", "mqloss"):
        assert (
            f"--compare: {name} has no paired comparison (it does not score both the "
            "reference and another model)"
        ) in result.notices


def test_sort_by_coverage_orders_groups_by_their_distance_from_the_nominal() -> None:
    name = "coverage:lower=0.1:upper=0.9"
    result = evaluate(quantile_frame(4), quantiles=SPEC, group_by="g", losses=name)
    values = {row.group["g"]: row.metrics[name] for row in result.rows[:-1]}
    ranked = result.ranked(name, None)
    shown = [ranked.rows[i].group["g"] for i in ranked.shown_rows()[:-1]]
    assert shown == sorted(values, key=lambda g: -abs(values[g] - 0.8))
    assert ranked.ordering == f"group rows by |{name} − 0.8|, worst first"
