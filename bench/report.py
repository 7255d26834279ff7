"""Results: do the tools agree, the table, the targets."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cases import (
    CI_VARIANTS,
    DUCKDB,
    FILES_DATASET,
    FILES_PER_FILE,
    FLOOR,
    LOSSCLI,
    LOSSCLI_JSON,
    MILLION,
    PARQUET_KINDS,
    POLARS,
    REG_KINDS,
    RIVALS,
    STARTUP_TINY,
    STARTUP_VERSION,
    Sizes,
    ci_work,
    cls_work,
    groups_work,
    reg_work,
)
from data import rows_label
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
                lines.append((name, tool, "FAILED", "", "", "", ""))
            else:
                versus = tool.startswith(LOSSCLI) and rivals
                lines.append(
                    (
                        name,
                        tool,
                        f"{m.median_s:.3f}",
                        f"{min(m.seconds):.2f}-{max(m.seconds):.2f}",
                        f"{m.peak_mb:.0f}",
                        fmt_ratio(m.median_s, floor.median_s) if floor else "",
                        fmt_ratio(m.median_s, min(rivals)) if versus else "",
                    )
                )
            name = ""  # the work is named once per block
    return lines


def table(results: list[Measurement]) -> str:
    header = ("work", "tool", "median s", "min-max s", "peak MB", "x floor", "x best rival")
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


# ---------------------------------------------------------------------------------------------
# The targets


@dataclass(frozen=True)
class Target:
    name: str
    met: bool | None  # None: could not be judged (a run failed or was not asked for)
    detail: str


FASTER_RIVAL = (POLARS, DUCKDB)


class Targets:
    """The targets of the issues, judged on the medians (and peaks) measured."""

    def __init__(self, results: list[Measurement], sizes: Sizes) -> None:
        self.works = by_work(results)
        self.sizes = sizes
        self.found: list[Target] = []

    def add(self, name: str, check: Callable[[], tuple[bool, str]]) -> None:
        try:
            met, detail = check()
        except LookupError as missing:
            self.found.append(Target(name, None, f"not measured: {missing}"))
            return
        self.found.append(Target(name, met, detail))

    def get(self, work: str, tool: str) -> Measurement:
        m = self.works.get(work, {}).get(tool)
        if m is None or not m.ok:
            raise LookupError(f"{work} / {tool}")
        return m

    def seconds(self, work: str, tool: str) -> float:
        return self.get(work, tool).median_s

    def peak(self, work: str, tool: str) -> float:
        return self.get(work, tool).peak_mb

    def vs_floor(self, work: str, limit: float) -> tuple[bool, str]:
        mine, floor = self.seconds(work, LOSSCLI), self.seconds(work, FLOOR)
        return mine <= limit * floor, (
            f"losscli {mine:.3f} s = {mine / floor:.2f}x floor {floor:.3f} s (limit {limit}x)"
        )

    def vs_rival(
        self, work: str, limit: float, rivals: tuple[str, ...] = FASTER_RIVAL, tool: str = LOSSCLI
    ) -> tuple[bool, str]:
        """`tool` against the fastest of `rivals`."""
        mine = self.seconds(work, tool)
        theirs = {r: self.seconds(work, r) for r in rivals}
        best = min(theirs.values())
        detail = ", ".join(f"{r} {s:.3f} s" for r, s in theirs.items())
        return mine <= limit * best, (
            f"{tool} {mine:.3f} s = {mine / best:.2f}x ({detail}; limit {limit}x)"
        )

    def under(self, work: str, limit: float) -> tuple[bool, str]:
        mine = self.seconds(work, LOSSCLI)
        return mine <= limit, f"losscli {mine:.3f} s (limit {limit:g} s)"

    def peaks_under(self, pairs: list[tuple[str, str]], limit: float) -> tuple[bool, str]:
        """Every (work, tool)'s peak within `limit` MB; the detail names the highest."""
        if not pairs:
            raise LookupError("no such case in this run's sizes")
        peaks = {f"{work} / {tool}": self.peak(work, tool) for work, tool in pairs}
        worst = max(peaks, key=peaks.__getitem__)
        return peaks[worst] <= limit, (
            f"highest of {len(peaks)}: {worst} {peaks[worst]:.0f} MB (limit {limit:g} MB)"
        )

    def regression_peaks(self) -> list[tuple[str, str]]:
        """(work, tool) of losscli's regression cases at N rows and, on Parquet, big rows."""
        big = [self.sizes.big_rows] if self.sizes.big_rows else []
        return [
            (reg_work(fmt, grouped, n), LOSSCLI)
            for fmt, grouped in REG_KINDS
            for n in ([self.sizes.rows] + (big if (fmt, grouped) in PARQUET_KINDS else []))
        ]

    def memory_flat(self) -> tuple[bool, str]:
        """Per kind, the highest peak over 1M, N and big rows within 1.2x the lowest."""
        parts, ok = [], True
        for fmt, grouped in REG_KINDS:
            sizes = {MILLION, self.sizes.rows}
            if self.sizes.big_rows and (fmt, grouped) in PARQUET_KINDS:
                sizes.add(self.sizes.big_rows)
            peaks = [self.peak(reg_work(fmt, grouped, n), LOSSCLI) for n in sorted(sizes)]
            ratio = max(peaks) / min(peaks)
            ok &= ratio <= 1.2
            steps = " -> ".join(f"{p:.0f}" for p in peaks)
            kind = f"{fmt} {'per group' if grouped else 'overall'}"
            rows = " -> ".join(rows_label(n) for n in sorted(sizes))
            parts.append(f"{kind} {rows}: {steps} MB ({ratio:.2f}x)")
        return ok, "; ".join(parts)

    def ci_cost(self, rows: int, tool: str, limit: float) -> tuple[bool, str]:
        plain, ci = self.seconds(ci_work(rows), LOSSCLI), self.seconds(ci_work(rows), tool)
        return ci <= limit * plain, f"{ci:.3f} s vs {plain:.3f} s ({ci / plain:.2f}x)"

    def judge(self) -> list[Target]:
        self.judge_reading()
        self.judge_groups()
        self.judge_other()
        self.judge_memory()
        self.judge_intervals()
        return self.found

    def judge_reading(self) -> None:
        """#12: Parquet against the faster rival at 50M and 10M rows; CSV against the floor
        and the faster rival."""
        n, big = self.sizes.rows, self.sizes.big_rows
        for grouped in (False, True):
            kind = "per group" if grouped else "overall"
            if big:
                self.add(
                    f"#12 Parquet {kind} ({rows_label(big)}) <= 1.0x the faster of polars, DuckDB",
                    lambda g=grouped: self.vs_rival(reg_work("Parquet", g, big), 1.0),
                )
            self.add(
                f"#12 Parquet {kind} ({rows_label(n)}) <= 1.2x the faster of polars, DuckDB",
                lambda g=grouped: self.vs_rival(reg_work("Parquet", g, n), 1.2),
            )
        for grouped in (False, True):
            kind = "per group" if grouped else "overall"
            work = reg_work("CSV", grouped, n)
            self.add(
                f"#12 CSV {kind} ({rows_label(n)}) <= 1.0x floor",
                lambda w=work: self.vs_floor(w, 1.0),
            )
            self.add(
                f"#12 CSV {kind} ({rows_label(n)}) <= 1.1x the faster of polars, DuckDB",
                lambda w=work: self.vs_rival(w, 1.1),
            )

    def judge_groups(self) -> None:
        """#12: a million groups and 100k groups against DuckDB writing the same CSV."""
        n = self.sizes.rows
        million, hundred_k = groups_work(MILLION, n), groups_work(100_000, n)
        self.add(
            f"#12 {million}, CSV <= 1.5x DuckDB",
            lambda: self.vs_rival(million, 1.5, (DUCKDB,)),
        )
        self.add(
            f"#12 {million}, JSON <= 1.5x DuckDB (CSV)",
            lambda: self.vs_rival(million, 1.5, (DUCKDB,), LOSSCLI_JSON),
        )
        self.add(
            f"#12 {million}: peak <= 500 MB (CSV and JSON)",
            lambda: self.peaks_under([(million, LOSSCLI), (million, LOSSCLI_JSON)], 500),
        )
        self.add(
            f"#12 {hundred_k}, CSV <= 1.2x DuckDB",
            lambda: self.vs_rival(hundred_k, 1.2, (DUCKDB,)),
        )

    def judge_other(self) -> None:
        """#12: many files, logits, start-up."""
        for work in (FILES_PER_FILE, FILES_DATASET):
            self.add(f"#12 {work} <= 1.5x DuckDB", lambda w=work: self.vs_rival(w, 1.5, (DUCKDB,)))
        for fmt in ("Parquet", "CSV"):
            work = cls_work(fmt, "z", self.sizes.cls_rows)
            self.add(f"#12 {work} <= 1.5x floor", lambda w=work: self.vs_floor(w, 1.5))
        self.add("#12 start-up: 10-row CSV <= 0.25 s", lambda: self.under(STARTUP_TINY, 0.25))
        self.add("#12 start-up: --version <= 0.08 s", lambda: self.under(STARTUP_VERSION, 0.08))

    def judge_memory(self) -> None:
        """#12: peak <= 150 MB for every case with up to 10,000 groups, and flat as rows grow."""
        reg = self.regression_peaks()
        few_groups = [
            (groups_work(g, self.sizes.rows), LOSSCLI)
            for g in self.sizes.group_counts
            if g <= 10_000
        ]
        self.add(
            "#12 peak memory <= 150 MB: regression, 1,000 groups",
            lambda: self.peaks_under(reg, 150),
        )
        self.add(
            "#12 peak memory <= 150 MB: up to 10,000 int groups",
            lambda: self.peaks_under(few_groups, 150),
        )
        self.add("#12 peak memory flat as rows grow (within 1.2x)", self.memory_flat)

    def judge_intervals(self) -> None:
        """#10: the cost of --ci against the same run without it."""
        for tool, limit, rows in (
            (CI_VARIANTS[0][0], 1.25, self.sizes.rows),
            (CI_VARIANTS[1][0], 3.0, self.sizes.rows),
            (CI_VARIANTS[2][0], 10.0, MILLION),
        ):
            self.add(
                f"#10 {tool} <= {limit:g}x plain ({rows_label(rows)})",
                lambda tool=tool, limit=limit, rows=rows: self.ci_cost(rows, tool, limit),
            )


def targets_report(targets: list[Target]) -> str:
    marks = {True: "MET   ", False: "MISSED", None: "?     "}
    lines = [f"{marks[t.met]}  {t.name}: {t.detail}" for t in targets]
    met = sum(t.met is True for t in targets)
    judged = sum(t.met is not None for t in targets)
    lines.append(f"{met} of {len(targets)} targets met ({len(targets) - judged} not measured)")
    return "\n".join(lines)
