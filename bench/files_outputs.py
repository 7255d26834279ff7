"""Byte-identity harness for many-file runs (BENCHMARKS.md run 15c): every case's stdout,
stderr and exit code, recorded with the losscli on ``PYTHONPATH`` (or installed), and two
such records compared.

    python bench/files_outputs.py record out.json [--data-dir DIR]
    python bench/files_outputs.py compare a.json b.json

The cases give many small files one by one (CSV and Parquet pieces of ``sample_data``,
seeded regression files with zero labels, weights, a NaN, an empty file, a one-row file)
and the 500 files of ``make bench`` (``--data-dir``), in CSV, JSON, table and Markdown.
Each process runs from a temporary directory, so that no checkout's ``losscli`` folder
shadows the one on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
FORMATS = {"csv": ["-f", "csv"], "json": ["-f", "json"], "table": ["-f", "table"]}
FORMATS["md"] = ["-f", "markdown"]


def _pieces(folder: Path) -> None:
    """Sample files split by a column into files, and seeded regression files."""
    for name, by in (("model_comparison", "segment"), ("churn", "plan"), ("animals", "site")):
        frame = pd.read_csv(SAMPLE / f"{name}.csv")
        for key, piece in frame.groupby(by):
            piece.to_csv(folder / f"{name}_{key}.csv", index=False)
            if name == "model_comparison":
                piece.to_parquet(folder / f"{name}_{key}.parquet", index=False)
    demand = pd.read_csv(SAMPLE / "demand_forecast.csv")
    for key, piece in demand.groupby("store"):
        piece.to_csv(folder / f"demand_{key}.csv", index=False)
    rng = np.random.default_rng(3)
    for i in range(6):
        rows = int(rng.integers(1, 40))
        y = rng.gamma(2, 3, rows)
        p = y + rng.normal(0, 1, rows)
        if i == 2:
            y[:3] = 0
        w = rng.uniform(0, 2, rows).round(2) * (i != 4)
        frame = pd.DataFrame({"y": y, "p": p, "q": p * 1.1, "w": w})
        frame.to_csv(folder / f"z_{i}.csv", index=False)
        frame.to_parquet(folder / f"z_{i}.parquet", index=False)
    for i in range(3):  # 0/1 labels and probabilities: binary-looking rows beside the z files
        rows = int(rng.integers(2, 30))
        y = rng.integers(0, 2, rows).astype(float)
        p = rng.uniform(0, 1, rows)
        frame = pd.DataFrame({"y": y, "p": p, "q": p * 0.9, "w": rng.uniform(0, 2, rows)})
        frame.to_parquet(folder / f"b_{i}.parquet", index=False)
    extra = {"nan_1": [1.0, np.nan, 2.0], "empty": [], "one": [3.0]}
    for name, y in extra.items():
        ones = [1.0] * len(y)
        frame = pd.DataFrame({"y": y, "p": ones, "q": ones, "w": ones})
        frame.to_csv(folder / f"{name}.csv", index=False)
        frame.astype(float).to_parquet(folder / f"{name}.parquet", index=False)


def _cases(d: Path, bench: Path) -> dict[str, list[str]]:
    def g(pattern: str) -> list[str]:
        return sorted(str(p) for p in d.glob(pattern))

    z = [str(d / f"z_{i}.csv") for i in (0, 1, 3, 5)]
    zp = [str(d / f"z_{i}.parquet") for i in (0, 1, 3, 5)]
    files = sorted(str(p) for p in bench.glob("*.parquet"))
    regression = ["-l", "y", "-p", "p"]
    two = ["-l", "y_true", "-p", "gbm", "-p", "baseline"]
    q = "q:forecast_q10=0.1,forecast_q50=0.5,forecast_q90=0.9"
    cases = {
        "mc": [*g("model_comparison_*.csv"), *two],
        "mc_all": [*g("model_comparison_*.csv"), *two, "-m", "all"],
        "mc_mixed": [*g("model_comparison_*"), *two, "-m", "mse,mae,mape,r2,max_error,wape"],
        "mc_check": [*g("model_comparison_*.parquet"), *two, "--check", "mse<=2000"],
        "churn": [*g("churn_*.csv"), "-l", "churned", "-p", "p_churn"],
        "churn_all": [*g("churn_*.csv"), "-l", "churned", "-p", "p_churn", "-m", "all"],
        "animals": [*g("animals_*.csv"), "-l", "species", "--probs", "p_cat,p_dog,p_fox"],
        "demand_q": [
            *g("demand_*.csv"),
            "-l",
            "actual",
            "-p",
            "forecast",
            "--quantiles",
            q,
        ],
        "zero": [*z[:2], str(d / "z_2.csv"), *z[2:], *regression, "-p", "q"],
        "zero_err": [*z[:2], str(d / "z_2.csv"), *z[2:], *regression, "--mape-zero", "error"],
        "weighted": [*zp, str(d / "z_2.parquet"), *regression, "-w", "w", "-m", "all"],
        "weights_0": [*z[:2], str(d / "z_4.csv"), *z[2:], *regression, "-w", "w"],
        "nan": [*z[:2], str(d / "nan_1.csv"), *z[2:], *regression],
        "nan_dropped": [*z[:2], str(d / "nan_1.csv"), *z[2:], *regression, "--drop-na"],
        "empty": [*z[:2], str(d / "empty.csv"), *z[2:], *regression],
        "one_row": [*z[:2], str(d / "one.csv"), *z[2:], *regression, "-m", "all"],
        "ci": [*z, *regression, "-p", "q", "--ci", "--compare"],
        "grouped": [*g("model_comparison_*.csv"), "-l", "y_true", "-p", "gbm", "-g", "segment"],
    }
    # Parquet files of sums and maxima only: computed as one chunk (engine/file_runs.py)
    sums = ["-m", "mse,mae,mape,max_error,wape,rmse"]
    z2, b = str(d / "z_2.parquet"), g("b_*.parquet")
    cases |= {
        "p_sums": [*zp, *regression, "-p", "q", *sums],
        "p_zero": [*zp[:2], z2, *zp[2:], *regression, *sums],
        "p_zero_err": [*zp[:2], z2, *zp[2:], *regression, "--mape-zero", "error"],
        "p_weighted": [*zp, *regression, "-w", "w", *sums],
        "p_weights_0": [*zp[:2], str(d / "z_4.parquet"), *zp[2:], *regression, "-w", "w"],
        "p_binary_mix": [zp[0], b[0], zp[1], b[1], b[2], *regression, "-m", "mse,mae"],
        "p_binary": [*b, *regression],
        "p_defaults": [*b, *zp, *regression],
    }
    for name in ("nan_1", "empty", "one"):
        cases[f"p_{name}"] = [*zp[:2], str(d / f"{name}.parquet"), *zp[2:], *regression, *sums]
    cases["p_nan_dropped"] = [*cases["p_nan_1"], "--drop-na"]
    if files:
        plain = ["-l", "y_true", "-p", "y_pred", "-m", "mse,mape"]
        cases["bench"] = [*files, *plain]
        cases["bench_all"] = [*files[:60], "-l", "y_true", "-p", "y_pred", "-m", "all"]
        cases["bench_t2"] = [*files, *plain, "--threads", "2"]
        cases["bench_dir"] = [str(bench), *plain]
    return cases


def record(out: Path, bench: Path) -> None:
    found: dict[str, list[object]] = {}
    env = dict(os.environ, COLUMNS="200")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _pieces(folder)
        for name, args in _cases(folder, bench).items():
            for fmt, flags in FORMATS.items():
                if name.startswith("bench") and fmt in ("table", "md"):
                    continue
                argv = [sys.executable, "-m", "losscli", "evaluate", *args, *flags, "--no-progress"]
                done = subprocess.run(argv, capture_output=True, env=env, cwd=tmp, check=False)
                texts = [t.decode().replace(tmp, "DATA") for t in (done.stdout, done.stderr)]
                found[f"{name}/{fmt}"] = [done.returncode, *texts]
    out.write_text(json.dumps(found))


def compare(a: Path, b: Path) -> int:
    first, second = json.loads(a.read_text()), json.loads(b.read_text())
    differ = [key for key in first if first[key] != second.get(key)]
    for key in differ:
        print("differs:", key, first[key][0], second.get(key, [None])[0])
    codes: dict[int, int] = {}
    for code, _, _ in first.values():
        codes[code] = codes.get(code, 0) + 1
    print(f"{len(first)} cases, {len(differ)} differ; exit codes: {codes}")
    return 1 if differ or set(first) != set(second) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["record", "compare"])
    parser.add_argument("paths", nargs="+", type=Path)
    default = Path(os.environ.get("LOSSCLI_BENCH_DIR", Path.home() / ".cache/losscli-bench"))
    parser.add_argument("--data-dir", type=Path, default=default)
    args = parser.parse_args()
    if args.action == "record":
        record(args.paths[0], args.data_dir / "files_v1_500x2000")
        return 0
    return compare(*args.paths[:2])


if __name__ == "__main__":
    sys.exit(main())
