"""Values-identical harness: run every sample_data example and a set of CLI cases to JSON,
and compare two such runs number by number.

    python tools/golden.py record out.json [SRC]  # run every case (package in SRC)
    python tools/golden.py compare a.json b.json [--tol 1e-12]

A refactor that must change no number records before and after and compares: bit for bit
where the summation order is unchanged, else within a relative ``--tol``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "sample_data"
PLUGINS = ROOT / "examples" / "plugins"
BOOT = "--ci --ci-method bootstrap --resamples 200"


def _synthetic(folder: Path) -> dict[str, Path]:
    """Seeded inputs the sample data lacks: boxes for the detection plugin, a weighted
    regression with many groups, extremes of magnitude."""
    rng = np.random.default_rng(7)
    n = 3000
    boxes = folder / "boxes.csv"
    x1, y1 = rng.uniform(0, 10, n), rng.uniform(0, 10, n)
    cols = {
        "true_x1": x1,
        "true_y1": y1,
        "true_x2": x1 + rng.uniform(1, 5, n),
        "true_y2": y1 + rng.uniform(1, 5, n),
    }
    for c in ("x1", "y1", "x2", "y2"):
        cols[f"pred_{c}"] = cols[f"true_{c}"] + rng.normal(0, 0.5, n)
    cols["y"], cols["p"] = rng.integers(0, 2, n), rng.uniform(0, 1, n)
    _write(boxes, cols)
    weighted = folder / "weighted.csv"
    y = rng.gamma(2.0, 10.0, n)
    _write(
        weighted,
        {
            "g": rng.integers(0, 40, n),
            "h": rng.integers(0, 3, n),
            "y": y,
            "a": y + rng.normal(0, 3, n),
            "b": y * rng.uniform(0.8, 1.3, n),
            "w": rng.uniform(0, 2, n).round(3),
        },
    )
    extremes = folder / "extremes.csv"
    scale = 10.0 ** rng.integers(-200, 200, 200)
    ye = rng.uniform(1, 2, 200) * scale
    _write(extremes, {"g": np.arange(200) % 4, "y": ye, "p": ye * rng.uniform(0.5, 1.5, 200)})
    return {"boxes": boxes, "weighted": weighted, "extremes": extremes}


def _write(path: Path, columns: dict[str, np.ndarray]) -> None:
    names = list(columns)
    rows = zip(*(columns[c] for c in names), strict=True)
    lines = [",".join(names)] + [
        ",".join(repr(float(v)) if isinstance(v, float) else str(v) for v in row) for row in rows
    ]
    path.write_text("\n".join(lines) + "\n")


def cases(extra: dict[str, Path]) -> dict[str, list[str]]:
    d = {p.stem: str(p) for p in DATA.glob("*.csv")}
    columns = {
        "model_comparison": ["-p", "gbm", "-p", "baseline"],
        "churn": ["-l", "churned", "-p", "p_churn"],
        "animals": ["-l", "species", "--probs", "p_*"],
        "article_one_hot": ["-l", "y_*", "--probs", "p_*"],
    }
    w, b, x = str(extra["weighted"]), str(extra["boxes"]), str(extra["extremes"])
    out: dict[str, list[str]] = {}
    for stem, path in sorted(d.items()):
        given = [path, *columns.get(stem, [])]
        out[f"{stem}:default"] = given
        out[f"{stem}:all"] = [*given, "-m", "all"]
        out[f"{stem}:all-ci"] = [*given, "-m", "all", "--ci"]
    fc = d["demand_forecast"]
    mc, ch, an = ([d[k], *columns[k]] for k in ("model_comparison", "churn", "animals"))
    weighed = [w, *"-l y -p a -p b -w w".split()]
    out |= {
        "forecast:groups": [fc, *"-g region -g store -m all".split()],
        "forecast:ci-normal": [fc, *"-g region -m all --ci".split()],
        "forecast:ci-boot": [fc, *BOOT.split(), *"-g region -m mse,mae,r2,wape --seed 3".split()],
        "forecast:ci-boot-blocks": [
            fc,
            *BOOT.split(),
            *"-g region -m mse,r2 --block-rows 7".split(),
        ],
        "compare:normal": [*mc, *"-g segment --compare --ci -m mse,mae,rmse,mape".split()],
        "compare:boot": [
            *mc,
            *BOOT.split(),
            *"-g segment --compare --seed 11 -m mse,rmse,r2".split(),
        ],
        "churn:groups": [*ch, *"-g plan -m all --ci".split()],
        "churn:f1-avg": [*ch, "-m", "f1:average=macro,precision:threshold=0.3,recall", "--ci"],
        "animals:multi": [*an, *"-g site -m all --ci".split()],
        "animals:f1": [*an, "-m", "f1:average=weighted,f1:average=micro,roc_auc,ece:bins=5"],
        "animals:boot": [*an, *BOOT.split(), *"-m accuracy,cross_entropy,f1".split()],
        "weighted:all": [*weighed, *"-g g -m all --ci".split()],
        "weighted:compare": [*weighed, *"-g g -g h --compare --ci -m mse,mae,r2,max_error".split()],
        "weighted:boot": [*weighed, *BOOT.split(), *"-g h --block-rows 50 -m mse,r2,wape".split()],
        "extremes": [x, *"-l y -p p -g g -m mse,r2,max_error,mape --ci".split()],
        "plugin:linex": [
            *weighed[:5],
            "--plugin",
            f"{PLUGINS}/linex.py",
            "-m",
            "linex,linex:a=-0.5",
        ],
        "plugin:overstock": [
            fc,
            "-g",
            "region",
            "--plugin",
            f"{PLUGINS}/overstock.py",
            "-m",
            "overstock",
        ],
        "plugin:detection": [
            b,
            "-l",
            "y",
            "-p",
            "p",
            "--plugin",
            f"{PLUGINS}/detection.py",
            "-m",
            "iou_loss,giou_loss",
        ],
    }
    return out


def record(target: Path, source: Path = ROOT) -> None:
    """Run every case with the package under ``source`` (a checkout of another commit)."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    results: dict[str, Any] = {}
    tmp = "/tmp/losscli-golden"  # one path, so that the file names shown match
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    extra = _synthetic(Path(tmp))
    fixed = "--format json --threads 2 --no-config".split()
    for name, args in cases(extra).items():
        command = [sys.executable, "-m", "losscli", "evaluate", *args, *fixed]
        run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
        try:
            body: Any = json.loads(run.stdout)
        except json.JSONDecodeError:
            body = run.stdout
        results[name] = {"code": run.returncode, "out": body, "err": run.stderr[-300:]}
    target.write_text(json.dumps(results, indent=1, sort_keys=True))


def _diff(a: Any, b: Any, where: str, tol: float, found: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                found.append(f"{where}.{k}: only in one")
            else:
                _diff(a[k], b[k], f"{where}.{k}", tol, found)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, f"{where}[{i}]", tol, found)
    elif isinstance(a, float) and isinstance(b, float):
        if a != b and not (math.isnan(a) and math.isnan(b)):
            if abs(a - b) > tol * max(abs(a), abs(b), 1e-300):
                found.append(f"{where}: {a!r} != {b!r}")
            else:
                found.append(f"~{where}")
    elif a != b:
        found.append(f"{where}: {str(a)[:80]!r} != {str(b)[:80]!r}")


def compare(first: Path, second: Path, tol: float) -> int:
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    found: list[str] = []
    _diff(a, b, "", tol, found)
    close = [f for f in found if f.startswith("~")]
    wrong = [f for f in found if not f.startswith("~")]
    print(
        f"{len(a)} cases; {len(close)} numbers within tolerance, not bit-equal; "
        f"{len(wrong)} differences"
    )
    for line in wrong[:40]:
        print(line)
    return 1 if wrong else 0


if __name__ == "__main__":
    if sys.argv[1] == "record":
        record(Path(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else ROOT)
    else:
        tol = float(sys.argv[sys.argv.index("--tol") + 1]) if "--tol" in sys.argv else 1e-12
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3]), tol))
