"""Forecasting losses: the quantile (pinball) loss, Tweedie deviances and the max error.

The deviances follow scikit-learn's ``mean_tweedie_deviance`` term for term, with its
domain rules as "not applicable" notes: a key with a row outside the domain has no
value, and its note says which values the loss cannot score.
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError
from .batch import Batch
from .params import Param, Value
from .registry import Direction, Loss, Rule, Task, register
from .shapes import Extreme, Mean, Terms

REGRESSION = (Task.REGRESSION,)

# The three domains of the Tweedie family (sklearn's rules); each loss flags one.
POSITIVE_PRED = Rule("positive_pred", "not applicable: predictions ≤ 0 (the loss needs ŷ > 0)")
NON_NEGATIVE_LABEL = Rule(
    "non_negative_label",
    "not applicable: labels < 0 or predictions ≤ 0 (the loss needs y ≥ 0 and ŷ > 0)",
)
POSITIVE_BOTH = Rule(
    "positive_both",
    "not applicable: labels or predictions ≤ 0 (the loss needs y > 0 and ŷ > 0)",
)
DOMAIN_RULES = (POSITIVE_PRED, NON_NEGATIVE_LABEL, POSITIVE_BOTH)


def _pinball_term(b: Batch, *, q: float = 0.5) -> Terms:
    """Pinball = Σw·[q·max(y − ŷ, 0) + (1 − q)·max(ŷ − y, 0)] / Σw, q the quantile (of a
    quantile forecast, ŷ is its column at level q)"""
    e = b.y - b.quantile(q) if b.levels else b.err
    return Terms(q * np.maximum(e, 0.0) + (1.0 - q) * np.maximum(-e, 0.0))


def _outside_domain(y: np.ndarray, p: np.ndarray, power: float) -> tuple[str, np.ndarray]:
    """The domain rule of ``power`` and the rows outside it (sklearn's domains)."""
    if power < 0:
        return POSITIVE_PRED.stat, p <= 0
    if power == 0:
        return "", np.zeros(len(y), dtype=bool)
    if power < 2:
        return NON_NEGATIVE_LABEL.stat, (y < 0) | (p <= 0)
    return POSITIVE_BOTH.stat, (y <= 0) | (p <= 0)


def _deviance(y: np.ndarray, p: np.ndarray, power: float) -> np.ndarray:
    """The unit deviance d(y, ŷ) of the Tweedie distribution with this power."""
    if power == 0:
        return (y - p) ** 2
    if power == 1:
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y / p, 1.0)), 0.0)
        return 2 * (ylogy - y + p)
    if power == 2:
        return 2 * (np.log(p / y) + y / p - 1)
    y_part = np.where(y > 0, y, 0.0) if power < 0 else y
    return 2 * (
        y_part ** (2 - power) / ((1 - power) * (2 - power))
        - y * p ** (1 - power) / (1 - power)
        + p ** (2 - power) / (2 - power)
    )


def _tweedie_term(b: Batch, *, power: float = 0.0) -> Terms:
    """Tweedie deviance = Σw·d(y, ŷ) / Σw, with the unit deviance d of power P:

    P = 0: (y − ŷ)²; P = 1 (Poisson): 2(y·log(y/ŷ) − y + ŷ), 0·log 0 = 0;
    P = 2 (Gamma): 2(log(ŷ/y) + y/ŷ − 1);
    otherwise 2(max(y, 0)^(2−P)/((1−P)(2−P)) − y·ŷ^(1−P)/(1−P) + ŷ^(2−P)/(2−P))
    (max(y, 0) only for P < 0). Domains, as scikit-learn: P < 0 needs ŷ > 0;
    1 ≤ P < 2 needs y ≥ 0 and ŷ > 0; P ≥ 2 needs y > 0 and ŷ > 0.
    """
    stat, bad = _outside_domain(b.y, b.p, power)
    if bad.any():
        y, p = np.where(bad, 1.0, b.y), np.where(bad, 1.0, b.p)  # scored 0, and flagged
        term = np.where(bad, 0.0, _deviance(y, p, power))
    else:
        term = _deviance(b.y, b.p, power)
    return Terms(term, None, {stat: bad} if stat else {})


def _poisson_term(b: Batch) -> Terms:
    """Poisson deviance = Σw·2(y·log(y/ŷ) − y + ŷ) / Σw, 0·log 0 = 0; needs y ≥ 0, ŷ > 0"""
    return _tweedie_term(b, power=1.0)


def _gamma_term(b: Batch) -> Terms:
    """Gamma deviance = Σw·2(log(ŷ/y) + y/ŷ − 1) / Σw; needs y > 0, ŷ > 0"""
    return _tweedie_term(b, power=2.0)


def _abs_err(b: Batch) -> Terms:
    """Max error = max |y − ŷ| over the rows with positive weight"""
    return Terms(b.abs_err)


class TweediePower(Param):
    """The power of a Tweedie deviance: ≤ 0 or ≥ 1 (no Tweedie distribution lies between)."""

    def parse(self, loss: str, text: str) -> Value:
        number = super().parse(loss, text)
        assert isinstance(number, float)
        if 0 < number < 1:
            raise UsageError(
                f"{loss}:{self.name}={text}: {self.name} must be ≤ 0 or ≥ 1 "
                "(no Tweedie distribution has a power between 0 and 1)"
            )
        return number


for _loss in (
    Loss(
        name="pinball",
        aliases=("quantile", "quantile_loss", "mean_pinball_loss"),
        description="Pinball (quantile) loss of the q-quantile forecast (pinball:q=Q; default 0.5)",
        formula="Σw·[q·max(y − ŷ, 0) + (1 − q)·max(ŷ − y, 0)] / Σw",
        tasks=(*REGRESSION, Task.QUANTILE),
        direction=Direction.LOWER,
        shape=Mean(_pinball_term, nonnegative=True),
        params=(Param("q", 0.5, "the quantile the forecast estimates", minimum=0, maximum=1),),
        level_params=("q",),
    ),
    Loss(
        name="poisson_deviance",
        aliases=("poisson", "mean_poisson_deviance"),
        description="Mean Poisson deviance, for counts (y ≥ 0, ŷ > 0)",
        formula="Σw·2(y·log(y/ŷ) − y + ŷ) / Σw",
        tasks=REGRESSION,
        direction=Direction.LOWER,
        shape=Mean(_poisson_term, nonnegative=True),
        rules=DOMAIN_RULES,
    ),
    Loss(
        name="gamma_deviance",
        aliases=("mean_gamma_deviance",),
        description="Mean Gamma deviance, for positive amounts (y > 0, ŷ > 0)",
        formula="Σw·2(log(ŷ/y) + y/ŷ − 1) / Σw",
        tasks=REGRESSION,
        direction=Direction.LOWER,
        shape=Mean(_gamma_term, nonnegative=True),
        rules=DOMAIN_RULES,
    ),
    Loss(
        name="tweedie_deviance",
        aliases=("tweedie", "mean_tweedie_deviance"),
        description="Mean Tweedie deviance of power P "
        "(tweedie_deviance:power=P, P ≤ 0 or ≥ 1; default 0)",
        formula="Σw·d_P(y, ŷ) / Σw; P = 0: (y − ŷ)², 1: Poisson, 2: Gamma",
        tasks=REGRESSION,
        direction=Direction.LOWER,
        shape=Mean(_tweedie_term, nonnegative=True),
        rules=DOMAIN_RULES,
        params=(TweediePower("power", 0.0, "the Tweedie power P (≤ 0 or ≥ 1)"),),
    ),
    Loss(
        name="max_error",
        aliases=("max_absolute_error",),
        description="Largest absolute error (rows of zero weight do not count)",
        formula="max |y − ŷ| over rows with w > 0",
        tasks=REGRESSION,
        direction=Direction.LOWER,
        shape=Extreme(_abs_err),
    ),
):
    register(_loss)
