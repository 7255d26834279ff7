"""The Python API's arguments checked and resolved (:func:`losscli.api.evaluate` calls these
once per run), and the notices a run closes with."""

from __future__ import annotations

import numbers
import os
from collections.abc import Collection, Sequence
from typing import Any

from .engine.budget import parse_size
from .errors import UsageError
from .losses import Direction, Loss, Task, get_loss
from .losses.shapes import Ranked

MAPE_ZERO_POLICIES = ("skip", "error")
TASKS = tuple(t.value for t in Task)


def check_scalars(*, mape_zero: str, huber_delta: float, task: str | None, eps: float) -> None:
    """The scalar arguments' ranges: a usage error naming the one out of range."""
    if mape_zero not in MAPE_ZERO_POLICIES:
        raise UsageError(f"mape_zero must be one of {MAPE_ZERO_POLICIES}, not {mape_zero!r}")
    if not huber_delta > 0:
        raise UsageError(f"the Huber delta must be positive, not {huber_delta}")
    if task is not None and task not in TASKS:
        raise UsageError(f"task must be one of {TASKS}, not {task!r}")
    if not 0 < eps < 0.5:
        raise UsageError(f"eps must lie between 0 and 0.5, not {eps}")


def run_notices(
    shown: Sequence[str],
    *,
    threshold: float,
    tasks: Collection[Task],
    ci: object | None,
    compared: Collection[str] | None,
    bootstrap: bool,
    classifier_options: Sequence[str] = (),
) -> list[str]:
    """What a run says of its options where they do less than asked: the classifiers'
    options (``classifier_options``) on a run without one, ``--threshold`` on multi-class
    models, the scaled errors' intervals over series, and the losses
    ``--compare`` has no comparison of (``compared``: None without ``--compare``)."""
    notices = []
    if classifier_options and not {Task.BINARY, Task.MULTICLASS} & set(tasks):
        notices.append(
            f"{' and '.join(classifier_options)}: no model of this run is a classifier, so "
            "nothing was added"
        )
    if threshold != 0.5 and Task.MULTICLASS in tasks:
        notices.append(
            f"--threshold {threshold:g} moves one-column (binary) models only: a multi-class "
            "model predicts its most probable class, whatever the threshold"
        )
    if ci is not None:
        notices += [
            f"{name}: its interval is t over the row's series values (the spread of the "
            "per-series values), not over its rows"
            for name in shown
            if get_loss(name).history
        ]
    if compared is not None:
        notices += [
            f"--compare: {name} has no paired comparison "
            f"({_why_unpaired(name, bootstrap=bootstrap)})"
            for name in shown
            if name not in compared
        ]
    return notices


def cluster_settings(engine: str, scheduler: Any, workers: int | None, timeout: float) -> Any:
    """The Dask engine's cluster settings (None for the local engine)."""
    if engine != "dask":
        return None
    from .engine.distributed import Cluster

    return Cluster(scheduler, workers, timeout)


def load_plugins(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> None:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if paths:
        from .plugins import load_file

        for path in paths:
            load_file(os.fspath(path))


def ci_level(ci: Any) -> float | None:
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


def with_huber_delta(losses: list[Loss], delta: float) -> list[Loss]:
    """``--huber-delta δ`` names the Huber loss ``huber:delta=δ`` (its own column), so a
    baseline or a check never mistakes one δ for another: δ reaches the loss as its own
    parameter, the one route it has."""
    if delta == 1.0:
        return losses
    return [get_loss(f"huber:delta={delta!r}") if loss.name == "huber" else loss for loss in losses]


def memory_limit(max_memory: int | str) -> int:
    if isinstance(max_memory, int) and max_memory > 0:
        return max_memory
    try:
        return parse_size(str(max_memory))
    except ValueError as exc:
        raise UsageError(f"max_memory: {exc}") from None


def comma_list(value: str | Sequence[str]) -> tuple[str, ...]:
    """Column names given as comma lists, repeatable (``--series a,b --series c``)."""
    items = [value] if isinstance(value, str) else list(value)
    return tuple(c.strip() for item in items for c in item.split(",") if c.strip())


def as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)
