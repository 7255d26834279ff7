"""A binary model's classes are named by the label's values: ``false`` and ``true`` where
the label column holds true/false (as sample_data/churn.csv's ``churned``), ``0`` and ``1``
where it holds numbers; the negative class first. The class rows of --per-class and the
confusion matrix's classes, in every output, whatever the chunks, threads or engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import read_back, rendered, write_table
from scipy.special import expit

from losscli import evaluate
from losscli.reading import csv_source

REL = 1e-12
AVERAGES = ["accuracy", "macro avg", "weighted avg"]


def churn_csv(path: Path, *, labels: tuple[str, str] = ("false", "true"), n: int = 600) -> Path:
    """A churn-like CSV whose label ``churned`` is written with ``labels`` (negative,
    positive), a probability ``p``, a weight and a group column."""
    rng = np.random.default_rng(5)
    score = rng.normal(0, 1.5, n)
    positive = rng.uniform(size=n) < expit(score + rng.normal(0, 1, n))
    frame = pd.DataFrame(
        {
            "plan": rng.choice(["basic", "plus"], n),
            "churned": np.where(positive, labels[1], labels[0]),
            "p": np.round(expit(score), 3),
            "w": np.round(rng.uniform(0, 2, n), 3),
        }
    )
    frame.to_csv(path, index=False)
    return path


OPTIONS: dict[str, Any] = {
    "label": "churned",
    "pred": "p",
    "weight": "w",
    "group_by": "plan",
    "losses": "roc_auc,brier",
    "per_class": True,
    "confusion": True,
}


def class_names(result: Any) -> list[str]:
    """The class rows' names (without the averages), in order, over every parent row."""
    table = result.per_class
    return [c for c in table["class"] if c not in AVERAGES]


def test_true_false_labels_name_the_class_rows_and_matrix_false_and_true(tmp_path: Path) -> None:
    """true/false labels: the class rows are ``false`` then ``true`` under every row (each
    group's and the overall), and every confusion matrix has the classes (false, true);
    the values are those of the same data written 0/1."""
    words = evaluate(str(churn_csv(tmp_path / "words.csv")), threads=1, **OPTIONS)
    numbers = evaluate(
        str(churn_csv(tmp_path / "numbers.csv", labels=("0", "1"))), threads=1, **OPTIONS
    )
    assert class_names(words) == ["false", "true"] * 3
    assert all(m.classes == ("false", "true") for m in words.confusion)
    assert len(words.confusion) == 3
    values = words.per_class.drop(columns=["file", "class"])
    pd.testing.assert_frame_equal(values, numbers.per_class.drop(columns=["file", "class"]))
    for a, b in zip(words.confusion, numbers.confusion, strict=True):
        np.testing.assert_array_equal(a.counts, b.counts)


@pytest.mark.parametrize("labels", [("0", "1"), ("0.0", "1.0")])
def test_numeric_labels_name_the_classes_0_and_1(tmp_path: Path, labels: tuple[str, str]) -> None:
    """Labels written as numbers (0/1, 0.0/1.0) keep the class names ``0`` and ``1``."""
    result = evaluate(str(churn_csv(tmp_path / "c.csv", labels=labels)), threads=1, **OPTIONS)
    assert class_names(result) == ["0", "1"] * 3
    assert all(m.classes == ("0", "1") for m in result.confusion)


def test_true_false_class_names_in_json_csv_and_the_confusion_table(tmp_path: Path) -> None:
    """JSON: each class row's ``class`` and each row's ``confusion.classes``; CSV: the
    ``class`` column; ``--table confusion``: the cells' true and predicted classes."""
    result = evaluate(str(churn_csv(tmp_path / "c.csv")), threads=1, **OPTIONS)
    rows = json.loads(rendered("json", result))["rows"]
    named = [row["class"] for row in rows if row.get("scope") == "class"]
    assert named == ["false", "true"] * 3
    with_matrix = [row for row in rows if "confusion" in row]
    assert with_matrix and all(r["confusion"]["classes"] == ["false", "true"] for r in with_matrix)
    csv_rows = read_back(rendered("csv", result), ",")
    assert [r["class"] for r in csv_rows if r["scope"] == "class"] == ["false", "true"] * 3
    cells = read_back(rendered("csv", result, table="confusion"), ",")
    assert {(c["true_class"], c["pred_class"]) for c in cells} == {
        (t, p) for t in ("false", "true") for p in ("false", "true")
    }
    table = rendered("table", result)
    assert "columns: predicted (true where p > 0.5)" in table


@pytest.mark.parametrize("threads", [1, 3])
def test_class_names_do_not_depend_on_chunks_or_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    """A CSV read in blocks of ~20 rows by 1 or 3 threads: every chunk notices the
    true/false labels, and the class rows and matrices are those of one chunk."""
    path = churn_csv(tmp_path / "c.csv")
    whole = evaluate(str(path), threads=1, **OPTIONS)
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 512)
    chunked = evaluate(str(path), threads=threads, **OPTIONS)
    pd.testing.assert_frame_equal(whole.per_class, chunked.per_class, rtol=REL)
    for a, b in zip(whole.confusion, chunked.confusion, strict=True):
        assert a.classes == b.classes == ("false", "true")
        np.testing.assert_allclose(a.counts, b.counts, rtol=REL)


def test_a_file_of_true_false_and_one_of_numbers_each_name_their_own(tmp_path: Path) -> None:
    """Each file's rows are named by its own labels: true/false in one, 0/1 in the other."""
    words = churn_csv(tmp_path / "words.csv")
    numbers = churn_csv(tmp_path / "numbers.csv", labels=("0", "1"))
    result = evaluate([str(words), str(numbers)], threads=1, **OPTIONS)
    table = result.per_class
    named = table[~table["class"].isin(AVERAGES)]
    by_file = named.groupby("file", sort=False)["class"].apply(list).to_dict()
    assert by_file == {str(words): ["false", "true"] * 3, str(numbers): ["0", "1"] * 3}


def test_class_names_are_the_local_engines_on_dask(tmp_path: Path, dask_client: Any) -> None:
    """The Dask engine's partitions each notice the labels: the same names and values."""
    pytest.importorskip("distributed")
    from losscli.engine.distributed import partitions

    path = str(churn_csv(tmp_path / "c.csv", n=1200))
    local = evaluate(path, threads=1, **OPTIONS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(partitions, "PARTITION_ROWS", 250)
        dask = evaluate(path, engine="dask", scheduler=dask_client, threads=1, **OPTIONS)
    assert class_names(dask) == ["false", "true"] * 3
    pd.testing.assert_frame_equal(local.per_class, dask.per_class, rtol=REL)
    assert [m.classes for m in dask.confusion] == [("false", "true")] * 3


def test_boolean_parquet_labels_name_the_classes_false_and_true(tmp_path: Path) -> None:
    """A Parquet file's boolean label column, as a CSV's true/false."""
    frame = pd.read_csv(churn_csv(tmp_path / "c.csv"))
    assert frame.churned.dtype == bool
    path = write_table(frame, tmp_path / "c.parquet")
    result = evaluate(str(path), threads=1, **OPTIONS)
    assert class_names(result) == ["false", "true"] * 3
    assert all(m.classes == ("false", "true") for m in result.confusion)
