"""Multi-class logits and class labels at the kernel's speed (#12's logits gate): integer
labels coded without Arrow's compute kernels, and cross-entropy from the logit columns
without the (rows × classes) matrices, with the values of before to the bit."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import write_table
from test_plugins import modules_left_loaded

from losscli.engine.batches import BatchBuilder
from losscli.engine.blocks import TermCache
from losscli.engine.checks import RowProblems
from losscli.errors import InputError
from losscli.losses import REGISTRY, Params
from losscli.losses.batch import Batch, Deferred
from losscli.losses.softmax import label_log_softmax, log_softmax
from losscli.reading import CLASS, ColumnPlan, Model
from losscli.reading.classes import ClassMatcher, one_hot


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


def logit_columns(rows: int, classes: int, seed: int) -> tuple[np.ndarray, ...]:
    """Logits with ties, zeros of both signs and a spread of hundreds (exp underflows)."""
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, 4.0, (rows, classes))
    matrix[::7] = np.round(matrix[::7])  # ties
    matrix[::11, 0] = -0.0
    matrix[::13] *= 100.0
    return tuple(np.ascontiguousarray(matrix[:, k]) for k in range(classes))


@pytest.mark.parametrize("classes", [1, 2, 3, 7, 8, 9, 10, 16, 17, 100, 129])
def test_the_log_softmax_of_each_rows_class_is_the_matrix_s_to_the_bit(classes: int) -> None:
    """Cross-entropy from class labels takes log p of the row's class from the logit columns
    (no matrices): the bits of the log-softmax matrix's entry, at any block boundary."""
    columns = logit_columns(3000, classes, seed=classes)
    labels = np.random.default_rng(1).integers(0, classes, 3000)
    matrix = log_softmax(np.column_stack(columns))
    expected = matrix[np.arange(3000), labels]
    for cut in (slice(None), slice(5, 1500), slice(2999, None)):
        got = label_log_softmax([c[cut] for c in columns], labels[cut])
        assert np.array_equal(got.view(np.int64), expected[cut].view(np.int64))


def test_a_batch_makes_a_deferred_matrix_on_first_read_only_once_and_read_only() -> None:
    made: list[int] = []

    def make() -> np.ndarray:
        made.append(1)
        return np.ones((4, 3))

    batch = Batch(np.zeros(4), Deferred(make, 4), classes=np.zeros(4, dtype=np.intp))
    assert (batch.multiclass, batch.rows, len(batch.weights), made) == (True, 4, 4, [])
    assert batch.p is batch.p and made == [1]
    with pytest.raises(ValueError, match="read-only"):
        batch.p[0, 0] = 2.0


@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_of_class_labels_needs_none_of_the_logit_matrices(weighted: bool) -> None:
    """A multi-class logit batch from class labels: cross-entropy, from the logit columns,
    equals the one-hot einsum over the log-softmax matrix to the bit, and leaves the
    matrices (one-hot labels, logits, log p, p) unmade."""
    columns = logit_columns(2000, 10, seed=3)
    classes = np.random.default_rng(2).integers(0, 10, 2000)
    w = np.random.default_rng(4).uniform(0.0, 2.0, 2000) if weighted else None

    def deferred(make: Callable[[], np.ndarray]) -> Deferred:
        return Deferred(make, 2000)

    matrix = np.column_stack(columns)
    batch = Batch(
        deferred(lambda: one_hot(classes, 10)),
        deferred(lambda: np.exp(log_softmax(matrix))),
        w,
        logits=deferred(lambda: matrix),
        log_p=deferred(lambda: log_softmax(matrix)),
        classes=classes,
        logit_columns=columns,
    )
    shape = REGISTRY["cross_entropy"].shape
    found = shape.found(batch, TermCache(batch))
    matrices = ("y", "p", "logits", "log_p")
    assert [m for m in matrices if isinstance(batch.__dict__[m], Deferred)] == list(matrices)
    eager = Batch(one_hot(classes, 10), np.exp(log_softmax(matrix)), w, logits=matrix)
    expected = shape.found(eager, TermCache(eager))
    assert bits(found.columns) == bits(expected.columns)


def bits(columns: Mapping[Any, Any]) -> list[Any]:
    """Each column's bytes (the weights' count where unweighted)."""
    return [c.tobytes() if isinstance(c, np.ndarray) else len(c) for c in columns.values()]


def test_cross_entropy_from_logits_whose_spread_overflows_is_the_exact_value() -> None:
    """Logits 1e308 apart: z − max overflows to −inf in the other class, whose
    probability is 0. The row's own class has log p = 0 (and the other −inf), where the
    one-hot product with the matrix made 0·(−inf) = NaN."""
    columns = (np.array([1e308, 1e308]), np.array([-1e308, -1e308]))
    with np.errstate(over="ignore"):
        got = label_log_softmax(columns, np.array([0, 1]))
    assert got.tolist() == [0.0, -np.inf]


def test_a_logit_batch_is_freed_with_its_last_reference_not_by_the_collector() -> None:
    """Its deferred matrices refer to each other, never to the batch: a cycle would keep a
    chunk's columns alive until the garbage collector ran (peak +44 MB at 1M rows)."""
    model = Model("z", ("z_0", "z_1", "z_2"), multiclass=True, from_logits=True)
    plan = ColumnPlan(("label",), CLASS, (model,), None, ())
    builder = BatchBuilder("f.csv", plan, Params(from_logits=True), False)
    values = {c: np.arange(4.0) * k for k, c in enumerate(model.columns)}
    gc.disable()
    try:
        batch = builder.batch(
            model, np.array([0, 1, 2, 1]), values, RowProblems("f", False), range(4)
        )
        assert batch is not None and batch.log_p is not None  # one deferred matrix made
        freed = weakref.ref(batch)
        del batch
        assert freed() is None
    finally:
        gc.enable()
