"""With --period, every output besides the rows names each entry's period, as the rows do
(review finding 2): the comparisons (JSON, ``--table comparisons``, the table's lines),
the confusion matrices and the thresholds table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from conftest import read_back, rendered

from losscli import evaluate
from losscli.result import EvaluationResult

Q1 = {"start": "2026-01-01T00:00:00+00:00", "end": "2026-04-01T00:00:00+00:00"}
Q2 = {"start": "2026-04-01T00:00:00+00:00", "end": "2026-07-01T00:00:00+00:00"}


def _data(rows: int = 1200, seed: int = 3) -> pd.DataFrame:
    """Two regressors, two classifiers' scores, groups g0..g2, over two quarters."""
    rng = np.random.default_rng(seed)
    y = rng.normal(10, 3, rows)
    label = (rng.uniform(size=rows) < 0.4).astype(int)
    when = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 181, rows), unit="D")
    return pd.DataFrame(
        {
            "y": y,
            "a": y + rng.normal(0.5, 1, rows),
            "b": y + rng.normal(0, 2, rows),
            "label": label,
            "new": np.clip(0.4 + 0.3 * (label - 0.4) + rng.normal(0, 0.2, rows), 0.01, 0.99),
            "old": np.clip(0.4 + 0.1 * (label - 0.4) + rng.normal(0, 0.2, rows), 0.01, 0.99),
            "g": [f"g{i % 3}" for i in range(rows)],
            "t": when,
        }
    )


def _compared(**options: Any) -> EvaluationResult:
    return evaluate(
        _data(), label="y", pred=["a", "b"], losses="mse", compare=True, period="t:Q", **options
    )


def _keys(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(str(e["group"]), str(e["period"])) for e in entries]


def test_json_comparisons_carry_their_period_as_the_rows_do() -> None:
    result = _compared(group_by="g")
    document = result.to_dict()
    comparisons = document["comparisons"]
    periods = [c["period"] for c in comparisons]
    assert periods.count(Q1) == periods.count(Q2) == periods.count(None) == 4
    assert len(set(_keys(comparisons))) == len(comparisons) == 12
    row_periods = {str(r["period"]) for r in document["rows"]}
    assert {str(p) for p in periods} == row_periods
    assert list(comparisons[0])[:4] == ["file", "group", "period", "loss"]


def test_json_comparisons_without_periods_have_no_period_field() -> None:
    result = evaluate(_data(), label="y", pred=["a", "b"], losses="mse", compare=True)
    assert all("period" not in c for c in result.to_dict()["comparisons"])


def test_comparisons_table_has_period_bounds_after_the_group_columns() -> None:
    rows = read_back(rendered("csv", _compared(group_by="g"), table="comparisons"), ",")
    assert list(rows[0])[:5] == ["file", "scope", "g", "period_start", "period_end"]
    bounds = [(r["g"], r["period_start"], r["period_end"]) for r in rows]
    assert len(set(bounds)) == len(rows) == 12
    assert ("g0", Q1["start"], Q1["end"]) in bounds and ("", "", "") in bounds


def test_comparisons_table_without_periods_has_no_period_columns() -> None:
    result = evaluate(_data(), label="y", pred=["a", "b"], losses="mse", compare=True)
    rows = read_back(rendered("csv", result, table="comparisons"), ",")
    assert "period_start" not in rows[0]


def test_comparisons_table_grid_names_each_period() -> None:
    text = rendered("table", _compared(group_by="g"), table="comparisons")
    lines = [line.split() for line in text.splitlines() if " mse " in line]
    assert [line[1] for line in lines if line[0] == "g0"] == ["2026-Q1", "2026-Q2", "all"]


def test_comparison_lines_name_the_period_and_count_its_groups() -> None:
    text = rendered("table", _compared(group_by="g"))
    lines = [line for line in text.splitlines() if line.startswith("b vs a, mse")]
    assert [line.split(":")[0] for line in lines] == [
        "b vs a, mse, 2026-Q1",
        "b vs a, mse, 2026-Q2",
        "b vs a, mse, all periods",
    ]
    assert all("in 3 groups" in line for line in lines)
    markdown = rendered("markdown", _compared())
    assert "b vs a, mse, 2026-Q2:" in markdown


def test_comparisons_parquet_writes_period_bounds_as_timestamps(tmp_path: Any) -> None:
    from losscli.render.parquet import to_arrow

    table = to_arrow(_compared(group_by="g"), "comparisons").to_pandas()
    assert str(table.period_start.dtype) == "datetime64[ns, UTC]"
    assert table.period_start.iloc[0] == pd.Timestamp(Q1["start"])
    assert table.period_end.isna().sum() == 4


def _confused() -> EvaluationResult:
    return evaluate(_data(), label="label", pred="new", group_by="g", period="t:Q", confusion=True)


def test_confusion_matrices_carry_their_period() -> None:
    from losscli.result.keys import NO_PERIOD

    result = _confused()
    found = result.confusion
    frame = result.frame
    assert frame.period is not None
    starts = [None if s == NO_PERIOD else int(s) for s in frame.period.start]
    assert [(str(m.group), m.period) for m in found] == [
        (str(frame.group(i)), starts[i]) for i in range(len(frame))
    ]
    assert len({(str(m.group), m.period) for m in found}) == len(found) == 12


def test_confusion_table_has_period_bounds_after_the_group_columns() -> None:
    rows = read_back(rendered("csv", _confused(), table="confusion"), ",")
    assert list(rows[0])[:6] == ["file", "pred", "scope", "g", "period_start", "period_end"]
    cells = [(r["g"], r["period_start"], r["period_end"], r["true_class"], r["pred_class"])
             for r in rows]  # fmt: skip
    assert len(set(cells)) == len(rows) == 12 * 4
    assert ("g1", Q2["start"], Q2["end"], "1", "1") in cells


def test_confusion_parquet_writes_period_bounds_as_timestamps() -> None:
    from losscli.render.parquet import to_arrow

    table = to_arrow(_confused(), "confusion").to_pandas()
    assert str(table.period_start.dtype) == "datetime64[ns, UTC]"
    assert table.period_end.isna().sum() == 4 * 4


def test_confusion_headings_name_the_period() -> None:
    text = rendered("table", _confused())
    headings = [line for line in text.splitlines() if line.startswith("Confusion matrix, ")]
    assert headings[:3] == [
        "Confusion matrix, DataFrame[0] · new · g=g0 · 2026-Q1",
        "Confusion matrix, DataFrame[0] · new · g=g0 · 2026-Q2",
        "Confusion matrix, DataFrame[0] · new · g=g0 · all periods",
    ]
    assert len(set(headings)) == len(headings) == 12
    markdown = rendered("markdown", _confused())
    assert "**Confusion matrix, DataFrame\\[0\\] · new · overall · 2026-Q2**" in markdown


def _thresholded() -> EvaluationResult:
    return evaluate(
        _data(), label="label", pred="new", group_by="g", period="t:Q", thresholds=[0.3, 0.5]
    )


def test_thresholds_table_has_period_bounds_as_the_rows_table() -> None:
    result = _thresholded()
    rows = read_back(rendered("csv", result, table="thresholds"), ",")
    assert list(rows[0])[:6] == ["file", "pred", "scope", "g", "period_start", "period_end"]
    assert "period" not in rows[0]
    keys = [(r["g"], r["period_start"], r["period_end"], r["threshold"]) for r in rows]
    assert len(set(keys)) == len(rows) == 12 * 2
    assert ("g2", Q1["start"], Q1["end"], "0.5") in keys
    flat = read_back(rendered("csv", result), ",")
    assert {(k[1], k[2]) for k in keys} == {(r["period_start"], r["period_end"]) for r in flat}
    assert [t.period for t in result.thresholds.rows] == [m.period for m in _confused().confusion]


def test_thresholds_parquet_writes_period_bounds_as_timestamps() -> None:
    from losscli.render.parquet import to_arrow

    table = to_arrow(_thresholded(), "thresholds").to_pandas()
    assert str(table.period_end.dtype) == "datetime64[ns, UTC]"
    assert table.period_start.isna().sum() == 4 * 2


def test_threshold_lines_and_grid_name_the_period() -> None:
    from losscli.render.formats import Display
    from losscli.render.thresholds import threshold_lines

    lines = threshold_lines(_thresholded(), Display())
    names = [line.split(":")[0].strip() for line in lines if ": t = " in line]
    assert names[:3] == ["g0, 2026-Q1", "g0, 2026-Q2", "g0, all periods"]
    assert len(set(names)) == len(names) == 12
    grid = rendered("table", _thresholded(), table="thresholds")
    cells = [line.split()[1:3] for line in grid.splitlines() if line.split()[:1] == ["new"]]
    assert cells[:6:2] == [["g0", "2026-Q1"], ["g0", "2026-Q2"], ["g0", "all"]]


def test_a_period_s_comparison_line_shows_the_adjusted_p_its_verdict_is_read_from() -> None:
    """A period's verdict comes from its p-value adjusted across the periods (--adjust):
    where that differs, the line shows it beside the unadjusted one, so "p = 0.027
    (indistinguishable)" no longer reads as a contradiction (user trial, session 9)."""
    result = evaluate(
        _data(40, seed=0), label="y", pred=["a", "b"], losses="mae", compare=True, period="t:Q"
    )
    lines = [line for line in rendered("table", result).splitlines() if " vs " in line]
    p = {"all" if c.period is None else c.period: c.p_value for c in result.comparisons}
    (q1, q2), everything = sorted(k for k in p if k != "all"), p["all"]
    assert p[q2] is not None and p[q1] is not None and p[q2] < 0.05 < 2 * p[q2] < p[q1]
    assert lines[0].endswith(f", p = {p[q1]:.2g} (indistinguishable)")  # Holm: max(2 p2, p1)
    assert lines[1].endswith(
        f", p = {p[q2]:.2g}, Holm-adjusted p = {2 * p[q2]:.2g} (indistinguishable)"
    )
    assert lines[2].endswith(f", p = {everything:.2g} (worse)")  # over all periods: its own
