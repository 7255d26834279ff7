"""Measuring: every case runs as its own process, a few times, round-robin; wall time around
the process, its CPU time (user + sys) and its peak resident memory (from /usr/bin/time, or
getrusage(RUSAGE_CHILDREN) in a tiny wrapper)."""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from data import log
from rivals import RUSAGE_WRAPPER

MB = 1_000_000  # the memory column and the memory targets use decimal megabytes
REG_METRICS = ("mse", "mape")


@dataclass(frozen=True)
class Case:
    work: str
    tool: str
    argv: tuple[str, ...]
    keys: tuple[str, ...] = ()  # the columns that name a result row (none: one overall row)
    metrics: tuple[str, ...] = REG_METRICS  # the values every tool of the work must agree on
    writes: Path | None = None  # the file the command writes its result to, else stdout


@dataclass
class Measurement:
    case: Case
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)  # user + sys of each run
    peak_kib: list[int] = field(default_factory=list)
    output: str = ""  # stdout of the last run
    error: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.seconds) and not self.error

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds) if self.seconds else math.nan

    @property
    def median_cpu_s(self) -> float:
        return statistics.median(self.cpu_seconds) if self.cpu_seconds else math.nan

    @property
    def peak_mb(self) -> float:
        return max(self.peak_kib) * 1024 / MB if self.peak_kib else math.nan

    def result(self) -> str:
        """The result of the last run: the file it wrote, or its standard output."""
        if self.case.writes is not None:
            return self.case.writes.read_text()
        return self.output


def usr_bin_time_works() -> bool:
    if not Path("/usr/bin/time").exists():
        return False
    with tempfile.NamedTemporaryFile() as out:
        probe = ["/usr/bin/time", "-f", "%U %S %M", "-o", out.name, "true"]
        done = subprocess.run(probe, capture_output=True)
        words = Path(out.name).read_text().split()
        return done.returncode == 0 and len(words) == 3 and words[-1].isdigit()


class Runner:
    """Runs one command as a process and reports (wall seconds, CPU seconds (user + sys),
    peak RSS KiB, stdout)."""

    def __init__(self, timeout: float, env: dict[str, str]) -> None:
        self.use_time = usr_bin_time_works()
        self.timeout = timeout
        self.env = env
        self.how = (
            "/usr/bin/time -f '%U %S %M'"
            if self.use_time
            else "getrusage(RUSAGE_CHILDREN) in a wrapper process"
        )

    def run(self, argv: tuple[str, ...]) -> tuple[float, float, int, str]:
        with tempfile.NamedTemporaryFile(mode="r") as report:
            if self.use_time:
                prefix = ["/usr/bin/time", "-f", "%U %S %M", "-o", report.name, "--"]
            else:
                prefix = [sys.executable, "-c", RUSAGE_WRAPPER, report.name]
            start = time.perf_counter()
            done = subprocess.run(
                [*prefix, *argv], capture_output=True, text=True, timeout=self.timeout, env=self.env
            )
            wall = time.perf_counter() - start
            if done.returncode != 0:
                raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip()[-2000:]}")
            last = report.read().strip().splitlines()[-1].split()
        if not self.use_time:
            wall = float(last[0])
        return wall, float(last[-3]) + float(last[-2]), int(last[-1]), done.stdout


def child_env(data_dir: Path) -> dict[str, str]:
    """The environment of the measured processes: bytecode is cached, as on a user's machine,
    but in the data directory (a sandbox may set PYTHONDONTWRITEBYTECODE, which would make
    every run compile losscli afresh, and the cache is better kept out of the repository)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(data_dir / "pycache")
    return env


def measure(cases: list[Case], runner: Runner, runs: int, warmup: int) -> list[Measurement]:
    """Runs every case `warmup` + `runs` times, round-robin so that drift hits all alike."""
    results = [Measurement(case) for case in cases]
    for round_ in range(-warmup, runs):
        for m in results:
            if m.error:
                continue
            try:
                wall, cpu, kib, out = runner.run(m.case.argv)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                m.error = str(exc)
                log(f"  {m.case.work} | {m.case.tool}: FAILED {m.error}")
                continue
            if round_ >= 0:
                m.seconds.append(wall)
                m.cpu_seconds.append(cpu)
                m.peak_kib.append(kib)
                m.output = out
            tag = "warm-up" if round_ < 0 else f"run {round_ + 1}/{runs}"
            log(
                f"  {m.case.work} | {m.case.tool} | {tag}: {wall:.3f} s, CPU {cpu:.3f} s, "
                f"{kib / 1024:.0f} MiB"
            )
    return results
