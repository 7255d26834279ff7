"""The costs of #21's classification options and #22's time options over the plain run.

Two works, each measured with --threads 1 (the kernel's own cost): a binary classifier
(cross-entropy and ROC-AUC) plain and with --per-class, --confusion, --thresholds auto,
-m average_precision added, and --ci 0.95 (DeLong's interval of the ROC-AUC); and a regression
(MSE, MAPE) plain and with --period date:W, -g g --period date:W, and a quantile forecast
(--quantiles, mqloss and the pinball losses). The data is call_guard's, made at the size asked
for and cached beside the others. The table's CPU and peak columns beside the plain run's give
the ratios; the guard itself (Python calls per block, counted) is a case of its own.
"""

from __future__ import annotations

from pathlib import Path

from call_guard import MAKERS, OPTIONS, PLAIN, write
from cases import LOSSCLI, Commands, Family
from data import Data, log, rows_label
from measure import Case

DATA_VERSION = 1
GUARD_WORK = "guard: Python calls per block of the new options"


def option_path(data: Data, kind: str, rows: int) -> Path:
    return data.root / f"options_{kind}_{DATA_VERSION}_{rows}.parquet"


def ensure_data(data: Data, rows: int) -> None:
    for kind, make in MAKERS.items():
        path = option_path(data, kind, rows)
        if not path.exists():
            data.make_root()
            log(f"making {path.name}")
            partial = path.with_suffix(".partial")
            write(make(rows), partial).rename(path)


def option_work(kind: str, rows: int) -> str:
    what = "binary classifier" if kind == "binary" else "regression"
    return f"options: {what} ({rows_label(rows)}, --threads 1)"


def option_costs_family(cmd: Commands, data: Data, rows: int, script: Path) -> Family:
    """Every option of call_guard.OPTIONS as a case beside its plain run, and the guard."""
    cases = []
    for name, (kind, args) in OPTIONS.items():
        path = str(option_path(data, kind, rows))
        argv = cmd.losscli_cmd("evaluate", path, *args, "--threads", "1", "-f", "json")
        tool = LOSSCLI if name == PLAIN[kind] else f"{LOSSCLI} {name}"
        cases.append(Case(option_work(kind, rows), tool, argv, metrics=()))
    guard = (cmd.python, str(script))
    cases.append(Case(GUARD_WORK, "call_guard.py", guard, metrics=()))
    return Family("options", cases, lambda: ensure_data(data, rows))
