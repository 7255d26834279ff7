"""The Python API: ``evaluate(inputs, ...)`` → :class:`EvaluationResult`.

The arguments are checked and resolved here, once, into the run's
:class:`~.engine.run.Options` (the losses, their parameters, and one
:class:`~.engine.settings.Uncertainty` for intervals and comparisons); the engine
(:mod:`.engine.run`) then folds each input's chunks into per-key sums and finalizes
them into a result, which the gates judge. The library never prints.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from typing import IO, Any

from .engine.budget import MemoryBudget, parse_size
from .engine.finalize import drop_inapplicable
from .engine.per_class import class_losses
from .engine.per_class import run_losses as per_class_losses
from .engine.period_spec import period_spec
from .engine.pictures import confusion_losses, picture_losses
from .engine.run import Options, Progress
from .engine.settings import uncertainty_settings
from .engine.thresholds import threshold_reading
from .errors import UsageError
from .gating.request import Gates, as_baseline
from .inputs import as_list, as_source, check_engine, each_file_once, evaluated
from .losses import (
    EPS,
    Direction,
    Loss,
    Params,
    Task,
    default_losses,
    get_loss,
    resolve_losses,
)
from .losses.shapes import Ranked
from .reading.quantiles import parse_quantiles
from .result import Comparison, EvaluationResult, Frame
from .result.confusion import confusion_settings

MAPE_ZERO_POLICIES = ("skip", "error")
TASKS = tuple(t.value for t in Task)


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
    ``--time-unit``.

    ``engine="dask"`` computes on a Dask cluster, with the same numbers: ``scheduler``
    (an address, a ``distributed.Client`` or a cluster; default ``DASK_SCHEDULER_ADDRESS``,
    else a ``LocalCluster`` of ``workers`` processes started for the run), reached
    within ``connect_timeout`` seconds. Inputs may also be Arrow tables, record-batch
    readers, polars and Dask DataFrames.
    """
    _load_plugins(plugins)
    ci = _ci_level(ci)
    baseline = as_baseline(baseline, storage_options or {})
    gates = Gates.of(checks, max_regression, baseline, require_baseline=require_baseline)
    require = [*require, *gates.losses]
    gates.check_usage(bool(compare), bootstrap=ci_method == "bootstrap")
    if mape_zero not in MAPE_ZERO_POLICIES:
        raise UsageError(f"mape_zero must be one of {MAPE_ZERO_POLICIES}, not {mape_zero!r}")
    if not huber_delta > 0:
        raise UsageError(f"the Huber delta must be positive, not {huber_delta}")
    if task is not None and task not in TASKS:
        raise UsageError(f"task must be one of {TASKS}, not {task!r}")
    if not 0 < eps < 0.5:
        raise UsageError(f"eps must lie between 0 and 0.5, not {eps}")
    names = _as_tuple(losses)
    chosen = _with_huber_delta(resolve_losses(names or default_losses()), huber_delta)
    required = _with_huber_delta(resolve_losses(require), huber_delta) if require else []
    listed = {part.strip().lower() for item in names for part in item.split(",")}
    confusion = confusion_settings(confusion, confusion_normalize, threshold)
    if threshold != 0.5:  # --threshold T names precision:threshold=T, as --huber-delta does
        from .engine.confusion import with_threshold

        specs, before = [*names, *require], [*chosen, *required]
        chosen = with_threshold(chosen, threshold, specs)
        required = with_threshold(required, threshold, specs)
        after = [*chosen, *required]
        gates = gates.renamed({a.name: b.name for a, b in zip(before, after, strict=True)})
    named = [] if not names or "all" in listed else chosen
    quantile_specs = parse_quantiles(_as_tuple(quantiles))
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
    options = Options(
        label=label,
        preds=_as_tuple(pred),
        probs=_as_tuple(probs),
        logits=_as_tuple(logits),
        weight=weight,
        group_by=_as_tuple(group_by),
        losses=run_losses,
        always_shown=frozenset(loss.name for loss in [*named, *required]),
        params=Params(eps=eps, from_logits=from_logits),
        drop_na=drop_na,
        mape_zero=mape_zero,
        renormalize=renormalize,
        progress=progress,
        uncertainty=uncertainty_settings(
            ci,
            method=ci_method,
            resamples=resamples,
            seed=seed,
            block_rows=block_rows,
            compare=compare,
            adjust=adjust,
            losses=run_losses,
        ),
        threads=threads or (1 if engine == "dask" else os.cpu_count() or 1),  # dask: per task
        budget=MemoryBudget(_memory_limit(max_memory)),
        diagrams=diagrams,
        curves=curve_source,
        per_class=class_losses(run_losses) if class_rows else None,
        quantiles=quantile_specs,
        thresholds=threshold_run,
        period=period_spec(period, origin=period_origin, tz=tz, time_unit=time_unit),
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
    reading = (input_format, delimiter, encoding, decimal, storage_options)
    sources = (as_source(item, index, stdin, reading) for index, item in indexed)
    cluster = _cluster(engine, scheduler, workers, connect_timeout)
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
    if threshold != 0.5 and Task.MULTICLASS in tasks:
        notices.append(
            f"--threshold {threshold:g} moves one-column (binary) models only: a multi-class "
            "model predicts its most probable class, whatever the threshold"
        )
    if compare:
        compared = {c.loss for c in comparisons}
        notices += [
            f"--compare: {name} has no paired comparison "
            f"({_why_unpaired(name, bootstrap=ci_method == 'bootstrap')})"
            for name in shown_names
            if name not in compared
        ]
    result = EvaluationResult(
        frame,
        shown_names,
        list(options.group_by),
        notices,
        ci=options.uncertainty.ci,
        comparisons=[c for c in comparisons if c.loss in shown_names],
        adjust=options.uncertainty.adjust,
    )
    return gates.judge(result)


def _cluster(engine: str, scheduler: Any, workers: int | None, timeout: float) -> Any:
    """The Dask engine's cluster settings (None for the local engine)."""
    if engine != "dask":
        return None
    from .engine.distributed import Cluster

    return Cluster(scheduler, workers, timeout)


def _load_plugins(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> None:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if paths:
        from .plugins import load_file

        for path in paths:
            load_file(os.fspath(path))


def _ci_level(ci: Any) -> float | None:
    """The interval level: a number (0.95, or 95), True for 95%, None or False for none."""
    if ci is None or ci is False:
        return None
    if ci is True:
        return 0.95
    if isinstance(ci, numbers.Real):
        return float(ci)
    raise ValueError(
        f"ci is a level, a number such as 0.95 or 95 (or True for 95%), not {ci!r} "
        f"(a {type(ci).__name__})"
    )


def quantile_losses(
    chosen: list[Loss],
    named: list[Loss],
    required: list[Loss],
    specs: Sequence[Any],
    *,
    point_models: bool,
) -> list[Loss]:
    """The chosen losses and those the quantile models imply (where ``-m`` names none, or ``all``:
    :func:`~losscli.losses.quantiles.implied`); a named one no model can score is a usage
    error (:func:`~losscli.losses.quantiles.check_named`)."""
    from .losses import quantiles

    level_sets = [spec.levels for spec in specs]
    names = {x.name for x in [*named, *required]}
    quantiles.check_named([*chosen, *required], level_sets, names, point_models=point_models)
    if not level_sets or named:
        return chosen
    unbound = [x for x in chosen if None in x.levels]  # -m all's coverage: its levels implied
    return [x for x in chosen if x not in unbound] + quantiles.implied(level_sets)


def _why_unpaired(name: str, *, bootstrap: bool) -> str:
    loss = get_loss(name)
    if loss.direction is Direction.NONE:  # bias
        return f"{name} has no better direction, so no verdict"
    if isinstance(loss.shape, Ranked):  # average precision, multi-class roc_auc
        if bootstrap:  # from replicate rank tables (engine/rank_intervals.py)
            return "its replicate rank tables were left out, past --max-memory"
        return "DeLong's test is of a binary roc_auc only"
    if loss.shape.paired:  # a mean that scores the reference or no other model
        return "it does not score both the reference and another model"
    return "only means and ratios of sums have one"


def _with_huber_delta(losses: list[Loss], delta: float) -> list[Loss]:
    """``--huber-delta δ`` names the Huber loss ``huber:delta=δ`` (its own column), so a
    baseline or a check never mistakes one δ for another: δ reaches the loss as its own
    parameter, the one route it has."""
    if delta == 1.0:
        return losses
    return [get_loss(f"huber:delta={delta!r}") if loss.name == "huber" else loss for loss in losses]


def _memory_limit(max_memory: int | str) -> int:
    if isinstance(max_memory, int) and max_memory > 0:
        return max_memory
    try:
        return parse_size(str(max_memory))
    except ValueError as exc:
        raise UsageError(f"max_memory: {exc}") from None


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)
