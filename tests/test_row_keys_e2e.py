"""The row key's parts filled by the real producers together: --period's rows and rollups
with --per-class's class rows, in the order losscli/result/keys.py documents, each equal
to a run on its slice of the data alone."""

from __future__ import annotations

import numpy as np
import pandas as pd

from losscli import evaluate

LOSSES = "roc_auc,brier,accuracy"


def slices() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 600
    when = pd.date_range("2026-01-01", periods=n, freq="4h")
    y = rng.integers(0, 2, n)
    return pd.DataFrame(
        {
            "t": when.strftime("%Y-%m-%dT%H:%M"),
            "month": when.strftime("%Y-%m"),
            "g": rng.choice(["a", "b", "c"], n),
            "y": y,
            "p": np.clip(rng.random(n) * 0.7 + y * 0.2, 0, 1).round(3),
        }
    )


def test_period_and_class_rows_follow_the_key_order_and_equal_each_slices_own_run() -> None:
    data = slices()
    result = evaluate(
        data, label="y", pred="p", group_by="g", period="t:M", per_class=True, losses=LOSSES
    )
    table = result.to_pandas()
    parents = table[~table.scope.isin(["class", "average"])]
    # each parent row is followed by its two classes and three averages
    starts = parents.index.to_numpy()
    assert (np.diff(np.append(starts, len(table))) == 6).all()
    for position in starts:
        block = table.iloc[position + 1 : position + 6]
        parent = table.iloc[position]
        assert block["class"].tolist() == ["0", "1", "accuracy", "macro avg", "weighted avg"]
        for column in ("g", "period_start"):
            assert (
                block[column].isna().all()
                if pd.isna(parent[column])
                else (block[column] == parent[column]).all()
            )
    # group by group, periods in time order then the group's row over all periods; then
    # the same over all groups; the grand row last
    keys = [
        (row.g if isinstance(row.g, str) else "~", pd.isna(row.period_start), row.period_start)
        for row in parents.itertuples()
    ]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1], k[2] if not k[1] else 0))
    # every parent's class rows equal a run on its slice alone
    for position in starts:
        parent = table.iloc[position]
        part = data
        if isinstance(parent.g, str):
            part = part[part.g == parent.g]
        if not pd.isna(parent.period_start):
            part = part[part.month == parent.period_start.strftime("%Y-%m")]
        alone = evaluate(part, label="y", pred="p", per_class=True, losses=LOSSES).to_pandas()
        got = table.iloc[position : position + 6][["n", "support", "roc_auc", "brier", "accuracy"]]
        want = alone[["n", "support", "roc_auc", "brier", "accuracy"]]
        np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), rtol=1e-12)
