"""Statistics declared with their kinds (``engine/statistics.py``): the engine merges, grows,
pickles and finalizes any statistic from its declaration alone, and no code reads a
statistic's name for its meaning."""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass
from functools import reduce
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import losscli
from losscli.columns import Spread
from losscli.engine.partial import Partial
from losscli.engine.statistics import Kind, State, Valued
from losscli.errors import PluginFailure
from losscli.losses import Batch, Custom, Direction, Loss, Task
from losscli.losses.params import Param
from losscli.losses.shapes import Sums
from losscli.result import CiSettings
from losscli.testing import KernelHarness

PACKAGE = Path(losscli.__file__).parent

# How statistics were told apart before they were declared: by prefixes and suffixes of
# their names, sliced or matched back out, and sentinel names for the bootstrap's units.
OLD_NAME_PARSING = [
    r"[\"']rep[:_]",  # replicate sums: "rep:y.s1", "rep_num"
    r"[\"']flag:",  # counts of flagged rows: f"flag:{rule}"
    r"\[4:\]",  # a prefix sliced off
    r"\.s[012]\"",  # shifted power sums by suffix
    r"[\"']−?first unit|[\"']last unit",  # the bootstrap's units as sentinel statistics
    r"average=\{",  # a parameter hidden in a statistic's name
    r"rf\"\{prefix\}",  # per-class sums found by a regular expression
    r"type\(shape\)\.__name__",  # dispatch on a shape's class name
    r"NO_INTERVAL",
]


def test_no_statistic_name_is_parsed_anywhere() -> None:
    """No module builds a statistic's meaning into its name or reads it back out."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in OLD_NAME_PARSING:
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(PACKAGE)}:{line}: {match.group()}")
    assert found == []


# ------------------------------------------- a throwaway kind: fixed bins per key


@dataclass(frozen=True)
class Bins(Kind):
    """Counts of rows per key in ``bins`` fixed bins of a per-row bin index (keys × bins)."""

    bins: int

    def of_rows(self, codes: np.ndarray | None, n_keys: int, column: Any) -> State:
        keys = np.zeros(len(column), dtype=np.intp) if codes is None else codes
        cells = keys * self.bins + column
        return np.bincount(cells, minlength=n_keys * self.bins).reshape(n_keys, self.bins)

    def combined(self, mine: State, theirs: State) -> State:
        return mine + theirs

    def pooled(self, state: State) -> np.ndarray:
        return state.sum(axis=0)[None]


EDGES = np.array([0.25, 0.5, 1.0])  # |error| bins: [0, .25), [.25, .5), [.5, 1), [1, ∞)


def _bin_statistics(b: Batch) -> dict[str, Any]:
    return {"hist": Valued(Bins(len(EDGES) + 1), np.searchsorted(EDGES, b.abs_err, "right"))}


def _share_within_quarter(s: Sums) -> np.ndarray:
    hist = s["hist"]
    return hist[:, 0] / np.maximum(hist.sum(axis=1), 1)


def _regression_loss(name: str, formula: str, shape: Custom, **more: Any) -> Loss:
    """A test-only regression loss of a custom shape."""
    return Loss(
        name=name,
        aliases=(),
        description=formula,
        formula=formula,
        tasks=(Task.REGRESSION,),
        direction=Direction.LOWER,
        shape=shape,
        **more,
    )


BINNED = _regression_loss(
    "within_quarter", "#{|e| < 0.25} / n", Custom(_bin_statistics, _share_within_quarter)
)


def _data(n: int = 600) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(12)
    y = rng.normal(0.0, 1.0, n)
    return y, y + rng.normal(0.0, 0.6, n), np.ones(n), rng.choice(list("abcd"), n)


def _expected(y: np.ndarray, p: np.ndarray, g: np.ndarray) -> list[float]:
    close = np.abs(y - p) < 0.25
    return [float(np.mean(close[g == k])) for k in "abcd"] + [float(np.mean(close))]


CI_SETTINGS = [None, CiSettings(0.95, "normal"), CiSettings(0.95, "bootstrap", 100, 0)]


@pytest.mark.parametrize("ci", CI_SETTINGS, ids=["no-ci", "normal", "bootstrap"])
@pytest.mark.parametrize("cache_rows", [3, 64, 1 << 14])
def test_a_new_kind_of_statistic_is_chunked_merged_and_pickled_from_its_declaration(
    cache_rows: int, ci: CiSettings | None
) -> None:
    """A loss whose statistic is of a kind the engine has never seen: whole, cut into
    chunks merged in any order, computed in blocks of any size, and pickled, it gives
    the value of its definition, per group and overall, with or without intervals."""
    y, p, w, g = _data()
    harness = KernelHarness([BINNED], grouped=True, cache_rows=cache_rows, ci=ci)
    whole = harness.partial(y, p, w, g)
    bounds = [0, 7, 250, 251, 600]
    chunks = [harness.partial(y[a:b], p[a:b], w[a:b], g[a:b], a) for a, b in pairwise(bounds)]
    want = _expected(y, p, g)
    for partial in (
        whole,
        reduce(Partial.merge, chunks),
        reduce(Partial.merge, chunks[::-1]),
        pickle.loads(pickle.dumps(reduce(Partial.merge, chunks[1:] + chunks[:1]))),
    ):
        got = [row["within_quarter"] for row in harness.metrics(partial)]
        assert got == pytest.approx(want, rel=1e-12)


def _quantile_hits(b: Batch, *, q: float = 0.5) -> dict[str, Any]:
    return {"below": (b.err < 0).astype(float)}


def _distance_from_q(s: Sums, *, q: float = 0.5) -> np.ndarray:
    return np.abs(s["below"] / s["n"] - q)


def _quantile_loss(name: str, compute: Any) -> Loss:
    """A test-only loss of the share of rows below their prediction, with a parameter q."""
    q = Param("q", 0.5, "the target share", minimum=0, maximum=1)
    return _regression_loss(name, "#{y < ŷ} / n", Custom(_quantile_hits, compute), params=(q,))


def test_a_custom_loss_parameters_reach_its_compute() -> None:
    """A parameter set with ``-m name:q=…`` is passed to ``compute`` as to ``statistics``."""
    losscli.register(_quantile_loss("quantile_gap", _distance_from_q))
    try:
        frame = pd.DataFrame({"y_true": [1.0, 2.0, 3.0, 4.0], "y_pred": [2.0, 1.0, 4.0, 5.0]})
        result = losscli.evaluate(frame, losses="quantile_gap,quantile_gap:q=0.9")
        (row,) = result.rows
        assert row.metrics["quantile_gap"] == pytest.approx(0.25)  # 3 of 4 below: |0.75 − 0.5|
        assert row.metrics["quantile_gap:q=0.9"] == pytest.approx(0.15)
    finally:
        losscli.unregister("quantile_gap")


@pytest.mark.parametrize("ci", CI_SETTINGS[1:], ids=["normal", "bootstrap"])
def test_a_kind_the_bootstrap_cannot_resample_gives_no_interval_and_says_why(
    ci: CiSettings,
) -> None:
    """A custom loss whose statistic's kind has no bootstrap keeps its value under --ci,
    with no interval and a note naming the statistic, never a KeyError."""
    y, p, w, g = _data()
    harness = KernelHarness([BINNED], grouped=True, ci=ci)
    for row in harness.rows(harness.partial(y, p, w, g)):
        interval = row.intervals["within_quarter"]
        assert (interval.low, interval.high) == (None, None)
        assert interval.why == "no interval: statistic 'hist' (Bins) has no bootstrap"


class PlainBins(Kind):
    """A newcomer's kind: a plain subclass (no dataclass), built anew in every batch."""

    def __init__(self, bins: int) -> None:
        self.bins = bins

    def of_rows(self, codes: np.ndarray | None, n_keys: int, column: Any) -> State:
        return Bins(self.bins).of_rows(codes, n_keys, column)

    def combined(self, mine: State, theirs: State) -> State:
        return mine + theirs

    def pooled(self, state: State) -> np.ndarray:
        return state.sum(axis=0)[None]


def _plain_bins(b: Batch) -> dict[str, Any]:
    return {"hist": Valued(PlainBins(len(EDGES) + 1), np.searchsorted(EDGES, b.abs_err, "right"))}


@pytest.mark.parametrize("cache_rows", [3, 64])
def test_a_kind_is_a_value_so_one_built_per_batch_is_one_statistic(cache_rows: int) -> None:
    """Two kinds of one type with equal fields are one kind: a plain ``Kind`` subclass
    built in every batch keeps one state per loss, summed over every block."""
    loss = _regression_loss(
        "plain_bins", "#{|e| < 0.25} / n", Custom(_plain_bins, _share_within_quarter)
    )
    y, p, w, g = _data()
    harness = KernelHarness([loss], grouped=True, cache_rows=cache_rows)
    whole = harness.partial(y, p, w, g)
    assert len(whole.states) == 1
    got = [row["plain_bins"] for row in harness.metrics(whole)]
    assert got == pytest.approx(_expected(y, p, g), rel=1e-12)


def _changing_bins(b: Batch) -> dict[str, Any]:
    bins = 4 if len(b.y) == 3 else 5  # a block of 3 rows, and the other of 1, differ
    return {"hist": Valued(PlainBins(bins), np.searchsorted(EDGES, b.abs_err, "right"))}


def test_a_statistic_redeclared_with_an_unequal_kind_fails_naming_both() -> None:
    loss = _regression_loss("changing", "x", Custom(_changing_bins, _share_within_quarter))
    y, p, w, _ = _data(7)
    harness = KernelHarness([loss], cache_rows=3)
    with pytest.raises(
        PluginFailure,
        match=r"'hist' as PlainBins\(bins=\d\) in one batch and as PlainBins\(bins=\d\) in ",
    ):
        harness.partial(y, p, w)


def _bin_pairs(b: Batch) -> dict[str, Any]:
    e = b.abs_err
    return {"pair": np.stack([e < 0.25, e >= 0.25], axis=1).astype(float)}


def _first_of_pair(s: Sums) -> np.ndarray:
    pair = s["pair"]
    return pair[:, 0] / np.maximum(pair.sum(axis=1), 1)


@pytest.mark.usefixtures("clean_registry")
@pytest.mark.parametrize(
    "statistics, compute",
    [(_bin_statistics, _share_within_quarter), (_bin_pairs, _first_of_pair)],
    ids=["valued-kind", "rows-by-K"],
)
def test_register_accepts_what_the_readme_says_a_custom_loss_may_return(
    statistics: Any, compute: Any
) -> None:
    """``Valued(kind, column)`` and a (rows × K) array pass ``losscli.register``'s checks,
    each column checked by its kind, and give the loss's value through the Python API."""
    y, p, _, _ = _data()
    losscli.register(_regression_loss("share", "x", Custom(statistics, compute)))
    result = losscli.evaluate(pd.DataFrame({"y_true": y, "y_pred": p}), losses="share")
    assert result.rows[0].metrics["share"] == pytest.approx(np.mean(np.abs(y - p) < 0.25))


def _bad_bins(b: Batch) -> dict[str, Any]:
    return {"hist": np.ones((len(b.y) - 1, 2))}


@pytest.mark.usefixtures("clean_registry")
def test_a_rows_by_k_column_of_the_wrong_length_is_the_plugins_failure() -> None:
    losscli.register(_regression_loss("bad", "x", Custom(_bad_bins, _first_of_pair)))
    with pytest.raises(PluginFailure, match=r"statistic 'hist' of shape \(2, 2\) for 3 rows"):
        losscli.evaluate(pd.DataFrame({"y_true": [1.0, 2, 3], "y_pred": [2.0, 1, 4]}), losses="bad")


def _own_n(b: Batch) -> dict[str, Any]:
    return {"n": b.w_array, "s": b.weigh(b.abs_err)}


def _mean_over_own_n(s: Sums) -> np.ndarray:
    return s["s"] / s["n"]


def test_a_statistic_named_n_is_the_loss_own_in_its_value_and_its_interval() -> None:
    """No statistic name is the engine's: a custom loss that declares ``n`` reads its own
    (here Σw, weights 2), in its value and in its bootstrap, as MAE does."""
    loss = _regression_loss("wmae_n", "Σw|e| / Σw", Custom(_own_n, _mean_over_own_n))
    y, p, w, g = _data()
    ci = CiSettings(0.95, "bootstrap", 200, 3)
    harness = KernelHarness([loss, "mae"], grouped=True, ci=ci)
    for row in harness.rows(harness.partial(y, p, 2 * w, g)):
        assert row.metrics["wmae_n"] == pytest.approx(row.metrics["mae"], rel=1e-12)
        mine, mae = row.intervals["wmae_n"], row.intervals["mae"]
        assert (mine.low, mine.high) == pytest.approx((mae.low, mae.high), rel=1e-9)


def _clashing(b: Batch) -> dict[str, Any]:
    return {"y": Spread(b.y, b.w_array), "y.w": b.w_array}


@pytest.mark.usefixtures("clean_registry")
def test_two_statistics_read_under_one_name_are_refused_naming_both() -> None:
    losscli.register(_regression_loss("clash", "x", Custom(_clashing, _mean_over_own_n)))
    with pytest.raises(
        PluginFailure, match=r"statistics 'y' and 'y\.w' that would both be read as 'y\.w'"
    ):
        losscli.evaluate(
            pd.DataFrame({"y_true": [1.0, 2, 3], "y_pred": [2.0, 1, 4]}), losses="clash"
        )


def _share_below(s: Sums) -> np.ndarray:  # written before parameters reached compute
    return s["below"] / s["n"]


@pytest.mark.usefixtures("clean_registry")
def test_a_plugin_whose_compute_takes_no_parameters_keeps_working() -> None:
    """Each function of a loss gets only the parameters it takes: ``statistics`` its ``q``,
    an old-style ``compute(s)`` none."""
    losscli.register(_quantile_loss("old_style", _share_below))
    frame = pd.DataFrame({"y_true": [1.0, 2, 3], "y_pred": [2.0, 1, 4]})
    result = losscli.evaluate(frame, losses="old_style,old_style:q=0.9")
    assert result.rows[0].metrics == pytest.approx({"old_style": 2 / 3, "old_style:q=0.9": 2 / 3})


def _binary_chunks() -> tuple[KernelHarness, list[Partial]]:
    rng = np.random.default_rng(5)
    y = (rng.uniform(size=300) < 0.4).astype(float)
    p = np.clip(0.3 * y + 0.7 * rng.uniform(size=300), 0, 1)
    w, g = rng.uniform(0.5, 2, 300), rng.choice(list("ab"), 300)
    harness = KernelHarness(["roc_auc", "f1", "brier"], task="binary", grouped=True)
    bounds = [0, 200, 260, 300]  # the smaller chunks wait beside the first's sorted table
    return harness, [
        harness.partial(y[a:b], p[a:b], w[a:b], g[a:b], a) for a, b in pairwise(bounds)
    ]


def test_finalizing_a_partial_twice_changes_nothing() -> None:
    """Kinds' ``rows`` never change a state: a partial (its rank tables still waiting to be
    sorted in) finalizes to the same rows twice, and is the same partial after."""
    harness, chunks = _binary_chunks()
    partial = reduce(Partial.merge, chunks)
    before = pickle.dumps(partial)
    first = harness.rows(partial)
    assert pickle.dumps(partial) == before
    assert harness.rows(partial) == first


def test_merging_one_partial_into_two_others_changes_it_in_neither() -> None:
    """Kinds' ``combined`` never changes its inputs (only ``added`` and ``absorb`` write,
    into their first): one partial merged or absorbed into two others stays as it was,
    and both results equal merges of copies."""
    harness, (a, b, c) = _binary_chunks()
    before = pickle.dumps(c)
    merged = [Partial.merge(a, c), Partial.merge(b, c)]
    folds = [pickle.loads(pickle.dumps(a)), pickle.loads(pickle.dumps(b))]
    for fold in folds:
        fold.absorb(c)
    assert pickle.dumps(c) == before
    for (_, _, stat), state in c.states.items():
        again = stat.kind.combined(state, state)
        assert pickle.dumps(c) == before and again is not state
    copies = [Partial.merge(a, pickle.loads(before)), Partial.merge(b, pickle.loads(before))]
    for got in (merged, folds):
        assert [harness.rows(p) for p in got] == [harness.rows(p) for p in copies]
