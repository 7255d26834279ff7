"""Multi-class logits and class labels at the kernel's speed (#12's logits gate): integer
labels coded without Arrow's compute kernels, and cross-entropy from the logit columns
without the (rows × classes) matrices, with the values of before to the bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import write_table
from test_plugins import modules_left_loaded

from losscli.errors import InputError
from losscli.reading.classes import ClassMatcher


def logit_frame(rows: int = 300, classes: int = 4, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"z_{k}": rng.normal(0.0, 3.0, rows) for k in range(classes)})
    frame.insert(0, "label", rng.integers(0, classes, rows))
    return frame


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_integer_class_labels_are_coded_without_arrow_compute(tmp_path: Path, fmt: str) -> None:
    """Arrow's dictionary encoding imports pyarrow.compute (~35 ms of start-up): integer
    labels are coded by their values instead."""
    path = write_table(logit_frame(), tmp_path / f"logits.{fmt}")
    args = ["evaluate", str(path), "--probs", "z_*", "-l", "label", "--from-logits"]
    args += ["-m", "cross_entropy", "-f", "csv", "--threads", "1"]
    assert modules_left_loaded(args, ("pyarrow.compute",), tmp_path) == []


INTEGER_LABELS = [
    pa.array([3, 1, 1, 0, 2, 3], pa.int64()),
    pa.array([3, 1, 1, 0, 2, 3], pa.int8()),
    pa.array([3, 1, 1, 0, 2, 3], pa.uint64()),
    pa.array([2, None, 0, 1, None], pa.int32()),  # nulls: no label
    pa.array([-1, 2, 5, 0], pa.int64()),  # -1 and 5 match no class: the error names row 1
    pa.array([0, 10**12, 1], pa.int64()),  # spread wider than the rows
    pa.array([], pa.int64()),
]


@pytest.mark.parametrize("labels", INTEGER_LABELS, ids=lambda a: f"{a.type}:{a.to_pylist()}")
def test_integer_labels_give_the_positions_and_errors_their_texts_give(labels: pa.Array) -> None:
    """Integer labels name the same classes, and fail with the same message, as the same
    labels written as text (which go through Arrow's dictionary encoding)."""
    texts = pa.array([None if v is None else str(v) for v in labels.to_pylist()], pa.string())
    columns = ["p_0", "p_1", "p_2", "p_3"]

    def coded(column: pa.Array) -> np.ndarray | str:
        try:
            return ClassMatcher(columns, "f.csv", "label").positions(column, 10)
        except InputError as error:
            return str(error)

    def listed(coded: np.ndarray | str) -> list[int] | str:
        return coded if isinstance(coded, str) else coded.tolist()

    assert listed(coded(labels)) == listed(coded(texts))


def test_ambiguous_integer_labels_are_named_as_the_rows_meet_them() -> None:
    """Labels 1 (by the part after c_) and 0 (by position) both name c_1: the message names
    them in the order of the rows, whatever the order integer labels are coded in."""
    columns = ["c_1", "c_2", "c_3"]
    for labels, first, second in (([2, 1, 0], "1", "0"), ([0, 2, 1], "0", "1")):
        matcher = ClassMatcher(columns, "f.csv", "label")
        message = f"labels '{first}' and '{second}' both name the class column 'c_1'"
        with pytest.raises(InputError, match=message):
            matcher.positions(pa.array(labels, pa.int64()), 0)
