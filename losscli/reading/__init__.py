"""Reading: files and formats → projected record batches → validated float arrays."""

from .columns import CLASS, ONEHOT, VALUE, ColumnPlan, Model, plan_columns
from .open import open_source
from .source import Source, TableSource, prefetched
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
    "prefetched",
    "to_float",
]
