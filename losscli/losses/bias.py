"""The signed error: ``bias`` (mean ŷ − y, no better side) and ``abs_bias`` (its size).

A forecast that is 3 too high on average and one 3 too low are equally biased, so
``bias`` has no better direction (:attr:`Direction.NONE`): no value of it is marked best,
``--max-regression`` and a ``delta:`` check refuse it, ``--compare`` gives it no verdict,
and ``--sort-by bias`` orders groups by |bias| (the farthest from 0 first; a coverage,
also without a better side, by its distance from its nominal U − L). ``--check``
judges it as the signed number it is (``bias<0.5``, ``bias>-0.5``). ``abs_bias`` = |bias|
is lower-is-better, for gates, sorting and comparisons.
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError
from .batch import Batch
from .registry import Direction, Loss, Task, find_loss, register
from .shapes import Mean, Terms
from .transforms import ABS

TASKS = (Task.REGRESSION,)


def _signed_err(b: Batch) -> Terms:
    """Bias = Σw·(ŷ − y) / Σw: positive where the predictions are too high on average"""
    return Terms(np.negative(b.err))


def undirected(name: str) -> bool:
    """Whether the loss ``name`` has no better direction (a signed loss: bias)."""
    loss = find_loss(name)
    return loss is not None and loss.direction is Direction.NONE


def refuse_undirected(name: str, where: str) -> None:
    """A usage error where ``where`` (a gate's text) needs a better direction that the
    loss ``name`` does not have."""
    if undirected(name):
        raise UsageError(
            f"{where}: {name} is signed (ŷ − y), with no better direction, so no change of "
            "it is better or worse; gate its size with abs_bias (|bias|, lower is better), "
            f"or bound it both ways with --check '{name}<X' --check '{name}>-X'"
        )


def worst_first(name: str, values: np.ndarray) -> tuple[np.ndarray, bool]:
    """The values ``--sort-by`` orders (lower is better: True) or (higher: False): a signed
    loss's by their size, |value|, the farthest from 0 the worst."""
    loss = find_loss(name)
    if loss is not None and loss.direction is Direction.NONE:
        return np.abs(values - _target(loss)), True
    return values, loss is None or loss.direction is Direction.LOWER


def sorted_by(name: str) -> str:
    """What ``--sort-by name`` orders by, as the ordering's line says: ``|bias|``,
    ``|coverage:lower=0.1:upper=0.9 − 0.8|``, else the name itself."""
    loss = find_loss(name)
    if loss is None or loss.direction is not Direction.NONE:
        return name
    target = _target(loss)
    return f"|{name} − {target:g}|" if target else f"|{name}|"


def _target(loss: Loss) -> float:
    """Where a signed loss is right: 0 for bias; an interval's coverage, its nominal U − L."""
    if loss.level_params == ("lower", "upper") and None not in loss.levels:
        lower, upper = loss.levels
        return float(upper) - float(lower)  # type: ignore[arg-type]
    return 0.0


for _loss in (
    Loss(
        name="bias",
        aliases=("mean_error",),
        description="Mean signed error ŷ − y: > 0 over-forecasts, < 0 under-forecasts "
        "(no better direction: sorted by |bias|)",
        formula="Σw·(ŷ − y) / Σw",
        tasks=TASKS,
        direction=Direction.NONE,
        shape=Mean(_signed_err),
    ),
    Loss(
        name="abs_bias",
        aliases=("absolute_bias",),
        description="Size of the bias, |Σw·(ŷ − y) / Σw| (not the MAE: errors of both "
        "signs cancel)",
        formula="|Σw·(ŷ − y) / Σw|",
        tasks=TASKS,
        direction=Direction.LOWER,
        shape=Mean(_signed_err, ABS),
    ),
):
    register(_loss)
