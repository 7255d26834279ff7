"""``losscli losses``: every loss with its aliases, tasks, direction and formula, in each format.

The same writers as a result's: ``csv_text``, ``json_text``, ``markdown_text``, the table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..losses import REGISTRY
from ..losses.registry import load_installed_plugins
from .grid import Grid
from .table import TableView
from .text import csv_text, json_text, markdown_text

COLUMNS = ["loss", "aliases", "tasks", "better", "params", "formula", "description", "from"]


def loss_records() -> list[dict[str, Any]]:
    """One record per loss, lists kept as lists (the JSON form); installed plugins too.

    ``params`` names each parameter with its default (``q=0.5``; a bare name where it has
    none); ``defaults`` (JSON only) maps each to its default as a JSON value (null: none).
    """
    load_installed_plugins()
    return [
        {
            "loss": loss.name,
            "aliases": list(loss.aliases),
            "tasks": [task.value for task in loss.tasks],
            "better": loss.direction.value,
            "params": [
                p.name if p.usual is None else f"{p.name}={p.text(p.usual)}" for p in loss.params
            ],
            "formula": loss.formula,
            "description": loss.description,
            "from": loss.origin,
            "defaults": {p.name: p.usual for p in loss.params},
        }
        for loss in REGISTRY.values()
    ]


def _cells() -> list[list[str]]:
    """The records' ``COLUMNS`` as text cells: lists joined by ', '."""
    return [
        [", ".join(v) if isinstance(v, list) else str(v) for v in (record[c] for c in COLUMNS)]
        for record in loss_records()
    ]


def catalog_grid(charset: str | None = None) -> Grid:
    rows = _cells()
    grid = Grid(
        title="",
        headers=list(COLUMNS),
        numeric=[False] * len(COLUMNS),
        rows=rows,
        overall=[False] * len(rows),
        block_ends=[False] * len(rows),
    )
    return grid.shown(charset)


# Left out of a terminal's table, in this order, while the words of the rest do not fit
NARROW_DROPS = ("description", "aliases", "from", "params")


def catalog_table(wrap: bool) -> TableView:
    """The table; ``wrap`` fits it to a terminal's width (wrapping cells at spaces, leaving
    out ``NARROW_DROPS`` where even that does not fit), else every line is whole."""
    return TableView(catalog_grid, wrap=wrap, droppable=NARROW_DROPS if wrap else ())


def _csv(charset: str | None) -> str:
    return csv_text(COLUMNS, _cells())


def _json(charset: str | None) -> str:
    return json_text(loss_records())


def _markdown(charset: str | None) -> str:
    return markdown_text(catalog_grid(charset))


# The writers of ``CATALOG_FORMATS`` as text (the table is printed: :func:`catalog_table`)
WRITERS: dict[str, Callable[[str | None], str]] = {
    "csv": _csv,
    "json": _json,
    "markdown": _markdown,
}


def catalog_text(fmt: str, charset: str | None = None) -> str:
    """The catalog as CSV, JSON or markdown (``charset``: markdown's output's)."""
    return WRITERS[fmt](charset)
