"""``--per-class``: a row per class and the averages after each row of a classifier."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def class_options(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--per-class",
        "per_class",
        is_flag=True,
        help="Classification: after each row (every group, the overall row), a row per class "
        "(binary: named by the label's values, false/true or 0/1) and the averages accuracy, "
        "macro avg and weighted avg, as "
        "scikit-learn's classification_report: precision, recall, F1 (added where not "
        "chosen), support, and the chosen losses defined per class (one-vs-rest roc_auc "
        "and accuracy, brier and ece of the class's column). Also -m precision:average=none.",
    )(f)
