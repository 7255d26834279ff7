"""The columnar result: key order computed on whole columns, rows as a view of the columns."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from conftest import records, result_from_rows, sort_key, write_table
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli import evaluate
from losscli.engine.order import key_column, key_order

NUMBERISH = st.sampled_from(
    [
        *("1", "01", "1.0", " 2 ", "1_000", "1__0", "_1", "1e3", "1E-2", ".5", "5.", "-3", "+4"),
        *("inf", "-Infinity", "nan", " NaN ", "x", "", "B", "a", "٣", "\xa07", "\x0b8", "\x1c9"),
    ]
)
TEXT_KEYS = st.one_of(st.none(), NUMBERISH, st.text(max_size=4))
FLOAT_KEYS = st.one_of(st.none(), st.floats(), st.sampled_from([0.0, -0.0, math.inf]))


def python_order(values: list[object]) -> list[object]:
    """The order ``sort_key`` gives, one key at a time in Python: the specification."""
    return sorted(values, key=lambda v: sort_key((v,)))


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT_KEYS, max_size=30), st.booleans())
def test_text_keys_sort_as_sort_key_does(keys: list[str | None], empty_is_missing: bool) -> None:
    column = pa.array(keys, pa.string())
    shown = key_column(column, empty_is_missing).tolist()
    order = key_order([column], np.arange(len(keys)), empty_is_missing)
    assert [shown[i] for i in order] == python_order(list(shown))


@settings(max_examples=100, deadline=None)
@given(st.lists(FLOAT_KEYS, max_size=30))
def test_float_keys_sort_as_sort_key_does(keys: list[float | None]) -> None:
    column = pa.array(keys, pa.float64())
    shown = key_column(column, False).tolist()
    order = key_order([column], np.arange(len(keys)), False)
    assert [shown[i] for i in order] == python_order(list(shown))
    assert all(isinstance(v, str) for v in shown if isinstance(v, float) and not math.isfinite(v))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(TEXT_KEYS, st.one_of(st.none(), st.integers(-5, 5))), max_size=20))
def test_keys_of_two_columns_sort_column_by_column(
    keys: list[tuple[str | None, int | None]],
) -> None:
    columns = [pa.array([k[0] for k in keys], pa.string()), pa.array([k[1] for k in keys])]
    shown = [key_column(c, True).tolist() for c in columns]
    rows = list(zip(*shown, strict=True))
    order = key_order(columns, np.arange(len(keys)), True)
    assert [rows[i] for i in order] == sorted(rows, key=sort_key)


def test_a_million_group_rows_need_no_row_objects(tmp_path: Path) -> None:
    """Finalizing, flat rows and pandas come from the columns; typed rows only when asked."""
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {"y": rng.normal(size=3000), "p": rng.normal(size=3000), "g": rng.integers(0, 1000, 3000)}
    )
    result = evaluate(write_table(df, tmp_path / "a.parquet"), label="y", pred="p", group_by="g")
    flat = result.to_pandas()
    assert "rows" not in vars(result)  # the typed rows were never built
    assert len(flat) == df.g.nunique() + 1
    assert flat.g.iloc[:-1].is_monotonic_increasing
    expected = df.assign(e=(df.p - df.y) ** 2).groupby("g").e.mean()
    np.testing.assert_allclose(flat.mse.iloc[:-1], expected.to_numpy(), rtol=1e-12)


def test_rows_view_and_columns_agree(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"y": [1.0, 0.0, 2.0, 3.0], "p": [1.5, 0.5, 2.0, 2.0], "g": ["b", "a", "b", None]}
    )
    result = evaluate(
        write_table(df, tmp_path / "a.csv"), label="y", pred="p", group_by="g", ci=0.9
    )
    rebuilt = result_from_rows(result.rows, result.losses, result.group_by, ci=result.ci)
    assert records(rebuilt) == records(result)
    assert rebuilt.to_dict() == result.to_dict()
    assert [r["g"] for r in records(result)] == ["a", "b", None, None]
    assert [r["scope"] for r in records(result)] == ["group", "group", "group", "overall"]
