"""The thresholds' JSON, written a column at a time (render/thresholds.threshold_texts), is
byte for byte what ``json.dumps`` writes of each row's list: every objective, rows with
thresholds of their own count, rows without a table (class rows), undefined measures
(null), periods, and several models."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from losscli.api import evaluate
from losscli.render.json_rows import FIELD, json_pieces
from losscli.render.thresholds import threshold_texts


def varied(seed: int) -> pd.DataFrame:
    """Binary data whose groups differ: one of positives only (recall's denominator only,
    FPR undefined), one row alone (one distinct score), and two ordinary groups."""
    rng = np.random.default_rng(seed)
    n = 300
    p = np.round(rng.uniform(size=n), 2)
    frame = pd.DataFrame(
        {
            "y": (rng.uniform(size=n) < p).astype(int),
            "p": p,
            "q": np.round(np.clip(p + rng.normal(0, 0.2, n), 0, 1), 3),
            "w": rng.uniform(0.0, 3.0, n),
            "g": rng.choice(["a", "b"], n),
            "when": rng.choice(["2026-04-06", "2026-04-14"], n),
        }
    )
    frame.loc[:19, ["g", "y"]] = ["positives", 1]
    frame.loc[20, "g"] = "alone"
    return frame


def per_row(result: Any) -> list[str]:
    """The reference: each row's list by ``json.dumps``, as the document's rows hold it."""
    found = result.frame.thresholds
    texts = []
    for i in range(len(found.present)):
        text = json.dumps(found.records(i), indent=2, ensure_ascii=False, allow_nan=False)
        texts.append(f',\n{FIELD}"thresholds": ' + text.replace("\n", "\n" + FIELD))
    return texts


@pytest.mark.parametrize("objective", ["f1", "youden", "cost:fp=1,fn=5"])
@pytest.mark.parametrize(
    "options",
    [
        {"thresholds": "auto"},
        {"thresholds": "0,0.25,0.5,0.999,1", "weight": "w"},
        {"thresholds": "auto", "per_class": True},
        {"thresholds": "0.3,0.6", "period": "when:W", "pred": ["p", "q"]},
    ],
)
def test_the_columnar_thresholds_json_is_what_json_dumps_writes(
    objective: str, options: dict[str, Any]
) -> None:
    kwargs = {"label": "y", "pred": "p", "group_by": "g", **options}
    result = evaluate(varied(4), thresholds_objective=objective, **kwargs)
    found = result.frame.thresholds
    assert found is not None and found.present.any()
    assert threshold_texts(found, FIELD).to_pylist() == per_row(result)
    document = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
    assert "".join(json_pieces(result, 7)) == document + "\n"


def test_null_measures_and_rows_without_a_table_are_written_as_json_dumps_does() -> None:
    result = evaluate(varied(5), label="y", pred="p", group_by="g", thresholds="auto",
                      per_class=True)  # fmt: skip
    found = result.frame.thresholds
    assert found is not None
    texts = threshold_texts(found, FIELD).to_pylist()
    assert not found.present.all() and texts[int(np.argmin(found.present))].endswith("[]")
    assert any('"fpr": null' in text for text in texts)  # the group of positives only
    assert texts == per_row(result)
