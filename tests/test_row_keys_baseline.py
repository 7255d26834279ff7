"""Baseline rows matched by the whole row key: file, model, group, period start, class."""

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
