"""``--calibration`` and ``--residuals``: diagrams after the table (and in JSON)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..render.formats import Display, OutputFormat, Rendered
    from ..result import EvaluationResult


def diagram_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--calibration",
                is_flag=True,
                help="Classification: after the table, a reliability diagram per model (and "
                "group, up to --max-rows): per bin of ECE's (ece:bins=B; 15; multi-class: "
                "the top label) the rows, mean predicted and observed frequency, and the ECE.",
            ),
            click.option(
                "--residuals",
                is_flag=True,
                help="Regression: after the table, a histogram of e = y - pred per model (and "
                "group) with its mean and 5/25/50/75/95% quantiles, each within its bin "
                "(log-spaced, 12% wide; below 1e-6 one bin).",
            ),
            click.option(
                "--curves/--no-curves",
                default=None,
                help="Classification: ROC and precision-recall curves per model (and group, up "
                "to --max-rows), from ROC-AUC's exact rank tables, drawn by -f html and "
                "carried by -f json. Default: on for -f html where roc_auc is a loss.",
            ),
        ]
    ):
        f = option(f)
    return f


def with_diagrams(fmt: OutputFormat, asked: bool) -> OutputFormat:
    """``fmt`` drawing the diagrams after its text where it is a view for people (the
    table; markdown in a code block); JSON carries them in its document; others have none."""
    if not asked or not fmt.human:
        return fmt
    render = fmt.render
    fenced = fmt.name == "markdown"

    def drawn(result: EvaluationResult, display: Display) -> Rendered:
        text = render(result, display)
        if result.frame.diagrams is None:
            return text
        from ..render.diagrams import diagram_block

        pieces = [text] if isinstance(text, (str, bytes)) else list(text)
        return [*pieces, diagram_block(result, display, fenced=fenced)]

    return fmt._replace(render=drawn)


def diagrams_nowhere(fmt: OutputFormat, asked: list[str]) -> str:
    """A warning where ``fmt`` has no place for the diagrams of the options ``asked``
    (``calibration``, ``residuals``; "": it has, or none was asked)."""
    if not asked or fmt.human or fmt.name == "json":
        return ""
    named = " and ".join(f"--{name}'" + ("" if name.endswith("s") else "s") for name in asked)
    return (
        f"{fmt.title} has no place for {named} diagrams: -f json, the table or markdown show them"
    )


def curves_wanted(fmt: OutputFormat, asked: bool | None) -> bool | None:
    """What the run is asked for curves: as given; unsaid, None (where roc_auc is a loss)
    for the HTML report, which draws them, and none for the other formats."""
    if asked is None and fmt.name != "html":
        return False
    return asked


def diagram_warnings(fmt: OutputFormat, diagrams: list[str], curves: bool | None) -> list[str]:
    """A warning for each kind of diagram asked for (``diagrams``: the options' names) that
    ``fmt`` has no place for."""
    out = [diagrams_nowhere(fmt, diagrams)] if diagrams_nowhere(fmt, diagrams) else []
    if curves and fmt.name not in ("html", "json"):
        out.append(f"{fmt.title} has no place for --curves: -f html draws them, -f json has them")
    return out
