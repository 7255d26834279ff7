"""LINEX: an asymmetric forecasting loss with a parameter (Varian 1975).

    L(e) = (exp(a·e) − a·e − 1) / a²,   e = ŷ − y

a > 0 punishes over-forecasts exponentially and under-forecasts about linearly;
a < 0 the other way round. As a → 0 it tends to ½e² (half the squared error).

    losscli evaluate sales.csv --plugin examples/plugins/linex.py -m linex:a=0.5
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
