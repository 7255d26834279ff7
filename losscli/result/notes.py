"""Notes on loss values as lines of text, the groups sharing a note summed up in one.

One place for the count: standard error and JSON's ``warnings`` (CSV, JSON, Parquet)
say ``r2: not defined … in 10,000 groups (g=3, g=7, g=9, …)`` once, as the table and
markdown put one footnote on every cell with that note.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

NAMED_GROUPS = 3  # groups named in a summed-up line before "…"


def note_key(loss: str, note: str) -> str:
    """A note as it reads on its own (a footnote's text): ``r2: not defined …``."""
    return f"{loss}: {note}"


def note_lines(
    hits: Iterable[tuple[str, str, dict[str, Any] | None, str, str]],
) -> list[str]:
    """One line per (file, model, loss, note), in first-seen order, from hits of
    (file, model, group or None for the overall row, loss, note). A note on one row
    names it (``a.csv, y_pred, g=3: r2: …``); one on several groups counts them and
    names the first few (``a.csv, y_pred: r2: … in 10,000 groups (g=3, g=7, g=9, …)``)."""
    groups: dict[tuple[str, str, str, str], list[dict[str, Any] | None]] = {}
    for file, pred, group, loss, note in hits:
        groups.setdefault((file, pred, loss, note), []).append(group)
    return [_line(*key, rows) for key, rows in groups.items()]


def _line(file: str, pred: str, loss: str, note: str, rows: list[dict[str, Any] | None]) -> str:
    if len(rows) == 1:
        keys = [f"{k}={v}" for k, v in (rows[0] or {}).items()]
        return f"{', '.join([file, pred, *keys])}: {note_key(loss, note)}"
    named = [_group_label(group) for group in rows[:NAMED_GROUPS]]
    more = ", …" if len(rows) > NAMED_GROUPS else ""
    where = f"in {len(rows):,} groups ({', '.join(named)}{more})"
    return f"{file}, {pred}: {note_key(loss, note)}; {where}"


def _group_label(group: dict[str, Any] | None) -> str:
    """``g=3``, ``region=east store=1`` (several keys), ``overall``."""
    return " ".join(f"{k}={v}" for k, v in group.items()) if group else "overall"


def class_note_lines(hits: Iterable[tuple[str, str, str, str]]) -> list[str]:
    """One line per (file, model, loss, note) of hits on class and average rows (file,
    model, loss, note), counting them: ``a.csv, p_*: log_loss: not defined per class; on
    24 class and average rows``."""
    counts: dict[tuple[str, str, str, str], int] = {}
    for hit in hits:
        counts[hit] = counts.get(hit, 0) + 1
    return [
        f"{file}, {pred}: {note_key(loss, note)}; on {count:,} class and average rows"
        for (file, pred, loss, note), count in counts.items()
    ]
