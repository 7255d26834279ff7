"""``--thresholds`` and ``--thresholds-objective``: for a binary model, precision, recall,
F1, false-positive rate and predicted-positive share at each threshold, and the threshold
that maximises the objective (below the table; ``--table thresholds``; JSON rows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..render.formats import Display, OutputFormat, Rendered
    from ..result import EvaluationResult


def threshold_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--thresholds",
                default=None,
                metavar="T1,T2,...|auto",
                help="Binary classification: per model and group, precision, recall, F1, "
                "false-positive rate and predicted-positive share (weighted) at each "
                "threshold, predicting positive where p > t; auto: the model's score "
                "quantiles (at most 100). From the rank tables, no second pass. Shown below "
                "the table (the chosen threshold), in JSON rows, and by --table thresholds.",
            ),
            click.option(
                "--thresholds-objective",
                default="f1",
                show_default=True,
                metavar="f1|youden|cost:fp=A,fn=B",
                help="What the chosen threshold maximises: F1, Youden's J (recall - FPR), or "
                "minus the cost A·FP + B·FN per unit of weight.",
            ),
        ]
    ):
        f = option(f)
    return f


def check_threshold_usage(table: str, thresholds: str | None, objective: str) -> None:
    """Usage errors before anything is read: a bad list or objective, ``--table
    thresholds`` or ``--thresholds-objective`` without ``--thresholds``."""
    if thresholds is None:
        if table == "thresholds":
            raise click.UsageError(
                "--table thresholds needs --thresholds (T1,T2,... or auto): it has one row per "
                "threshold of each binary model's row"
            )
        if objective.strip().lower() != "f1":
            raise click.UsageError(
                "--thresholds-objective chooses among --thresholds: add --thresholds "
                "T1,T2,... or --thresholds auto"
            )
        return
    from ..result.thresholds import ThresholdSpec

    ThresholdSpec.of(thresholds, objective)  # a usage error if either is malformed


def with_thresholds(fmt: OutputFormat, asked: bool) -> OutputFormat:
    """``fmt`` writing each model's chosen threshold after its text where it is a view for
    people (the table; markdown in a code block); JSON carries them in its rows."""
    if not asked or not fmt.human or fmt.name == "html":  # the report has a section of them
        return fmt
    render = fmt.render
    fenced = fmt.name == "markdown"

    def written(result: EvaluationResult, display: Display) -> Rendered:
        text = render(result, display)
        if result.frame.thresholds is None or display.table != "rows":
            return text
        from ..render.thresholds import threshold_lines

        lines = threshold_lines(result, display)
        if not lines:
            return text
        block = "\n".join(lines[1:]) + "\n"
        block = f"\n```text\n{block}```\n" if fenced else "\n" + block
        pieces = [text] if isinstance(text, (str, bytes)) else list(text)
        return [*pieces, block]

    return fmt._replace(render=written)


def thresholds_nowhere(fmt: OutputFormat, asked: bool, table: str) -> str:
    """A warning where ``fmt`` writing the rows has no place for the thresholds."""
    if not asked or fmt.human or fmt.name == "json" or table == "thresholds":
        return ""
    return (
        f"{fmt.title} has no place for --thresholds in its rows: --table thresholds writes "
        "them, -f json and the table show them"
    )
