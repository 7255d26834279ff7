"""Results: do the tools agree, and the table (the targets: gates.py)."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from cases import (
    LOSSCLI,
    RIVALS,
)
from measure import Measurement

# ---------------------------------------------------------------------------------------------
# Do the tools agree with losscli?


def result_rows(text: str) -> list[dict[str, Any]]:
    """The rows of a result: CSV as read; losscli's JSON with each row's group and metrics
    spread out beside its file, as the CSV has them."""
    if text.lstrip().startswith("{"):
        rows = json.loads(text)["rows"]
        return [{"file": r["file"], **(r["group"] or {}), **r["metrics"]} for r in rows]
    return list(csv.DictReader(io.StringIO(text)))


def key_of(row: dict[str, Any], keys: tuple[str, ...]) -> str:
    """The row's key values joined ("" for an overall row); a file by its name alone, as the
    tools spell its directory differently."""
    parts = []
    for key in keys:
        value = row.get(key)
        text = "" if value is None else str(value)
        parts.append(Path(text).name if key == "file" else text)
    return ",".join(parts)


def parse_result(
    text: str, keys: tuple[str, ...], metrics: tuple[str, ...]
) -> dict[str, tuple[float, ...]]:
    """{key ("" for overall): metric values} from a tool's result."""
    rows = result_rows(text)
    missing = [k for k in keys if rows and k not in rows[0]]
    if missing:
        raise KeyError(f"no column {missing}")
    return {key_of(row, keys): tuple(float(row[m]) for m in metrics) for row in rows}


def compare(
    expected: dict[str, tuple[float, ...]], theirs: dict[str, tuple[float, ...]], rel_tol: float
) -> str:
    """ "" when `theirs` has the rows (other than an overall row) and values of `expected`."""
    if not theirs:
        return "no rows"
    unmatched = (expected.keys() - {""}) ^ (theirs.keys() - {""})
    if unmatched:
        return f"{len(unmatched):,} keys in one result only, e.g. {sorted(unmatched)[0]!r}"
    for key, values in theirs.items():
        got = expected.get(key)
        if got is None or not all(
            math.isclose(a, b, rel_tol=rel_tol) for a, b in zip(got, values, strict=True)
        ):
            return f"{key or 'overall'} = {values}, losscli {got}"
    return ""


def by_work(results: list[Measurement]) -> dict[str, dict[str, Measurement]]:
    works: dict[str, dict[str, Measurement]] = {}
    for m in results:
        works.setdefault(m.case.work, {})[m.case.tool] = m
    return works


def check_work(work: str, group: dict[str, Measurement], rel_tol: float) -> tuple[list[str], str]:
    """(disagreements, what was checked) for one work: every tool against losscli's result."""
    mine = group.get(LOSSCLI)
    if mine is None or not mine.ok or not mine.case.metrics:
        return [], ""
    keys, metrics = mine.case.keys, mine.case.metrics
    try:
        expected = parse_result(mine.result(), keys, metrics)
    except (KeyError, ValueError, TypeError, OSError) as exc:
        return [f"{work}: cannot read the result of losscli ({exc!r})"], ""
    problems, checked = [], []
    for tool, m in group.items():
        if tool == LOSSCLI or tool.startswith("floor") or not m.ok:
            continue
        try:
            problem = compare(expected, parse_result(m.result(), keys, metrics), rel_tol)
        except (KeyError, ValueError, TypeError, OSError) as exc:
            problem = f"cannot read the result ({exc!r})"
        if problem:
            problems.append(f"{work}: {tool}: {problem}")
        checked.append(tool)
    return problems, f"{work}: {', '.join(checked)} ({len(expected):,} rows)" if checked else ""


def agreement_report(results: list[Measurement], rel_tol: float = 1e-6) -> tuple[str, bool]:
    """(the report, whether every tool agrees)."""
    problems, checked = [], []
    for work, group in by_work(results).items():
        found, what = check_work(work, group, rel_tol)
        problems += found
        checked += [what] if what else []
    lines = [
        "results: DISAGREEMENTS" if problems else "results: every tool agrees with losscli",
        *(f"  {p}" for p in problems),
        f"  (relative tolerance {rel_tol:g}; every row of each result, keys must match) checked:",
        *(f"    {c}" for c in checked),
    ]
    return "\n".join(lines), not problems


# ---------------------------------------------------------------------------------------------
# The table


def fmt_ratio(num: float, den: float) -> str:
    return f"{num / den:.2f}x" if den and not math.isnan(num) and not math.isnan(den) else ""


def table_rows(results: list[Measurement]) -> list[tuple[str, ...]]:
    lines = []
    for work, group in by_work(results).items():
        floor = next((m for t, m in group.items() if t.startswith("floor") and m.ok), None)
        rivals = [m.median_s for t, m in group.items() if t in RIVALS and m.ok]
        name = work
        for tool, m in group.items():
            if not m.ok:
                lines.append((name, tool, "FAILED", "", "", "", "", ""))
            else:
                versus = tool.startswith(LOSSCLI) and rivals
                lines.append(
                    (
                        name,
                        tool,
                        f"{m.median_s:.3f}",
                        f"{min(m.seconds):.2f}-{max(m.seconds):.2f}",
                        f"{m.median_cpu_s:.3f}",
                        f"{m.peak_mb:.0f}",
                        fmt_ratio(m.median_s, floor.median_s) if floor else "",
                        fmt_ratio(m.median_s, min(rivals)) if versus else "",
                    )
                )
            name = ""  # the work is named once per block
    return lines


def table(results: list[Measurement]) -> str:
    header = (
        "work",
        "tool",
        "median s",
        "min-max s",
        "CPU s",
        "peak MB",
        "x floor",
        "x best rival",
    )
    lines = table_rows(results)
    widths = [max(len(row[i]) for row in (header, *lines)) for i in range(len(header))]
    out = []
    for n, row in enumerate((header, *lines)):
        if n > 1 and row[0]:
            out.append("")
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
