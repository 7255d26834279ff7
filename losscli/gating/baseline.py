"""Baselines: a JSON result written earlier by ``losscli evaluate --format json``.

Rows are matched by file name (as given on the command line), prediction column, group,
period (its start and end, as instants: a week never matches the month it starts) and
class part (its scope and name: a class named ``accuracy`` never matches the average row)
(:mod:`..result.keys`); a baseline written before rows had periods and classes has
neither, so its rows match the rows without them.
Files pair by name; where names cannot pair them (one file left on each side, or no name
in common and as many files on each side) they pair by position, and a note says so. A
file or row on one side only is a warning, never a failure, unless ``--require-baseline``
asks for it (see ``gates``).

A baseline carries ``"schema_version"``; one without it (older losscli) is read as
version 1, one with another version is refused with how to regenerate it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import field
from datetime import datetime, timezone
from typing import Any

from ..errors import InputError
from ..records import datarecord
from ..result import SCHEMA_VERSION, EvaluationResult, ResultRow, describe

# (file as given, pred, group as sorted JSON, period as "start/end" UTC ISO texts, class
# part as "scope:name"); "" for the group of an overall row, a row over all periods and one
# without a class part
RowKey = tuple[str, str, str, str, str]


class MissingBaseline(InputError):
    """The baseline file does not exist (yet): a first run, or a wrong path."""


class UnreadableBaseline(InputError):
    """The baseline was written by a losscli whose JSON layout this one cannot read."""


@datarecord(frozen=True)
class Baseline:
    path: str
    rows: dict[RowKey, dict[str, float | None]]
    labels: dict[RowKey, str] = field(default_factory=dict)  # how to name a row in a message
    errors: dict[RowKey, dict[str, float | None]] = field(default_factory=dict)  # se (--ci)
    counts: dict[RowKey, int] = field(default_factory=dict)  # rows of each row

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(key[0] for key in self.rows))


@datarecord(frozen=True)
class Pairing:
    """This run's files with the baseline's file each is compared with, and notes on it."""

    files: dict[str, str]
    notes: list[str]


def load_baseline(path: str, storage_options: Mapping[str, Any] | None = None) -> Baseline:
    """Read and check a baseline file (or object, at a URL reached with ``storage_options``);
    any problem is an input error naming it."""
    if "://" in path:
        from ..reading.stores import display

        return baseline_of(display(path), _read_json(path, storage_options or {}))
    return baseline_of(path, _read_json(path))


def baseline_of(path: str, document: Any) -> Baseline:
    """The baseline in a JSON document (a file's, or a result's ``to_dict()``), checked;
    ``path`` names it in messages."""
    rows = document.get("rows") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise InputError(
            f'{path}: the baseline has no "rows" list; write it with losscli evaluate --format json'
        )
    _check_version(path, document.get("schema_version", SCHEMA_VERSION))
    baseline = Baseline(path, {}, {})
    for number, row in enumerate(rows, start=1):
        try:
            period, name = row.get("period"), row.get("class")
            start = "" if period is None else instant_text(str(period["start"]))
            span = "" if period is None else f"{start}/{instant_text(str(period['end']))}"
            part = "" if name is None else f"{row.get('scope', 'class')}:{name}"
            key = (str(row["file"]), str(row["pred"]), group_text(row["group"]), span, part)
            baseline.rows[key] = {k: _number(v) for k, v in row["metrics"].items()}
            baseline.labels[key] = describe(
                row["file"], row["pred"], row["group"], start or None, name
            )
            intervals = row.get("intervals") or {}
            baseline.errors[key] = {k: _number(v.get("se")) for k, v in intervals.items()}
            if isinstance(row.get("n"), int) and not isinstance(row.get("n"), bool):
                baseline.counts[key] = row["n"]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(
                f"{path}: baseline row {number} is not a losscli result row "
                f"({type(exc).__name__}: {exc})"
            ) from exc
    return baseline


def _read_json(path: str, storage_options: Mapping[str, Any] | None = None) -> Any:
    shown = path
    try:
        if storage_options is not None:
            from ..reading.remote import read_object
            from ..reading.stores import display

            shown = display(path)
            return json.loads(read_object(path, storage_options))
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError as exc:
        raise MissingBaseline(f"{shown}: the baseline file does not exist") from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{shown}: the baseline is not UTF-8 JSON; write it with losscli evaluate --format json"
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{shown}: the baseline is not JSON ({exc.msg}, line {exc.lineno}); "
            "write it with losscli evaluate --format json"
        ) from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read the baseline: {exc.strerror}") from exc


def _check_version(path: str, version: Any) -> None:
    if version == SCHEMA_VERSION and not isinstance(version, bool):
        return
    newer = isinstance(version, int) and not isinstance(version, bool) and version > 1
    raise UnreadableBaseline(
        f"{path}: the baseline has schema_version {json.dumps(version)}, "
        f"{'written by a newer losscli' if newer else 'which no losscli writes'}; "
        f"this one reads schema_version {SCHEMA_VERSION}"
    )


def pair_files(result: EvaluationResult, baseline: Baseline) -> Pairing:
    """Pair files by name; the rest by position where that is unambiguous, with a note."""
    ours, theirs = result.files, baseline.files
    files = {name: name for name in ours if name in theirs}
    left = [name for name in ours if name not in files]
    right = [name for name in theirs if name not in files]
    if left and len(left) == len(right) and (len(left) == 1 or not files):
        pairs = ", ".join(f"{a} with {b}" for a, b in zip(left, right, strict=True))
        files.update(zip(left, right, strict=True))
        notes = [f"baseline {baseline.path}: file names differ, compared by position: {pairs}"]
        return Pairing(files, notes)
    notes = [
        f"baseline {baseline.path} has no file {name} (it has {', '.join(theirs)}): "
        "its rows are not compared"
        for name in left
    ] + [
        f"baseline {baseline.path} has rows of {name}, which this run did not evaluate "
        f"(it evaluated {', '.join(ours)})"
        for name in right
    ]
    return Pairing(files, notes)


def row_key(pairing: Pairing, row: ResultRow) -> RowKey | None:
    """The key of the baseline row this run's row is compared with; None if its file has none."""
    file = pairing.files.get(row.file)
    if file is None:
        return None
    period = row.period
    span = "" if period is None else f"{instant_text(period.start)}/{instant_text(period.end)}"
    part = "" if row.class_name is None else f"{row.scope}:{row.class_name}"
    return (file, row.pred, group_text(row.group), span, part)


def instant_text(start: str) -> str:
    """A period's start as a key: a timestamp as its UTC instant (so runs in two ``--tz``
    zones match), a date as written."""
    moment = datetime.fromisoformat(start)
    if moment.tzinfo is None:
        return start
    return moment.astimezone(timezone.utc).isoformat()


def group_text(group: dict[str, Any] | None) -> str:
    return "" if group is None else json.dumps(group, sort_keys=True, default=str)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"metric value {value!r} is not a number")
    return float(value)
