"""``--confusion``, ``--confusion-normalize`` and ``--threshold``: the confusion matrix per
file, model and group after the table (and in JSON, ``--table confusion`` and the HTML
report), and the threshold of one-column classifiers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..render.formats import OutputFormat

NORMALIZE = ("true", "pred", "all")  # as losscli.result.confusion's (--help imports no NumPy)


def confusion_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--confusion/--no-confusion",
                default=False,
                help="Classification: the weighted confusion matrix per model (and group, up "
                "to --max-rows) after the table, rows the true class, columns the predicted "
                "(the most probable class; one column: p > --threshold). -f json has it per "
                "row, --table confusion a row per cell, -f html a heat map.",
            ),
            click.option(
                "--confusion-normalize",
                type=click.Choice(NORMALIZE),
                default=None,
                help="Show the confusion matrix as shares (implies --confusion): of each true "
                "class (rows sum to 1), predicted class (columns) or all rows, as "
                "scikit-learn's confusion_matrix(normalize=...).",
            ),
            click.option(
                "--threshold",
                type=click.FloatRange(0, 1),
                default=0.5,
                show_default=True,
                metavar="T",
                help="One-column classifiers predict the positive class where p > T: in the "
                "confusion matrix, and in precision, recall, F1 and balanced accuracy unless "
                "their own :threshold= is given (their columns are named "
                "precision:threshold=T).",
            ),
        ]
    ):
        f = option(f)
    return f


def confusion_asked(options: dict[str, Any]) -> bool:
    """Whether the run keeps the matrices (``--confusion-normalize`` implies ``--confusion``)."""
    return bool(options["confusion"]) or options["confusion_normalize"] is not None


def check_confusion_usage(table: str, asked: bool) -> None:
    """``--table confusion`` needs the matrices: a usage error before anything is read."""
    if table == "confusion" and not asked:
        raise click.UsageError(
            "--table confusion needs --confusion (or --confusion-normalize): it has one row "
            "per cell of each confusion matrix"
        )


def thresholded(sort_by: str | None, threshold: float) -> str | None:
    """``--sort-by LOSS``'s column under ``--threshold`` (``precision:threshold=T``)."""
    if not sort_by or threshold == 0.5:
        return sort_by
    from ..engine.confusion import with_threshold
    from ..losses import get_loss

    delta = "delta:" if sort_by.startswith("delta:") else ""
    spec = sort_by[len(delta) :]
    return delta + with_threshold([get_loss(spec)], threshold, [spec])[0].name


def confusion_nowhere(fmt: OutputFormat, asked: bool, table: str) -> str:
    """A warning where ``fmt`` writing ``--table table`` has no place for the matrices."""
    if not asked or fmt.human or fmt.name == "json" or table == "confusion":
        return ""
    return (
        f"{fmt.title} has no place for --confusion's matrices: --table confusion writes "
        "them a cell a row; -f json, the table, markdown and -f html show them"
    )
