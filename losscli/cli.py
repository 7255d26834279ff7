"""The command line: a thin click layer over ``losscli.evaluate``, errors mapped to exit codes.

Exit codes: 0 success, 1 a check failed, 2 usage error, 3 input error.
Heavy modules (numpy, pyarrow, rich) are imported only by the commands that use them.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from collections.abc import Callable
from typing import Any

import click

from ._version import __version__

EPS = 2.220446049250313e-16  # float64 machine epsilon (losses.EPS), without importing numpy
OUTPUT_FORMATS = ("auto", "table", "csv", "tsv", "json", "markdown")
SUFFIX_FORMATS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".md": "markdown",
                  ".markdown": "markdown", ".txt": "table"}


def _loss_names(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """Reject unknown loss names as a usage error (exit 2) before reading anything."""
    from .errors import UsageError
    from .losses import resolve_losses

    if value:
        try:
            resolve_losses(value)
        except UsageError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def _one_character(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    value = {"\\t": "\t", "tab": "\t"}.get(value, value)
    if len(value) != 1 or value in "\"\r\n":
        raise click.BadParameter(f"{value!r}: the delimiter is one character (use '\\t' for tab)")
    return value


def _known_encoding(ctx: click.Context, param: click.Parameter, value: str) -> str:
    import codecs

    try:
        codecs.lookup(value)
    except LookupError:
        raise click.BadParameter(f"unknown encoding {value!r}") from None
    return value


def input_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.option("-l", "--label", metavar="COL",
                     help="Label column (default: found by name); for multi-class data also "
                          "one-hot label columns, as a comma list or a glob."),
        click.option("-p", "--pred", "preds", metavar="COL", multiple=True,
                     help="Prediction column (a value, or a binary positive-class "
                          "probability); repeat to compare several models."),
        click.option("--probs", metavar="COLS", multiple=True,
                     help="Multi-class probability columns, one per class, as a comma list or "
                          "a glob ('p_*'); repeat to compare several models."),
        click.option("-w", "--weight", metavar="COL", help="Sample-weight column."),
        click.option("-g", "--group-by", "group_by", metavar="COL", multiple=True,
                     help="One row per group of this column; repeatable."),
        click.option("--input-format", type=click.Choice(["csv", "tsv", "parquet"]),
                     help="Format of the inputs (default: from the file name; CSV for -)."),
        click.option("--delimiter", metavar="CHAR", callback=_one_character,
                     help="Field separator of CSV input (default: ',' for .csv, tab for .tsv)."),
        click.option("--encoding", default="utf8", show_default=True, callback=_known_encoding,
                     help="Text encoding of CSV input, e.g. latin-1."),
        click.option("--decimal", type=click.Choice([".", ","]), default=".", show_default=True,
                     help="Decimal mark of numbers in CSV input."),
        click.option("--drop-na", is_flag=True,
                     help="Drop rows with missing or non-finite values instead of failing."),
        click.option("--progress/--no-progress", default=True, show_default=True,
                     help="A progress bar on standard error for inputs that take over a "
                          "second (never when standard error is not a terminal)."),
    ]):
        f = option(f)
    return f


def loss_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.option("-m", "--loss", "losses", metavar="NAMES", multiple=True,
                     callback=_loss_names,
                     help="Losses, comma-separated, repeatable; 'all' for every one that "
                          "applies. Default: mse, mape, cross_entropy where they apply "
                          "(see 'losscli losses')."),
        click.option("--mape-zero", type=click.Choice(["skip", "error"]), default="skip",
                     show_default=True, help="Rows whose label is 0: leave them out of MAPE, "
                                             "or fail."),
        click.option("--huber-delta", type=click.FloatRange(min=0, min_open=True), default=1.0,
                     show_default=True, help="δ of the Huber loss."),
        click.option("--from-logits", is_flag=True,
                     help="Predictions are logits (scores): sigmoid for one column, softmax "
                          "for class columns, computed stably."),
        click.option("--renormalize", is_flag=True,
                     help="Divide each row of class probabilities by its sum."),
        click.option("--eps", type=click.FloatRange(min=0, max=0.5, min_open=True, max_open=True),
                     default=EPS, show_default="float64 machine epsilon",
                     help="Probabilities are clipped to [eps, 1 − eps] for cross-entropy."),
    ]):
        f = option(f)
    return f


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.option("-f", "--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="auto",
                     show_default=True, help="auto: a table on a terminal, CSV otherwise "
                                             "(with -o: from the file's suffix)."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
                     help="Write the result to this file (atomically)."),
        click.option("--precision", type=click.IntRange(1, 17), default=5, show_default=True,
                     help="Significant digits in the table and markdown."),
    ]):
        f = option(f)
    return f


def _parsed(parse_name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A callback that reads each value with ``gates.<parse_name>``: a bad one is exit 2."""

    def callback(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> Any:
        from . import gates
        from .errors import UsageError

        try:
            return tuple(getattr(gates, parse_name)(v) for v in values)
        except UsageError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


def _load_config(ctx: click.Context, param: click.Parameter, path: str | None) -> str | None:
    """Eager: install the config file's values as defaults before other options resolve."""
    from .config import default_map, find_config

    found = find_config(path)
    if found is not None:
        ctx.default_map = {**(ctx.default_map or {}), **default_map(ctx, *found)}
    return path


def gate_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.option("--check", "checks", metavar="EXPR", multiple=True,
                      callback=_parsed("parse_check"),
                      help="Fail (exit 1) unless every row meets METRIC OP NUMBER, e.g. "
                           "'mse<=0.25'; prefix 'overall:' for overall rows only. Repeatable."),
        click.option("--baseline", metavar="FILE",
                     help="A JSON result of an earlier run to compare with (rows matched by "
                          "file position, pred and group)."),
        click.option("--max-regression", "tolerances", metavar="METRIC=TOL", multiple=True,
                     callback=_parsed("parse_tolerance"),
                     help="Fail when a loss got worse than its baseline by more than TOL, "
                          "absolute (mse=0.01) or relative (mape=5%). Repeatable."),
        click.option("-q", "--quiet", is_flag=True,
                     help="Print nothing on success; on failure only the failures."),
        click.option("--config", metavar="FILE", is_eager=True, expose_value=False,
                     callback=_load_config,
                     help="Defaults for these options (default: ./losscli.toml, or "
                          "[tool.losscli] in ./pyproject.toml)."),
    ]):
        f = option(f)
    return f


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Map losscli's errors to exit codes with a one-paragraph message; --debug shows tracebacks."""

    @functools.wraps(command)
    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> Any:
        from .errors import LossCliError

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
            _fail(f"unexpected {type(exc).__name__}: {exc}. This is a bug in losscli; "
                  "run again with --debug to see the traceback, and please report it.", 3)

    return click.option("--debug", is_flag=True, help="Show tracebacks of errors.")(wrapper)


def _fail(message: str, code: int) -> None:
    click.echo(f"losscli: error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="losscli")
def main() -> None:
    """Compare losses (MSE, MAPE, cross-entropy and relatives) per file, model and group."""


@main.command()
@click.argument("files", nargs=-1, required=True)
@input_options
@loss_options
@output_options
@gate_options
@handle_errors
def evaluate(files: tuple[str, ...], preds: tuple[str, ...], losses: tuple[str, ...],
             fmt: str, output: str | None, precision: int, checks: tuple[Any, ...],
             baseline: str | None, tolerances: tuple[Any, ...], quiet: bool,
             **options: Any) -> None:
    """Evaluate losses of prediction columns against a label column in FILES.

    FILES are CSV, TSV or Parquet files (CSV may be .gz, .bz2, .xz or .zst compressed);
    - reads standard input. Exit codes: 0 success, 1 a check failed, 2 usage error,
    3 input error.
    """
    from . import api, gates
    from .baseline import load_baseline
    from .progress import ProgressBar

    _refuse_overwriting_inputs(files, output)
    if tolerances and baseline is None:  # before reading anything
        raise click.UsageError("--max-regression needs --baseline FILE to compare with")
    before = load_baseline(baseline) if baseline is not None else None
    required = [c.loss for c in checks] + [t.loss for t in tolerances]
    bar = ProgressBar(enabled=options.pop("progress"))
    try:
        result = api.evaluate(list(files), pred=preds, losses=losses or None, require=required,
                              progress=bar, **options)
    finally:
        bar.close()
    result = gates.gate(result, checks, before, tolerances)
    fmt = _resolve_format(fmt, output)
    if not quiet:
        shown_as_footnotes = fmt in ("table", "markdown")
        for warning in result.notices if shown_as_footnotes else result.warnings:
            click.echo(f"losscli: warning: {warning}", err=True)
    if output is not None or not quiet:
        _emit(result, fmt, precision, output)
    _report_failures(result)


def _report_failures(result: Any) -> None:
    """Every failed check on standard error, then exit 1."""
    from .render.grid import failure_lines, verdict

    if not result.failures:
        return
    for line in failure_lines(result):
        click.echo(f"losscli: check failed: {line}", err=True)
    click.echo(f"losscli: {verdict(result)}", err=True)
    sys.exit(1)


@main.command("losses")
def list_losses() -> None:
    """List every loss with its aliases, formula, task and direction."""
    from rich.console import Console
    from rich.table import Table

    from .losses import REGISTRY

    table = Table("loss", "aliases", "task", "better", "formula", "description")
    for loss in REGISTRY.values():
        table.add_row(loss.name, ", ".join(loss.aliases), ", ".join(t.value for t in loss.tasks),
                      loss.direction.value, loss.formula, loss.description)
    Console().print(table)


def _resolve_format(fmt: str, output: str | None) -> str:
    if fmt != "auto":
        return fmt
    if output:
        return SUFFIX_FORMATS.get(os.path.splitext(output)[1].lower(), "csv")
    return "table" if sys.stdout.isatty() else "csv"


def _emit(result: Any, fmt: str, precision: int, output: str | None) -> None:
    if fmt == "table":
        from rich.console import Console

        from .render.table import print_table, to_table

        renderable = to_table(result, precision)
        if output is None:
            print_table(renderable, Console())
            return
        with _atomic_write(output) as handle:
            print_table(renderable, Console(file=handle, no_color=True))
        return
    from .render import TEXT_FORMATS

    text = TEXT_FORMATS[fmt](result, precision)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        with _atomic_write(output) as handle:
            handle.write(text)


class _atomic_write:
    """Write to a temporary file beside ``path``; rename it into place only on success."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> Any:
        directory = os.path.dirname(os.path.abspath(self.path))
        fd, self.tmp = tempfile.mkstemp(prefix=".losscli-", dir=directory)
        self.handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        return self.handle

    def __exit__(self, kind: Any, *rest: Any) -> None:
        self.handle.close()
        if kind is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)


def _refuse_overwriting_inputs(files: tuple[str, ...], output: str | None) -> None:
    if output and not os.path.isdir(os.path.dirname(os.path.abspath(output))):
        raise click.UsageError(f"cannot write {output!r}: its directory does not exist")
    if not output or not os.path.exists(output):
        return
    for name in files:
        if name != "-" and os.path.exists(name) and os.path.samefile(name, output):
            raise click.UsageError(f"the output file {output!r} is also an input; "
                                   "choose another output path")


def run() -> None:
    """Entry point: ``main`` with a quiet exit when the reader of our output goes away."""
    try:
        main()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
