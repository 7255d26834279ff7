"""The typed key column (result/key_column.py): the keys a result shows, whatever their
type, and the same bytes from the CSV and JSON writers as the Python values they stand for."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import records, sort_key
from hypothesis import example, given, settings
from hypothesis import strategies as st

from losscli import evaluate
from losscli.engine.order import key_column, key_order
from losscli.render import text as text_module
from losscli.render.columns import csv_cells, key_texts
from losscli.render.json_rows import _value, json_pieces
from losscli.render.text import _cell, csv_text, json_text
from losscli.result.key_column import KeyColumn

INT64 = st.integers(-(2**63), 2**63 - 1)
UINT64 = st.integers(0, 2**64 - 1)
FLOATS = st.one_of(st.floats(), st.sampled_from([0.0, -0.0, math.inf, -math.inf, 1e16, 5e-324]))


def shown(values: list[Any], empty_is_missing: bool = False) -> list[Any]:
    """The keys as a result shows them (the specification): a non-finite float as its
    text, an empty text missing where an empty CSV cell is."""
    out = []
    for v in values:
        if isinstance(v, float) and not math.isfinite(v):
            v = str(v)
        out.append(None if empty_is_missing and v == "" else v)
    return out


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([3, None, -(2**63), 2**63 - 1], pa.int64()),
        ([1, None, -128, 127], pa.int8()),
        ([0, 2**64 - 1, 2**63, None], pa.uint64()),
        ([7, None, 2**32 - 1], pa.uint32()),
        ([0.0, -0.0, math.nan, math.inf, -math.inf, 1e16, 5e-324, None], pa.float64()),
        ([0.1, None, math.nan, 3.5], pa.float32()),
        ([True, None, False], pa.bool_()),
        (["a", "", None, 'q"x"', "b,c", "new\nline", "ünï"], pa.string()),
        ([dt.date(2026, 1, 2), None], pa.date32()),
        ([dt.datetime(2026, 1, 2, 3, tzinfo=dt.timezone.utc), None], pa.timestamp("us", "UTC")),
    ],
)
@pytest.mark.parametrize("empty_is_missing", [False, True])
def test_a_key_column_shows_the_keys_python_values(
    values: list[Any], kind: pa.DataType, empty_is_missing: bool
) -> None:
    column = pa.array(values, kind)
    keys = key_column(column, empty_is_missing)
    expected = shown(column.to_pylist(), empty_is_missing)
    assert keys.typed == (kind not in (pa.string(), pa.date32(), pa.timestamp("us", "UTC")))
    assert keys.tolist() == expected
    assert [type(v) for v in keys.tolist()] == [type(v) for v in expected]
    assert [keys[i] for i in range(len(values))] == expected
    assert keys.missing.tolist() == [v is None for v in expected]
    assert keys.take(np.array([1, 0])).tolist() == [expected[1], expected[0]]


def test_concatenated_key_columns_stay_typed_where_their_keys_share_a_type() -> None:
    ints = key_column(pa.array([1, None, 3]), False)
    more = key_column(pa.array([4], pa.int16()), False)
    joined = KeyColumn.concat([ints, KeyColumn.none(2), more])
    assert joined.typed
    assert joined.tolist() == [1, None, 3, None, None, 4]
    texts = key_column(pa.array(["x"]), False)
    mixed = KeyColumn.concat([ints, texts, key_column(pa.array([0.5]), False)])
    assert not mixed.typed
    assert mixed.tolist() == [1, None, 3, "x", 0.5]
    assert mixed.missing.tolist() == [False, True, False, False, False]


def typed_columns() -> st.SearchStrategy[tuple[str, list[Any]]]:
    """A typed column's Arrow type and values (None: no key)."""
    return st.one_of(
        st.tuples(st.just("int64"), st.lists(st.one_of(st.none(), INT64), min_size=1)),
        st.tuples(st.just("uint64"), st.lists(st.one_of(st.none(), UINT64), min_size=1)),
        st.tuples(st.just("double"), st.lists(st.one_of(st.none(), FLOATS), min_size=1)),
        st.tuples(st.just("bool"), st.lists(st.one_of(st.none(), st.booleans()), min_size=1)),
    )


@settings(max_examples=200, deadline=None)
@given(typed_columns(), st.sampled_from([",", "\t"]))
@example(("double", [0.0, -0.0, math.nan, math.inf, -math.inf, 1e16, 1e-05, None]), ",")
@example(("uint64", [2**64 - 1, None, 0]), ",")
@example(("bool", [True, False, None]), "\t")
def test_a_typed_key_column_is_written_as_its_python_values(
    column: tuple[str, list[Any]], delimiter: str
) -> None:
    kind, values = column
    typed = key_column(pa.array(values, kind), False)
    assert typed.typed
    objects = KeyColumn.of(typed.tolist())
    csv, expected = csv_cells(typed, _cell, delimiter), csv_cells(objects, _cell, delimiter)
    assert csv is not None and expected is not None
    assert csv.to_pylist() == expected.to_pylist()
    json = key_texts(typed, _value).to_pylist()
    assert json == [_value(v) for v in typed.tolist()]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.one_of(st.none(), INT64, st.integers(-3, 3)), min_size=2, max_size=30),
    st.sampled_from(["int64", "int8", "uint64"]),
)
@example([1, 0] * 8 + [2, 2, 2], "int64")  # ties an unstable sort reorders (NumPy 2.4)
def test_integer_keys_sort_as_sort_key_does_ties_in_the_order_of_the_ids(
    values: list[int | None], kind: str
) -> None:
    if kind == "int8":
        values = [None if v is None else v % 256 - 128 for v in values]
    if kind == "uint64":
        values = [None if v is None else v + 2**63 for v in values]
    column = pa.array(values, kind)
    ids = np.arange(len(values))[::-1].copy()  # ties in the order of ids, not of the column
    order = key_order([column], ids, False).tolist()
    assert order == sorted(ids.tolist(), key=lambda i: sort_key((values[i],)))


def key_table(path: Path) -> Path:
    """A file with a key column of every typed kind and of the kinds kept as values."""
    rows = 40
    rng = np.random.default_rng(5)
    floats = [0.0, -0.0, math.nan, math.inf, -math.inf, 1e16, 5e-324, 2.5e300, 1e-05, None]
    texts = ["a", 'q"x"', "b,c", "new\nline", "ünï", "x\ty", "", None]
    table = pa.table(
        {
            "y": rng.normal(size=rows),
            "p": rng.normal(size=rows),
            "ints": pa.array([None if i % 7 == 0 else i * 10**15 - 2**62 for i in range(rows)]),
            "big": pa.array([2**64 - 1 - i % 3 for i in range(rows)], pa.uint64()),
            "floats": pa.array([floats[i % len(floats)] for i in range(rows)], pa.float64()),
            "bools": pa.array([[True, False, None][i % 3] for i in range(rows)]),
            "texts": pa.array([texts[i % len(texts)] for i in range(rows)]),
            "days": pa.array([dt.date(2026, 1, 1 + i % 4) for i in range(rows)]),
            "times": pa.array(
                [dt.datetime(2026, 1, 1, i % 5, tzinfo=dt.timezone.utc) for i in range(rows)]
            ),
        }
    )
    pq.write_table(table, path)
    return path


@pytest.mark.parametrize(
    "group_by",
    [["ints"], ["big"], ["floats"], ["bools"], ["texts"], ["days"], ["times"], ["bools", "ints"]],
)
def test_every_key_type_writes_the_same_csv_and_json_a_whole_column_at_a_time(
    tmp_path: Path, group_by: list[str]
) -> None:
    result = evaluate(
        key_table(tmp_path / "keys.parquet"), label="y", pred="p", group_by=group_by, losses="mse"
    )
    names = result.columns()
    rows = [[record[c] for c in names] for record in records(result)]
    for delimiter in (",", "\t"):
        whole = "".join(text_module.csv_pieces(result, delimiter, python_cells=0))
        assert whole == csv_text(names, rows, delimiter)
    assert "".join(json_pieces(result, text_module.SLICE_ROWS)) == json_text(result.to_dict())
    typed = [g for g in group_by if g in ("ints", "big", "floats", "bools")]
    assert [result.frame.keys[g].typed for g in typed] == [True] * len(typed)


def test_frame_keys_read_as_the_object_array_of_the_keys_python_values(tmp_path: Path) -> None:
    """``frame.keys[g]`` selects rows as the object array it was before keys were typed:
    ``==`` row by row (not one False), slices and index arrays, ``np.asarray``."""
    result = evaluate(
        key_table(tmp_path / "keys.parquet"), label="y", pred="p", group_by=["ints"], losses="mse"
    )
    keys, values = result.frame.keys["ints"], result.frame.losses["mse"].values
    objects = keys.objects()
    key = objects[1]
    assert keys.typed and isinstance(key, int)
    assert (keys == key).tolist() == [v == key for v in objects]
    assert (keys != key).tolist() == [v != key for v in objects]
    assert values[keys == key].tolist() == [values[1]]
    assert keys[:3].tolist() == objects[:3].tolist()
    assert keys[np.array([2, 0])].tolist() == [objects[2], objects[0]]
    assert np.asarray(keys).tolist() == list(keys) == objects.tolist()


def test_a_uint64_key_past_int64s_range_is_written_to_parquet_as_uint64(tmp_path: Path) -> None:
    result = evaluate(
        key_table(tmp_path / "keys.parquet"), label="y", pred="p", group_by=["big"], losses="mse"
    )
    from losscli.render.parquet import to_arrow

    column = to_arrow(result).column("big")
    assert column.type == pa.uint64()
    assert column.to_pylist() == result.frame.keys["big"].tolist()
