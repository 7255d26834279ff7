"""Gates that know noise from regression: --max-regression with --ci, and delta: checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import write_table

from losscli.errors import UsageError
from losscli.gating.parse import parse_check, parse_tolerance
from losscli.result.keys import NO_PERIOD


def predictions(tmp_path: Path, name: str, noise: float, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    y = rng.uniform(1, 3, 400)
    frame = pd.DataFrame({"y_true": y, "y_pred": y + rng.normal(0, noise, 400)})
    return write_table(frame, tmp_path / name)


@pytest.fixture
def baseline(run: Any, tmp_path: Path) -> Path:
    path = tmp_path / "baseline.json"
    accepted = predictions(tmp_path, "preds.csv", 0.5, seed=10)
    assert run("evaluate", str(accepted), "-m", "mse", "--ci", "-o", str(path)).exit_code == 0
    return path


def gate(run: Any, new: Path, baseline: Path, *extra: str) -> Any:
    return run(
        "evaluate",
        str(new),
        "-m",
        "mse",
        "--baseline",
        str(baseline),
        "--max-regression",
        "mse=0%",
        "-f",
        "json",
        *extra,
    )


def test_the_baseline_keeps_standard_errors(baseline: Path) -> None:
    (row,) = json.loads(baseline.read_text())["rows"]
    assert row["intervals"]["mse"]["se"] > 0


def test_noise_fails_a_point_gate_but_not_a_significance_gate(
    run: Any, tmp_path: Path, baseline: Path
) -> None:
    # another sample of the same model: a little worse by chance
    new = predictions(tmp_path, "preds.csv", 0.5, seed=26)
    plain = gate(run, new, baseline)
    value, before = (json.loads(plain.stdout)["rows"][0][k]["mse"] for k in ("metrics", "baseline"))
    assert value > before  # the premise: the point estimate got worse
    assert plain.exit_code == 1
    aware = gate(run, new, baseline, "--ci")
    assert aware.exit_code == 0, aware.stderr
    (check,) = json.loads(aware.stdout)["checks"]
    assert "not significantly beyond the tolerance" in check["reason"]


def test_a_real_regression_fails_the_significance_gate(
    run: Any, tmp_path: Path, baseline: Path
) -> None:
    worse = predictions(tmp_path, "preds.csv", 0.8, seed=3)
    result = gate(run, worse, baseline, "--ci")
    assert result.exit_code == 1
    (check,) = json.loads(result.stdout)["checks"]
    assert "% interval is [+" in check["reason"]
    assert check["reason"].endswith(": significantly beyond the tolerance")


def test_a_baseline_without_errors_is_judged_on_values_and_says_so(
    run: Any, tmp_path: Path
) -> None:
    old = tmp_path / "old.json"
    accepted = predictions(tmp_path, "preds.csv", 0.5, seed=10)
    run("evaluate", str(accepted), "-m", "mse", "-o", str(old))
    result = gate(run, predictions(tmp_path, "preds.csv", 0.5, seed=2), old, "--ci")
    (check,) = json.loads(result.stdout)["checks"]
    assert check["reason"].endswith(
        "(judged on the values: the baseline has no standard error; write it with --ci)"
    )


def two_models(tmp_path: Path) -> Path:
    rng = np.random.default_rng(4)
    y = rng.uniform(1, 3, 300)
    frame = pd.DataFrame(
        {
            "y_true": y,
            "good": y + rng.normal(0, 0.3, 300),
            "bad": y + rng.normal(0, 0.6, 300),
            "twin": y + rng.normal(0, 0.3, 300),
        }
    )
    return write_table(frame, tmp_path / "models.csv")


@pytest.mark.parametrize(
    ("models", "code"), [(["good", "bad"], 1), (["good", "twin"], 0), (["bad", "good"], 0)]
)
def test_a_delta_check_fails_only_on_a_significantly_worse_model(
    run: Any, tmp_path: Path, models: list[str], code: int
) -> None:
    path = two_models(tmp_path)
    args = [a for m in models for a in ("-p", m)]
    result = run(
        "evaluate",
        str(path),
        *args,
        "-m",
        "mse",
        "--compare",
        "--check",
        "delta:mse<=0",
        "-f",
        "json",
    )
    assert result.exit_code == code, result.stderr


def test_a_delta_check_needs_compare(run: Any, tmp_path: Path) -> None:
    result = run(
        "evaluate", str(two_models(tmp_path)), "-p", "good", "-p", "bad", "--check", "delta:mse<=0"
    )
    assert result.exit_code == 2
    assert "add --compare" in result.stderr


@pytest.mark.parametrize(
    ("text", "loss", "overall", "delta"),
    [
        ("mse<=0.25", "mse", False, False),
        ("overall:r2>0.8", "r2", True, False),
        ("huber:delta=2 < 0.3", "huber:delta=2", False, False),
        ("overall:delta:MSE<=0", "mse", True, True),
    ],
)
def test_checks_name_losses_in_the_loss_grammar(
    text: str, loss: str, overall: bool, delta: bool
) -> None:
    check = parse_check(text)
    assert (check.loss, check.overall_only, check.delta) == (loss, overall, delta)


def test_a_tolerance_takes_the_last_equals_sign() -> None:
    tolerance = parse_tolerance("huber:delta=2=5%")
    assert (tolerance.loss, tolerance.amount, tolerance.relative) == ("huber:delta=2", 5.0, True)
    with pytest.raises(UsageError, match="no parameter 'q'"):
        parse_tolerance("huber:q=2=5%")


@pytest.mark.parametrize("loss", ["r2", "max_error"])
def test_a_delta_check_on_a_loss_without_comparison_is_a_usage_error_before_reading(
    run: Any, tmp_path: Path, loss: str
) -> None:
    """Whether a loss has a paired difference is its shape's, known before any row is read:
    the file need not even exist."""
    missing = str(tmp_path / "not-yet.csv")
    args = ["-p", "good", "-p", "bad", "-m", loss, "--compare", "--check", f"delta:{loss}>=0"]
    result = run("evaluate", missing, *args)
    assert result.exit_code == 2
    expected = f"the check 'delta:{loss}>=0' is on the paired difference of {loss}, which has none"
    assert expected in result.stderr and "not-yet.csv" not in result.stderr


@pytest.mark.parametrize(("percent", "code"), [(1, 1), (500, 0)])
def test_a_relative_delta_limit_is_a_share_of_the_reference_value(
    run: Any, tmp_path: Path, percent: int, code: int
) -> None:
    """'delta:mse<=1%': the candidate's MSE may exceed the reference's by 1% of it."""
    path = two_models(tmp_path)
    check = f"delta:mse<={percent}%"
    result = run(
        "evaluate", str(path), "-p", "good", "-p", "bad", "-m", "mse", "--compare",
        "--check", check, "-f", "json",
    )  # fmt: skip
    assert result.exit_code == code, result.stderr
    document = json.loads(result.stdout)
    reference = next(r["metrics"]["mse"] for r in document["rows"] if r["pred"] == "good")
    [outcome] = document["checks"]
    assert outcome["limit"] == percent * reference / 100
    assert f"({percent}% of good's {reference:.6g})" in outcome["reason"]


def test_a_percentage_limit_belongs_to_delta_checks() -> None:
    assert parse_check("overall:delta:mae<=1%").relative
    assert not parse_check("delta:mae<=0.01").relative
    with pytest.raises(UsageError, match="only a 'delta:' check takes one"):
        parse_check("mae<=1%")


def test_the_adjustment_is_named_as_used(run: Any, tmp_path: Path) -> None:
    path = two_models(tmp_path)
    frame = pd.read_csv(path)
    frame["g"] = np.arange(len(frame)) % 3
    grouped = write_table(frame, tmp_path / "grouped.csv")
    for how, name in (("holm", "Holm"), ("bh", "Benjamini-Hochberg")):
        out = run(
            "evaluate",
            str(grouped),
            "-p",
            "good",
            "-p",
            "bad",
            "-g",
            "g",
            "-m",
            "mse",
            "--compare",
            "--adjust",
            how,
            "-f",
            "markdown",
        ).stdout
        assert out.rstrip().endswith(f"({name}-adjusted)")


# ------------------------------------------------- many groups: noise does not fail the build

GROUPS, ROWS_PER_GROUP = 200, 50
OVERALL = (GROUPS, 2 * GROUPS + 1)  # the rows: a's groups and overall, then b's


def grouped_models(
    seed: int, worse_group: int | None = None, rows: int = ROWS_PER_GROUP
) -> pd.DataFrame:
    """Two models of the same quality in GROUPS groups (b far worse in one)."""
    rng = np.random.default_rng(seed)
    n = GROUPS * rows
    g = np.repeat(np.arange(GROUPS), rows)
    y = rng.uniform(1, 3, n)
    b_noise = np.where(g == worse_group, 2.5, 0.5)
    return pd.DataFrame(
        {"g": g, "y_true": y, "a": y + rng.normal(0, 0.5, n), "b": y + rng.normal(0, b_noise)}
    )


def delta_gate(frame: pd.DataFrame, **ci: Any) -> list[Any]:
    from losscli.api import evaluate
    from losscli.gating.gates import gate

    result = evaluate(
        frame, pred=["a", "b"], group_by="g", losses="mse", compare=True, ci=0.95, **ci
    )
    return gate(result, [parse_check("delta:mse<=0")]).checks


def fails_alone(outcome: Any) -> bool:
    return not outcome.passed or "but not after adjusting" in outcome.reason


@pytest.mark.parametrize("method", ["normal", "bootstrap"])
def test_a_delta_gate_over_many_groups_fails_on_noise_at_most_at_its_level(method: str) -> None:
    """Simulated builds where b is as good as a in all 200 groups: judged group by group at
    95%, some group is 'significantly worse' in every build; judged together (Holm), the
    group rows fail a build by noise 2.5% of the time (one-sided): 0.75 of 30 builds, at
    most 2 here (fixed seeds; the t tails at 50 rows run a little heavy). The overall row
    is judged on its own, at 2.5% too."""
    ci: dict[str, Any] = {"ci_method": method}
    if method == "bootstrap":
        ci.update(resamples=200, seed=1)
    builds = [delta_gate(grouped_models(seed), **ci) for seed in range(30)]
    alone = sum(any(fails_alone(o) for o in checks) for checks in builds)
    failed = sum(any(not o.passed and o.row not in OVERALL for o in c) for c in builds)
    assert alone == 30  # the premise: unadjusted, noise fails every build
    assert failed <= 2


def test_a_real_regression_in_one_group_still_fails_the_gate() -> None:
    checks = delta_gate(grouped_models(seed=7, worse_group=42))
    failed = [o for o in checks if not o.passed]
    assert [o.row for o in failed] == [GROUPS + 1 + 42, OVERALL[1]]
    assert "Holm-adjusted over 200 group rows: p " in failed[0].reason


def grouped_round_trip(
    run: Any, tmp_path: Path, before: pd.DataFrame, after: pd.DataFrame, tolerance: str
) -> Any:
    """A baseline of ``before`` (model a, per group g, with --ci), then ``after`` gated on
    it with ``--max-regression tolerance --ci``, as JSON."""
    write_table(before, tmp_path / "before.csv")
    write_table(after, tmp_path / "after.csv")
    base = tmp_path / "base.json"
    args = ("-p", "a", "-g", "g", "-m", "mse", "--ci")
    assert run("evaluate", str(tmp_path / "before.csv"), *args, "-o", str(base)).exit_code == 0
    regression = ("--baseline", str(base), "--max-regression", tolerance, "-f", "json")
    return run("evaluate", str(tmp_path / "after.csv"), *args, *regression)


def test_a_baseline_gate_over_many_groups_is_adjusted_too(run: Any, tmp_path: Path) -> None:
    """Another sample of the same model against a baseline, 200 groups, no tolerance: the
    group rows that look worse alone are within noise once judged together."""
    columns = ["g", "y_true", "a"]
    before, after = grouped_models(seed=1)[columns], grouped_models(seed=2)[columns]
    result = grouped_round_trip(run, tmp_path, before, after, "mse=0%")
    checks = json.loads(result.stdout)["checks"]
    rescued = [c for c in checks if "but not after adjusting" in c["reason"]]
    assert rescued  # the premise: some group is significantly worse on its own
    assert "Holm-adjusted over 200 group rows" in rescued[0]["reason"]
    assert result.exit_code == 0, result.stderr


def test_small_groups_are_judged_on_the_t_tail() -> None:
    """Groups of 4 rows: the normal tail would call Δ/SE = 5 (p ≈ 3e-7) significant after
    adjusting over 200 groups; with 3 degrees of freedom it is p ≈ 0.008, and equally good
    models fail at most 2 of 30 simulated builds through their group rows."""
    builds = [delta_gate(grouped_models(seed, rows=4)) for seed in range(30)]
    failed = sum(any(not o.passed and o.row not in OVERALL for o in c) for c in builds)
    assert failed <= 2


def identical_models(rows: int = 12, groups: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    y = rng.uniform(1, 3, rows)
    same = y + rng.normal(0, 0.5, rows)
    return pd.DataFrame({"g": np.arange(rows) % groups, "y_true": y, "a": same, "b": same})


@pytest.mark.parametrize("method", ["normal", "bootstrap"])
@pytest.mark.parametrize(("check", "passed"), [("delta:mse<0", False), ("delta:mse<=0", True)])
def test_a_difference_of_exactly_the_limit_is_judged_alike_in_every_row(
    check: str, passed: bool, method: str
) -> None:
    """Two identical models: Δ = 0 without spread is not below 0, and is at most 0, in
    every group row and overall, however many group rows there are, by either method
    (an unchanged model must pass its own gate)."""
    from losscli.api import evaluate
    from losscli.gating.gates import gate

    result = evaluate(
        identical_models(),
        pred=["a", "b"],
        group_by="g",
        losses="mse",
        compare=True,
        ci=0.95,
        ci_method=method,
    )
    outcomes = gate(result, [parse_check(check)]).checks
    assert len(outcomes) == 4
    assert {o.passed for o in outcomes} == {passed}


@pytest.mark.parametrize("method", ["normal", "bootstrap"])
def test_a_group_of_one_row_has_no_interval_and_is_not_judged(method: str) -> None:
    from losscli.api import evaluate
    from losscli.gating.gates import gate

    frame = grouped_models(seed=3).head(1000)
    frame.loc[len(frame)] = {"g": 999, "y_true": 1.0, "a": 1.5, "b": 9.0}  # b far worse, once
    ci: dict[str, Any] = {"ci_method": method}
    if method == "bootstrap":
        ci.update(resamples=200, seed=1)
    result = evaluate(
        frame, pred=["a", "b"], group_by="g", losses="mse", compare=True, ci=0.95, **ci
    )
    alone = next(r for r in result.rows if r.group == {"g": 999} and r.pred == "b")
    assert alone.n == 1 and alone.intervals["mse"].low is None
    comparison = next(c for c in result.comparisons if c.group == {"g": 999})
    assert comparison.delta == pytest.approx(64 - 0.25) and comparison.low is None
    outcomes = gate(result, [parse_check("delta:mse<=0")]).checks
    one = next(o for o in outcomes if "no interval" in o.reason)
    assert one.passed and one.reason.endswith("has no interval (too few rows): not judged")


@pytest.mark.parametrize("block_rows", [1, 7])
def test_rows_of_weight_0_are_no_resampling_units(block_rows: int) -> None:
    """A group with one row of positive weight among rows of weight 0 is one resampling
    unit: the bootstrap gives it no interval (as the normal method does), and a delta
    check does not judge it, rather than fail it with an interval of width 0."""
    from losscli.api import evaluate
    from losscli.gating.gates import gate

    frame = grouped_models(seed=3).head(1000)
    frame["w"] = 1.0
    alone = pd.DataFrame({"g": 999, "y_true": 1.0, "a": 1.5, "b": 9.0, "w": [1.0] + [0.0] * 40})
    frame = pd.concat([frame, alone], ignore_index=True)
    args: dict[str, Any] = {"pred": ["a", "b"], "group_by": "g", "weight": "w", "losses": "mse"}
    resampling: dict[str, Any] = {"resamples": 200, "seed": 1, "block_rows": block_rows}
    results = {
        method: evaluate(
            frame,
            **args,
            compare=True,
            ci=0.95,
            ci_method=method,
            **(resampling if method == "bootstrap" else {}),
        )
        for method in ("normal", "bootstrap")
    }
    for method, result in results.items():
        row = next(r for r in result.rows if r.group == {"g": 999} and r.pred == "b")
        assert row.n == 41 and row.intervals["mse"].low is None, method
        outcomes = gate(result, [parse_check("delta:mse<=0")]).checks
        one = next(o for o in outcomes if o.row == result.rows.index(row))
        assert one.passed and one.reason.endswith("not judged"), (method, one.reason)
    grouped = next(r for r in results["bootstrap"].rows if r.group == {"g": 0} and r.pred == "b")
    low, value, high = (
        grouped.intervals["mse"].low,
        grouped.metrics["mse"],
        grouped.intervals["mse"].high,
    )
    assert low is not None and value is not None and high is not None and low < value < high


def test_bootstrap_verdicts_across_many_groups_can_call_a_group_worse() -> None:
    """A count of 200 replicates cannot show p below 2/201; adjusted over 200 groups no
    group could be called worse. A group row's p-value (and so its adjusted one and its
    verdict) is the normal approximation from the replicates' SD, as the gate's is, so the
    group made worse is counted worse; the overall row's is its own count."""
    from losscli.api import evaluate

    frame = grouped_models(seed=7, worse_group=42)
    result = evaluate(
        frame,
        pred=["a", "b"],
        group_by="g",
        losses="mse",
        compare=True,
        ci=0.95,
        ci_method="bootstrap",
        resamples=200,
        seed=1,
    )
    worse = [c.group for c in result.comparisons if c.verdict == "worse" and c.group]
    assert worse == [{"g": 42}]
    (overall,) = [c for c in result.comparisons if not c.group]
    assert overall.p_value is not None and overall.p_value >= 2 / 201  # its own count
    (g42,) = [c for c in result.comparisons if c.group == {"g": 42}]
    assert g42.p_value is not None and g42.p_adjusted is not None
    assert g42.p_value < 2 / 201 and g42.p_value <= g42.p_adjusted < 0.05  # what it reports


def test_a_delta_check_on_a_loss_without_a_value_fails() -> None:
    """Accuracy named on regression data has no value: its difference proves nothing."""
    from losscli.api import evaluate
    from losscli.gating.gates import gate

    result = evaluate(identical_models(), pred=["a", "b"], losses="accuracy", compare=True)
    outcomes = gate(result, [parse_check("delta:accuracy<=0")]).checks
    assert outcomes and not any(o.passed for o in outcomes)
    assert all(o.reason.startswith("accuracy: ") for o in outcomes)


def test_compare_says_which_losses_have_no_paired_comparison() -> None:
    from losscli.api import evaluate

    result = evaluate(identical_models(), pred=["a", "b"], losses="mse,r2,max_error", compare=True)
    assert {c.loss for c in result.comparisons} == {"mse"}
    assert [n for n in result.notices if n.startswith("--compare")] == [
        f"--compare: {name} has no paired comparison (only means and ratios of sums have one)"
        for name in ("r2", "max_error")
    ]


def test_a_change_from_a_small_baseline_is_judged_on_its_degrees_of_freedom(
    run: Any, tmp_path: Path
) -> None:
    """A 6-row baseline against 2,000 rows: the baseline's standard error dominates, so the
    t quantile is that of 5 degrees of freedom, not 1,999; the worsening lies between the
    two half-widths, and passes (it would fail on the larger side's)."""
    rng = np.random.default_rng(0)
    yb = rng.uniform(1, 3, 6)
    pb = yb + rng.normal(0, 0.5, 6)
    yc = rng.uniform(1, 3, 2000)
    pc = yc + rng.normal(0, 0.6, 2000)
    write_table(pd.DataFrame({"y_true": yb, "y_pred": pb}), tmp_path / "before.csv")
    write_table(pd.DataFrame({"y_true": yc, "y_pred": pc}), tmp_path / "after.csv")
    base = tmp_path / "base.json"
    args = ("-m", "mse", "--ci")
    assert run("evaluate", str(tmp_path / "before.csv"), *args, "-o", str(base)).exit_code == 0
    result = gate(run, tmp_path / "after.csv", base, "--ci")
    assert result.exit_code == 0, result.stderr
    (check,) = json.loads(result.stdout)["checks"]
    low, high = map(float, check["reason"].split("interval is [")[1].split("]")[0].split(", "))
    assert low < 0  # the interval reaches below no change: not significantly worse
    from scipy import stats

    wide, narrow = stats.t.ppf(0.975, 5), stats.t.ppf(0.975, 1999)
    change, half = (low + high) / 2, (high - low) / 2
    assert change > half * narrow / wide  # the premise: on 1,999 df it would have failed


def test_a_group_without_an_interval_is_not_judged_against_its_baseline(
    run: Any, tmp_path: Path
) -> None:
    frame = grouped_models(seed=5).head(400)[["g", "y_true", "a"]]
    solo = pd.DataFrame({"g": [999], "y_true": [1.0], "a": [1.1]})
    before = pd.concat([frame, solo])
    solo["a"] = 4.0  # far worse, on one row
    result = grouped_round_trip(run, tmp_path, before, pd.concat([frame, solo]), "mse=10%")
    checks = json.loads(result.stdout)["checks"]
    (alone,) = [c for c in checks if c["group"] == {"g": "999"}]
    assert alone["passed"] and alone["reason"].endswith("no interval (too few rows): not judged")


@pytest.mark.parametrize("adjust", ["holm", "bh"])
@pytest.mark.parametrize("group_by", [None, "g"])
@pytest.mark.parametrize("method", ["normal", "bootstrap"])
def test_an_adjusted_p_value_is_never_below_its_own_and_decides_the_verdict(
    method: str, group_by: str | None, adjust: str
) -> None:
    """Every comparison's p_adjusted is the --adjust adjustment of the p-values the rows
    report, so it is never below the row's own p_value (the bootstrap's group rows once
    had theirs from another test), under either method, with or without groups; and the
    verdict is 'indistinguishable' exactly when p_adjusted is not below 1 − level."""
    from losscli.api import evaluate

    rng = np.random.default_rng(3)
    groups, rows = 24, 60
    g = np.repeat(np.arange(groups), rows)
    y = rng.uniform(1, 3, groups * rows)
    b_noise = np.where(g % 4 == 0, 0.9, 0.5)  # b worse in every fourth group
    frame = pd.DataFrame(
        {"g": g, "y_true": y, "a": y + rng.normal(0, 0.5, len(y)), "b": y + rng.normal(0, b_noise)}
    )
    result = evaluate(
        frame,
        pred=["a", "b"],
        group_by=group_by or (),
        losses="mse,mae",
        compare=True,
        ci=0.95,
        ci_method=method,
        resamples=300,
        adjust=adjust,
    )
    assert len(result.comparisons) == 2 * (1 + (groups if group_by else 0))
    for c in result.comparisons:
        assert c.p_value is not None and c.p_adjusted is not None, c
        assert c.p_adjusted >= c.p_value, c
        assert (c.verdict == "indistinguishable") == (c.p_adjusted >= 0.05), c
    verdicts = {c.verdict for c in result.comparisons}
    assert "worse" in verdicts and (not group_by or "indistinguishable" in verdicts)


def test_a_delta_check_with_periods_judges_each_period_on_its_own_row() -> None:
    """With --period, each comparison is judged on its own period's row:
    the outcome names that period, and a relative limit is a share of the reference's value
    in that period (it had been matched to the group's row over all periods)."""
    from losscli import evaluate

    rng = np.random.default_rng(4)
    n = 480
    day = pd.Timestamp("2026-03-02") + pd.to_timedelta(np.arange(n) % 28, "D")
    y = rng.normal(10, 2, n)
    df = pd.DataFrame(
        {
            "day": day.strftime("%Y-%m-%d"),
            "g": np.where(np.arange(n) % 2 == 0, "a", "b"),
            "y": y,
            "good": y + rng.normal(0, 0.5, n),
            "bad": y + rng.normal(0, 0.5, n) + np.where(day.isocalendar().week.values > 11, 3, 0),
        }
    )
    result = evaluate(
        df, label="y", pred=["good", "bad"], losses="mae", group_by="g", period="day:W",
        compare=True, checks=["delta:mae<=5%"],
    )  # fmt: skip
    period = result.frame.period
    assert period is not None
    starts = {c.period for c in result.comparisons if c.group is not None}
    assert len(starts - {None}) == 4  # and the groups over all periods
    for outcome in result.checks:
        row = result.rows[outcome.row]
        match = [
            c
            for c in result.comparisons
            if c.group == row.group and c.pred == row.pred and c.delta == outcome.value
        ]
        assert len(match) == 1
        start = period.start[outcome.row]
        assert (None if start == NO_PERIOD else int(start)) == match[0].period
        reference = next(
            r
            for i, r in enumerate(result.rows)
            if r.pred == "good" and r.group == row.group and period.start[i] == start
        )
        assert f"5% of good's {reference.metrics['mae']:.6g}" in outcome.reason
    assert any(row.period is not None for row in (result.rows[o.row] for o in result.failures))


def test_a_period_too_small_for_an_interval_is_not_judged_by_a_delta_check() -> None:
    """A period's row over all groups with one row has no interval: like a small group, it
    is not judged (it had failed the build as if it were the grand row)."""
    from losscli import evaluate

    rng = np.random.default_rng(5)
    days = ["2026-03-02"] * 60 + ["2026-03-09"]  # week 11 holds one row
    y = rng.normal(10, 2, len(days))
    df = pd.DataFrame({"day": days, "y": y, "a": y + rng.normal(0, 1, len(days))})
    df["b"] = df.a + rng.normal(0, 0.1, len(days))
    result = evaluate(
        df, label="y", pred=["a", "b"], losses="mae", period="day:W", compare=True,
        checks=["delta:mae<=5"],
    )  # fmt: skip
    assert not result.failures
    lonely = [o for o in result.checks if "has no interval" in o.reason]
    assert len(lonely) == 1 and lonely[0].passed
    assert result.rows[lonely[0].row].period is not None
