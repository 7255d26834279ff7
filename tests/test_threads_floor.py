"""The CSV floor of `make bench` reads a large file the way losscli reads it: in losscli's own
slices (reading/csv_slices.py) where losscli slices it, streamed otherwise. No timing here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import bench_module

cases = bench_module("cases")
rivals = bench_module("rivals")


def csv_file(path: Path, rows: int, *, quoted: bool = False) -> Path:
    rng = np.random.default_rng(5)
    y, pred = rng.lognormal(2, 1, rows), rng.lognormal(2, 1, rows)
    region = '"north"' if quoted else "north"
    lines = ["y_true,y_pred,region\n"]
    lines += [f"{float(a)!r},{float(b)!r},{region}\n" for a, b in zip(y, pred, strict=True)]
    path.write_text("".join(lines))
    return path


def floor(path: Path, **changed: Any) -> dict[str, Any]:
    """The floor script's line for ``path`` (its rows read each way, the sum it touched), with
    losscli's reader settings and ``changed`` ones; Arrow given two threads, as a machine of
    two cores or more gives it (on one, losscli streams)."""
    settings = json.loads(cases.reader_settings(("y_true", "y_pred")))
    settings.update(changed)
    done = subprocess.run(
        [sys.executable, "-c", rivals.FLOOR_SCRIPT, json.dumps(settings), str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "2"},
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_the_csv_floor_reads_with_losscli_slice_reader_where_losscli_slices() -> None:
    from losscli.reading import csv_slices

    settings = json.loads(cases.reader_settings(("y_true", "y_pred")))
    assert settings["slice_min_bytes"] == csv_slices.MIN_FILE_BYTES


@pytest.mark.parametrize("quoted", [False, True])
def test_the_csv_floor_reads_a_large_file_in_losscli_slices_else_streams_it(
    tmp_path: Path, quoted: bool
) -> None:
    """A file as large as losscli slices is read by losscli's SlicedRead, and what it does
    not read so (a quote: losscli streams from there) is streamed; a smaller file is
    streamed. Every row is read once, and the numbers touched are the same either way."""
    path = csv_file(tmp_path / "in.csv", 3_000, quoted=quoted)
    as_losscli = floor(path, slice_min_bytes=0)
    streamed = floor(path)
    assert streamed["sliced"] == 0 and streamed["streamed"] == 3_000
    if quoted:
        assert as_losscli["sliced"] == 0 and as_losscli["streamed"] == 3_000
    else:
        assert as_losscli["sliced"] == 3_000 and as_losscli["streamed"] == 0
    assert as_losscli["touched"] == streamed["touched"]
