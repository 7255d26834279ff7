"""Reading: files and formats → projected record batches → validated float arrays."""

from .columns import ColumnPlan, plan_columns
from .sources import Source, TableSource, open_source
from .values import to_float

__all__ = ["ColumnPlan", "Source", "TableSource", "open_source", "plan_columns", "to_float"]
