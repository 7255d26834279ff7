"""The HTML report's case (issue #20): a report of 1,000 groups × 4 models, compared with
intervals, stays under 5 MB and is written in under 2 s.

The result is computed once through the Python API; what is timed is what ``-o
report.html`` adds to a run: importing the report's package (it has no plotting library:
its charts are SVG written by losscli) and rendering the page, as ``losscli`` does with
its default ``--max-rows`` (50 groups per chart; the table keeps every row). Wall and CPU
time (user + sys) are the medians of several runs; the import is timed once, in a fresh
process. ``python bench/html_report.py`` runs it alone; ``make bench`` after the others.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

GROUPS, MODELS, ROWS_PER_GROUP = 1_000, 4, 50
LIMIT_MB, LIMIT_S = 5.0, 2.0
MAX_ROWS = 50  # losscli's default for a view for people written to a file
RUNS = 5


def report_data(path: Path) -> Path:
    """``GROUPS`` groups of ``ROWS_PER_GROUP`` rows, a label and ``MODELS`` predictions."""
    rng = np.random.default_rng(20)
    rows = GROUPS * ROWS_PER_GROUP
    y = rng.normal(100.0, 20.0, rows)
    columns = {"g": np.repeat(np.arange(GROUPS), ROWS_PER_GROUP).astype(str), "y_true": y}
    for k in range(MODELS):
        columns[f"model_{k}"] = y + rng.normal(0.0, 5.0 + k, rows)
    pq.write_table(pa.table(columns), path)
    return path


def import_seconds() -> float:
    """Importing the report's package in a fresh process, beyond importing losscli's result."""
    code = (
        "import time, losscli.result, losscli.render.formats; t = time.perf_counter(); "
        "import losscli.render.html; print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def measure_report() -> dict[str, float]:
    """The report's size in MB, and the median wall and CPU seconds of rendering it."""
    import losscli
    from losscli.render.formats import FORMATS, Display

    with tempfile.TemporaryDirectory(prefix="losscli-report-") as folder:
        data = report_data(Path(folder) / "groups.parquet")
        preds = [f"model_{k}" for k in range(MODELS)]
        result = losscli.evaluate(
            str(data), pred=preds, group_by="g", losses="mse,mae", ci=0.95, compare=True
        )
    render = FORMATS["html"].render
    walls, cpus, size = [], [], 0
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        text = render(result, Display(max_rows=MAX_ROWS))
        assert isinstance(text, str)
        size = len(text.encode())
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "mb": size / 1e6,
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "import": import_seconds(),
    }


def html_report_case(only: list[str] | None) -> str:
    """The case's lines for the bench's report ("" where --only leaves it out)."""
    if only and not any("html" in text.lower() for text in only):
        return ""
    found = measure_report()
    size_ok = "met" if found["mb"] < LIMIT_MB else "MISSED"
    time_ok = "met" if found["wall"] + found["import"] < LIMIT_S else "MISSED"
    return (
        f"HTML report, {GROUPS:,} groups x {MODELS} models (mse, mae, --ci, --compare, "
        f"--max-rows {MAX_ROWS}): {found['mb']:.2f} MB (< {LIMIT_MB:g} MB: {size_ok}); "
        f"written in {found['wall']:.3f} s wall, {found['cpu']:.3f} s CPU, median of {RUNS}, "
        f"+ {found['import']:.3f} s importing losscli.render.html (< {LIMIT_S:g} s: {time_ok})"
    )


if __name__ == "__main__":
    print(html_report_case(None))
