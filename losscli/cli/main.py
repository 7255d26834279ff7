"""The command line: a thin click layer over ``losscli.evaluate``, errors mapped to exit codes.

Exit codes (the table is in ``losscli.errors``): 0 success, 1 a check failed, 2 usage
error, 3 input error, 4 environment error (output cannot be written) or a plugin's
failure, 70 a bug in losscli, 130 interrupted (SIGINT), 143 terminated (SIGTERM).
Heavy modules (numpy, pyarrow, rich) are imported only by the commands that use them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Any

import click

from .._version import __version__
from ..render.formats import CATALOG_FORMATS
from .chart_options import chart_options, chart_view
from .class_options import class_options
from .config_options import losses_config_options
from .confusion_options import (
    check_confusion_usage,
    confusion_asked,
    confusion_nowhere,
    confusion_options,
    thresholded,
)
from .diagram_options import curves_wanted, diagram_options, diagram_warnings, with_diagrams
from .drift_options import check_drift_usage, drift_nowhere, drift_options
from .engine_options import engine_options
from .failing import handle_errors
from .history_options import history_options
from .messages import PROG, Group, say
from .options import (
    gate_options,
    input_options,
    loss_options,
    output_options,
)
from .output import STDOUT, emit, resolve_format
from .period_options import period_options
from .plugin_stdout import discard_result_stream, move_aside, result_stream
from .quantile_options import quantile_options
from .reporting import report_failures, report_within_noise
from .stats_options import check_interval_usage, stats_options
from .storage_options import storage_option
from .threshold_options import (
    check_threshold_usage,
    threshold_options,
    thresholds_nowhere,
    with_thresholds,
)
from .view_options import check_view_usage, sorted_loss, view_options


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name=PROG)
def main() -> None:
    """Compare losses (MSE, MAPE, cross-entropy and relatives) per file, model and group."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@input_options
@quantile_options
@period_options
@history_options
@drift_options
@storage_option
@loss_options
@stats_options
@engine_options
@output_options
@view_options
@diagram_options
@class_options
@confusion_options
@threshold_options
@chart_options
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
    require_baseline: bool,
    allow_missing_baseline: bool,
    sort_by: str | None,
    top: int | None,
    max_rows: int | None,
    layout: str | None,
    table: str,
    **options: Any,
) -> None:
    """Evaluate losses of prediction columns against a label column in FILES.

    FILES are CSV, TSV or Parquet files (CSV may be .gz, .bz2, .xz or .zst compressed);
    - reads standard input.

    \b
    Exit codes:
      0    success
      1    a check failed (--check, --max-regression, --require-baseline)
      2    usage error: the command line or a config value is wrong
      3    input error: the input cannot be evaluated
      4    environment error: the output cannot be written (disk full,
           permission denied, read-only file system, directory gone),
           a plugin fails, or the run needs more than --max-memory
      70   internal error: a bug in losscli (--debug shows the traceback)
      130  interrupted (Ctrl-C, SIGINT)
      143  terminated (SIGTERM)
    """
    from dataclasses import replace  # here: --version and --help need no dataclasses

    from .. import api
    from ..errors import InputError
    from .baseline import prepare_baseline
    from .config import files_in_force
    from .config_plugins import show_notes
    from .hints import with_column_hint
    from .output_guard import check_config_output, check_output_path
    from .progress import ProgressBar

    ctx = click.get_current_context()
    show_notes(ctx, quiet)  # which config plugins were loaded
    check_config_output(ctx)
    output = None if output == STDOUT else output
    check_interval_usage(ctx, options["ci"], options["ci_method"])
    losses = _one_huber_delta(ctx, losses, options["huber_delta"])
    check_output_path(files, output, files_in_force(ctx))
    chosen = resolve_format(fmt, output)
    diagrams = options["calibration"] or options["residuals"]
    chosen = with_diagrams(chosen, diagrams)
    confusion = confusion_asked(options)
    check_confusion_usage(table, confusion)
    check_drift_usage(table, options)
    sort_by = thresholded(sort_by, options["threshold"])
    check_threshold_usage(table, options["thresholds"], options["thresholds_objective"])
    chosen = with_thresholds(chosen, options["thresholds"] is not None)
    view = chart_view(options, chosen, quiet=quiet)
    drawn = chosen.human  # --chart=LOSS adds LOSS only where a chart is drawn
    options["curves"] = curves_wanted(chosen, options["curves"])
    before, tolerances, notes = prepare_baseline(baseline, tolerances, allow_missing_baseline)
    reference = options.pop("reference")
    options["compare"] = reference or options["compare"]
    check_view_usage(table, chosen, compare=options["compare"], sort_by=sort_by)
    bar = ProgressBar(enabled=options.pop("progress"))
    try:
        result = api.evaluate(
            list(files),
            pred=preds,
            losses=losses or None,
            require=[*sorted_loss(sort_by), *([view["chart"]] if view["chart"] and drawn else [])],
            progress=bar,
            checks=checks,
            baseline=before,
            max_regression=tolerances,
            require_baseline=require_baseline,
            **options,
        )
    except InputError as error:  # -p a b: 'b: no such file', though b is a column
        raise with_column_hint(error, files, preds) from error
    finally:
        bar.close()
    result = replace(result, notices=[*notes, *result.notices]).ranked(sort_by, top)
    if not quiet:
        for warning in result.notices if chosen.footnotes else result.warnings:
            say("warning", warning)
        if result.comparisons and not chosen.comparisons and table == "rows":
            say("warning", f"{chosen.title} has no place for --compare's differences: "
                "-f json, the table or markdown show them, --table comparisons writes "
                "them")  # fmt: skip
        asked = [name for name in ("calibration", "residuals") if options[name]]
        for nowhere in diagram_warnings(chosen, asked, options["curves"]):
            say("warning", nowhere)
        if confusion_nowhere(chosen, confusion, table):
            say("warning", confusion_nowhere(chosen, confusion, table))
        if thresholds_nowhere(chosen, options["thresholds"] is not None, table):
            say("warning", thresholds_nowhere(chosen, True, table))
        if drift_nowhere(chosen, options, table):
            say("warning", drift_nowhere(chosen, options, table))
    if output is not None or not quiet:
        emit(
            result,
            chosen,
            precision,
            output,
            max_rows,
            layout=layout,
            table=table,
            threads=options["threads"],
            **view,
        )
    on_terminal = output is None and not quiet and result_stream().isatty() and sys.stderr.isatty()
    shown = on_terminal and chosen.footnotes
    if before is not None and not quiet and not shown:  # a baseline gate passed within noise
        report_within_noise(result)
    report_failures(result, shown)


def _one_huber_delta(ctx: click.Context, losses: tuple[str, ...], delta: float) -> tuple[str, ...]:
    """``-m huber:delta=3 --huber-delta 2`` on one command line is a usage error: one of
    the two would be ignored. Where the ``-m`` comes from a config file, the command
    line's ``--huber-delta`` wins: the config's Huber becomes plain ``huber``, given δ."""
    from click.core import ParameterSource

    from ..losses import get_loss
    from ..losses.params import split_spec

    typed = (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
    if ctx.get_parameter_source("huber_delta") not in typed:
        return losses

    def sets_delta(spec: str) -> bool:
        name, given = split_spec(spec)
        return any(key == "delta" for key, _ in given) and get_loss(name).base == "huber"

    items = [[spec.strip() for spec in item.split(",")] for item in losses]
    explicit = [spec for item in items for spec in item if spec and sets_delta(spec)]
    if not explicit:
        return losses
    if ctx.get_parameter_source("losses") in typed:
        raise click.UsageError(
            f"-m {explicit[0]} and --huber-delta {delta:g} both set the Huber loss's δ; "
            f"give it once: -m huber:delta={delta:g}, or -m huber --huber-delta {delta:g}"
        )
    return tuple(",".join("huber" if spec in explicit else spec for spec in i) for i in items)


@main.command("losses")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(CATALOG_FORMATS),
    default="table",
    show_default=True,
    help="The table fits a terminal's width; elsewhere its lines are whole.",
)
@losses_config_options
@handle_errors
def list_losses(fmt: str) -> None:
    """List every loss with its aliases, tasks, direction and formula, also those of the
    plugins a config file names."""
    from ..losses.registry import load_installed_plugins
    from .config_plugins import show_notes

    show_notes(click.get_current_context(), quiet=False)  # which config plugins were loaded
    load_installed_plugins()  # first: once a plugin loads, the result's stream is set aside
    if fmt == "table":
        from rich.console import Console

        from ..render.catalog import catalog_table
        from ..render.table import print_table

        console = Console(file=result_stream())
        print_table(catalog_table(wrap=console.is_terminal), console)
        return
    from ..render.catalog import catalog_text
    from ..render.formats import FORMATS
    from .output import write_stdout

    write_stdout(catalog_text(fmt, result_stream().encoding), FORMATS[fmt])


def run() -> None:
    """Entry point: ``main``, with signals and a closed pipe ending the process quietly.

    SIGINT and SIGTERM raise :class:`~losscli.errors.Interrupted`, which unwinds (so a
    half-written output file is removed) and exits 128 + the signal's number.
    """
    from .. import hooks
    from ..errors import ClosedPipe, Interrupted

    _stop_on_signals()
    _tune_libraries()
    hooks.before_plugins.append(move_aside)  # what a plugin writes never reaches stdout
    try:
        try:
            main(prog_name=PROG)  # also under python -m losscli: completion reads _LOSSCLI_COMPLETE
        except Interrupted as interrupted:
            sys.exit(interrupted.exit_code)
        except (BrokenPipeError, ClosedPipe):
            discard_result_stream()
            sys.exit(0)
    except SystemExit as done:
        _leave_stuck_readers(done)
        raise


def _leave_stuck_readers(done: SystemExit) -> None:
    """End the process at once when a reading thread is still blocked (on a pipe, say)
    after the run has unwound: at interpreter exit it would hang the exit, or abort it
    from inside a reader's destructor. Output is flushed first; the files the run wrote
    were finished or removed by the unwinding."""
    ahead = sys.modules.get("losscli.reading.ahead")  # not loaded: no reading thread
    if ahead is None or not ahead.stragglers():
        return
    code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    if isinstance(done.code, str):
        print(done.code, file=sys.stderr)
    for stream in (result_stream(), sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


def _tune_libraries() -> None:
    """Settings for numpy's and pyarrow's libraries, read when they load (later, lazily);
    a user's own setting of either variable wins.

    Arrow's buffers come from the C allocator: pyarrow's default pool (mimalloc) keeps
    the pages a read has freed, and reading 10M Parquet rows peaked 40-70 MB higher with
    it, for no gain in time. OpenBLAS starts no thread pool: the kernel's few matrix
    products run with one BLAS thread anyway (``engine.bootstrap.blas``; its own pool gives the
    parallelism), and starting the pool cost 40-80 ms of CPU in every run.
    """
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _stop_on_signals() -> None:
    from ..errors import Interrupted

    def stop(number: int, frame: Any) -> None:
        raise Interrupted(number)

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, stop)
