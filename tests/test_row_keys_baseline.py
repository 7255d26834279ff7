"""Baseline rows matched by the whole row key: file, model, group, period, class part."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import result_with_parts
from test_row_keys import demand

import losscli
from losscli.gating.baseline import instant_text, load_baseline
from losscli.gating.gates import gate
from losscli.result import EvaluationResult


@pytest.fixture(scope="module")
def parts() -> EvaluationResult:
    return result_with_parts(demand(), time="t", tz="Europe/Berlin", classes="c", group_by="g")


def test_baseline_rows_match_by_period_and_class(parts: EvaluationResult, tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(parts.to_dict()))
    done = gate(parts, baseline=load_baseline(str(path)))
    for column in done.frame.losses.values():
        assert column.baseline is not None
        np.testing.assert_array_equal(column.baseline, column.values)  # each row its own
    assert not [n for n in done.notices if "baseline" in n]


def test_a_baseline_written_before_periods_and_classes_matches_rows_without_them(
    parts: EvaluationResult, tmp_path: Path
) -> None:
    before = losscli.evaluate(demand(), group_by="g").to_dict()  # as bed855e wrote it
    assert all(list(row) == ["file", "pred", "group", "n", "metrics"] for row in before["rows"])
    path = tmp_path / "old.json"
    path.write_text(json.dumps(before))
    done = gate(parts, baseline=load_baseline(str(path)))
    frame = done.frame
    plain = ~frame.period.present & ~frame.classes.present  # type: ignore[union-attr]
    mse = frame.losses["mse"]
    assert mse.baseline is not None
    np.testing.assert_array_equal(mse.baseline[plain], mse.values[plain])
    assert np.isnan(mse.baseline[~plain]).all()
    new = [n for n in done.notices if n.endswith("(new in this run)")]
    assert len(new) == int((~plain).sum())
    assert "DataFrame[0], y_pred, g=a, period 2026-03-29, class macro avg (new" in "\n".join(new)


def test_a_period_start_matches_as_an_instant_whatever_the_zone() -> None:
    assert instant_text("2026-03-30T00:00:00+02:00") == instant_text("2026-03-29T22:00:00+00:00")
    assert instant_text("2026-03-30") == "2026-03-30"


def test_a_week_never_matches_the_baseline_month_it_starts(tmp_path: Path) -> None:
    """A baseline of months and a run of weeks: the week starting on the 1st is not the
    month starting that day (the key holds the period's start and end), so no row of the
    run has a baseline value and --max-regression judges nothing."""
    import pandas as pd

    when = pd.date_range("2026-06-01", periods=24 * 60, freq="h")  # a Monday, a 1st
    rng = np.random.default_rng(8)
    data = pd.DataFrame(
        {"t": when.strftime("%Y-%m-%dT%H:%M"), "y_true": rng.normal(size=len(when))}
    )
    data["y_pred"] = data.y_true + rng.normal(size=len(when))
    monthly = losscli.evaluate(data, period="t:M", losses="mse")
    path = tmp_path / "months.json"
    path.write_text(json.dumps(monthly.to_dict()))
    weekly = losscli.evaluate(
        data, period="t:W", losses="mse", baseline=str(path), max_regression="mse=0%"
    )
    base = weekly.frame.losses["mse"].baseline
    assert base is not None and np.isnan(base[weekly.frame.period.present]).all()
    assert not weekly.failures


def test_a_class_named_like_an_average_matches_only_its_class_row(tmp_path: Path) -> None:
    """Classes named ``accuracy`` and ``macro avg`` (from the data): a run compared with its
    own baseline matches each class row with itself, never with the average row of that
    name (the key holds the class part's scope)."""
    import pandas as pd

    data = pd.DataFrame(
        {
            "y": ["accuracy", "macro avg", "other", "accuracy", "other", "macro avg"],
            "p_accuracy": [0.7, 0.3, 0.2, 0.4, 0.5, 0.2],
            "p_macro avg": [0.2, 0.6, 0.2, 0.5, 0.1, 0.5],
            "p_other": [0.1, 0.1, 0.6, 0.1, 0.4, 0.3],
        }
    )
    first = losscli.evaluate(data, label="y", probs="p_*", per_class=True, losses="f1")
    path = tmp_path / "classes.json"
    path.write_text(json.dumps(first.to_dict()))
    again = losscli.evaluate(
        data, label="y", probs="p_*", per_class=True, losses="f1", baseline=str(path)
    )
    column = again.frame.losses["f1"]
    assert column.baseline is not None
    np.testing.assert_array_equal(column.baseline, column.values)
