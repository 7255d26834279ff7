"""A progress bar on standard error for long inputs: only on a terminal, only after a second."""

from __future__ import annotations

import sys
import time
from typing import Any

from ..render.literal import visible

DELAY_SECONDS = 1.0


class ProgressBar:
    """The ``progress`` callback of ``losscli.evaluate``, drawing a rich bar once a read is slow."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.started = time.monotonic()
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __call__(self, name: str, done: int, total: int | None, unit: str) -> None:
        if not self.enabled or time.monotonic() - self.started < DELAY_SECONDS:
            return
        if self._bar is None:
            self._bar = self._start(unit)
        if name not in self._tasks:
            self._tasks[name] = self._bar.add_task(visible(name), total=total)
        self._bar.update(self._tasks[name], completed=done)

    def _start(self, unit: str) -> Any:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        amount = (
            [DownloadColumn(), TransferSpeedColumn()] if unit == "bytes" else [MofNCompleteColumn()]
        )
        bar = Progress(
            TextColumn("{task.description}", markup=False),  # a file name is not markup
            BarColumn(),
            *amount,
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        bar.start()
        return bar

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
