"""--calibration and --residuals: the bins the kernel keeps equal NumPy's on the whole data,
per group, whatever the chunking and threads; the quantiles read from them keep their bound."""

from __future__ import annotations

import pickle
from functools import reduce
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import write_table
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli import evaluate
from losscli.engine.bins import (
    RESIDUAL_BINS,
    RESIDUAL_EDGES,
    ZERO_BIN,
    calibration_loss,
    residual_bins,
    residual_edges,
    residuals_loss,
)
from losscli.engine.finalize import Finishing, result_frame
from losscli.engine.partial import Partial
from losscli.reading import csv_source, parquet_source, source
from losscli.result.diagrams import QUANTILES, quantile
from losscli.testing import KernelHarness


def regression(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.lognormal(3, 1, n)
    pred = y + rng.standard_t(3, n) * 10
    pred[::17] = y[::17]  # exact zeros: a bin of their own
    return pd.DataFrame(
        {"y": y, "pred": pred, "w": rng.uniform(0, 2, n), "g": rng.choice(["a", "b", "c"], n)}
    )


def binary(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 3, n)
    return pd.DataFrame(
        {
            "y": (rng.uniform(size=n) < p**0.8).astype(int),
            "p": p,
            "w": rng.uniform(0, 2, n),
            "g": rng.choice(["a", "b", "c"], n),
        }
    )


def multiclass(seed: int, n: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, (n, 3))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    frame = pd.DataFrame({"label": rng.choice(["x", "y", "z"], n), "g": rng.choice(["a", "b"], n)})
    for k, name in enumerate("xyz"):
        frame[f"p_{name}"] = probs[:, k]
    return frame


def numpy_residual_counts(e: np.ndarray) -> np.ndarray:
    """Rows per residual bin, by np.histogram on the inner edges (the zero bin and the two
    outer bins counted apart)."""
    inner, _ = np.histogram(e[e != 0], bins=RESIDUAL_EDGES)
    m = len(RESIDUAL_EDGES) // 2  # inner[m - 1] is [−1e-6, 0); inner[m] is [0, 1e-6)
    below, above = np.count_nonzero(e < RESIDUAL_EDGES[0]), np.count_nonzero(e > RESIDUAL_EDGES[-1])
    inner[-1] -= np.count_nonzero(e == RESIDUAL_EDGES[-1])  # np.histogram's last bin is closed
    above += np.count_nonzero(e == RESIDUAL_EDGES[-1])
    counts = np.concatenate([[below], inner[:m], [np.count_nonzero(e == 0)], inner[m:], [above]])
    assert len(counts) == RESIDUAL_BINS
    return counts


def rows_by_group(result) -> dict[object, int]:
    frame = result.frame
    return {
        (frame.pred[i], None if frame.overall[i] else frame.keys["g"][i]): i
        for i in range(len(frame))
    }


def test_residual_bins_equal_numpys_histogram_overall_and_per_group() -> None:
    frame = regression(1)
    result = evaluate(frame, label="y", pred="pred", group_by="g", residuals=True)
    diagrams, at = result.frame.diagrams, rows_by_group(result)
    assert diagrams is not None and diagrams.residuals is not None
    for group in ["a", "b", "c", None]:
        part = frame if group is None else frame[frame.g == group]
        e = (part.y - part.pred).to_numpy()
        i = at[("pred", group)]
        assert diagrams.residuals.rows[i].tolist() == numpy_residual_counts(e).tolist()
        assert diagrams.residuals.rows[i][ZERO_BIN] == np.count_nonzero(e == 0) > 0
        histogram = diagrams.histogram(i)
        assert histogram is not None
        assert histogram.mean == pytest.approx(e.mean(), rel=1e-12)
        assert (histogram.smallest, histogram.largest) == (e.min(), e.max())


def test_weighted_residual_bins_equal_numpys_weighted_histogram() -> None:
    frame = regression(2)
    result = evaluate(frame, label="y", pred="pred", weight="w", residuals=True)
    sums = result.frame.diagrams.residuals
    e, w = (frame.y - frame.pred).to_numpy(), frame.w.to_numpy()
    inner, _ = np.histogram(e[e != 0], bins=RESIDUAL_EDGES, weights=w[e != 0])
    m = len(RESIDUAL_EDGES) // 2
    np.testing.assert_allclose(sums.w[-1][1 : m + 1], inner[:m], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sums.w[-1][m + 2 : -1], inner[m:], rtol=1e-12, atol=1e-12)
    mean = result.frame.diagrams.histogram(len(result.frame) - 1).mean
    assert mean == pytest.approx(np.average(e, weights=w), rel=1e-12)


def test_calibration_bins_equal_numpys_per_bin_counts_and_means() -> None:
    frame = binary(3)
    result = evaluate(
        frame, label="y", pred="p", weight="w", group_by="g", losses="ece:bins=10", calibration=True
    )
    diagrams, at = result.frame.diagrams, rows_by_group(result)
    for group in ["a", "b", "c", None]:
        part = frame if group is None else frame[frame.g == group]
        p, y, w = part.p.to_numpy(), part.y.to_numpy(), part.w.to_numpy()
        counts, edges = np.histogram(p, bins=np.linspace(0, 1, 11))
        diagram = diagrams.reliability(at[("p", group)])
        assert diagram is not None
        assert diagram.count.tolist() == counts.tolist()
        np.testing.assert_allclose(diagram.edges, edges)
        index = np.digitize(p, edges[1:-1])
        for j in range(10):
            inside = index == j
            want_p = np.average(p[inside], weights=w[inside])
            assert diagram.mean_predicted[j] == pytest.approx(want_p, rel=1e-12)
            assert diagram.observed[j] == pytest.approx(
                np.average(y[inside], weights=w[inside]), rel=1e-12
            )


@pytest.mark.parametrize("spec", ["ece", "ece:bins=7"])
def test_ece_from_the_calibration_bins_equals_the_ece_loss(spec: str) -> None:
    for frame, kwargs in [
        (binary(4), {"label": "y", "pred": "p", "weight": "w"}),
        (multiclass(5), {"label": "label", "probs": "p_*"}),
    ]:
        result = evaluate(frame, group_by="g", losses=spec, calibration=True, **kwargs)
        column = result.frame.losses[result.losses[0]].values
        for i in range(len(result.frame)):
            diagram = result.frame.diagrams.reliability(i)
            assert diagram.ece == pytest.approx(column[i], rel=1e-12, abs=1e-15)
            assert len(diagram.count) == (7 if spec.endswith("7") else 15)


def test_multiclass_calibration_is_top_label() -> None:
    frame = multiclass(6)
    result = evaluate(frame, label="label", probs="p_*", calibration=True)
    diagram = result.frame.diagrams.reliability(len(result.frame) - 1)
    probs = frame[["p_x", "p_y", "p_z"]].to_numpy()
    confidence = probs.max(axis=1)
    correct = np.array(list("xyz"))[probs.argmax(axis=1)] == frame.label.to_numpy()
    counts, _ = np.histogram(confidence, bins=np.linspace(0, 1, 16))
    assert diagram.top_label and diagram.count.tolist() == counts.tolist()
    seen = diagram.count > 0
    index = np.digitize(confidence, np.linspace(0, 1, 16)[1:-1])
    want = [correct[index == j].mean() for j in np.flatnonzero(seen)]
    np.testing.assert_allclose(diagram.observed[seen], want, rtol=1e-12)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize(("rows", "threads"), [(7, 1), (97, 2), (1000, 4)])
def test_bins_do_not_depend_on_chunking_or_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, rows: int, threads: int
) -> None:
    frame = regression(7, 1500)
    frame["p"] = binary(7, 1500).p
    frame["label"] = binary(7, 1500).y
    path = write_table(frame, tmp_path / f"data.{fmt}")
    kwargs = {"group_by": "g", "calibration": True, "residuals": True}
    whole_r = evaluate(frame, label="y", pred="pred", **kwargs)
    whole_c = evaluate(frame, label="label", pred="p", **kwargs)
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", rows)
    monkeypatch.setattr(source, "TABLE_BATCH_ROWS", rows)
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 200 + rows * 10)
    chunked_r = evaluate(str(path), label="y", pred="pred", threads=threads, **kwargs)
    chunked_c = evaluate(str(path), label="label", pred="p", threads=threads, **kwargs)
    for whole, chunked in [(whole_r, chunked_r), (whole_c, chunked_c)]:
        a, b = whole.frame.diagrams, chunked.frame.diagrams
        for name in ("calibration", "residuals"):
            mine, theirs = getattr(a, name), getattr(b, name)
            for field in ("rows", "w", "present"):
                np.testing.assert_allclose(getattr(theirs, field), getattr(mine, field), rtol=1e-12)
    assert whole_r.frame.diagrams.histogram(0) is not None
    assert whole_r.frame.diagrams.reliability(0) is None  # a regression has no reliability diagram
    assert whole_c.frame.diagrams.reliability(0) is not None
    assert whole_c.frame.diagrams.histogram(0) is not None  # e = y − p of a binary model


def test_a_multiclass_model_has_no_residual_histogram() -> None:
    result = evaluate(multiclass(10, 100), label="label", probs="p_*", residuals=True)
    assert result.frame.diagrams.histogram(0) is None
    assert "residuals" not in str(result.to_dict()["diagrams"])


def test_files_merge_their_bins_by_value(tmp_path: Path) -> None:
    frame = regression(8, 900)
    shards = tmp_path / "shards"
    shards.mkdir()
    for k in range(3):
        write_table(frame.iloc[k * 300 : (k + 1) * 300], shards / f"part-{k}.parquet")
    whole = evaluate(frame, label="y", pred="pred", group_by="g", residuals=True)
    merged = evaluate(str(shards), label="y", pred="pred", group_by="g", residuals=True)
    np.testing.assert_array_equal(
        merged.frame.diagrams.residuals.rows, whole.frame.diagrams.residuals.rows
    )


def test_residual_bins_are_the_edges_own_even_on_an_edge() -> None:
    edges = RESIDUAL_EDGES
    e = np.concatenate(
        [
            edges,
            np.nextafter(edges, np.inf),
            np.nextafter(edges, -np.inf),
            [0.0, -0.0, 5e-324, -5e-324, 1e300, -1e300, np.inf, -np.inf],
            np.random.default_rng(11).standard_t(2, 10_000) * 100,
        ]
    )
    want = np.searchsorted(edges, e, side="right") + (e > 0)
    np.testing.assert_array_equal(residual_bins(e), want)
    assert (residual_bins(np.array([0.0, -0.0])) == ZERO_BIN).all()


def test_many_groups_keep_their_bins_apart() -> None:
    frame = regression(12, 6000)
    frame["g"] = np.arange(len(frame)) % 2000  # 2,000 keys × the bins outnumber a block's rows
    result = evaluate(frame, label="y", pred="pred", group_by="g", residuals=True)
    sums = result.frame.diagrams.residuals
    for i in (0, 777, 1999, 2000):
        part = frame if i == 2000 else frame[frame.g == result.frame.keys["g"][i]]
        e = (part.y - part.pred).to_numpy()
        assert sums.rows[i].tolist() == numpy_residual_counts(e).tolist()


def test_no_diagrams_unless_asked() -> None:
    result = evaluate(regression(9, 50), label="y", pred="pred")
    assert result.frame.diagrams is None
    assert "diagrams" not in result.to_dict()


def test_residual_edges_are_symmetric_with_an_exact_zero_bin() -> None:
    edges = residual_edges()
    assert len(edges) == RESIDUAL_BINS
    assert edges[ZERO_BIN].tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(edges[:, 0], -edges[::-1, 1])  # bin j mirrors bin −j
    assert (edges[1:, 0] == edges[:-1, 1]).all()  # no gaps
    low, high = edges[1:-1, 0], edges[1:-1, 1]
    inner = (np.abs(low) >= 1e-6) & (np.abs(high) >= 1e-6)
    outer = np.maximum(np.abs(low), np.abs(high))[inner]
    widths = (high - low)[inner] / outer
    assert widths.max() < 0.11  # 20 bins a decade: each 1 − 10^(−1/20) of its outer edge


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    values=st.lists(
        st.one_of(
            st.floats(-1e8, 1e8, allow_nan=False, allow_subnormal=False),
            st.just(0.0),
            st.sampled_from([*RESIDUAL_EDGES.tolist(), 2e9, -2e9]),
        ),
        min_size=1,
        max_size=60,
    ),
)
def test_each_quantile_lies_within_its_stated_bound(values: list[float]) -> None:
    e = np.array(values)
    frame = pd.DataFrame({"y": e, "pred": np.zeros(len(e))})
    result = evaluate(frame, label="y", pred="pred", residuals=True, losses="mae")
    histogram = result.frame.diagrams.histogram(0)
    for q, found in zip(QUANTILES, histogram.quantiles, strict=True):
        exact = np.quantile(e, q, method="inverted_cdf")
        assert found.low <= exact <= found.high, (q, exact, found)
        assert abs(found.value - exact) <= found.bound
        assert found.low <= found.value <= found.high


def test_a_quantile_of_no_weight_is_missing() -> None:
    found = quantile(np.zeros(3), np.arange(3.0), np.arange(1.0, 4.0), 0.5)
    assert np.isnan(found.value) and np.isnan(found.bound)


def test_the_bench_measures_each_diagram_beside_the_plain_run(tmp_path: Path) -> None:
    from conftest import bench_module

    data, cases, diagrams = (bench_module(name) for name in ("data", "cases", "diagrams"))
    store = data.Data(tmp_path)
    family = diagrams.diagrams_family(cases.Commands("python", "losscli", ()), store, 2000)
    works = {case.work for case in family.cases}
    assert len(works) == 2
    for work in works:
        argvs = [case.argv for case in family.cases if case.work == work]
        plain, flagged = argvs
        assert flagged[: len(plain)] == plain and flagged[len(plain) :] in (
            ("--residuals",),
            ("--calibration",),
        )
        assert "--threads" in plain
    diagrams.ensure_binary(store, 2000)
    table = pq.read_table(diagrams.binary_path(store, 2000))
    assert table.num_rows == 2000 and set(table.column("y").to_pylist()) == {0, 1}


@pytest.mark.parametrize("cache_rows", [16, 64, 1 << 14])
def test_bin_sums_merge_in_any_order_and_pickle(cache_rows: int) -> None:
    """Chunks merged in any order, blocks of any size (a block's rows scattered or summed),
    and pickled: the same bins per group as the whole, and as NumPy's."""
    rng = np.random.default_rng(13)
    n = 600
    y, p = rng.uniform(size=n), rng.uniform(size=n)
    w, g = rng.uniform(0, 2, n), rng.choice([f"k{i:02d}" for i in range(50)], n)
    losses = [residuals_loss(), calibration_loss(6)]
    harness = KernelHarness(losses, grouped=True, cache_rows=cache_rows)
    finishing = Finishing((), diagrams=tuple(losses))

    def diagrams(partial: Partial):
        frame, _ = result_frame("t", partial, harness.plan.models, finishing)
        return frame.diagrams

    whole = diagrams(harness.partial(y, p, w, g))
    bounds = [0, 7, 250, 251, 600]
    chunks = [harness.partial(y[a:b], p[a:b], w[a:b], g[a:b], a) for a, b in pairwise(bounds)]
    for merged in (
        reduce(Partial.merge, chunks),
        reduce(Partial.merge, chunks[::-1]),
        pickle.loads(pickle.dumps(reduce(Partial.merge, chunks[1:] + chunks[:1]))),
    ):
        got = diagrams(merged)
        for name in ("residuals", "calibration"):
            for field in ("rows", "w"):
                mine, theirs = (
                    getattr(getattr(got, name), field),
                    getattr(getattr(whole, name), field),
                )
                np.testing.assert_allclose(mine, theirs, rtol=1e-12)
    first = g == "k00"
    counts, _ = np.histogram(p[first], bins=np.linspace(0, 1, 7))
    assert whole.calibration.rows[0].tolist() == counts.tolist()
    assert whole.residuals.rows[0].tolist() == numpy_residual_counts(y[first] - p[first]).tolist()
