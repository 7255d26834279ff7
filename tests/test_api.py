"""The Python API: DataFrames in, a tidy result out."""

from __future__ import annotations

import pandas as pd
import pytest

import losscli
from losscli.errors import InputError, UsageError


def test_dataframe_in_tidy_frame_out() -> None:
    df = pd.DataFrame(
        {
            "y_true": [1.0, 1, 2, 2, 4],
            "y_pred": [0.6, 1.29, 1.99, 2.69, 3.4],
            "g": pd.Categorical(["a", "a", "b", "b", "b"], categories=["a", "b", "z"]),
        }
    )
    result = losscli.evaluate(df, group_by="g")
    assert [row.group for row in result.rows] == [{"g": "a"}, {"g": "b"}, None]  # no empty "z"
    frame = result.to_pandas()
    assert list(frame.columns) == ["file", "pred", "scope", "g", "n", "mse", "mape"]
    assert frame["mse"].iloc[-1] == pytest.approx(0.21606)
    assert frame["file"].iloc[0] == "DataFrame[0]"


def test_several_dataframes_and_models() -> None:
    a = pd.DataFrame({"y_true": [1.0, 2], "m1": [1.0, 2], "m2": [2.0, 2]})
    result = losscli.evaluate([a, a], pred=["m1", "m2"], losses="mse")
    assert [(r.file, r.pred, r.metrics["mse"]) for r in result.rows] == [
        ("DataFrame[0]", "m1", 0.0),
        ("DataFrame[0]", "m2", 0.5),
        ("DataFrame[1]", "m1", 0.0),
        ("DataFrame[1]", "m2", 0.5),
    ]


def test_errors_are_typed() -> None:
    df = pd.DataFrame({"y_true": [1.0], "y_pred": [None]})
    with pytest.raises(InputError, match="missing or non-finite"):
        losscli.evaluate(df)
    with pytest.raises(UsageError, match="unknown loss"):
        losscli.evaluate(df, losses="nope")
    with pytest.raises(UsageError, match="cannot evaluate a int"):
        losscli.evaluate([3])
