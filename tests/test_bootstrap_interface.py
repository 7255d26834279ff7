"""The bootstrap behind one interface (``losscli.engine.bootstrap``): a chunk's
:class:`ChunkBootstrap` takes the blocks' rows and the statistics' columns and gives the
chunk's :class:`Replicates`; the rest of the engine imports nothing else of it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import losscli
from losscli.columns import Spread
from losscli.engine.bootstrap import ChunkBootstrap, Resampling
from losscli.engine.bootstrap.weights import poisson_weights
from losscli.engine.budget import MemoryBudget
from losscli.engine.statistics import MOMENTS, SUM, Statistic

PACKAGE = Path(losscli.__file__).parent
SPEC = Resampling(resamples=40, seed=5)
CODES = np.array([0, 1, 0, 0, 1, 1, 0])
Y = np.array([3.0, 10.0, 4.0, 6.0, 11.0, 9.0, 5.0])


def _weighted(column: np.ndarray) -> np.ndarray:
    """Per key, Σ over its rows of weight(row, resample) · column, written out."""
    weights = poisson_weights(SPEC.seed, np.arange(len(column)), SPEC.resamples)
    return np.stack([(weights * column[:, None])[k == CODES].sum(axis=0) for k in (0, 1)])


def test_a_chunks_bootstrap_gives_each_statistics_replicate_sums() -> None:
    """Two blocks in, per key and resample the weighted sums out; a shifted kind's power
    sums around each key's first value, kept with them."""
    boot = ChunkBootstrap(SPEC, 2, MemoryBudget())
    model, loss, stat_s, stat_y = "m", "l", Statistic("s", SUM), Statistic("y", MOMENTS)
    total, spread = (model, loss, stat_s), (model, loss, stat_y)
    for rows in (slice(0, 3), slice(3, None)):
        boot.block(np.arange(7)[rows], CODES[rows])
        boot.request(total, Y[rows])
        boot.request(spread, Spread(Y[rows], np.ones(len(Y[rows]))))
    found = boot.replicates()
    assert found.sums[(model, loss, stat_s, 0)] == pytest.approx(_weighted(Y), rel=1e-12)
    assert found.shifts[spread].tolist() == [3.0, 10.0]
    offsets = Y - np.array([3.0, 10.0])[CODES]
    for part, column in enumerate((np.ones(7), offsets, offsets**2)):
        want = _weighted(column)
        assert found.sums[(model, loss, stat_y, part)] == pytest.approx(want, rel=1e-12)
    assert found.cells is None  # shifted power sums are settled sums, ready to re-base


def test_the_engine_reaches_the_bootstrap_only_through_its_package() -> None:
    """Outside ``engine/bootstrap/`` no module imports one of its modules."""
    inside = PACKAGE / "engine" / "bootstrap"
    pattern = re.compile(r"from \.+(engine\.)?bootstrap\.\w+ import|bootstrap\.\w+ import")
    found = [
        f"{path.relative_to(PACKAGE)}: {match.group()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if inside not in path.parents
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
