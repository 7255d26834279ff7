"""The specs of the options of periods, drift, series and quantile forecasts, each read
where one of its options is given: a run without any loads none of their code (start-up,
#18; BENCHMARKS.md run 18a)."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from .inputs import first_columns
from .losses import Loss
from .reading import Source

if TYPE_CHECKING:
    from .engine.drift_spec import DriftSpec
    from .engine.period_spec import PeriodSpec
    from .engine.series_plan import SeriesRun
    from .reading.quantiles import QuantileSpec


def asked_quantiles(
    texts: tuple[str, ...],
    inputs: Any,
    stdin: IO[bytes] | None,
    reading: tuple[Any, ...],
    opened: dict[int, Source],
) -> tuple[QuantileSpec, ...]:
    """The ``--quantiles`` texts read, a glob's columns matched in the first input (opened
    into ``opened``). A run without quantiles loads none of their code (start-up, #18)."""
    if not texts:
        return ()
    from .reading.quantiles import matched, parse_quantiles

    specs = parse_quantiles(texts)
    if any(spec.pattern for spec in specs):
        specs = matched(specs, first_columns(inputs, stdin, reading, opened))
    return specs


def asked_period(
    period: str | None, *, origin: str | None, time_unit: str | None, **given: Any
) -> PeriodSpec | None:
    """:func:`~.engine.period_spec.period_spec`, loaded where an option of it is given: a
    run without any has no period (start-up, #18)."""
    if not period and origin is None and time_unit is None:
        return None
    from .engine.period_spec import period_spec

    return period_spec(period, origin=origin, time_unit=time_unit, **given)


def asked_drift(drift: bool, *, period: bool, **given: Any) -> DriftSpec | None:
    """:func:`~.engine.drift_spec.drift_spec`, loaded where an option of it is given: a
    run without any judges no drift (start-up, #18)."""
    if not drift and all(value is None for value in given.values()):
        return None
    from .engine.drift_spec import drift_spec

    return drift_spec(drift, period=period, **given)


def asked_series(losses: tuple[Loss, ...], **options: Any) -> SeriesRun | None:
    """:func:`~.engine.series_plan.series_run`, loaded where a loss is scaled by the history
    or an option of it is given: a run without either has no series (start-up, #18)."""
    given = [options[name] for name in ("series", "series_weight", "time_col")]
    if not any(loss.history for loss in losses) and options["history"] is None and not any(given):
        return None
    from .engine.series_plan import series_run

    return series_run(losses, **options)
