"""Which rows a check judges on results with period and class parts (``gating/scopes.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from conftest import result_with_parts
from test_row_keys import demand

from losscli.errors import UsageError
from losscli.gating.gates import gate
from losscli.gating.parse import parse_check
from losscli.result import EvaluationResult


@pytest.fixture(scope="module")
def parts() -> EvaluationResult:
    return result_with_parts(demand(), time="t", freq="D", classes="c", group_by="g")


def judged(result: EvaluationResult, text: str) -> tuple[list[int], list[str]]:
    done = gate(result, [parse_check(text)])
    return [o.row for o in done.checks], done.notices


def test_a_plain_check_judges_every_row_without_a_class_part(parts: EvaluationResult) -> None:
    rows, _ = judged(parts, "mse<1")
    assert rows == np.flatnonzero(~parts.frame.classes.present).tolist()  # type: ignore[union-attr]
    scopes = parts.frame.scopes()[rows]
    assert set(scopes) == {"group", "overall"}
    assert parts.frame.period is not None and parts.frame.period.present[rows].sum() > 0


def test_class_and_average_checks_judge_their_rows_only(parts: EvaluationResult) -> None:
    scopes = parts.frame.scopes()
    rows, _ = judged(parts, "class:mse<1")
    assert rows == np.flatnonzero(scopes == "class").tolist()
    rows, _ = judged(parts, "average:mse<1")
    assert rows == np.flatnonzero(scopes == "average").tolist()
    rows, _ = judged(parts, "overall:class:mse<1")
    assert set(parts.frame.overall[rows]) == {True} and set(scopes[rows]) == {"class"}


def test_last_and_first_judge_the_latest_and_earliest_period_only(parts: EvaluationResult) -> None:
    period = parts.frame.period
    assert period is not None
    plain = ~parts.frame.classes.present  # type: ignore[union-attr]
    for prefix, edge in (("last", period.start[period.present].max()),
                         ("first", period.start[period.present].min())):  # fmt: skip
        rows, _ = judged(parts, f"{prefix}:mse<1")
        assert rows == np.flatnonzero(plain & (period.start == edge)).tolist()
        rows, _ = judged(parts, f"overall:{prefix}:mse<1")  # the overall row of that period
        assert len(rows) == 1 and parts.frame.overall[rows[0]] and period.start[rows[0]] == edge
        rows, _ = judged(parts, f"{prefix}:class:mse<1")
        assert set(parts.frame.scopes()[rows]) == {"class"} and set(period.start[rows]) == {edge}


def test_a_group_without_rows_in_the_latest_period_is_warned_about() -> None:
    data = demand()
    last_day = data["t"].dt.normalize() == data["t"].dt.normalize().max()
    result = result_with_parts(data[~(last_day & (data["g"] == "b"))], time="t", group_by="g")
    rows, notices = judged(result, "last:mse<1")
    assert [result.frame.keys["g"][i] for i in rows] == ["a", None]
    assert notices == [
        "--check last:mse<1: DataFrame[0], y_pred: 1 group(s) have no rows in the latest "
        "period 2026-04-08, so the check does not judge them there: g=b"
    ]


def test_a_failed_checks_message_names_the_period_and_class(parts: EvaluationResult) -> None:
    done = gate(parts, [parse_check("last:class:mse<0")])
    failed = done.failures[0]
    assert failed.where(done.row(failed.row)) == (
        "DataFrame[0], y_pred, g=a, period 2026-04-08, class x"
    )
    record = failed.record(done.row(failed.row))
    assert record["period"] == {
        "start": "2026-04-08T00:00:00+00:00",
        "end": "2026-04-09T00:00:00+00:00",
    }
    assert record["class"] == "x"


def test_period_and_class_prefixes_without_those_parts_are_usage_errors(
    run: Callable[..., Result], article_csv: Path
) -> None:
    needs = {"last": "--period", "first": "--period", "class": "--per-class"}
    for prefix, option in {**needs, "average": "--per-class"}.items():
        check = f"{prefix}:mse<1"
        done = run("evaluate", str(article_csv), "--check", check)
        assert done.exit_code == 2, done.stderr
        assert option in done.stderr and check in done.stderr
    result = result_with_parts(demand(), time="t", group_by="g")
    with pytest.raises(UsageError, match="add --per-class"):
        judged(result, "class:mse<1")


def test_exclusive_prefixes_are_refused_when_read() -> None:
    for text in ("last:first:mse<1", "class:average:mse<1", "delta:last:mse<0"):
        with pytest.raises(UsageError, match="cannot read the check"):
            parse_check(text)


def test_an_average_check_of_roc_auc_judges_the_macro_and_weighted_rows(
    run: Callable[..., Result],
) -> None:
    """The ``accuracy`` average row carries accuracy alone: ``average:roc_auc`` judges the
    macro and weighted rows (it failed on the accuracy row, which has no ROC-AUC), while
    ``average:precision`` still judges all three."""
    animals = Path(__file__).parent.parent / "sample_data" / "animals.csv"
    args = ["evaluate", str(animals), "-l", "species", "--probs", "p_*"]
    args += ["--per-class", "-m", "roc_auc,precision", "-f", "json"]
    passed = run(*args, "--check", "average:roc_auc>=0.5")
    assert passed.exit_code == 0, passed.stderr
    failed = run(*args, "--check", "average:roc_auc>=0.9999", "--check", "average:precision>=0.99")
    assert failed.exit_code == 1
    assert failed.stderr.count("average:roc_auc>=0.9999 —") == 2
    assert "class accuracy: precision" in failed.stderr
    assert failed.stderr.count("average:precision>=0.99 —") == 3
