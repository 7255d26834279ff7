"""From a chunk's columns to the :class:`Batch` each model is scored on.

Regression and binary models have one prediction column; multi-class models have
one column per class and a label given as class names or positions (turned into
one-hot rows) or as one-hot (soft) label columns. Logits become probabilities
here, and the logits travel along for the losses that are stabler with them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .losses import Batch, Params
from .losses.classification import log_sigmoid, log_softmax
from .reading import CLASS, ONEHOT, ColumnPlan, Model
from .reading.classes import ClassMatcher, one_hot
from .validate import RowProblems


class BatchBuilder:
    def __init__(self, source: str, plan: ColumnPlan, params: Params, renormalize: bool) -> None:
        self.plan, self.params, self.renormalize = plan, params, renormalize
        self.matcher = None
        if plan.label_kind == CLASS:
            # Labels are matched to the first model's class columns; every model's
            # columns are taken to list the classes in that same order.
            self.matcher = ClassMatcher(plan.models[0].columns, source, plan.label)

    def labels(self, batch: Any, values: dict[str, np.ndarray], offset: int) -> np.ndarray:
        """Label values, class positions, or a (rows × classes) matrix of one-hot labels."""
        if self.matcher is not None:
            return self.matcher.positions(batch.column(self.plan.label), offset)
        if self.plan.label_kind == ONEHOT:
            return np.column_stack([values[c] for c in self.plan.labels])
        return values[self.plan.label]

    def batch(
        self, model: Model, labels: np.ndarray, values: dict[str, np.ndarray],
        problems: RowProblems,
    ) -> Batch | None:
        """The model's batch, or None when its probabilities failed a check (already noted)."""
        weight = self.plan.weight
        w = values[weight] if weight else np.ones(len(labels))
        if not model.multiclass:
            p = values[model.columns[0]]
            if self.params.from_logits:
                return Batch(labels, np.exp(log_sigmoid(p)), w, self.params, logits=p)
            return Batch(labels, p, w, self.params)
        scores = np.column_stack([values[c] for c in model.columns])
        y = one_hot(labels, len(model.columns)) if self.matcher is not None else labels
        if self.params.from_logits:
            return Batch(y, np.exp(log_softmax(scores)), w, self.params, logits=scores)
        probs = problems.check_probabilities(scores, model.name, self.renormalize)
        return None if probs is None else Batch(y, probs, w, self.params)
