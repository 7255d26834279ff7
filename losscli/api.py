"""The Python API: ``evaluate(inputs, ...)`` → :class:`EvaluationResult`.

The arguments are checked and resolved here, once, into the run's
:class:`~.engine.run.Options` (the losses, their parameters, and one
:class:`~.engine.settings.Uncertainty` for intervals and comparisons); the engine
(:mod:`.engine.run`) then folds each input's chunks into per-key sums and finalizes
them into a result, which the gates judge. The library never prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import IO, TYPE_CHECKING, Any

from .arguments import (
    as_tuple,
    check_scalars,
    ci_level,
    cluster_settings,
    comma_list,
    load_plugins,
    memory_limit,
    quantile_losses,
    run_notices,
    with_huber_delta,
)
from .engine.budget import MemoryBudget
from .engine.finalize import drop_inapplicable
from .engine.per_class import class_losses
from .engine.per_class import run_losses as per_class_losses
from .engine.pictures import confusion_losses, picture_losses
from .engine.run import Options, Progress
from .engine.settings import uncertainty_settings
from .engine.thresholds import threshold_reading
from .errors import UsageError
from .feature_specs import asked_drift, asked_period, asked_quantiles, asked_series
from .gating.request import Gates, as_baseline
from .inputs import as_list, as_source, check_engine, each_file_once, evaluated
from .losses import (
    EPS,
    Params,
    Task,
    default_losses,
    resolve_losses,
)
from .reading import Source
from .result import EvaluationResult, Frame
from .result.drift_notes import with_drift_checks

if TYPE_CHECKING:  # the features' types: imported where a run has them (start-up, #18)
    from .result import Comparison


def evaluate(
    inputs: Any,
    *,
    label: str | None = None,
    pred: str | Sequence[str] | None = None,
    probs: str | Sequence[str] | None = None,
    logits: str | Sequence[str] | None = None,
    weight: str | None = None,
    group_by: str | Sequence[str] = (),
    losses: str | Sequence[str] | None = None,
    drop_na: bool = False,
    mape_zero: str = "skip",
    huber_delta: float = 1.0,
    from_logits: bool = False,
    renormalize: bool = False,
    eps: float = EPS,
    input_format: str | None = None,
    delimiter: str | None = None,
    encoding: str = "utf8",
    decimal: str = ".",
    task: str | None = None,
    stdin: IO[bytes] | None = None,
    require: Sequence[str] = (),
    progress: Progress | None = None,
    ci: float | None = None,
    ci_method: str = "normal",
    resamples: int = 1000,
    seed: int = 0,
    block_rows: int = 1,
    compare: bool | str = False,
    adjust: str = "holm",
    threads: int | None = None,
    plugins: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] = (),
    checks: str | Sequence[Any] = (),
    baseline: str | os.PathLike[str] | EvaluationResult | Any | None = None,
    max_regression: str | Sequence[Any] = (),
    require_baseline: bool = False,
    max_memory: int | str = "2GiB",
    calibration: bool = False,
    residuals: bool = False,
    storage_options: Mapping[str, Any] | None = None,
    engine: str = "local",
    scheduler: Any = None,
    workers: int | None = None,
    connect_timeout: float = 10.0,
    curves: bool | None = False,
    per_class: bool = False,
    quantiles: str | Sequence[str] | None = None,
    confusion: bool = False,
    confusion_normalize: str | None = None,
    threshold: float = 0.5,
    thresholds: str | Sequence[float] | None = None,
    thresholds_objective: str = "f1",
    period: str | None = None,
    period_origin: str | None = None,
    tz: str | None = None,
    time_unit: str | None = None,
    history: Any = None,
    series: str | Sequence[str] = (),
    series_weight: str | None = None,
    time_col: str | None = None,
    drift: bool = False,
    drift_reference: str | None = None,
    drift_reference_periods: int | None = None,
    drift_min_periods: int | None = None,
    fail_on_drift: bool = False,
) -> EvaluationResult:
    """Evaluate losses for each input (a path, ``-`` for stdin, or a pandas DataFrame).

    ``pred`` names prediction columns (regression, or the positive-class probability
    of binary data); ``probs`` names the class columns of multi-class data, as a
    comma list or a glob (one model per item); ``logits`` names models whose columns
    are logits (one column: binary, several: class scores); ``quantiles`` names quantile
    forecasts, one model each: ``"q10=0.1,q50=0.5,q90=0.9"`` or ``"name:q10=0.1,q90=0.9"``
    (its columns at their levels, :mod:`losscli.reading.quantiles`). ``task`` pins the task
    the implied losses follow. ``losses`` defaults to MSE, MAPE and
    cross-entropy where they apply; ``require`` adds losses that are always shown
    (those a check needs). Returns one row per input × model × group, then an
    overall row per input and model, pooled from the same sums. ``progress`` is
    called after every chunk with (input, done, total or None, "bytes" or "rows").

    ``ci`` (a level such as 0.95) puts an interval on every value: ``ci_method``
    "normal" (from streamed moments) or "bootstrap" (a Poisson bootstrap of
    ``resamples`` replicates, keyed by ``seed`` and each row's position, its units
    ``block_rows`` consecutive rows). ``compare`` (True: the first model, or a model's
    name) adds paired differences of every other model against that reference, with
    verdicts adjusted across groups by ``adjust`` ("holm" or "bh"). ``threads`` files are
    read and chunks computed at once (default: the machine's cores); the values do not
    depend on it. ``max_memory`` (bytes, or "512M", "2GiB") bounds what losscli counts
    of its own memory (the bootstrap's sums, rank tables, diagrams' bins): a run that
    would pass it stops with
    :class:`~losscli.errors.EnvironmentFailure` (the hidden bootstrap that gives R², F1,
    precision, recall, balanced accuracy and ECE their interval under the normal method
    is left out instead, and those losses have no interval).

    ``calibration`` keeps a reliability diagram per row of a classifier (ECE's bins:
    ``ece:bins=B`` among ``losses``, else 15), ``residuals`` a histogram of e = y − ŷ per
    row of a regression: ``result.frame.diagrams`` (:mod:`losscli.result.diagrams`).
    ``curves`` keeps the ROC and precision-recall curves per row of a classifier, from the
    rank tables of ROC-AUC (``result.frame.curves``, :mod:`losscli.result.curves`); None:
    only where ``roc_auc`` is among the losses (its tables are kept anyway).
    ``per_class`` adds, after every row of a classifier, a row per class and the averages
    (``accuracy``, ``macro avg``, ``weighted avg``), as scikit-learn's classification_report
    (precision, recall and F1 are added to the losses where none is chosen; a loss with
    ``average=none`` asks for them too): ``result.per_class``, :mod:`losscli.result.per_class`.
    ``confusion`` keeps the weighted confusion matrix per row of a classifier (rows: the
    true class, columns: the predicted class; ``result.confusion``, a list of
    :class:`~losscli.result.confusion.ConfusionMatrix`), shown as shares with
    ``confusion_normalize`` ("true", "pred" or "all", as scikit-learn's; implies
    ``confusion``). ``threshold`` T: one-column classifiers predict p > T in the matrix
    and in precision, recall, F1 and balanced accuracy, whose columns are then named
    ``precision:threshold=T`` (unless a loss's own ``:threshold=`` is given).
    ``thresholds`` (``"auto"``, ``"0.1,0.5"`` or numbers in [0, 1]) gives per row of a
    binary model precision, recall, F1, false-positive rate and predicted-positive share
    at each threshold (p > t), and the one that maximises ``thresholds_objective``
    (``f1``, ``youden``, ``cost:fp=1,fn=5``), from the same rank tables
    (``result.thresholds``, :mod:`losscli.result.thresholds`).

    Gates, as on the command line: ``plugins`` are plugin files to load first (their
    prints go where the process's go: unlike the command line, the API redirects nothing);
    ``checks`` are ``--check`` texts (``"mse<=0.3"``, ``"delta:mae<=0"``);
    ``baseline`` is a baseline JSON file or an earlier result, against which
    ``max_regression`` (``"mape=5%"``) is judged; ``require_baseline`` fails rows
    without a baseline row. The verdict is in the result (``result.failures``, empty
    when every check passed), never an exit.
    ``storage_options`` (s3fs', gcsfs', adlfs') reach URL inputs and a URL baseline.

    ``period`` (``"COL:FREQ"``, as ``--period``) adds a row per period of the time column
    (per group too), in time order, with a row per period over all groups and per group
    over all periods: ``result.frame.period`` (:class:`~losscli.result.keys.PeriodColumns`);
    ``period_origin``, ``tz`` and ``time_unit`` as ``--period-origin``, ``--tz`` and
    ``--time-unit``. ``drift`` (with ``period``) judges each period against its group's
    reference window, as ``--drift``, ``--drift-reference``, ``--drift-reference-periods``,
    ``--drift-min-periods`` and ``--fail-on-drift`` do (``result.drift``).

    ``history`` (a path or a frame, as ``--history``) is what ``mase`` and ``rmsse`` scale
    each series' errors by; ``series`` (column names, comma lists allowed; default
    ``group_by``), ``series_weight`` and ``time_col`` as ``--series``, ``--series-weight``
    and ``--time-col`` (:mod:`losscli.engine.series_plan`).

    ``engine="dask"`` computes on a Dask cluster, with the same numbers: ``scheduler``
    (an address, a ``distributed.Client`` or a cluster; default ``DASK_SCHEDULER_ADDRESS``,
    else a ``LocalCluster`` of ``workers`` processes started for the run), reached
    within ``connect_timeout`` seconds. Inputs may also be Arrow tables, record-batch
    readers, polars and Dask DataFrames.
    """
    load_plugins(plugins)
    ci = ci_level(ci)
    baseline = as_baseline(baseline, storage_options or {})
    gates = Gates.of(checks, max_regression, baseline, require_baseline=require_baseline)
    require = [*require, *gates.losses]
    gates.check_usage(bool(compare), bootstrap=ci_method == "bootstrap")
    check_scalars(mape_zero=mape_zero, huber_delta=huber_delta, task=task, eps=eps)
    names = as_tuple(losses)
    chosen = with_huber_delta(resolve_losses(names or default_losses()), huber_delta)
    required = with_huber_delta(resolve_losses(require), huber_delta) if require else []
    listed = {part.strip().lower() for item in names for part in item.split(",")}
    if confusion or confusion_normalize is not None or threshold != 0.5:  # else none to check
        from .result.confusion import confusion_settings

        confusion = confusion_settings(confusion, confusion_normalize, threshold)
    if threshold != 0.5:  # --threshold T names precision:threshold=T, as --huber-delta does
        from .engine.confusion import with_threshold

        specs, before = [*names, *require], [*chosen, *required]
        chosen = with_threshold(chosen, threshold, specs)
        required = with_threshold(required, threshold, specs)
        after = [*chosen, *required]
        gates = gates.renamed({a.name: b.name for a, b in zip(before, after, strict=True)})
    named = [] if not names or "all" in listed else chosen
    reading = (input_format, delimiter, encoding, decimal, storage_options)
    opened: dict[int, Source] = {}  # the first input, opened to match --quantiles globs
    quantile_specs = asked_quantiles(as_tuple(quantiles), inputs, stdin, reading, opened)
    point_models = bool(pred or probs or logits) or not quantile_specs  # none: one is guessed
    chosen = quantile_losses(chosen, named, required, quantile_specs, point_models=point_models)
    run_losses, class_rows = per_class_losses(tuple(dict.fromkeys([*chosen, *required])), per_class)
    diagrams, curve_source = picture_losses(
        run_losses, calibration=calibration, residuals=residuals, curves=curves
    )
    diagrams += confusion_losses(
        confusion, confusion_normalize, threshold, weighted=weight is not None
    )
    threshold_run, diagrams = threshold_reading(
        thresholds, thresholds_objective, run_losses, curve_source, diagrams
    )
    period_run = asked_period(
        period,
        origin=period_origin,
        tz=tz,
        time_unit=None if time_col and not period else time_unit,
        drop_na=drop_na,
    )
    series_run = asked_series(
        run_losses,
        history=history,
        series=comma_list(series),
        series_weight=series_weight,
        time_col=time_col,
        group_by=as_tuple(group_by),
        label=label,
        period=period_run,
        tz=tz,
        time_unit=time_unit,
        drop_na=drop_na,
        reading=(None, delimiter, encoding, decimal, storage_options),
        budget=MemoryBudget(memory_limit(max_memory)),
        ci_method=ci_method if ci is not None or compare else "normal",
    )
    options = Options(
        label=label,
        preds=as_tuple(pred),
        probs=as_tuple(probs),
        logits=as_tuple(logits),
        weight=weight,
        group_by=as_tuple(group_by),
        losses=run_losses,
        always_shown=frozenset(loss.name for loss in [*named, *required]),
        params=Params(eps=eps, from_logits=from_logits),
        drop_na=drop_na,
        mape_zero=mape_zero,
        renormalize=renormalize,
        progress=progress,
        uncertainty=replace(
            uncertainty_settings(
                ci,
                method=ci_method,
                resamples=resamples,
                seed=seed,
                block_rows=block_rows,
                compare=compare,
                adjust=adjust,
                losses=run_losses,
            ),
            drift=asked_drift(
                drift or fail_on_drift,
                reference=drift_reference,
                reference_periods=drift_reference_periods,
                min_periods=drift_min_periods,
                period=bool(period),
            ),
        ),
        threads=threads or (1 if engine == "dask" else os.cpu_count() or 1),  # dask: per task
        budget=MemoryBudget(memory_limit(max_memory)),
        diagrams=diagrams,
        curves=curve_source,
        per_class=class_losses(run_losses) if class_rows else None,
        quantiles=quantile_specs,
        thresholds=threshold_run,
        period=period_run,
        series=series_run,
    )
    frames: list[Frame] = []
    comparisons: list[Comparison] = []
    notices: list[str] = []
    tasks: set[Task] = set()
    items = as_list(inputs)
    check_engine(engine, items)
    if sum(isinstance(item, str) and item == "-" for item in items) > 1:
        raise UsageError("- (standard input) is streamed, so it can be read once: give it once")
    indexed, notices = each_file_once(items)
    sources = (
        opened[index] if index in opened else as_source(item, index, stdin, reading)
        for index, item in indexed
    )
    cluster = cluster_settings(engine, scheduler, workers, connect_timeout)
    for found in evaluated(sources, options, engine=engine, cluster=cluster, reading=reading):
        frames.append(found.frame)
        comparisons += found.comparisons
        notices += found.notices
        tasks |= found.tasks
    always_shown = options.always_shown
    if task is not None:  # the implied losses of the pinned task, whatever the data looks like
        tasks = {Task(task)}
        always_shown |= {loss.name for loss in chosen if Task(task) in loss.tasks}
    frame, shown = drop_inapplicable(
        Frame.concat(frames), list(options.losses), tasks, always_shown
    )
    shown_names = [loss.name for loss in shown]
    notices += run_notices(
        shown_names,
        threshold=threshold,
        tasks=tasks,
        ci=options.uncertainty.ci,
        compared=None if not compare else {c.loss for c in comparisons},
        bootstrap=ci_method == "bootstrap",
        classifier_options=[
            name
            for name, asked in (
                ("--per-class", per_class),
                ("--confusion", confusion),
                ("--thresholds", thresholds is not None),
            )
            if asked
        ],
    )
    result = EvaluationResult(
        frame,
        shown_names,
        list(options.group_by),
        notices,
        ci=options.uncertainty.ci,
        comparisons=[c for c in comparisons if c.loss in shown_names],
        adjust=options.uncertainty.adjust,
    )
    return with_drift_checks(gates.judge(result), fail_on_drift)
