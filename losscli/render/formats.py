"""The output formats, each declared once: its name, its file suffixes, its encoding,
what it shows, and its renderer.

The command line reads everything it knows of a format here: the choices of ``-f``,
the format ``-o``'s suffix names, how the text is written and whether standard error
repeats what the output shows. Adding a format is one entry in ``BUILT_IN`` and one
renderer: a function of the result and a :class:`Display` that returns the text whole, in
pieces (a format that ``streams``), or bytes (a ``BINARY`` one).

This module imports only the standard library (``--help`` reads it): a built-in
renderer's module, with rich or pyarrow, is imported when its format is first used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Literal, NamedTuple, TextIO

if TYPE_CHECKING:
    from ..result import EvaluationResult

# How a format's output is encoded where it is written (named tuples and strings, not
# dataclasses and enums: --help reads this module, and they would cost it milliseconds).
Encoding = Literal["utf-8", "charset", "binary"]
UTF8: Encoding = "utf-8"  # data: UTF-8 everywhere, standard output too: it reads back exactly
CHARSET: Encoding = "charset"  # text for people: standard output's character set; files UTF-8
BINARY: Encoding = "binary"  # bytes: to a file or a pipe, never to a terminal


class Display(NamedTuple):
    """How a result is displayed: the digits and rows a view for people shows, and the
    stream the output goes to."""

    digits: int = 5  # significant digits of a view for people (--precision)
    max_rows: int | None = None  # group rows per file and model in a view for people; 0: all
    stream: TextIO | None = None  # standard output, where the output goes there; None: a file
    layout: str | None = None  # the table's and markdown's: "wide", "long"; None: by models
    table: str = "rows"  # which of a result's tables (``TABLES``) is written
    chart: str | None = None  # --chart: the loss charted after the table ("": the first)
    no_chart: bool = False  # --no-chart: markdown without its Mermaid charts
    threads: int | None = None  # --threads: formatting's at most (None: the machine's cores)

    @property
    def charset(self) -> str | None:
        """The output's character set: standard output's; None (any: UTF-8) for a file."""
        return None if self.stream is None else self.stream.encoding


# The text whole, its pieces in order (written as they come), or bytes.
Rendered = str | bytes | Iterable[str]
Renderer = Callable[["EvaluationResult", Display], Rendered]


class OutputFormat(NamedTuple):
    """One output format, as ``-f NAME`` chooses it."""

    name: str
    render: Renderer
    suffixes: tuple[str, ...]  # of an -o file's name (lower case, with the dot) under -f auto
    title: str  # how messages name it ("CSV", "Parquet", "the table")
    encoding: Encoding = UTF8
    streams: bool = False  # renders in pieces, written as they are made
    human: bool = False  # a view for people: numbers to --precision, at most --max-rows rows
    footnotes: bool = False  # shows notices, failed checks and the verdict below the rows
    comparisons: bool = True  # has a place for --compare's differences
    screenful: bool = False  # on a terminal, shows a screenful of group rows by default
    tables: tuple[str, ...] = ("rows",)  # the --table choices it writes (ANY_TABLE: every one)


class ResultTable(NamedTuple):
    """One of a result's tables, as ``--table NAME`` chooses it: the rows (file, model,
    group) by default, or a table of its own, written by every format that declares it
    (CSV, TSV, Parquet, JSON under ``json_key``, the table and markdown)."""

    name: str
    help: str  # what one row of it is
    columns: str  # "module:function" of ``losscli.result`` giving (names, arrays); "": the rows
    json_key: str  # the JSON document's list holding its rows
    needs: str = ""  # the option without which it has no rows (a usage error)
    grid: str = ""  # "module:function" of ``losscli.render`` giving its grid; "": table_grid's


ANY_TABLE = ("*",)  # a format that writes every table registered
TABLES: dict[str, ResultTable] = {
    table.name: table
    for table in (
        ResultTable("rows", "one row per file, model and group", "", "rows"),
        ResultTable(
            "comparisons",
            "one row per comparison with the reference: file, group, loss, pred, reference, "
            "delta, low, high, p_value, p_adjusted, verdict",
            "comparing:comparison_columns",
            "comparisons",
            needs="--compare",
        ),
        ResultTable(
            "confusion",
            "one row per cell of each confusion matrix (--confusion): file, pred, scope, "
            "group columns, true_class, pred_class, count (and share, normalized)",
            "confusion:confusion_table_columns",
            "confusion",
            needs="--confusion",
        ),
        ResultTable(
            "thresholds",
            "one row per threshold of each binary model's row (--thresholds): file, pred, "
            "scope, group, threshold, precision, recall, f1, fpr, predicted_positive, chosen",
            "threshold_table:threshold_columns",
            "thresholds",
            needs="--thresholds",
            grid="thresholds:threshold_grid",
        ),
        ResultTable(
            "drift",
            "one row per file, model, group and loss judged by --drift: file, pred, scope, "
            "group, loss, onset, reference_start, reference_end, delta, low, high",
            "drift:drift_columns",
            "drift",
            needs="--drift",
            grid="drift:drift_grid",
        ),
    )
}


def writes_table(fmt: OutputFormat, table: str) -> bool:
    """Whether ``fmt`` writes the table ``table`` (``--table``)."""
    return fmt.tables == ANY_TABLE or table in fmt.tables


def lazy(module: str, name: str) -> Renderer:
    """The renderer ``name`` of ``losscli.render.<module>``, imported on its first use."""

    def render(result: EvaluationResult, display: Display) -> Rendered:
        from importlib import import_module

        renderer: Renderer = getattr(import_module(f".{module}", __package__), name)
        return renderer(result, display)

    render.__qualname__ = render.__name__ = f"{module}.{name}"
    return render


BUILT_IN = (
    OutputFormat(
        "table",
        lazy("charts.outputs", "render_table"),  # the table, then --chart's chart
        suffixes=(".txt",),
        title="the table",
        encoding=CHARSET,
        human=True,
        footnotes=True,
        screenful=True,
        tables=ANY_TABLE,
    ),
    OutputFormat(
        "csv",
        lazy("text", "render_csv"),
        suffixes=(".csv",),
        title="CSV",
        streams=True,
        comparisons=False,
        tables=ANY_TABLE,
    ),
    OutputFormat(
        "tsv",
        lazy("text", "render_tsv"),
        suffixes=(".tsv",),
        title="TSV",
        streams=True,
        comparisons=False,
        tables=ANY_TABLE,
    ),
    OutputFormat(
        "json",
        lazy("text", "render_json"),
        suffixes=(".json",),
        title="JSON",
        streams=True,
        tables=ANY_TABLE,
    ),
    OutputFormat(
        "markdown",
        lazy("charts.outputs", "render_markdown"),  # the Mermaid charts, then the table
        suffixes=(".md", ".markdown"),
        title="markdown",
        encoding=CHARSET,
        human=True,
        footnotes=True,
        tables=ANY_TABLE,
    ),
    OutputFormat(
        "parquet",
        lazy("parquet", "render_parquet"),
        suffixes=(".parquet", ".pq"),
        title="Parquet",
        encoding=BINARY,
        comparisons=False,
        tables=ANY_TABLE,
    ),
    OutputFormat(
        "html",
        lazy("html", "render_html"),
        suffixes=(".html", ".htm"),
        title="the HTML report",
        human=True,
        footnotes=True,
    ),
)
# The loss catalog's formats (``losscli losses -f``), apart from a result's: a listing of
# the losses, written by :mod:`.catalog`'s own writers (a result's renderers do not apply)
CATALOG_FORMATS = ("table", "csv", "json", "markdown")
TEXT_SUFFIXES = (".txt",)  # plain text: its format's under -f auto, any text format's by -f

FORMATS: dict[str, OutputFormat] = {}  # by name, in the order -f lists them


def register(fmt: OutputFormat) -> None:
    """Add ``fmt``: a new name (``auto`` is -f's own), and one suffix or more, each new,
    lower case, starting with a dot."""
    if fmt.name in FORMATS or fmt.name == "auto":
        raise ValueError(f"an output format named {fmt.name!r} exists")
    if not fmt.suffixes:
        raise ValueError(f"the output format {fmt.name!r} needs a suffix for -o's file names")
    for suffix in fmt.suffixes:
        if suffix in by_suffix():
            raise ValueError(f"{fmt.name}: the suffix {suffix} names {by_suffix()[suffix].name}")
        if suffix != suffix.lower() or not suffix.startswith(".") or len(suffix) < 2:
            raise ValueError(f"{fmt.name}: a suffix is a dot and lower-case text, not {suffix!r}")
    FORMATS[fmt.name] = fmt


def unregister(name: str) -> None:
    """Remove the format ``name`` (a KeyError if there is none)."""
    del FORMATS[name]


def by_suffix() -> dict[str, OutputFormat]:
    """Every known suffix and the format it names, in -f's order."""
    return {suffix: fmt for fmt in FORMATS.values() for suffix in fmt.suffixes}


for _format in BUILT_IN:
    register(_format)
