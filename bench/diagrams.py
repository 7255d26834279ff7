"""The cost of the diagrams' bins (--calibration, --residuals) over the same run without them.

Two works, each measured with --threads 1 (the kernel's own cost, no thread overlap):
the residual histogram over the regression data (Parquet, per group: region, 1,000 values)
and the reliability diagram over binary data of as many rows (made here, cached beside the
others). The table shows the run with the flag beside the plain one: their ratio is what
the bins cost; both must agree on the losses' values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from cases import LOSSCLI, REGRESSION_ARGS, Commands, Family
from data import Data, log, rows_label
from measure import Case

CHUNK_ROWS = 1_000_000
DATA_VERSION = 1


def binary_path(data: Data, rows: int) -> Path:
    return data.root / f"diagrams_binary_{DATA_VERSION}_{rows}.parquet"


def ensure_binary(data: Data, rows: int) -> None:
    """Labels drawn from calibrated-ish probabilities, with a region column (1,000 values)."""
    path = binary_path(data, rows)
    if path.exists():
        return
    data.make_root()
    log(f"making {path.name}")
    rng = np.random.default_rng(20)
    partial = path.with_suffix(".partial")
    schema = pa.schema([("y", pa.int8()), ("p", pa.float64()), ("region", pa.string())])
    with pq.ParquetWriter(partial, schema) as out:
        for start in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - start)
            p = rng.beta(2.0, 3.0, n)
            y = (rng.uniform(size=n) < p**0.8).astype(np.int8)
            region = pa.array(rng.integers(0, 1000, n).astype(str))
            out.write_table(pa.table({"y": y, "p": p, "region": region}, schema=schema))
    partial.rename(path)


def diagrams_family(cmd: Commands, data: Data, rows: int) -> Family:
    """Plain runs and runs with --residuals / --calibration, at ``rows`` rows, per group."""
    threads = ("--threads", "1", "-g", "region", "-f", "csv")
    regression = str(data.regression(rows).with_suffix(".parquet"))
    residual_work = f"--residuals: Parquet per group ({rows_label(rows)}, --threads 1)"
    plain = cmd.losscli_cmd("evaluate", regression, *REGRESSION_ARGS, *threads)
    binary = str(binary_path(data, rows))
    calibration_work = f"--calibration: Parquet per group ({rows_label(rows)}, --threads 1)"
    scored = cmd.losscli_cmd("evaluate", binary, "-l", "y", "-p", "p", "-m", "ece", *threads)
    keys, metrics = ("region",), ("ece",)
    cases = [
        Case(residual_work, LOSSCLI, plain, keys=keys),
        Case(residual_work, f"{LOSSCLI} --residuals", (*plain, "--residuals"), keys=keys),
        Case(calibration_work, LOSSCLI, scored, keys=keys, metrics=metrics),
        Case(
            calibration_work,
            f"{LOSSCLI} --calibration",
            (*scored, "--calibration"),
            keys=keys,
            metrics=metrics,
        ),
    ]

    def prepare() -> None:
        data.ensure_regression(rows, csv=False)
        ensure_binary(data, rows)

    return Family("diagrams", cases, prepare)
