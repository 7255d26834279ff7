"""Parquet: the long result, CSV's columns with their types.

Texts (file, pred, scope) are strings, ``n`` is int64, every loss column (value,
interval bounds, baseline fields) is float64, and a missing value is a null, never a
NaN. A group column keeps the type its values have (a string, an integer, a date) when
they share one, and is text otherwise; overall rows have nulls there. A period's bounds
are timestamps in the periods' zone (dates where the time column held dates), ``class`` is
a string, ``support`` a float64; null where a row has none; ``n_series`` (mase, rmsse) int64.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..result import EvaluationResult
from ..result.keys import NO_PERIOD, PeriodColumns
from .formats import Display

TEXT_COLUMNS = ("file", "pred", "scope")


def to_arrow(result: EvaluationResult, table: str = "rows") -> pa.Table:
    """The result's flat rows (``result.flat()``), or another of its tables (``--table``),
    as a typed Arrow table."""
    from .tables import table_columns

    names, flat = table_columns(result, table)
    arrays = [_column(name, flat[name], name in result.group_by) for name in names]
    period = _table_period(result, table)
    if period is not None and "period_start" in names:
        for bound in ("start", "end"):
            arrays[names.index(f"period_{bound}")] = _bound(period, bound)
    return pa.table(arrays, names=names)


def _table_period(result: EvaluationResult, table: str) -> PeriodColumns | None:
    """The periods of the table's rows, where it has them (their bounds are written typed)."""
    if table == "comparisons":
        from ..result.comparing import comparison_periods

        return comparison_periods(result)
    if table == "confusion":
        from ..result.confusion import confusion_periods

        return confusion_periods(result)
    if table == "thresholds":
        from ..result.threshold_table import threshold_periods

        return threshold_periods(result)
    if table != "rows" or result.frame.period is None:
        return None
    period = result.frame.period
    return period if result.shown is None else period.take(result.shown)


def _bound(period: PeriodColumns, bound: str) -> pa.Array:
    """A period bound: a timestamp in the periods' zone, or a date; null over all periods."""
    values = getattr(period, bound)
    missing = values == NO_PERIOD
    stamps = pa.array(values, mask=missing, type=pa.timestamp("ns", tz=period.tz))
    if period.dates:  # the local dates of the periods' midnights in --tz
        import pyarrow.compute as pc

        return pc.local_timestamp(stamps).cast(pa.date32())
    return stamps


def render_parquet(result: EvaluationResult, display: Display) -> bytes:
    """The Parquet file of ``result``, whole."""
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(to_arrow(result, display.table), sink)
    return bytes(sink.getvalue())


def _column(name: str, values: np.ndarray, is_group: bool) -> pa.Array:
    if is_group:  # whatever its name (a group column may be called n_series)
        return _group_column(values)
    if values.dtype == object or name in TEXT_COLUMNS:  # also the comparisons' loss, verdict
        return pa.array(values.tolist(), type=pa.string())
    if name in ("n", "n_series"):  # n_series: the series a row of mase, rmsse averages over
        return pa.array(np.asarray(values, dtype=np.int64))
    return pa.array(np.asarray(values, dtype=np.float64), from_pandas=True)  # NaN: null


def _group_column(values: np.ndarray) -> pa.Array:
    """A group column's own type where its values share one (integers past int64's range:
    uint64, where none is negative), else their text."""
    items = values.tolist()
    for typed in (None, pa.uint64()):
        try:
            return pa.array(items, type=typed, from_pandas=True)
        except OverflowError:
            continue
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            break
    return pa.array([None if v is None else str(v) for v in items], type=pa.string())
