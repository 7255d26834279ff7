"""The targets (#18's gates, and the older ones that still apply), judged in one run and shown
as a Markdown table, ready for BENCHMARKS.md.

A ratio is taken per round (the cases run round-robin, so a round's runs of the two cases
are minutes apart at most, and drift hits both alike): the gate judges the median of those
ratios, and the table shows their min-max beside it. Beside every gate: losscli's median
over the faster of DuckDB's and polars' medians on the same work.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace

from cases import (
    CI_VARIANTS,
    DUCKDB,
    FILES_DATASET,
    FILES_PER_FILE,
    LOSSCLI,
    LOSSCLI_JSON,
    LOSSCLI_T1,
    LOSSCLI_T2,
    MILLION,
    PARQUET_KINDS,
    POLARS,
    REG_KINDS,
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
from report import by_work

FASTER_RIVAL = (POLARS, DUCKDB)
THREADS_GATED_S = 1.0  # the threads gate holds on the cases whose --threads 1 run takes longer
# The interval costs of run 7 (BENCHMARKS.md), in seconds over the plain run: they must not grow.
CI_OVERHEAD_S = {CI_VARIANTS[0][0]: 0.25, CI_VARIANTS[1][0]: 0.99, CI_VARIANTS[2][0]: 1.71}


@dataclass(frozen=True)
class Ratio:
    """A ratio of two cases' times, round by round."""

    rounds: tuple[float, ...]

    @classmethod
    def of(cls, mine: Measurement, base: Measurement) -> Ratio:
        pairs = zip(mine.seconds, base.seconds, strict=False)
        return cls(tuple(a / b for a, b in pairs if b > 0))

    @property
    def median(self) -> float:
        return statistics.median(self.rounds) if self.rounds else math.nan

    def spread(self) -> str:
        return f"{min(self.rounds):.2f}-{max(self.rounds):.2f}" if self.rounds else ""


@dataclass(frozen=True)
class Target:
    name: str
    met: bool | None  # None: could not be judged (a run failed or was not asked for)
    detail: str
    measured: str = ""  # the judged figure: a ratio (x), seconds or MB
    spread: str = ""  # its min-max over the rounds
    rival: str = ""  # losscli over the faster of DuckDB and polars, on the same work


class Targets:
    """The targets of the issues, judged on the rounds (and peaks) measured."""

    def __init__(self, results: list[Measurement], sizes: Sizes) -> None:
        self.works = by_work(results)
        self.sizes = sizes
        self.found: list[Target] = []

    def add(self, name: str, check: Callable[[], Target]) -> None:
        try:
            found = check()
        except LookupError as missing:
            self.found.append(Target(name, None, f"not measured: {missing}"))
            return
        self.found.append(Target(name, found.met, found.detail, *_figures(found)))

    def get(self, work: str, tool: str) -> Measurement:
        m = self.works.get(work, {}).get(tool)
        if m is None or not m.ok:
            raise LookupError(f"{work} / {tool}")
        return m

    def floor(self, work: str) -> Measurement:
        """The work's floor (reading alone, or reading and writing the result)."""
        for tool, m in self.works.get(work, {}).items():
            if tool.startswith("floor") and m.ok:
                return m
        raise LookupError(f"{work} / floor")

    def rival(self, work: str, tool: str = LOSSCLI) -> str:
        """`tool` over the faster of DuckDB and polars; "" when they were not run."""
        try:
            mine = self.get(work, tool).median_s
            best = min(self.get(work, r).median_s for r in FASTER_RIVAL)
        except LookupError:
            return ""
        return f"{mine / best:.2f}x"

    def vs_floor(self, work: str, limit: float, tool: str = LOSSCLI) -> Target:
        mine, floor = self.get(work, tool), self.floor(work)
        ratio = Ratio.of(mine, floor)
        detail = f"{tool} {mine.median_s:.3f} s, {floor.case.tool} {floor.median_s:.3f} s"
        return _judged(ratio, limit, detail, self.rival(work, tool))

    def threads(self, work: str, limit: float) -> Target:
        one, two = self.get(work, LOSSCLI_T1), self.get(work, LOSSCLI_T2)
        ratio = Ratio.of(two, one)
        detail = f"--threads 2 {two.median_s:.3f} s, --threads 1 {one.median_s:.3f} s"
        found = _judged(ratio, limit, detail, self.rival(work, LOSSCLI_T2))
        strictly = limit == 1.0  # "faster" on the big file
        return replace(found, met=ratio.median < limit) if strictly else found

    def under(self, work: str, limit: float) -> Target:
        mine = self.get(work, LOSSCLI)
        spread = f"{min(mine.seconds):.3f}-{max(mine.seconds):.3f}"
        return Target(
            "", mine.median_s <= limit, f"limit {limit:g} s", f"{mine.median_s:.3f} s", spread
        )

    def peaks_under(self, pairs: list[tuple[str, str]], limit: float) -> Target:
        """Every (work, tool)'s peak within `limit` MB; the detail names the highest."""
        peaks = {}
        for work, tool in pairs:
            if tool in self.works.get(work, {}):
                peaks[f"{work} / {tool}"] = self.get(work, tool).peak_mb
        if not peaks:
            raise LookupError("no such case in this run")
        worst = max(peaks, key=peaks.__getitem__)
        return Target(
            "",
            peaks[worst] <= limit,
            f"highest of {len(peaks)}: {worst} (limit {limit:g} MB)",
            f"{peaks[worst]:.0f} MB",
        )

    def memory_flat(self) -> Target:
        """Per kind, the highest peak over 1M, N and big rows within 1.2x the lowest."""
        parts, ok, worst = [], True, 1.0
        for fmt, grouped in REG_KINDS:
            sizes = {MILLION, self.sizes.rows}
            if self.sizes.big_rows and (fmt, grouped) in PARQUET_KINDS:
                sizes.add(self.sizes.big_rows)
            peaks = [self.get(reg_work(fmt, grouped, n), LOSSCLI).peak_mb for n in sorted(sizes)]
            ratio = max(peaks) / min(peaks)
            ok &= ratio <= 1.2
            worst = max(worst, ratio)
            steps = " -> ".join(f"{p:.0f}" for p in peaks)
            kind = f"{fmt} {'per group' if grouped else 'overall'}"
            parts.append(f"{kind}: {steps} MB")
        return Target("", ok, "; ".join(parts), f"{worst:.2f}x")

    def ci_cost(self, rows: int, tool: str) -> Target:
        """The interval's cost in seconds over the plain run, within run 7's."""
        plain, ci = self.get(ci_work(rows), LOSSCLI), self.get(ci_work(rows), tool)
        added = [a - b for a, b in zip(ci.seconds, plain.seconds, strict=False)]
        median, limit = statistics.median(added), CI_OVERHEAD_S[tool]
        ratio = Ratio.of(ci, plain)
        return Target(
            "",
            median <= limit,
            f"{ratio.median:.2f}x plain ({ratio.spread()}); limit +{limit:.2f} s (run 7)",
            f"+{median:.3f} s",
            f"{min(added):+.2f}-{max(added):+.2f}",
        )

    def judge(self) -> list[Target]:
        self.judge_floors()
        self.judge_threads()
        self.judge_memory()
        self.judge_other()
        self.judge_intervals()
        return self.found

    def judge_floors(self) -> None:
        """#18: losscli within a small factor of the unavoidable work."""
        n, big = self.sizes.rows, self.sizes.big_rows
        for grouped in (False, True) if big else ():
            work = reg_work("Parquet", grouped, big)
            self.add(f"#18 {work} <= 1.3x floor", lambda w=work: self.vs_floor(w, 1.3))
        for grouped in (False, True):
            work = reg_work("CSV", grouped, n)
            self.add(f"#18 {work} <= 1.1x floor", lambda w=work: self.vs_floor(w, 1.1))
        million = groups_work(MILLION, n)
        self.add(
            f"#18 {million}, CSV <= 1.5x (floor + writing the result)",
            lambda: self.vs_floor(million, 1.5),
        )
        for work in (FILES_PER_FILE, FILES_DATASET):
            self.add(f"#18 {work} <= 1.3x floor", lambda w=work: self.vs_floor(w, 1.3))

    def judge_threads(self) -> None:
        """#18: --threads 2 no slower than --threads 1 where a run takes over a second (and
        faster on the big file)."""
        for work, tools in self.works.items():
            if LOSSCLI_T1 not in tools or LOSSCLI_T2 not in tools:
                continue
            big = self.sizes.big_rows and f"({rows_label(self.sizes.big_rows)})" in work
            one = tools[LOSSCLI_T1]
            if not big and (not one.ok or one.median_s <= THREADS_GATED_S):
                continue
            limit, wanted = (1.0, "< 1x") if big else (1.05, "<= 1.05x")
            self.add(
                f"#18 {work}: --threads 2 {wanted} --threads 1",
                lambda w=work, lim=limit: self.threads(w, lim),
            )

    def judge_memory(self) -> None:
        """#18: peaks up to 10,000 groups and at a million; #12: flat as rows grow."""
        losscli = (LOSSCLI, LOSSCLI_T1, LOSSCLI_T2)
        n, big = self.sizes.rows, self.sizes.big_rows
        reg = [
            (reg_work(fmt, grouped, rows), tool)
            for fmt, grouped in REG_KINDS
            for rows in (n, *((big,) if big and (fmt, grouped) in PARQUET_KINDS else ()))
            for tool in losscli
        ]
        few = [
            (groups_work(g, n), tool)
            for g in self.sizes.group_counts
            if g <= 10_000
            for tool in losscli
        ]
        million = groups_work(MILLION, n)
        self.add(
            "#18 peak <= 150 MB: regression (overall, 1,000 groups) and up to 10,000 int groups",
            lambda: self.peaks_under(reg + few, 150),
        )
        self.add(
            f"#18 {million}: peak <= 500 MB (CSV and JSON)",
            lambda: self.peaks_under([(million, t) for t in (*losscli, LOSSCLI_JSON)], 500),
        )
        self.add("#12 peak memory flat as rows grow (within 1.2x)", self.memory_flat)

    def judge_other(self) -> None:
        """Logits against their floor; start-up."""
        for fmt in ("Parquet", "CSV"):
            work = cls_work(fmt, "z", self.sizes.cls_rows)
            self.add(f"#12 {work} <= 1.5x floor", lambda w=work: self.vs_floor(w, 1.5))
        self.add("#18 start-up: 10-row CSV <= 0.25 s", lambda: self.under(STARTUP_TINY, 0.25))
        self.add("#12 start-up: --version <= 0.08 s", lambda: self.under(STARTUP_VERSION, 0.08))

    def judge_intervals(self) -> None:
        """#10/#18: the cost of --ci, in seconds over the same run without it, not growing."""
        for (tool, _), rows in zip(
            CI_VARIANTS, (self.sizes.rows, self.sizes.rows, MILLION), strict=True
        ):
            self.add(
                f"#18 {tool} ({rows_label(rows)}): added time <= run 7's",
                lambda tool=tool, rows=rows: self.ci_cost(rows, tool),
            )


def _judged(ratio: Ratio, limit: float, detail: str, rival: str) -> Target:
    return Target("", ratio.median <= limit, detail, f"{ratio.median:.2f}x", ratio.spread(), rival)


def _figures(found: Target) -> tuple[str, str, str]:
    return found.measured, found.spread, found.rival


def targets_report(targets: list[Target]) -> str:
    """The targets as a Markdown table (BENCHMARKS.md's gates section), and a count."""
    marks = {True: "met", False: "**MISSED**", None: "not measured"}
    lines = [
        "| target | measured (median) | min-max | | losscli / best of DuckDB, polars | detail |",
        "|---|---|---|---|---|---|",
    ]
    for t in targets:
        cells = (t.name, t.measured, t.spread, marks[t.met], t.rival, t.detail)
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    met = sum(t.met is True for t in targets)
    judged = sum(t.met is not None for t in targets)
    lines.append("")
    lines.append(f"{met} of {len(targets)} targets met ({len(targets) - judged} not measured)")
    return "\n".join(lines)
