"""The history's scale partial: merging the partials of a history cut anywhere (in time
order per series) gives the whole history's sums; a sorted history is streamed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import losscli
from losscli.engine.history_scale import ScalePartial
from losscli.errors import InputError
from losscli.reading import csv_source


def _history(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by series then time: ids, times, values (series of 1 to 40 values)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 40, size=25)
    ids = np.repeat(np.arange(25), lengths)
    times = np.concatenate([np.cumsum(rng.integers(1, 5, size=n)) for n in lengths])
    return ids, times.astype(np.int64), rng.normal(0, 10, size=len(ids))


def _by_hand(ids: np.ndarray, y: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    abs_sum, sq_sum, diffs = [], [], []
    for s in np.unique(ids):
        d = np.diff(y[ids == s][::1], n=1) if m == 1 else y[ids == s][m:] - y[ids == s][:-m]
        abs_sum.append(np.abs(d).sum())
        sq_sum.append((d * d).sum())
        diffs.append(len(d))
    return np.array(abs_sum), np.array(sq_sum), np.array(diffs)


@pytest.mark.parametrize("season", [1, 3, 7])
@pytest.mark.parametrize("seed", range(6))
def test_merging_random_splits_of_a_history_equals_the_whole(season: int, seed: int) -> None:
    ids, t, y = _history(seed)
    whole = ScalePartial.of_sorted(season, ids, t, y)
    abs_sum, sq_sum, diffs = _by_hand(ids, y, season)
    np.testing.assert_allclose(whole.abs_sum, abs_sum, rtol=1e-12)
    np.testing.assert_allclose(whole.sq_sum, sq_sum, rtol=1e-12)
    np.testing.assert_array_equal(whole.diffs, diffs)
    # cut each series' rows into time slices: slice k of every series in partial k
    rng = np.random.default_rng(100 + seed)
    pieces = 1 + rng.integers(0, 6)
    slot = np.concatenate(
        [np.sort(rng.integers(0, pieces, size=int(np.sum(ids == s)))) for s in np.unique(ids)]
    )
    parts = [
        ScalePartial.of_sorted(season, ids[slot == k], t[slot == k], y[slot == k])
        for k in range(pieces)
    ]
    name = str
    left = ScalePartial.empty(season)
    for part in parts:  # left to right
        left = left.then(part, name)
    right = ScalePartial.empty(season)
    for part in reversed(parts):  # right to left: each earlier part before what follows it
        right = part.then(right, name)
    for merged in (left, right):
        np.testing.assert_array_equal(merged.ids, whole.ids)
        np.testing.assert_array_equal(merged.count, whole.count)
        np.testing.assert_array_equal(merged.diffs, whole.diffs)
        np.testing.assert_allclose(merged.abs_sum, whole.abs_sum, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(merged.sq_sum, whole.sq_sum, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(merged.head, whole.head)
        np.testing.assert_array_equal(merged.tail_t, whole.tail_t)


def test_a_partial_merged_out_of_time_order_is_an_input_error() -> None:
    ids, t, y = np.zeros(4, dtype=np.int64), np.arange(4, dtype=np.int64), np.arange(4.0)
    early, late = (
        ScalePartial.of_sorted(1, ids[:2], t[:2], y[:2]),
        ScalePartial.of_sorted(1, ids[2:], t[2:], y[2:]),
    )
    with pytest.raises(InputError, match="in time order"):
        late.then(early, str)


def test_a_sorted_history_is_streamed_without_holding_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a memory budget too small to sort it, the sorted history is read in chunks
    and gives the same values as the unsorted one sorted in memory."""
    rng = np.random.default_rng(0)
    days = pd.date_range("2025-01-01", periods=300, freq="D")
    past = pd.DataFrame(
        {
            "s": np.repeat([f"s{i}" for i in range(30)], 300),
            "ds": np.tile(days, 30),
            "y": rng.normal(20, 5, 9000).round(3),
        }
    )
    evaluated = past.groupby("s").tail(10).assign(p=lambda d: d.y + rng.normal(0, 1, len(d)))
    past.to_csv(tmp_path / "sorted.csv", index=False)
    past.sample(frac=1, random_state=1).to_csv(tmp_path / "shuffled.csv", index=False)
    args = {"label": "y", "pred": "p", "series": "s", "losses": "mase", "time_col": "ds"}
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 4096)
    streamed = losscli.evaluate(
        evaluated, history=str(tmp_path / "sorted.csv"), max_memory="64KiB", **args
    )
    with pytest.raises(InputError, match="not sorted by series and time"):
        losscli.evaluate(
            evaluated, history=str(tmp_path / "shuffled.csv"), max_memory="64KiB", **args
        )
    in_memory = losscli.evaluate(evaluated, history=str(tmp_path / "shuffled.csv"), **args)
    np.testing.assert_allclose(
        streamed.frame.losses["mase"].values, in_memory.frame.losses["mase"].values, rtol=1e-12
    )


def test_two_partials_of_a_series_at_one_time_are_an_input_error_naming_it() -> None:
    ids, t, y = np.zeros(4, dtype=np.int64), np.array([1, 2, 2, 3]), np.arange(4.0)
    early = ScalePartial.of_sorted(1, ids[:2], t[:2], y[:2])
    late = ScalePartial.of_sorted(1, ids[2:], t[2:], y[2:])
    with pytest.raises(InputError, match="series store 7 has two values at"):
        early.then(late, lambda i: "store 7")


def test_a_history_row_without_a_label_is_an_error_or_left_out_with_drop_na(
    tmp_path: Path,
) -> None:
    past = pd.DataFrame(
        {"s": ["a"] * 5, "ds": pd.date_range("2025-01-01", periods=5), "y": [1, 3, None, 4, 8]}
    )
    evaluated = pd.DataFrame({"s": ["a"], "y": [5.0], "p": [6.0]})
    args = {"label": "y", "pred": "p", "series": "s", "losses": "mase", "time_col": "ds"}
    with pytest.raises(InputError, match="data row 3 has no value"):
        losscli.evaluate(evaluated, history=past, **args)
    got = losscli.evaluate(evaluated, history=past, drop_na=True, **args)
    assert got.frame.losses["mase"].values[-1] == pytest.approx(1 / np.mean([2, 1, 4]))


def test_an_unsorted_history_on_standard_input_says_to_sort_it(
    tmp_path: Path, run: Callable[..., Any]
) -> None:
    """Standard input is read once: an unsorted history there cannot be sorted in memory
    (its first rows are gone), so the message says to sort it or give a file (it had said
    "the file is empty"); a sorted one is streamed."""
    from test_scaled import forecasts

    evaluated, past = forecasts(series=4, seed=3)
    evaluated.to_csv(tmp_path / "eval.csv", index=False)
    args = ["evaluate", str(tmp_path / "eval.csv"), "-l", "y", "-p", "naive", "-m", "mase"]
    args += ["--series", "s", "--time-col", "ds", "--history", "-", "-f", "csv"]
    done = run(*args, input=past.sample(frac=1, random_state=0).to_csv(index=False))
    assert done.exit_code == 3
    assert "standard input is not sorted by series and time (s, ds)" in done.stderr
    assert run(*args, input=past.sort_values(["s", "ds"]).to_csv(index=False)).exit_code == 0


def test_sorting_the_history_in_memory_is_charged_to_the_budget_beside_what_is_held(
    tmp_path: Path,
) -> None:
    """The in-memory sort of an unsorted history counts against --max-memory with what the
    run holds already (not against the limit alone), and gives its bytes back after."""
    from losscli.engine.budget import MemoryBudget
    from losscli.engine.history_fold import ROW_BYTES, fold_history
    from losscli.reading.history import HistorySpec

    days = pd.date_range("2025-01-01", periods=50, freq="D")
    past = pd.DataFrame({"s": np.repeat(["a", "b"], 50), "ds": np.tile(days, 2)})
    past.assign(y=np.arange(100.0)).sample(frac=1, random_state=0).to_csv(
        tmp_path / "shuffled.csv", index=False
    )
    spec = HistorySpec(tmp_path / "shuffled.csv", "y", ("s",), "ds")  # a Path, as inputs take
    budget = MemoryBudget(limit=150 * ROW_BYTES)
    fold_history(spec, [1], budget)  # 100 rows fit
    assert budget.held == 0
    budget.charge(60 * ROW_BYTES, lambda: "held", "")
    with pytest.raises(InputError, match="not sorted by series and time"):
        fold_history(spec, [1], budget)  # 100 rows beside 60 held do not
    assert budget.held == 60 * ROW_BYTES


def test_the_history_is_a_path_str_or_pathlike_or_a_frame_and_nothing_else(
    tmp_path: Path,
) -> None:
    """``history=`` takes a ``pathlib.Path`` as the inputs do (it was refused as "PosixPath
    is not an input"); anything else is an input error naming --history once."""
    days = pd.date_range("2025-01-01", periods=20, freq="D")
    past = pd.DataFrame({"s": "a", "ds": days, "y": np.arange(20.0) % 7})
    past.to_csv(tmp_path / "past.csv", index=False)
    evaluated = past.tail(5).assign(p=lambda d: d.y + 1)
    args = {"label": "y", "pred": "p", "series": "s", "losses": "mase", "time_col": "ds"}
    values = [
        losscli.evaluate(evaluated, history=history, **args).frame.losses["mase"].values
        for history in (tmp_path / "past.csv", str(tmp_path / "past.csv"), past)
    ]
    assert values[0].tolist() == values[1].tolist() == values[2].tolist()
    with pytest.raises(InputError) as refused:
        losscli.evaluate(evaluated, history=42, **args)
    assert str(refused.value) == "--history: int is not an input (give a path or a frame)"
