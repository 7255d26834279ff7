"""The command line: a thin click layer over ``losscli.evaluate``, errors mapped to exit codes.

Exit codes: 0 success, 1 a check failed, 2 usage error, 3 input error.
Heavy modules (numpy, pyarrow, rich) are imported only by the commands that use them.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from .._version import __version__
from .messages import PROG, Group, say
from .options import gate_options, input_options, loss_options, output_options, stats_options
from .output import emit, refuse_overwriting_inputs, resolve_format


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Map losscli's errors to exit codes with a one-paragraph message; --debug shows tracebacks."""

    @functools.wraps(command)
    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> Any:
        from ..errors import LossCliError

        try:
            return command(*args, **kwargs)
        except LossCliError as exc:
            if debug:
                raise
            _fail(str(exc), exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, BrokenPipeError, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug: say so plainly, without a traceback
            if debug:
                raise
            _fail(
                f"unexpected {type(exc).__name__}: {exc}. This is a bug in losscli; "
                "run again with --debug to see the traceback, and please report it.",
                3,
            )

    return click.option("--debug", is_flag=True, help="Show tracebacks of errors.")(wrapper)


def _fail(message: str, code: int) -> None:
    say("error", message)
    sys.exit(code)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name=PROG)
def main() -> None:
    """Compare losses (MSE, MAPE, cross-entropy and relatives) per file, model and group."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@input_options
@loss_options
@stats_options
@output_options
@gate_options
@handle_errors
def evaluate(
    files: tuple[str, ...],
    preds: tuple[str, ...],
    losses: tuple[str, ...],
    fmt: str,
    output: str | None,
    precision: int,
    checks: tuple[Any, ...],
    baseline: str | None,
    tolerances: tuple[Any, ...],
    quiet: bool,
    **options: Any,
) -> None:
    """Evaluate losses of prediction columns against a label column in FILES.

    FILES are CSV, TSV or Parquet files (CSV may be .gz, .bz2, .xz or .zst compressed);
    - reads standard input. Exit codes: 0 success, 1 a check failed, 2 usage error,
    3 input error.
    """
    from .. import api
    from ..gating import gates
    from ..gating.baseline import load_baseline
    from .progress import ProgressBar

    refuse_overwriting_inputs(files, output)
    if tolerances and baseline is None:  # before reading anything
        raise click.UsageError("--max-regression needs --baseline FILE to compare with")
    before = load_baseline(baseline) if baseline is not None else None
    required = [c.loss for c in checks] + [t.loss for t in tolerances]
    reference = options.pop("reference")
    options["compare"] = reference or options["compare"]
    bar = ProgressBar(enabled=options.pop("progress"))
    try:
        result = api.evaluate(
            list(files),
            pred=preds,
            losses=losses or None,
            require=required,
            progress=bar,
            **options,
        )
    finally:
        bar.close()
    result = gates.gate(result, checks, before, tolerances)
    fmt = resolve_format(fmt, output)
    if not quiet:
        shown_as_footnotes = fmt in ("table", "markdown")
        for warning in result.notices if shown_as_footnotes else result.warnings:
            say("warning", warning)
    if output is not None or not quiet:
        emit(result, fmt, precision, output)
    on_terminal = output is None and not quiet and sys.stdout.isatty() and sys.stderr.isatty()
    _report_failures(result, shown=on_terminal and fmt in ("table", "markdown"))


def _report_failures(result: Any, shown: bool) -> None:
    """Exit 1 on a failed check; first each failure and the verdict on standard error,
    unless the table or markdown on the terminal just showed them."""
    from ..render.grid import failure_lines, glyphs_for, verdict

    if not result.failures:
        return
    if not shown:
        glyphs = glyphs_for(sys.stderr.encoding)  # ASCII marks where stderr is not UTF-8
        for line in failure_lines(result, glyphs):
            say("check failed", line)
        say("", verdict(result, glyphs) or "")
    sys.exit(1)


@main.command("losses")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "markdown"]),
    default="table",
    show_default=True,
    help="The table fits a terminal's width; elsewhere its lines are whole.",
)
def list_losses(fmt: str) -> None:
    """List every loss with its aliases, tasks, direction and formula."""
    if fmt == "table":
        from rich.console import Console

        from ..render.catalog import catalog_table
        from ..render.table import print_table

        console = Console()
        print_table(catalog_table(wrap=console.is_terminal), console)
        return
    from ..render.catalog import catalog_text
    from .output import write_stdout

    write_stdout(catalog_text(fmt, sys.stdout.encoding), fmt)


def run() -> None:
    """Entry point: ``main`` with a quiet exit when the reader of our output goes away."""
    try:
        main(prog_name=PROG)  # also under python -m losscli: completion reads _LOSSCLI_COMPLETE
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
