"""--drop-na and --period: a row without a time (null, an empty or blank CSV cell) is dropped
and counted like a row with a value missing, instead of the input error it is without
--drop-na; a time that is there but unreadable stays an error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import write_table

from losscli import evaluate
from losscli.errors import InputError
from losscli.reading import source

WHEN = ["2026-04-06", None, "2026-04-14", "  ", "2026-04-21", "2026-04-06", None, "2026-04-29"]


def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = len(WHEN)
    y = rng.uniform(1, 10, n)
    return pd.DataFrame({"when": WHEN, "g": list("abab" * 2), "y": y, "p": y + rng.normal(0, 1, n)})


def present(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["when"].fillna("").str.strip() != ""]


def rows(result: Any) -> list[tuple[Any, ...]]:
    f = result.frame
    return [
        (f.keys["g"][i], f.overall[i], f.period.start[i], f.n[i], f.losses["mae"].values[i])
        for i in range(len(f))
    ]


@pytest.mark.parametrize("name", ["t.csv", "t.parquet"])
def test_drop_na_drops_and_counts_the_rows_without_a_time(
    tmp_path: Path, run: Callable[..., Any], name: str
) -> None:
    df = frame()
    if name.endswith(".parquet"):  # a Parquet timestamp column, nulls where no time
        df["when"] = pd.to_datetime(df["when"].str.strip().replace("", None))
    path = write_table(df, tmp_path / name)
    kept = write_table(present(frame()), tmp_path / f"kept.{name.split('.')[1]}")
    options = {"label": "y", "pred": "p", "group_by": "g", "losses": "mae", "period": "when:W"}
    got = evaluate(str(path), drop_na=True, **options)
    want = evaluate(str(kept), **options)
    assert rows(got) == rows(want)
    done = run("evaluate", str(path), "-l", "y", "-p", "p", "--period", "when:W", "--drop-na")
    assert done.exit_code == 0, done.stderr
    assert f"{path}: 3 of 8 rows dropped for missing or non-finite values in column 'when'" in (
        done.stderr
    )


def test_rows_without_a_time_are_dropped_in_every_chunk_even_a_chunk_of_none() -> None:
    df = frame()
    df.loc[[0, 1, 2], "when"] = None  # the first chunk of 3 rows has no time at all
    options = {"label": "y", "pred": "p", "group_by": "g", "losses": "mae", "period": "when:W"}
    want = evaluate(present(df), **options)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(source, "TABLE_BATCH_ROWS", 3)
        got = evaluate(df, drop_na=True, checks="first:mae<100", **options)
    assert rows(got) == rows(want)
    assert got.frame.period.label[0] == "2026-W17"  # the earliest week with rows, not 1970's
    assert got.frame.period.dates == want.frame.period.dates  # a chunk of none is no evidence
    assert got.to_dict()["rows"] == want.to_dict()["rows"]


def test_without_drop_na_a_missing_time_is_still_an_input_error(tmp_path: Path) -> None:
    path = write_table(frame(), tmp_path / "t.csv")
    with pytest.raises(InputError, match=r"column .when., data row 2 has no time.*--drop-na"):
        evaluate(str(path), label="y", pred="p", period="when:W")


def test_drop_na_keeps_an_unreadable_time_an_input_error(tmp_path: Path) -> None:
    df = frame()
    df.loc[4, "when"] = "04/21/2026"
    path = write_table(df, tmp_path / "t.csv")
    with pytest.raises(InputError, match=r"data row 5: '04/21/2026' is not an ISO 8601 time"):
        evaluate(str(path), label="y", pred="p", period="when:W", drop_na=True)
