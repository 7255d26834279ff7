"""The memory budget (``--max-memory``): what it refuses, what it leaves out, what it says."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import write_table

from losscli import evaluate
from losscli.engine.bootstrap.resample import ChunkResampler
from losscli.engine.bootstrap.weights import Resampling
from losscli.engine.budget import MemoryBudget


def _binary_shards(tmp_path: Path, files: int = 40, rows: int = 100) -> Path:
    """A directory of small CSV shards of binary data: each shard a chunk of fewer units
    than resamples, so an F1 bootstrap's cells wait and are multiplied out by the fold's
    settler (its products and its growing sums charged there)."""
    rng = np.random.default_rng(4)
    p = rng.uniform(size=files * rows)
    frame = pd.DataFrame({"y_true": (rng.uniform(size=len(p)) < p) * 1, "p": p})
    folder = tmp_path / "shards"
    folder.mkdir()
    for i in range(files):
        frame.iloc[i * rows : (i + 1) * rows].to_csv(folder / f"part{i:03d}.csv", index=False)
    return folder


@pytest.mark.parametrize("threads", [1, 3])  # 3: two kernel threads beside the reading one
def test_an_optional_bootstrap_over_the_budget_is_left_out_on_every_path(
    tmp_path: Path, threads: int
) -> None:
    """F1's bootstrap under the normal method is optional: at every budget, from one that
    fits nothing to one that fits it all, the run goes through whichever charge is refused
    (a chunk's sums, the fold's, the settler's products of waiting cells or its growing
    sums, finalizing's). F1 then has the interval the roomy run gives, or none and a note
    saying why, never both (nor one made of part of the bootstrap); cross-entropy keeps its
    normal interval. Any thread count: whichever chunk is refused, the outcome is one of
    those two."""
    folder = str(_binary_shards(tmp_path))
    args: dict[str, Any] = {"pred": "p", "losses": "log_loss,f1", "ci": 0.9, "threads": threads}
    roomy = evaluate(folder, **args).rows[0].intervals
    assert roomy["f1"].low is not None
    for kib in range(10, 400, 15):
        found = evaluate(folder, **args, max_memory=f"{kib}K").rows[0].intervals
        assert found["cross_entropy"] == roomy["cross_entropy"], kib
        f1 = found["f1"]
        if f1.low is None:
            assert f1.why.startswith("no interval: its bootstrap (1,000 resamples) was left out")
            assert f"beyond --max-memory {kib} KiB" in f1.why
        else:
            assert f1 == roomy["f1"], kib


def test_optional_charges_from_many_threads_fit_or_skip_never_raise() -> None:
    """Eight chunks' optional bootstraps charged at once, on eight threads, against a
    budget with room for two: the test and the count are one step, so exactly two are
    charged and six skipped with the reason, and none is refused with an exception
    (another thread charging between a test and a count once raised OverBudget inside a
    worker, ending the run with exit 4). The threads switch as often as Python lets them,
    so such a gap, were there one, would be hit within these rounds; the outcome
    asserted holds under any interleaving."""
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(200):
            _charge_eight_chunks_at_once()
    finally:
        sys.setswitchinterval(switching)


def _charge_eight_chunks_at_once() -> None:
    """Eight optional chunk charges at once against room for two: two fit, six skip."""
    budget = MemoryBudget(2 * 1000 * 8)  # two chunks' (1 sum × 1 key × 1,000 resamples)
    start = threading.Barrier(8)

    def chunk() -> str:
        resampler = ChunkResampler(Resampling(1000, 0), 1, budget, optional=True)
        resampler.block(np.arange(100), None)
        resampler.request("x", np.ones(100))
        start.wait()
        resampler.results()
        return resampler.skipped

    with ThreadPoolExecutor(8) as pool:
        skipped = [f.result() for f in [pool.submit(chunk) for _ in range(8)]]
    assert sum(not why for why in skipped) == 2 and budget.held == 16_000
    assert all("beyond --max-memory" in why for why in skipped if why)


@pytest.mark.parametrize(
    ("group_by", "groups"), [(None, 0), (["g"], 50), (["g", "h"], 350)], ids=["none", "g", "g,h"]
)
def test_the_rank_tables_refusal_advises_what_is_true(
    group_by: list[str] | None, groups: int
) -> None:
    """ROC-AUC's rank tables over --max-memory: with groups, the message counts the
    groups really seen (this chunk's included) and advises fewer group columns; without
    any, where fewer groups is impossible, it advises a run without roc_auc (or more
    memory) and counts no groups."""
    from losscli.engine.budget import OverBudget

    rng = np.random.default_rng(5)
    n = 40_000
    frame = pd.DataFrame(
        {
            "g": np.arange(n) % 50,
            "h": np.arange(n) % 7,
            "y_true": (rng.uniform(size=n) < 0.3) * 1.0,
            "p": rng.uniform(size=n),
        }
    )
    with pytest.raises(OverBudget) as found:
        evaluate(frame, pred="p", group_by=group_by, losses="roc_auc", max_memory="512K")
    message = str(found.value)
    assert found.value.exit_code == 4 and "raise --max-memory" in message
    if group_by:
        assert f"of the groups seen so far ({groups:,})" in message
        assert "Group by fewer columns" in message
    else:
        assert "group" not in message.lower()
        assert "Evaluate without roc_auc" in message


@pytest.mark.parametrize("size", ["512", "1000", "1048575"])
def test_a_bare_number_below_1_mib_is_refused_as_a_forgotten_unit(
    run: Any, tmp_path: Path, size: str
) -> None:
    """--max-memory 512 is surely 512M with its unit forgotten (no run fits in 512
    bytes): a usage error (exit 2) saying to give the unit, before anything is read; the
    Python API refuses max_memory="512" likewise. A size with its unit (512K) or a bare
    number of at least 1 MiB is taken as written."""
    from losscli.errors import UsageError

    frame = pd.DataFrame({"y_true": [1.0, 2.0], "y_pred": [1.5, 2.5]})
    path = write_table(frame, tmp_path / "tiny.csv")
    done = run("evaluate", "no-such-file.csv", "--max-memory", size)
    assert done.exit_code == 2
    assert f"'{size}' is {int(size):,} bytes, less than 1 MiB: give the unit, e.g. {size}M" in (
        done.stderr
    )
    with pytest.raises(UsageError, match="less than 1 MiB: give the unit"):
        evaluate(frame, max_memory=size)
    for written in ("512K", str(1 << 20)):
        assert run("evaluate", str(path), "--max-memory", written).exit_code == 0
        assert evaluate(frame, max_memory=written).rows[0].metrics["mse"] == 0.25


@pytest.mark.parametrize(
    ("option", "frame_of"),
    [("--residuals", "regression"), ("--calibration", "binary")],
)
def test_diagram_bins_are_charged_to_the_memory_budget(
    run: Any, tmp_path: Path, option: str, frame_of: str
) -> None:
    """--residuals keeps 605 floats per group and model, --calibration 3 × B: per-key
    state that grows with the groups, charged to --max-memory before it grows. 3,000
    groups' residual bins (14 MB) or calibration bins (1 MB) against 256K: exit 4 with the
    budget's message naming the groups seen and what lowers them; with room, exit 0."""
    rng = np.random.default_rng(2)
    n = 6_000
    y = rng.uniform(size=n)
    if frame_of == "binary":
        frame = pd.DataFrame({"g": np.arange(n) // 2, "y_true": (y < 0.4) * 1, "p": y})
    else:
        frame = pd.DataFrame({"g": np.arange(n) // 2, "y_true": y, "p": y + rng.normal(0, 1, n)})
    path = write_table(frame, tmp_path / "many.csv")
    args = (str(path), "-p", "p", "-g", "g", option, "-f", "json")
    refused = run("evaluate", *args, "--max-memory", "256K")
    assert refused.exit_code == 4, refused.stderr
    message = " ".join(refused.stderr.split())
    assert f"the bins of {option} (" in message and "groups seen so far" in message
    assert f"Group by fewer columns, or leave out {option}, or raise --max-memory" in message
    assert "Traceback" not in message
    assert run("evaluate", *args, "--max-memory", "64M").exit_code == 0


def test_the_curves_rank_tables_refusal_advises_leaving_out_curves() -> None:
    """--curves without roc_auc keeps ROC-AUC's rank tables under an internal loss: over
    --max-memory, an ungrouped run is told to evaluate without --curves (not the internal
    loss's name)."""
    from losscli.engine.budget import OverBudget

    rng = np.random.default_rng(5)
    n = 40_000
    frame = pd.DataFrame({"y_true": (rng.uniform(size=n) < 0.3) * 1.0, "p": rng.uniform(size=n)})
    with pytest.raises(OverBudget) as found:
        evaluate(frame, pred="p", losses="log_loss", curves=True, max_memory="512K")
    message = str(found.value)
    assert "Evaluate without --curves (the rank tables" in message and "(curves)" not in message
