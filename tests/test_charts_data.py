"""The chart data model: what every chart of a result draws, from the result alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import result_from_rows, write_table

import losscli
from losscli.render.charts.data import bar_charts, forests, reference_model
from losscli.result import EvaluationResult, Interval, ResultRow

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "model_comparison.csv"


def many_groups(tmp_path: Path, groups: int = 12, rows: int = 600) -> Path:
    """Two models over ``groups`` groups, the second noisier in some groups than others."""
    rng = np.random.default_rng(7)
    g = rng.integers(0, groups, rows)
    y = rng.uniform(0, 10, rows)
    frame = pd.DataFrame(
        {
            "g": [f"g{k:02d}" for k in g],
            "y_true": y,
            "a": y + rng.normal(0, 1, rows) * (1 + g / 4),
            "b": y + rng.normal(0, 1, rows) * (1 + (groups - g) / 4),
        }
    )
    return write_table(frame, tmp_path / "many.csv")


def compared(**options: object) -> EvaluationResult:
    return losscli.evaluate(
        str(SAMPLE), pred=["gbm", "baseline"], group_by="segment", compare=True, **options
    )


def test_chart_bars_equal_the_results_values_and_intervals() -> None:
    result = compared(ci=0.95)
    (chart,) = bar_charts(result)
    document = result.to_dict()
    for category in chart.categories:
        for bar in category.bars:
            (row,) = [
                r
                for r in document["rows"]
                if r["pred"] == bar.model and r["group"] == category.group
            ]
            assert bar.value == row["metrics"]["mse"]
            assert (bar.low, bar.high) == (
                row["intervals"]["mse"]["low"],
                row["intervals"]["mse"]["high"],
            )
    assert chart.level == 0.95
    assert chart.categories[-1].is_overall and chart.categories[-1].label == "overall"


def test_chart_groups_default_to_the_reference_models_value_worst_first() -> None:
    result = compared()
    (chart,) = bar_charts(result, "mse")
    reference = [c.bars[0].value or 0.0 for c in chart.groups]
    assert chart.reference == reference_model(result) == "gbm"
    assert [b.model for b in chart.categories[0].bars] == ["gbm", "baseline"]
    assert reference == sorted(reference, reverse=True)  # the highest MSE first
    assert chart.ordering == "groups by gbm's mse, worst first"


def test_chart_groups_follow_the_tables_sort_by_and_top(tmp_path: Path) -> None:
    path = many_groups(tmp_path)
    result = losscli.evaluate(str(path), pred=["a", "b"], group_by="g", losses=["mse", "mae"])
    table = result.ranked("mae", top=5)
    (chart,) = bar_charts(table, "mse")
    shown = [result.row(int(i)) for i in table.shown_rows()]
    first = [r.group for r in shown if r.pred == "a" and r.group is not None]
    more = [r.group for r in shown if r.pred == "b" and r.group not in [*first, None]]
    # as the wide table's rows: the reference's 5 worst, then the other model's not among them
    assert [c.group for c in chart.groups] == first + more and len(first) == 5 and more
    assert chart.ordering == table.ordering


def test_chart_caps_its_groups_at_max_rows_and_counts_the_rest(tmp_path: Path) -> None:
    result = losscli.evaluate(str(many_groups(tmp_path)), pred=["a", "b"], group_by="g")
    (chart,) = bar_charts(result, max_rows=4)
    assert len(chart.groups) == 4 and chart.more == 8
    (whole,) = bar_charts(result, max_rows=0)
    assert len(whole.groups) == 12 and whole.more == 0
    assert whole.categories[:4] == chart.categories[:4]


def test_chart_matches_each_models_row_by_its_group() -> None:
    def row(pred: str, group: str | None, value: float) -> ResultRow:
        interval = {"mse": Interval(value - 1, value + 1, 0.5, "normal")}
        g = None if group is None else {"g": group}
        return ResultRow("f.csv", pred, g, 10, {"mse": value}, intervals=interval)

    rows = [row("a", "x", 1), row("a", "y", 2), row("a", None, 1.5)]
    rows += [row("b", "y", 20), row("b", "x", 10), row("b", None, 15)]  # another order
    (chart,) = bar_charts(result_from_rows(rows, ["mse"], ["g"]))
    assert [(c.label, [b.value for b in c.bars]) for c in chart.categories] == [
        ("y", [2, 20]),
        ("x", [1, 10]),
        ("overall", [1.5, 15]),
    ]
    assert chart.categories[0].bars[1].low == 19


def test_forest_rows_carry_delta_interval_and_adjusted_verdict() -> None:
    result = compared(ci=0.95)
    (forest,) = forests(result, "mse")
    (chart,) = bar_charts(result, "mse")
    assert (forest.model, forest.reference) == ("baseline", "gbm")
    assert [d.label for d in forest.rows] == [c.label for c in chart.categories]
    records = {
        (tuple((c["group"] or {}).values()), c["loss"]): c
        for c in result.to_dict()["comparisons"]
        if c["pred"] == "baseline"
    }
    for difference in forest.rows:
        record = records[(tuple((difference.group or {}).values()), "mse")]
        assert (difference.delta, difference.low, difference.high) == (
            record["delta"],
            record["low"],
            record["high"],
        )
        # the verdict JSON gives, read from the p-value JSON gives, never recomputed
        assert (difference.p_value, difference.p_adjusted, difference.verdict) == (
            record["p_value"],
            record["p_adjusted"],
            record["verdict"],
        )
        assert difference.significant == (record["verdict"] != "indistinguishable")
    assert forests(losscli.evaluate(str(SAMPLE), pred=["gbm", "baseline"])) == []


def test_a_chart_of_a_loss_the_result_lacks_is_a_usage_error() -> None:
    with pytest.raises(losscli.errors.UsageError, match="no mae column"):
        bar_charts(compared(losses=["mse"]), "mae")
