"""What the command line says on standard error about a judged result: checks passed
within noise, and failed checks (then exit 1), naming the config file that set them."""

from __future__ import annotations

import sys
from typing import Any

import click

from .messages import say


def report_within_noise(result: Any) -> None:
    """Checks passed within noise though beyond their tolerance, on standard error (the
    table and markdown on the terminal show them as footnotes)."""
    from ..render.grid import glyphs_for, within_noise_lines

    for line in within_noise_lines(result, glyphs_for(sys.stderr.encoding)):
        say("warning", line)


def report_failures(result: Any, shown: bool) -> None:
    """Exit 1 on a failed check; first each failure and the verdict on standard error,
    unless the table or markdown on the terminal just showed them."""
    if not result.failures:
        return
    from ..render.grid import failure_lines, glyphs_for, verdict

    if not shown:
        glyphs = glyphs_for(sys.stderr.encoding)  # ASCII marks where stderr is not UTF-8
        for line in failure_lines(result, glyphs):
            say("check failed", line)
        say("", verdict(result, glyphs) or "")
    _name_the_config_of(result.failures)
    sys.exit(1)


def _name_the_config_of(failures: list[Any]) -> None:
    """Where failed checks were set by a config file, name it and its keys."""
    from .config import config_keys

    options = {"check": "checks", "tolerance": "tolerances", "require-baseline": "require_baseline"}
    options["drift"] = "fail_on_drift"
    names = sorted({options[failure.kind] for failure in failures})
    found = config_keys(click.get_current_context(), names)
    if found is not None:
        path, keys = found
        say("", f"the failed checks come from {path} ({', '.join(f'key {k!r}' for k in keys)})")
