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
from losscli.engine.partial import Partial
from losscli.engine.statistics import Kind, State, Valued
from losscli.losses import Batch, Custom, Direction, Loss, Task
from losscli.losses.params import Param
from losscli.losses.shapes import Sums
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


@pytest.mark.parametrize("cache_rows", [3, 64, 1 << 14])
def test_a_new_kind_of_statistic_is_chunked_merged_and_pickled_from_its_declaration(
    cache_rows: int,
) -> None:
    """A loss whose statistic is of a kind the engine has never seen: whole, cut into
    chunks merged in any order, computed in blocks of any size, and pickled, it gives
    the value of its definition, per group and overall."""
    y, p, w, g = _data()
    harness = KernelHarness([BINNED], grouped=True, cache_rows=cache_rows)
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


def test_a_custom_loss_parameters_reach_its_compute() -> None:
    """A parameter set with ``-m name:q=…`` is passed to ``compute`` as to ``statistics``."""
    loss = _regression_loss(
        "quantile_gap",
        "|#{y < ŷ} / n − q|",
        Custom(_quantile_hits, _distance_from_q),
        params=(Param("q", 0.5, "the target share", minimum=0, maximum=1),),
    )
    losscli.register(loss)
    try:
        frame = pd.DataFrame({"y_true": [1.0, 2.0, 3.0, 4.0], "y_pred": [2.0, 1.0, 4.0, 5.0]})
        result = losscli.evaluate(frame, losses="quantile_gap,quantile_gap:q=0.9")
        (row,) = result.rows
        assert row.metrics["quantile_gap"] == pytest.approx(0.25)  # 3 of 4 below: |0.75 − 0.5|
        assert row.metrics["quantile_gap:q=0.9"] == pytest.approx(0.15)
    finally:
        losscli.unregister("quantile_gap")
