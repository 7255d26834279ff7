"""The options of ``losscli evaluate``, in bundles, with the callbacks that check them.

A bad value is a usage error (exit 2) before any file is read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..render.formats import BINARY, FORMATS
from .config_options import config_option, no_config_option, plugin_option

EPS = 2.220446049250313e-16  # float64 machine epsilon (losses.EPS), without importing numpy


def _unset_if_empty(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """An empty value unsets the option, also a config file's value: no items, or the default."""
    if param.multiple:
        return tuple(item for item in value if item != "")
    return param.default if value == "" else value


def _or_unset_if_empty(
    callback: Callable[[click.Context, click.Parameter, Any], Any],
) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def checked(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if ctx.resilient_parsing:  # shell completion: no loss names resolved, no plugins run
            return value
        value = _unset_if_empty(ctx, param, value)
        return value if value is None or value == param.default else callback(ctx, param, value)

    return checked


@_or_unset_if_empty
def _loss_names(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """Reject unknown loss names as a usage error (exit 2) before reading anything."""
    from ..errors import UsageError
    from ..losses import resolve_losses

    if value:
        try:
            resolve_losses(value)
        except UsageError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


@_or_unset_if_empty
def _one_character(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    value = {"\\t": "\t", "tab": "\t"}.get(value, value)
    if len(value) != 1 or value in '"\r\n':
        raise click.BadParameter(f"{value!r}: the delimiter is one character (use '\\t' for tab)")
    return value


@_or_unset_if_empty
def _known_encoding(ctx: click.Context, param: click.Parameter, value: str) -> str:
    import codecs

    try:
        codecs.lookup(value)
    except LookupError:
        raise click.BadParameter(f"unknown encoding {value!r}") from None
    return value


def input_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "-l",
                "--label",
                metavar="COL",
                callback=_unset_if_empty,
                help="Label column (default: found by name); for multi-class data also "
                "one-hot label columns, as a comma list or a glob.",
            ),
            click.option(
                "-p",
                "--pred",
                "preds",
                metavar="COL",
                multiple=True,
                callback=_unset_if_empty,
                help="Prediction column (a value, or a binary positive-class "
                "probability), or a comma list or glob of them, one model each; repeat "
                "to compare several models.",
            ),
            click.option(
                "--probs",
                metavar="COLS",
                multiple=True,
                callback=_unset_if_empty,
                help="Multi-class probability columns, one per class, as a comma list or "
                "a glob ('p_*'); repeat to compare several models.",
            ),
            click.option(
                "--logits",
                metavar="COLS",
                multiple=True,
                callback=_unset_if_empty,
                help="A model whose columns are logits: one column (binary) or one per "
                "class, as a comma list or a glob; repeatable, beside --pred or --probs.",
            ),
            click.option(
                "-w",
                "--weight",
                metavar="COL",
                callback=_unset_if_empty,
                help="Sample-weight column.",
            ),
            click.option(
                "-g",
                "--group-by",
                "group_by",
                metavar="COL",
                multiple=True,
                callback=_unset_if_empty,
                help="One row per group of this column; repeatable.",
            ),
            click.option(
                "--input-format",
                type=click.Choice(["csv", "tsv", "parquet"]),
                help="Format of the inputs (default: from the file name; CSV for -).",
            ),
            click.option(
                "--delimiter",
                metavar="CHAR",
                callback=_one_character,
                help="Field separator of CSV input (default: ',' for .csv, tab for .tsv).",
            ),
            click.option(
                "--encoding",
                default="utf8",
                show_default=True,
                callback=_known_encoding,
                help="Text encoding of CSV input, e.g. latin-1.",
            ),
            click.option(
                "--decimal",
                type=click.Choice([".", ","]),
                default=".",
                show_default=True,
                help="Decimal mark of numbers in CSV input.",
            ),
            click.option(
                "--drop-na/--no-drop-na",
                default=False,
                help="Drop rows with missing or non-finite values instead of failing.",
            ),
            click.option(
                "--progress/--no-progress",
                default=True,
                show_default=True,
                help="A progress bar on standard error for inputs that take over a "
                "second (never when standard error is not a terminal).",
            ),
        ]
    ):
        f = option(f)
    return f


def loss_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "-m",
                "--loss",
                "losses",
                metavar="NAMES",
                multiple=True,
                callback=_loss_names,
                help="Losses, comma-separated, repeatable; 'all' for every one that "
                "applies. Default: mse, mape, cross_entropy where they apply "
                "(see 'losscli losses').",
            ),
            click.option(
                "--task",
                type=click.Choice(["regression", "binary", "multiclass"]),
                help="Pin the task the default losses (and -m all) follow, instead of "
                "the one the data looks like.",
            ),
            click.option(
                "--mape-zero",
                type=click.Choice(["skip", "error"]),
                default="skip",
                show_default=True,
                help="Rows whose label is 0: leave them out of MAPE, or fail.",
            ),
            click.option(
                "--huber-delta",
                type=click.FloatRange(min=0, min_open=True),
                default=1.0,
                show_default=True,
                help="δ of the Huber loss.",
            ),
            click.option(
                "--from-logits/--no-from-logits",
                default=False,
                help="Every model's columns are logits (scores): sigmoid for one column, "
                "softmax for class columns, computed stably.",
            ),
            click.option(
                "--renormalize/--no-renormalize",
                default=False,
                help="Divide each row of class probabilities by its sum.",
            ),
            click.option(
                "--eps",
                type=click.FloatRange(min=0, max=0.5, min_open=True, max_open=True),
                default=EPS,
                show_default="float64 machine epsilon",
                help="Probabilities are clipped to [eps, 1 − eps] for cross-entropy "
                "(refused beside logit models, which are never clipped).",
            ),
        ]
    ):
        f = option(f)
    return f


class FormatChoice(click.Choice):
    """``auto`` and the output formats registered when the option is read (``render.formats``)."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return ("auto", *FORMATS)

    @choices.setter
    def choices(self, value: object) -> None:
        """Set by ``click.Choice``: the registry holds the choices."""


def _format_help() -> str:
    suffixes = " ".join("/".join(fmt.suffixes) for fmt in FORMATS.values())
    binary = [fmt.title for fmt in FORMATS.values() if fmt.encoding == BINARY]
    return (
        "auto: a table on a terminal, CSV otherwise (with -o: from the file's suffix: "
        f"{suffixes}). {' and '.join(binary)} only to a file or a pipe."
    )


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "-f",
                "--format",
                "fmt",
                type=FormatChoice(),
                default="auto",
                show_default=True,
                help=_format_help(),
            ),
            click.option(
                "-o",
                "--output",
                metavar="PATH",
                callback=_unset_if_empty,
                help="Write the result to PATH: a file is replaced whole or not at all "
                "(through a symlink, its target); a device or FIFO is written to; "
                "'-' is standard output.",
            ),
            click.option(
                "--precision",
                type=click.IntRange(1, 17),
                default=5,
                show_default=True,
                help="Significant digits in the table and markdown.",
            ),
        ]
    ):
        f = option(f)
    return f


def _parsed(parse_name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A callback that reads each value with ``parse.<parse_name>``: a bad one is exit 2."""

    @_or_unset_if_empty
    def callback(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> Any:
        if not values:
            return ()  # the gating machinery loads only for a run with something to judge
        from ..errors import UsageError
        from ..gating import parse

        try:
            return tuple(getattr(parse, parse_name)(v) for v in values)
        except UsageError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


def gate_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--check",
                "checks",
                metavar="EXPR",
                multiple=True,
                callback=_parsed("parse_check"),
                help="Fail (exit 1) unless every row meets METRIC OP NUMBER, e.g. "
                "'mse<=0.25'; prefix 'overall:' for overall rows only, 'delta:' for the "
                "difference from the reference model with --compare ('delta:mse<=0', "
                "or 'delta:mae<=1%' of the reference's value), 'last:'/'first:' for the "
                "latest/earliest period's rows (--period), 'class:'/'average:' for the class "
                "and average rows (--per-class). Repeatable.",
            ),
            click.option(
                "--baseline",
                metavar="FILE",
                callback=_unset_if_empty,
                help="A JSON result of an earlier run to compare with (rows matched by "
                "file name, pred and group).",
            ),
            click.option(
                "--allow-missing-baseline/--no-allow-missing-baseline",
                default=False,
                help="A --baseline file that does not exist yet is a warning (a first "
                "run), not an input error.",
            ),
            click.option(
                "--require-baseline/--no-require-baseline",
                default=False,
                help="Fail (exit 1) when a row has no counterpart on the other side "
                "(default: a warning).",
            ),
            click.option(
                "--max-regression",
                "tolerances",
                metavar="METRIC=TOL",
                multiple=True,
                callback=_parsed("parse_tolerance"),
                help="Fail when a loss got worse than its baseline by more than TOL, "
                "absolute (mse=0.01) or relative (mape=5%). Repeatable.",
            ),
            click.option(
                "-q",
                "--quiet/--no-quiet",
                default=False,
                help="Print nothing on success; on failure only the failures.",
            ),
            config_option,
            no_config_option,
            plugin_option,
        ]
    ):
        f = option(f)
    return f
