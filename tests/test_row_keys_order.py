"""--sort-by and --top order and count groups; periods and classes stay with their group."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import result_with_parts
from test_row_keys import demand

from losscli.result import EvaluationResult


@pytest.fixture(scope="module")
def parts() -> EvaluationResult:
    data = demand(rows=72)
    data["g"] = np.resize(["a", "b", "c"], len(data))
    data.loc[data["g"] == "b", "y_pred"] += 0.5  # b worst, then ...
    return result_with_parts(data, time="t", freq="D", classes="c", group_by="g")


def segments(result: EvaluationResult, shown: np.ndarray) -> list[list[int]]:
    """The shown rows cut where the group changes (None: the rows over all groups)."""
    keys = result.frame.keys["g"].take(shown).tolist()
    out: list[list[int]] = []
    for i, key in zip(shown.tolist(), keys, strict=True):
        if not out or result.frame.keys["g"][out[-1][-1]] != key:
            out.append([])
        out[-1].append(i)
    return out


def test_sort_by_orders_groups_and_keeps_each_groups_rows_in_key_order(
    parts: EvaluationResult,
) -> None:
    ranked = parts.ranked("mse")
    shown = ranked.shown_rows()
    assert sorted(shown.tolist()) == list(range(len(parts.frame)))  # every row, once
    by_group = segments(parts, shown)
    heads = {
        key: parts.frame.losses["mse"].values[i]
        for i, key in enumerate(parts.frame.keys["g"].tolist())
        if parts.frame.scopes()[i] == "group" and not parts.frame.period.present[i]  # type: ignore[union-attr]
    }
    order = [parts.frame.keys["g"][rows[0]] for rows in by_group]
    assert order == [*sorted(heads, key=lambda k: -heads[k]), None]
    assert order[0] == "b"
    for rows in by_group:
        assert rows == list(range(rows[0], rows[-1] + 1))  # as the frame has them: periods in
        # time order, each parent followed by its classes


def test_top_counts_groups_with_all_their_rows(parts: EvaluationResult) -> None:
    full = segments(parts, parts.shown_rows())
    for top in (1, -2):
        shown = parts.ranked("mse", top).shown_rows()
        kept = segments(parts, shown)
        assert len(kept) == abs(top) + 1  # the groups kept, then the rows over all groups
        assert kept[-1] == full[-1]
        assert ("b" in [parts.frame.keys["g"][rows[0]] for rows in kept]) == (top > 0)
        for rows in kept[:-1]:
            assert rows in full
    footnote = parts.ranked("mse", 1).ordering
    assert footnote.endswith("the 1 worst of each file and model (3 group rows in all)")
