"""Reading: files and formats → projected record batches → validated float arrays."""

from .columns import CLASS, ONEHOT, VALUE, ColumnPlan, Model, plan_columns
from .open import open_source
from .source import Source, TableSource
from .values import to_float

__all__ = [
    "CLASS",
    "ONEHOT",
    "VALUE",
    "ColumnPlan",
    "Model",
    "Source",
    "TableSource",
    "open_source",
    "plan_columns",
    "to_float",
]
