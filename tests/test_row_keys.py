"""The row key's period and class parts downstream of the Frame: flat rows (CSV, TSV,
Parquet, pandas), JSON, and a group column named like one of their fields."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import read_back, records, rendered, result_with_parts

from losscli.errors import UsageError
from losscli.render import text as text_module
from losscli.render.formats import FORMATS, Display
from losscli.render.json_rows import json_pieces
from losscli.render.text import json_text
from losscli.result import EvaluationResult


def demand(rows: int = 48, start: str = "2026-03-28") -> pd.DataFrame:
    """Regression rows every 6 hours over a DST change (Europe/Berlin, 2026-03-29), in two
    groups, each row of class x or y."""
    rng = np.random.default_rng(3)
    y = rng.uniform(1, 2, rows)
    return pd.DataFrame(
        {
            "y_true": y,
            "y_pred": y + rng.normal(0, 0.1, rows),
            "g": rng.choice(["a", "b"], rows),
            "t": pd.date_range(start, periods=rows, freq="6h"),
            "c": rng.choice(["x", "y"], rows),
        }
    )


@pytest.fixture
def by_day() -> EvaluationResult:
    return result_with_parts(demand(), time="t", freq="D", tz="Europe/Berlin", group_by="g")


@pytest.fixture
def by_day_and_class() -> EvaluationResult:
    return result_with_parts(
        demand(), time="t", freq="D", tz="Europe/Berlin", classes="c", group_by="g"
    )


def test_flat_rows_put_period_and_class_between_the_groups_and_n(
    by_day_and_class: EvaluationResult,
) -> None:
    result = by_day_and_class
    assert result.columns() == [
        *["file", "pred", "scope", "g", "period_start", "period_end", "class", "n", "support"],
        *["mse", "mape"],
    ]
    header = rendered("csv", result).splitlines()[0]
    assert header == ",".join(result.columns())
    rows = read_back(rendered("tsv", result), "\t")
    assert [list(r) for r in rows[:1]] == [result.columns()]
    assert {r["scope"] for r in rows} == {"group", "overall", "class", "average"}
    assert all(r["class"] == "" for r in rows if r["scope"] in ("group", "overall"))
    assert {r["class"] for r in rows if r["scope"] == "class"} == {"x", "y"}
    assert {r["class"] for r in rows if r["scope"] == "average"} == {"macro avg"}


def test_period_bounds_are_iso_text_with_the_zones_offset(by_day: EvaluationResult) -> None:
    rows = read_back(rendered("csv", by_day), ",")
    spans = list(dict.fromkeys((r["period_start"], r["period_end"]) for r in rows))
    assert spans[:3] == [
        ("2026-03-28T00:00:00+01:00", "2026-03-29T00:00:00+01:00"),
        ("2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"),  # 23 hours: DST starts
        ("2026-03-30T00:00:00+02:00", "2026-03-31T00:00:00+02:00"),
    ]
    over_all = [r for r in rows if r["period_start"] == ""]
    assert [r["g"] for r in over_all] == ["a", "b", ""]  # each group's, and the grand row
    assert all(r["period_end"] == "" for r in over_all)


def test_period_bounds_of_dates_are_plain_dates() -> None:
    result = result_with_parts(demand(), time="t", freq="D", dates=True, group_by="g")
    first = records(result)[0]
    assert (first["period_start"], first["period_end"]) == ("2026-03-28", "2026-03-29")
    frame = result.to_pandas()
    assert str(frame["period_start"].dtype) == "datetime64[ns]"
    assert frame["period_start"].iloc[0] == pd.Timestamp("2026-03-28")
    data = FORMATS["parquet"].render(result, Display())
    assert isinstance(data, bytes)
    assert pq.read_table(io.BytesIO(data)).schema.field("period_start").type == pa.date32()


def test_to_pandas_gives_period_bounds_as_timestamps_in_the_zone(by_day: EvaluationResult) -> None:
    frame = by_day.to_pandas()
    assert str(frame["period_start"].dtype) == "datetime64[ns, Europe/Berlin]"
    assert frame["period_end"].iloc[1] == pd.Timestamp("2026-03-30", tz="Europe/Berlin")
    assert frame["period_start"][frame["scope"] == "overall"].isna().iloc[-1]
    assert frame["period_start"].isna().sum() == 3  # groups a, b and the grand row


def test_parquet_keeps_period_bounds_as_timestamps_and_classes_as_text(
    by_day_and_class: EvaluationResult,
) -> None:
    data = FORMATS["parquet"].render(by_day_and_class, Display())
    assert isinstance(data, bytes)
    table = pq.read_table(io.BytesIO(data))
    assert table.column_names == by_day_and_class.columns()
    assert table.schema.field("period_start").type == pa.timestamp("ns", tz="Europe/Berlin")
    assert table.schema.field("class").type == pa.string()
    assert table.schema.field("support").type == pa.float64()
    back = table.to_pandas()
    assert back["period_start"].equals(by_day_and_class.to_pandas()["period_start"])


def test_json_rows_carry_scope_period_class_and_support(by_day_and_class: EvaluationResult) -> None:
    document = by_day_and_class.to_dict()
    assert document["schema_version"] == 1
    first = document["rows"][0]
    assert list(first) == [
        *["file", "pred", "group", "scope", "period", "class", "n", "support", "metrics"]
    ]
    assert first["period"] == {
        "start": "2026-03-28T00:00:00+01:00",
        "end": "2026-03-29T00:00:00+01:00",
    }
    rows = document["rows"]
    grand = next(r for r in reversed(rows) if r["scope"] == "overall")
    assert (grand["group"], grand["period"], grand["class"]) == (None, None, None)
    classes = [r for r in rows if r["scope"] == "class"]
    assert {r["class"] for r in classes} == {"x", "y"}
    assert all(r["support"] == r["n"] for r in rows)


def test_json_written_by_columns_equals_the_document(by_day_and_class: EvaluationResult) -> None:
    for result in (by_day_and_class, by_day_and_class.showing(np.array([3, 1, 0]))):
        expected = json_text(result.to_dict())
        assert "".join(json_pieces(result, 2)) == expected
        assert "".join(json_pieces(result, text_module.SLICE_ROWS)) == expected


def test_rows_without_parts_keep_todays_fields(article_csv: Path) -> None:
    import losscli

    result = losscli.evaluate(str(article_csv))
    assert result.columns() == ["file", "pred", "scope", "n", "mse", "mape"]
    assert list(result.to_dict()["rows"][0]) == ["file", "pred", "group", "n", "metrics"]


def test_a_group_column_named_like_a_key_field_is_refused() -> None:
    data = demand().assign(support=lambda d: d["g"])
    result = result_with_parts(data, classes="c", group_by="support")
    with pytest.raises(UsageError, match="a column 'support' of their own, and so has -g support"):
        result.flat()
    with pytest.raises(UsageError, match="'support'"):
        rendered("csv", result)
    assert json.loads(rendered("json", result))["rows"][0]["group"] == {"support": "a"}


def test_every_test_the_row_keys_section_names_exists() -> None:
    import re

    root = Path(__file__).parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Row keys: groups, periods and classes", 1)[1].split("\n## ")[0]
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", section)
    assert len(named) >= 8
    for path, test in named:
        source = (root / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {test}\(", source, re.M), f"{path} has no test {test}"
