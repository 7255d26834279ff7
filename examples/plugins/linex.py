r"""LINEX: an asymmetric forecasting loss with a parameter (Varian 1975).

    L(e) = (exp(a·e) − a·e − 1) / a²,   e = ŷ − y

a > 0 punishes over-forecasts exponentially and under-forecasts about linearly;
a < 0 the other way round. As a → 0 it tends to ½e² (half the squared error).

Choose a for the errors' scale: a·e should stay within a few units, or exp(a·e)
dwarfs everything else (an over-forecast of 150 units costs e^75 with a = 0.5). For
the sample data's daily unit sales, whose errors reach ±150 units, a = ±0.02:

    losscli evaluate sample_data/demand_forecast.csv -g region \
        --plugin examples/plugins/linex.py -m linex:a=0.02,linex:a=-0.02,mse

The values are then of the order of ½·MSE, and north, which over-forecasts most,
costs more than three times as much with a = 0.02 as with a = −0.02.
"""

import numpy as np

import losscli


@losscli.loss(
    name="linex",
    direction="lower",
    task="regression",
    formula="Σw·(exp(a·e) − a·e − 1)/a² / Σw, e = ŷ − y",
    description="LINEX asymmetric loss (a > 0: over-forecasts cost more)",
    params=[losscli.Param("a", 1.0, "asymmetry; not 0", minimum=-50, maximum=50)],
)
def linex(y: np.ndarray, p: np.ndarray, a: float) -> np.ndarray:
    if a == 0:
        raise ValueError("a must not be 0 (use mse/2 for the symmetric limit)")
    e = a * (p - y)
    return (np.expm1(e) - e) / a**2
