"""A result's tables other than its rows (``--table``, declared in ``formats.TABLES``): their
columns for CSV, TSV and Parquet, and a JSON document (``table_grid`` makes the table's and
markdown's grid)."""

from __future__ import annotations

import math
from importlib import import_module
from typing import Any

import numpy as np

from ..result import SCHEMA_VERSION, EvaluationResult
from ..result.key_column import with_objects
from .formats import TABLES

Columns = tuple[list[str], dict[str, np.ndarray]]


def table_columns(result: EvaluationResult, name: str) -> Columns:
    """The table ``name``'s column names (CSV's header) and arrays."""
    table = TABLES[name]
    if not table.columns:
        return result.columns(), with_objects(result.flat())
    module, function = table.columns.split(":")
    columns: Columns = getattr(import_module(f"..result.{module}", __package__), function)(result)
    return columns


def table_document(result: EvaluationResult, name: str) -> dict[str, Any]:
    """The JSON document of the table ``name``: its rows under the table's key, each with
    its group as an object (null on an overall row), as the rows' document has them."""
    names, columns = table_columns(result, name)
    document: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    if result.ci is not None:
        document["ci"] = result.ci.record()
    values = {n: columns[n].tolist() for n in names}
    groups = [g for g in names if g in result.group_by]
    rows = []
    for i in range(len(columns[names[0]])):
        record: dict[str, Any] = {}
        for n in names:
            if n in groups and n == groups[0]:
                overall = values["scope"][i] == "overall"
                record["group"] = None if overall else {g: values[g][i] for g in groups}
            elif n != "scope" and n not in groups:
                record[n] = _json_value(values[n][i])
        rows.append(record)
    document[TABLES[name].json_key] = rows
    document["warnings"] = list(result.warnings)
    return document


def _json_value(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value
