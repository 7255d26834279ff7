"""Baselines: a JSON result written earlier by ``losscli evaluate --format json``.

Rows are matched by the file's position on the command line, the prediction
column and the group. Rows or losses found on one side only are reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..result import EvaluationResult, ResultRow, describe

RowKey = tuple[int, str, str]


@dataclass(frozen=True)
class Baseline:
    path: str
    rows: dict[RowKey, dict[str, float | None]]
    labels: dict[RowKey, str] = field(default_factory=dict)  # how to name a row in a message


def load_baseline(path: str) -> Baseline:
    """Read and check a baseline file; any problem is an input error naming the file."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the baseline: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: the baseline is not UTF-8 JSON; write it with losscli evaluate --format json"
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: the baseline is not JSON ({exc.msg}, line {exc.lineno}); "
            "write it with losscli evaluate --format json"
        ) from exc
    rows = document.get("rows") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise InputError(
            f'{path}: the baseline has no "rows" list; write it with losscli evaluate --format json'
        )
    positions: dict[str, int] = {}
    baseline = Baseline(path, {}, {})
    for number, row in enumerate(rows, start=1):
        try:
            position = positions.setdefault(row["file"], len(positions))
            key = (position, str(row["pred"]), _group_text(row["group"]))
            baseline.rows[key] = {k: _number(v) for k, v in row["metrics"].items()}
            baseline.labels[key] = describe(row["file"], row["pred"], row["group"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(
                f"{path}: baseline row {number} is not a losscli result row "
                f"({type(exc).__name__}: {exc})"
            ) from exc
    return baseline


def row_key(result: EvaluationResult, row: ResultRow) -> RowKey:
    return (result.files.index(row.file), row.pred, _group_text(row.group))


def _group_text(group: dict[str, Any] | None) -> str:
    return "" if group is None else json.dumps(group, sort_keys=True, default=str)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"metric value {value!r} is not a number")
    return float(value)
