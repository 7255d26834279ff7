"""``--quantiles [NAME:]GLOB``: the columns a glob matches, each at the level its name ends
with (q10 = 0.1, q2.5 = 0.025, utilsforecast's -lo-80/-hi-80 = 0.1/0.9); a name without a
level, an ambiguous one, or a glob matching nothing is a usage error naming it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import losscli_process, write_table
from test_forecast_quantiles import SPEC, quantile_frame

from losscli import evaluate
from losscli.errors import UsageError
from losscli.reading.quantiles import name_level


@pytest.mark.parametrize(
    ("column", "level"),
    [
        ("sales_q10", 0.1),
        ("sales_q05", 0.05),
        ("sales_p5", 0.05),
        ("q50", 0.5),
        ("sales-q2.5", 0.025),
        ("sales_q97.5", 0.975),
        ("sales.p99.9", 0.999),
        ("model-lo-80", 0.1),
        ("model-hi-80", 0.9),
        ("model-lo-95", 0.025),
        ("model-hi-95", 0.975),
    ],
)
def test_a_name_gives_its_level_as_a_percentage_or_an_interval_bound(
    column: str, level: float
) -> None:
    assert name_level("spec", column) == level


@pytest.mark.parametrize(
    ("column", "why"),
    [
        ("sales_q975", "names no level"),  # 97.5% or 975%: three digits are refused
        ("sales_q0.5", "names no level"),  # the median or 0.5%?
        ("sales", "names no level"),
        ("loop10", "names no level"),  # a q or p after a separator only
        ("sales_q0", "names the level 0"),
        ("model-hi-100", "names the level 1"),
    ],
)
def test_a_name_without_a_level_or_an_ambiguous_one_is_refused(column: str, why: str) -> None:
    with pytest.raises(UsageError, match=f"the column '{column}' {why}"):
        name_level("spec", column)


def test_a_glob_is_the_model_its_columns_and_their_levels_make() -> None:
    df = quantile_frame(0)
    for globbed, listed in (("sales_q*", SPEC), ("gbm:sales_q*", f"gbm:{SPEC}")):
        got = evaluate(df, quantiles=globbed, weight="w", group_by="g", ci=0.95)
        want = evaluate(df, quantiles=listed, weight="w", group_by="g", ci=0.95)
        assert got.losses == want.losses
        assert got.to_dict()["rows"] == want.to_dict()["rows"]
    assert evaluate(df, quantiles="gbm:sales_q*").to_dict()["rows"][0]["pred"] == "gbm"


def test_utilsforecasts_interval_columns_make_a_quantile_model() -> None:
    df = quantile_frame(1).rename(
        columns={"sales_q10": "model-lo-80", "sales_q90": "model-hi-80", "sales_q50": "model"}
    )
    got = evaluate(df, quantiles="model-*").to_dict()["rows"][0]
    want = evaluate(quantile_frame(1), quantiles="sales_q10=0.1,sales_q90=0.9").to_dict()
    assert got["pred"] == "model"
    assert got["metrics"] == want["rows"][0]["metrics"]
    assert "coverage:lower=0.1:upper=0.9" in got["metrics"]


@pytest.mark.parametrize(
    ("glob", "named"),
    [
        ("sales_z*", "no column matches 'sales_z*'"),
        ("sales*", "the column 'sales_level' names no level"),
        ("sales_q1*", "matches only 'sales_q10': a quantile forecast has two or more columns"),
    ],
)
def test_a_glob_matching_nothing_or_no_level_is_a_usage_error(
    tmp_path: Path, glob: str, named: str
) -> None:
    df = quantile_frame(0).rename(columns={"point": "sales_level"})
    path = write_table(df, tmp_path / "q.csv")
    done = losscli_process("evaluate", str(path), "--quantiles", glob)
    assert done.returncode == 2, done.stderr
    assert named in done.stderr and f"--quantiles '{glob}'" in done.stderr


def test_a_glob_takes_column_names_as_they_are_and_refuses_a_level_named_twice() -> None:
    df = quantile_frame(0).rename(columns={"sales_q10": "a:b,c_q10", "sales_q90": "a:b,c_q90"})
    row = evaluate(df, quantiles="m:a:b,c_q*", losses="mqloss").to_dict()["rows"][0]
    want = evaluate(quantile_frame(0), quantiles="sales_q10=0.1,sales_q90=0.9", losses="mqloss")
    assert row["pred"] == "m" and row["metrics"] == want.to_dict()["rows"][0]["metrics"]
    twice = quantile_frame(0).rename(columns={"sales_q50": "sales_p10"})
    with pytest.raises(UsageError, match=r"--quantiles 'sales_\*': the level 0.1 is named twice"):
        evaluate(twice.drop(columns=["point"]), quantiles="sales_*")


def test_a_glob_on_standard_input_reads_it_once(tmp_path: Path, run: Any) -> None:
    path = write_table(quantile_frame(2), tmp_path / "q.csv")
    piped = losscli_process("evaluate", "-", "--quantiles", "sales_q*", "-f", "json",
                            input=path.read_bytes())  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    named = run("evaluate", str(path), "--quantiles", SPEC, "-f", "json")
    rows = json.loads(piped.stdout)["rows"]
    assert rows[0]["n"] == 300
    assert [r["metrics"] for r in rows] == [r["metrics"] for r in json.loads(named.stdout)["rows"]]


def test_the_readme_says_how_a_glob_reads_levels() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Bias and quantile forecasts", 1)[1].split("\n### ", 1)[0]
    assert re.search(r"--quantiles 'forecast_q\*'", section)
    assert "`-lo-X` and `-hi-X`" in section and "`q975`" in section
